"""Tests for data.warehouse: schema, idempotent writes, embedding cache, atomic publishing."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from data.warehouse import SCHEMA_VERSION, Warehouse, WarehouseBusy, publishing

ROOT = Path(__file__).resolve().parents[1]

TABLES = {"runs", "feedback", "sentences", "topics", "pain_points", "quarantine", "embeddings"}
VIEWS = {"latest_pain_points", "feedback_themes"}


def feedback_frame(ids: list[str], texts: list[str] | None = None) -> pl.DataFrame:
    texts = texts or [f"Die Lieferung {i} kam zu spät." for i in ids]
    n = len(ids)
    return pl.DataFrame(
        {
            "doc_id": ids,
            "source": ["shop_reviews"] * n,
            "source_record_id": [f"R-{i}" for i in ids],
            "channel": ["review"] * n,
            "created_at": [datetime(2026, 9, 14, 10, 22, tzinfo=UTC)] * n,
            "text": texts,
            "ingested_run_id": ["run-1"] * n,
        },
        schema_overrides={"created_at": pl.Datetime("us", "UTC")},
    )


def quarantine_frame(qid: str, raw: str = '{"review_id": "R-9", "stars": "9"}') -> pl.DataFrame:
    return pl.DataFrame({
        "quarantine_id": [qid], "source": ["shop_reviews"], "channel": ["review"],
        "source_record_id": ["R-9"], "raw_record": [raw], "reason": ["score_out_of_range"],
        "detail": ["rating '9' outside 1-5"],
    })


def texts_in(path: Path) -> list[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT text FROM feedback ORDER BY doc_id").fetchall()]
    finally:
        con.close()


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    warehouse = Warehouse(tmp_path / "wh" / "voc.duckdb")
    yield warehouse
    warehouse.close()


class TestSchema:
    def test_migrate_creates_tables_and_views(self, wh: Warehouse) -> None:
        tables = {r[0] for r in wh.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        views = {
            r[0] for r in wh.con.execute(
                "SELECT view_name FROM duckdb_views() WHERE NOT internal"
            ).fetchall()
        }
        assert tables >= TABLES | {"schema_version"}
        assert views >= VIEWS
        assert wh.path.exists()

    def test_migrate_twice_is_harmless(self, wh: Warehouse) -> None:
        wh.insert_feedback(feedback_frame(["a"]))
        wh.migrate()
        wh.migrate()
        assert wh.count("feedback") == 1
        versions = wh.con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
        assert versions == [(v,) for v in range(1, SCHEMA_VERSION + 1)]

    def test_reopen_existing_file(self, tmp_path: Path) -> None:
        path = tmp_path / "voc.duckdb"
        with Warehouse(path) as first:
            first.insert_feedback(feedback_frame(["a", "b"]))
        with Warehouse(path) as second:
            assert second.count("feedback") == 2

    def test_count_rejects_unknown_table(self, wh: Warehouse) -> None:
        with pytest.raises(ValueError, match="unknown table"):
            wh.count("feedback; DROP TABLE runs")

    def test_views_work(self, wh: Warehouse) -> None:
        wh.insert_feedback(feedback_frame(["a"]))
        frame = wh.query("SELECT doc_id, topic_label FROM feedback_themes")
        assert frame.to_dicts() == [{"doc_id": "a", "topic_label": None}]
        assert wh.query("SELECT * FROM latest_pain_points").is_empty()


class TestFeedback:
    def test_insert_twice_adds_rows_once(self, wh: Warehouse) -> None:
        frame = feedback_frame(["a", "b"], ["Η εφαρμογή κολλάει.", "التوصيل بطيء جداً."])
        assert wh.insert_feedback(frame) == 2
        assert wh.insert_feedback(frame) == 0
        assert wh.count("feedback") == 2
        assert wh.insert_feedback(feedback_frame(["b", "c"])) == 1
        assert wh.count("feedback") == 3
        # The existing row is left as it was.
        text = wh.query("SELECT text FROM feedback WHERE doc_id = 'b'")["text"][0]
        assert text == "التوصيل بطيء جداً."

    def test_empty_frame(self, wh: Warehouse) -> None:
        assert wh.insert_feedback(feedback_frame([]).clear()) == 0

    def test_created_at_stored_as_utc(self, wh: Warehouse) -> None:
        wh.insert_feedback(feedback_frame(["a"]))
        stored = wh.query("SELECT created_at FROM feedback")["created_at"][0]
        assert stored.replace(tzinfo=None) == datetime(2026, 9, 14, 10, 22)

    def test_created_at_utc_even_when_machine_is_not(self, tmp_path: Path) -> None:
        script = textwrap.dedent(
            f"""
            import sys
            from datetime import UTC, datetime
            from pathlib import Path
            sys.path.insert(0, {str(ROOT)!r})
            from data.warehouse import Warehouse
            with Warehouse(Path({str(tmp_path / "tz.duckdb")!r})) as wh:
                wh.start_run("r", datetime(2026, 9, 14, 10, 22, tzinfo=UTC), {{}}, None)
                print(wh.run_row("r")["started_at"].isoformat())
            """
        )
        env = {**os.environ, "TZ": "Asia/Tehran"}
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                             text=True, timeout=60, check=True)
        assert out.stdout.strip() == "2026-09-14T10:22:00"

    def test_known_doc_ids(self, wh: Warehouse) -> None:
        wh.insert_feedback(feedback_frame(["a", "b"]))
        assert wh.known_doc_ids(["b", "z"]) == {"b"}
        assert wh.known_doc_ids([]) == set()


class TestQuarantine:
    def test_same_id_twice_keeps_one_row_and_updates_last_run(self, wh: Warehouse) -> None:
        assert wh.record_quarantine(quarantine_frame("q1"), "run-1") == 1
        assert wh.record_quarantine(quarantine_frame("q1"), "run-2") == 0
        rows = wh.query("SELECT * FROM quarantine").to_dicts()
        assert len(rows) == 1
        assert rows[0]["first_run_id"] == "run-1"
        assert rows[0]["last_run_id"] == "run-2"
        assert rows[0]["reason"] == "score_out_of_range"
        assert wh.record_quarantine(quarantine_frame("q2", "other"), "run-2") == 1
        assert wh.count("quarantine") == 2


class TestRuns:
    def test_latest_run_is_newest_completed(self, wh: Warehouse) -> None:
        assert wh.latest_run_id() is None
        wh.start_run("r1", datetime(2026, 9, 1, 2, 30, tzinfo=UTC), {"source": None}, None)
        wh.finish_run("r1", status="completed", stage_counts={"ingest": {"read": 3}}, timings={},
                      models={}, finished_at=datetime(2026, 9, 1, 2, 40, tzinfo=UTC))
        wh.start_run("r2", datetime(2026, 9, 2, 2, 30, tzinfo=UTC), {}, "flow-1")
        assert wh.latest_run_id() == "r1"  # r2 is still running
        wh.finish_run("r2", status="failed", stage_counts={}, timings={}, models={},
                      finished_at=datetime(2026, 9, 2, 2, 31, tzinfo=UTC), error="boom")
        assert wh.latest_run_id() == "r1"
        row = wh.run_row("r2")
        assert (row["status"], row["error"], row["flow_run_id"]) == ("failed", "boom", "flow-1")
        with pytest.raises(KeyError):
            wh.run_row("nope")


class TestEmbeddings:
    def test_round_trip(self, wh: Warehouse) -> None:
        rng = np.random.default_rng(7)
        vectors = rng.normal(size=(3, 8))
        wh.store_embeddings(["h1", "h2", "h3"], vectors, "e5-small")
        cached = wh.cached_embeddings(["h3", "h1", "missing", "h1"], "e5-small")
        assert set(cached) == {"h1", "h3"}
        for key, row in (("h1", 0), ("h3", 2)):
            assert cached[key].dtype == np.float32
            np.testing.assert_array_equal(cached[key], vectors[row].astype(np.float32))
        assert wh.cached_embeddings(["h1"], "other-model") == {}
        assert wh.cached_embeddings([], "e5-small") == {}

    def test_storing_again_keeps_one_row(self, wh: Warehouse) -> None:
        vectors = np.ones((1, 4), dtype=np.float32)
        wh.store_embeddings(["h1"], vectors, "e5-small")
        wh.store_embeddings(["h1"], vectors * 2, "e5-small")
        wh.store_embeddings(["h1"], vectors * 3, "other-model")
        assert wh.count("embeddings") == 2
        np.testing.assert_array_equal(wh.cached_embeddings(["h1"], "e5-small")["h1"], vectors[0])


class TestPublishing:
    @pytest.fixture
    def published(self, tmp_path: Path) -> Path:
        path = tmp_path / "warehouse" / "voc.duckdb"
        with Warehouse(path) as wh:
            wh.insert_feedback(feedback_frame(["a"], ["old: Die App stürzt ab."]))
        return path

    def test_success_replaces_file(self, published: Path) -> None:
        with publishing(published) as wh:
            assert wh.path != published
            assert wh.count("feedback") == 1  # the run starts from the published data
            wh.insert_feedback(feedback_frame(["b"], ["new: החבילה הגיעה פגומה."]))
        assert texts_in(published) == ["old: Die App stürzt ab.", "new: החבילה הגיעה פגומה."]
        assert sorted(p.name for p in published.parent.iterdir()) == ["voc.duckdb",
                                                                     "voc.duckdb.lock"]

    def test_first_run_creates_file(self, tmp_path: Path) -> None:
        path = tmp_path / "new" / "voc.duckdb"
        with publishing(path) as wh:
            wh.insert_feedback(feedback_frame(["a"]))
        assert texts_in(path) == ["Die Lieferung a kam zu spät."]

    def test_exception_leaves_published_file_unchanged(self, published: Path) -> None:
        before = published.read_bytes()
        with pytest.raises(RuntimeError, match="model crashed"), publishing(published) as wh:
            wh.insert_feedback(feedback_frame(["b"], ["new"]))
            raise RuntimeError("model crashed")
        assert published.read_bytes() == before
        assert texts_in(published) == ["old: Die App stürzt ab."]
        assert sorted(p.name for p in published.parent.iterdir()) == ["voc.duckdb",
                                                                     "voc.duckdb.lock"]

    def test_a_second_run_is_refused_while_one_writes(self, published: Path) -> None:
        with publishing(published) as wh:
            wh.insert_feedback(feedback_frame(["b"], ["new: Το δέμα άργησε."]))
            busy = rf"pid {os.getpid()}, since .* UTC\); nothing was changed"
            with pytest.raises(WarehouseBusy, match=busy), publishing(published):
                pytest.fail("a second run must not start")
            # The refused run touched nothing: the first one's copy is still there.
            assert wh.count("feedback") == 2
        assert texts_in(published) == ["old: Die App stürzt ab.", "new: Το δέμα άργησε."]
        with publishing(published) as wh:  # released once the first run has published
            assert wh.count("feedback") == 2

    def test_a_run_in_another_process_holds_the_warehouse(self, published: Path) -> None:
        import subprocess
        import sys
        import time

        ready, go = published.with_name("ready"), published.with_name("go")
        child = subprocess.Popen([sys.executable, "-c", (
            "import pathlib, time\n"
            "from data.warehouse import publishing\n"
            f"with publishing(pathlib.Path({str(published)!r})):\n"
            f"    pathlib.Path({str(ready)!r}).touch()\n"
            f"    while not pathlib.Path({str(go)!r}).exists(): time.sleep(0.05)\n")],
            cwd=Path(__file__).resolve().parents[1])
        try:
            deadline = time.monotonic() + 60
            while not ready.exists():
                assert child.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
            with pytest.raises(WarehouseBusy, match=f"pid {child.pid}"), publishing(published):
                pytest.fail("a second run must not start")
        finally:
            go.touch()
            assert child.wait(timeout=60) == 0
        with publishing(published) as wh:  # the dead process's lock is gone with it
            assert wh.count("feedback") == 1

    def test_a_failed_run_releases_the_warehouse(self, published: Path) -> None:
        with pytest.raises(RuntimeError, match="disk full"), publishing(published):
            raise RuntimeError("disk full")
        with publishing(published) as wh:
            assert wh.count("feedback") == 1

    def test_leftover_working_copy_is_discarded(self, published: Path) -> None:
        working = published.with_name(published.name + ".writing")
        working.write_bytes(b"garbage from a killed run")
        with publishing(published) as wh:
            assert wh.count("feedback") == 1
        assert not working.exists()

    def test_analysts_read_old_data_during_a_run(self, published: Path) -> None:
        with publishing(published) as wh:
            wh.insert_feedback(feedback_frame(["b"], ["new"]))
            wh.con.execute("CHECKPOINT")
            reader = duckdb.connect(str(published), read_only=True)
            assert reader.execute("SELECT count(*) FROM feedback").fetchall() == [(1,)]
            # And from another process, as an analyst's notebook would.
            script = (
                "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
                "print(con.execute('SELECT text FROM feedback').fetchall())"
            )
            out = subprocess.run([sys.executable, "-c", script, str(published)],
                                 capture_output=True, text=True, timeout=60, check=True)
            assert out.stdout.strip() == "[('old: Die App stürzt ab.',)]"
        # The open reader keeps its snapshot; a new connection sees the published run.
        assert reader.execute("SELECT count(*) FROM feedback").fetchall() == [(1,)]
        reader.close()
        assert texts_in(published) == ["old: Die App stürzt ab.", "new"]


def test_migrate_upgrades_a_first_release_warehouse(tmp_path: Path) -> None:
    import duckdb as _duckdb

    from data.warehouse import SCHEMA_VERSION

    path = tmp_path / "old.duckdb"
    con = _duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                "applied_at TIMESTAMP NOT NULL)")
    con.execute("INSERT INTO schema_version VALUES (1, now())")
    con.execute("CREATE TABLE sentences (doc_id VARCHAR NOT NULL, sentence_idx INTEGER NOT NULL,"
                " text VARCHAR NOT NULL, lang VARCHAR, sentiment VARCHAR, sentiment_score DOUBLE,"
                " topic_id INTEGER, text_hash VARCHAR NOT NULL,"
                " PRIMARY KEY (doc_id, sentence_idx))")
    con.execute("INSERT INTO sentences VALUES ('d', 0, 'late again', 'en', 'negative', -0.8, "
                "NULL, 'h')")
    con.close()
    with Warehouse(path) as wh:
        assert wh.schema_version() == SCHEMA_VERSION >= 2
        columns = [r[0] for r in wh.con.execute("DESCRIBE sentences").fetchall()]
        assert "topic_similarity" in columns
        assert wh.count("sentences") == 1  # data survives the upgrade
    with Warehouse(path) as wh:  # a second open applies nothing twice
        versions = [r[0] for r in wh.con.execute("SELECT version FROM schema_version").fetchall()]
        assert sorted(versions) == list(range(1, SCHEMA_VERSION + 1))
