"""The ingest stage against a real warehouse file: cursors, backfills, accounting,
cross-channel duplicates, quarantine reasons, the raw table and the customer_key secret.

No models are loaded: only the ingest stage runs.
"""

from __future__ import annotations

import csv
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.warehouse import Warehouse
from flows import customer_keys
from flows.config import VocConfig
from flows.run import open_run
from flows.stages import ingest

SECRET = "unit-test-secret-for-customer-keys-only"
REVIEW_HEADER = ["review_id", "submitted_at", "stars", "title", "body", "customer"]


def make_config(root: Path, sources: list[dict[str, Any]], **sections: Any) -> VocConfig:
    return VocConfig.model_validate({
        "warehouse": {"path": str(root / "wh" / "voc.duckdb")},
        "sources": sources, "root": root, **sections,
    })


def review_source(path: str = "reviews*.csv", **extra: Any) -> dict[str, Any]:
    return {"name": "shop_reviews", "channel": "review", "path": path, "format": "csv",
            "columns": {"id": "review_id", "created_at": "submitted_at", "rating": "stars",
                        "title": "title", "body": "body", "customer": "customer"}, **extra}


def chat_source(path: str = "chats.jsonl") -> dict[str, Any]:
    return {"name": "support_chats", "channel": "chat", "path": path, "format": "jsonl",
            "columns": {"id": "id", "created_at": "at", "turns": "turns", "role": "role",
                        "text": "text", "customer": "email"}}


def write_reviews(path: Path, rows: list[list[Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(REVIEW_HEADER)
        writer.writerows(rows)


def review(i: int, day: int = 1, body: str | None = None, customer: str = "") -> list[Any]:
    return [f"R{i}", f"2026-09-{day:02d}T10:00:00Z", 4, "", body or f"Review number {i} is fine",
            customer]


def run_ingest(config: VocConfig, run_id: str, *, since: datetime | None = None,
               until: datetime | None = None, sources: list[str] | None = None
               ) -> dict[str, Any]:
    with open_run(config, run_id) as ctx:
        return ingest.run(ctx, sources, since, until)


def table(config: VocConfig, sql: str) -> list[tuple]:
    with Warehouse(config.resolve(config.warehouse.path), read_only=True) as wh:
        return wh.con.execute(sql).fetchall()


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOC_CUSTOMER_KEY_SECRET", SECRET)


def assert_balanced(counts: dict[str, Any]) -> None:
    for name, acc in counts["sources"].items():
        assert acc["read"] == acc["loaded"] + acc["duplicates"] + acc["quarantined"], name
        assert acc["balanced"] is True
    assert counts["read"] == counts["loaded"] + counts["duplicates"] + counts["quarantined"]


class TestIncremental:
    def test_nightly_reads_only_new_files_and_changed_files(self, tmp_path: Path) -> None:
        write_reviews(tmp_path / "reviews-1.csv", [review(i) for i in range(5)])
        config = make_config(tmp_path, [review_source()])
        first = run_ingest(config, "run1")
        assert (first["read"], first["loaded"], first["files_read"]) == (5, 5, 1)
        again = run_ingest(config, "run2")
        assert (again["read"], again["loaded"], again["files_skipped"]) == (0, 0, 1)
        # A new night's file, and the old file re-exported with two more rows.
        write_reviews(tmp_path / "reviews-2.csv", [review(i) for i in range(10, 13)])
        write_reviews(tmp_path / "reviews-1.csv", [review(i) for i in range(7)])
        third = run_ingest(config, "run3")
        assert_balanced(third)
        assert third["loaded"] == 5  # 3 new file + 2 appended
        assert third["duplicates"] == 5  # the old rows of the re-exported file
        assert third["files_read"] == 2
        assert table(config, "SELECT count(*) FROM feedback")[0][0] == 10
        assert table(config, "SELECT count(*) FROM source_files")[0][0] == 3

    def test_backfill_window_twice_changes_nothing(self, tmp_path: Path) -> None:
        write_reviews(tmp_path / "reviews.csv",
                      [review(i, day=1 + i) for i in range(10)])  # 1st..10th of September
        config = make_config(tmp_path, [review_source()])
        since, until = datetime(2026, 9, 3, tzinfo=UTC), datetime(2026, 9, 6, tzinfo=UTC)
        first = run_ingest(config, "run1", since=since, until=until)
        assert (first["read"], first["loaded"], first["outside_window"]) == (3, 3, 7)
        assert_balanced(first)
        before = table(config, "SELECT doc_id, text FROM feedback ORDER BY doc_id")
        second = run_ingest(config, "run2", since=since, until=until)
        assert (second["read"], second["loaded"], second["duplicates"]) == (3, 0, 3)
        assert table(config, "SELECT doc_id, text FROM feedback ORDER BY doc_id") == before
        # A window does not mark the file read: the nightly run still takes the rest.
        nightly = run_ingest(config, "run3")
        assert (nightly["loaded"], nightly["duplicates"]) == (7, 3)

    def test_run_that_dies_leaves_warehouse_as_it_was(self, tmp_path: Path) -> None:
        write_reviews(tmp_path / "reviews.csv", [review(i) for i in range(4)])
        config = make_config(tmp_path, [review_source()])
        run_ingest(config, "run1")
        write_reviews(tmp_path / "reviews-2.csv", [review(i) for i in range(10, 14)])
        with pytest.raises(RuntimeError, match="died"), open_run(config, "run2") as ctx:
            ingest.run(ctx, None, None, None)
            assert ctx.warehouse.count("feedback") == 8
            raise RuntimeError("died half-way")
        assert table(config, "SELECT count(*) FROM feedback")[0][0] == 4
        assert table(config, "SELECT count(*) FROM source_files")[0][0] == 1
        retry = run_ingest(config, "run3")
        assert (retry["loaded"], retry["files_read"], retry["files_skipped"]) == (4, 1, 1)

    def test_small_chunks_give_the_same_result(self, tmp_path: Path) -> None:
        rows = [review(i) for i in range(250)] + [review(3), review(7)]  # 2 repeated records
        write_reviews(tmp_path / "reviews.csv", rows)
        config = make_config(tmp_path, [review_source()], ingest={"chunk_size": 100})
        counts = run_ingest(config, "run1")
        assert (counts["read"], counts["loaded"], counts["duplicates"]) == (252, 250, 2)


class TestBadInput:
    def test_every_reason_is_named_and_accounted(self, tmp_path: Path) -> None:
        lines = [
            "review_id,submitted_at,stars,title,body,customer",
            'ok1,2026-09-01,5,,"Great shop, fast delivery",',
            "bad_cells,2026-09-01,5,,too,many,cells,here",
            "no_text,2026-09-01,4,,,",
            "long,2026-09-01,4,," + "x" * 300 + ",",
            "moji,2026-09-01,4,,Ð¡Ð¿Ð°ÑÐ¸Ð±Ð¾ Ð·Ð° Ð·Ð°ÐºÐ°Ð·,",
            "baddate,yesterday-ish,4,,Fine product,",
            "future,2099-01-01,4,,Fine product,",
            "stars,2026-09-01,9,,Fine product,",
            ",2026-09-01,4,,No id here,",
            "repaired,2026-09-01,4,,CafÃ© crÃ¨me was cold,",
        ]
        (tmp_path / "reviews.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        config = make_config(tmp_path, [review_source()], ingest={"max_text_chars": 200})
        counts = run_ingest(config, "run1")
        assert_balanced(counts)
        assert counts["read"] == 10
        assert counts["loaded"] == 2
        reasons = dict(table(config, "SELECT reason, source_record_id FROM quarantine"))
        assert reasons == {"not_parseable": "", "no_text": "no_text", "text_too_long": "long",
                           "mojibake": "moji", "unparseable_date": "baddate",
                           "future_date": "future", "score_out_of_range": "stars",
                           "missing_id": ""}
        assert counts["quarantine_reasons"] == {reason: 1 for reason in reasons}
        raws = [r[0] for r in table(config, "SELECT raw_record FROM quarantine")]
        assert any("many,cells" in r or "many" in r for r in raws)  # the raw record is kept
        repaired = table(config, "SELECT text FROM feedback WHERE source_record_id='repaired'")
        assert repaired == [("Café crème was cold",)]

    def test_unknown_channel_in_a_mixed_source(self, tmp_path: Path) -> None:
        records = [
            {"id": "1", "at": "2026-09-01T08:00:00Z", "kind": "review", "text": "Late parcel"},
            {"id": "2", "at": "2026-09-01T08:00:00Z", "kind": "fax", "text": "Hello"},
            {"id": "3", "at": "2026-09-01T08:00:00Z", "kind": "Survey", "text": "Too pricey"},
        ]
        (tmp_path / "crm.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
        config = make_config(tmp_path, [{
            "name": "crm", "channel": "mixed", "path": "crm.jsonl", "format": "jsonl",
            "columns": {"id": "id", "created_at": "at", "channel": "kind", "text": "text"}}])
        counts = run_ingest(config, "run1")
        assert_balanced(counts)
        assert counts["quarantine_reasons"] == {"unknown_channel": 1}
        assert sorted(table(config, "SELECT channel FROM feedback")) == [("review",),
                                                                         ("survey",)]

    def test_gzip_source(self, tmp_path: Path) -> None:
        with gzip.open(tmp_path / "reviews.csv.gz", "wt", encoding="utf-8", newline="") as h:
            writer = csv.writer(h)
            writer.writerow(REVIEW_HEADER)
            writer.writerows([review(i) for i in range(3)])
        config = make_config(tmp_path, [review_source("reviews.csv.gz")])
        assert run_ingest(config, "run1")["loaded"] == 3


class TestCrossChannel:
    def _write(self, tmp_path: Path, chat_day: int) -> VocConfig:
        write_reviews(tmp_path / "reviews.csv", [
            review(1, day=5, body="My refund never arrived", customer="Sara.K@Example.com"),
            review(2, day=5, body="My refund never arrived", customer="other@example.com"),
        ])
        chats = [{"id": "c1", "at": f"2026-09-{chat_day:02d}T09:00:00Z",
                  "email": "sara.k@example.com",
                  "turns": [{"role": "customer", "text": "My refund never arrived"}]}]
        (tmp_path / "chats.jsonl").write_text("\n".join(json.dumps(c) for c in chats) + "\n")
        return make_config(tmp_path, [review_source("reviews.csv"), chat_source()],
                           ingest={"cross_channel_window_hours": 48})

    def test_same_customer_same_words_two_channels_counts_once(self, tmp_path: Path) -> None:
        config = self._write(tmp_path, chat_day=6)
        counts = run_ingest(config, "run1")
        assert_balanced(counts)
        assert counts["loaded"] == 2
        assert counts["cross_channel_duplicates"] == 1
        links = table(config, "SELECT d.channel, f.channel, f.source_record_id "
                              "FROM feedback_duplicates d JOIN feedback f "
                              "ON f.doc_id = d.duplicate_of")
        assert links == [("chat", "review", "R1")]
        # Read again (a backfill): nothing new, the link stays single.
        again = run_ingest(config, "run2", since=datetime(2026, 9, 1, tzinfo=UTC))
        assert (again["loaded"], again["duplicates"]) == (0, 3)
        assert table(config, "SELECT count(*) FROM feedback_duplicates")[0][0] == 1

    def test_outside_the_window_both_count(self, tmp_path: Path) -> None:
        config = self._write(tmp_path, chat_day=9)  # four days later
        counts = run_ingest(config, "run1")
        assert (counts["loaded"], counts["cross_channel_duplicates"]) == (3, 0)

    def test_customer_key_links_without_identity(self, tmp_path: Path) -> None:
        config = self._write(tmp_path, chat_day=9)
        run_ingest(config, "run1")
        keys = table(config, "SELECT channel, customer_key FROM feedback "
                             "WHERE source_record_id IN ('R1', 'c1') ORDER BY channel")
        assert keys[0][1] == keys[1][1] is not None  # one customer across channels
        everything = json.dumps(table(config, "SELECT * FROM feedback"), default=str).lower()
        assert "sara" not in everything and "example.com" not in everything


class TestPrivacyAndSecret:
    def test_missing_secret_says_how_to_set_it(self, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("VOC_CUSTOMER_KEY_SECRET")
        write_reviews(tmp_path / "reviews.csv", [review(1)])
        config = make_config(tmp_path, [review_source()])
        with pytest.raises(customer_keys.MissingSecret) as err:
            run_ingest(config, "run1")
        assert "export VOC_CUSTOMER_KEY_SECRET=" in str(err.value)
        assert not config.resolve(config.warehouse.path).exists()

    def test_a_short_secret_is_refused(self, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
        # A 3-character secret was recovered from the keys in 0.02 s.
        monkeypatch.setenv("VOC_CUSTOMER_KEY_SECRET", "a" * 31)
        write_reviews(tmp_path / "reviews.csv", [review(1)])
        config = make_config(tmp_path, [review_source()])
        with pytest.raises(customer_keys.WeakSecret, match="31 bytes.*at least 32"):
            run_ingest(config, "run1")
        assert not config.resolve(config.warehouse.path).exists()
        monkeypatch.setenv("VOC_CUSTOMER_KEY_SECRET", "a" * 32)
        assert run_ingest(config, "run1")["loaded"] == 1

    def test_key_depends_on_secret_and_normalised_identity(self) -> None:
        a = customer_keys.customer_key("Sara.K@Example.com ", b"s1")
        assert a == customer_keys.customer_key("sara.k@example.com", b"s1")
        assert a != customer_keys.customer_key("sara.k@example.com", b"s2")
        # One phone number written three ways, Persian digits included.
        assert (customer_keys.customer_key("+98 912 345 6789", b"s")
                == customer_keys.customer_key("0098-912-345-6789", b"s")
                == customer_keys.customer_key("+۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹", b"s"))
        assert (customer_keys.customer_key("@Sara_K", b"s")
                == customer_keys.customer_key("sara_k", b"s"))
        assert customer_keys.customer_key("  ", b"s") is None

    @pytest.mark.parametrize("store", [False, True])
    def test_raw_text_only_in_raw_table_when_asked(self, tmp_path: Path, store: bool) -> None:
        write_reviews(tmp_path / "reviews.csv",
                      [review(1, body="Call me on +44 7700 900123 about the refund")])
        config = make_config(tmp_path, [review_source()], privacy={"store_raw_text": store})
        run_ingest(config, "run1")
        assert table(config, "SELECT text FROM feedback") == [
            ("Call me on [PHONE] about the refund",)]
        raw = table(config, "SELECT raw_text FROM raw_feedback")
        assert raw == ([("Call me on +44 7700 900123 about the refund",)] if store else [])


class TestApiSource:
    """An API source through the ingest stage, against a real local HTTP server."""

    def test_pages_cursor_and_token(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                    ) -> None:
        from tests.test_api_source import FakeApi, Reply, Seen

        monkeypatch.setenv("HELPDESK_TOKEN", "tok-123")
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
            monkeypatch.delenv(name, raising=False)
        records = [{"id": str(i), "updated": f"2026-09-{1 + i:02d}T08:00:00Z",
                    "via": "chat" if i % 2 else "review", "body": f"Refund number {i} is late"}
                   for i in range(6)]

        def pages(seen: Seen) -> Reply:
            since = seen.query.get("updated_since", ["2000-01-01T00:00:00Z"])[0]
            fresh = [r for r in records if r["updated"] >= since]
            start = int(seen.query.get("page", ["1"])[0]) - 1
            return Reply(doc={"items": fresh[start * 4:(start + 1) * 4]})

        api = FakeApi()
        try:
            api.always("/feedback", pages)
            config = make_config(tmp_path, [{
                "name": "helpdesk", "channel": "mixed", "format": "api",
                "columns": {"id": "id", "created_at": "updated", "channel": "via",
                            "text": "body"},
                "api": {"url": api.url("/feedback"), "token_env": "HELPDESK_TOKEN",
                        "records_key": "items", "next_key": None, "page_param": "page",
                        "since_param": "updated_since", "overlap_hours": 24}}])
            first = run_ingest(config, "run1")
            assert (first["read"], first["loaded"]) == (6, 6)
            assert all(s.headers["authorization"] == "Bearer tok-123" for s in api.seen)
            assert table(config, "SELECT watermark FROM source_cursors") == [
                (datetime(2026, 9, 6, 8, 0),)]
            records.append({"id": "6", "updated": "2026-09-07T08:00:00Z", "via": "social",
                            "body": "Still waiting for my refund"})
            api.seen.clear()
            second = run_ingest(config, "run2")
            # Asked from the cursor less the overlap: two old records again, and the new one.
            assert api.seen[0].query["updated_since"] == ["2026-09-05T08:00:00Z"]
            assert (second["read"], second["loaded"], second["duplicates"]) == (3, 1, 2)
            assert table(config, "SELECT count(*) FROM feedback")[0][0] == 7
        finally:
            api.close()


class TestArbitraryInput:
    """Whatever a file holds, ingest never crashes and every record is accounted for."""

    # NUL makes a whole file binary to the reader (one not_parseable record): the byte-level
    # test below covers it; here rows must stay rows.
    CELL = st.one_of(
        st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
                max_size=30),
        st.sampled_from(["", "2026-09-01", "2099-01-01T00:00:00Z", "5", "11", "-1", "x",
                         "CafÃ©", "a@b.co", "\ufffd\ufffd", "@handle", "+49 151 2345678"]))

    @staticmethod
    def _ingest_file(name: str, fmt: str, content: bytes) -> dict[str, Any]:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / name).write_bytes(content)
            source = review_source(name, format=fmt)
            counts = run_ingest(make_config(root, [source]), "run1")
            assert_balanced(counts)
            with Warehouse(root / "wh" / "voc.duckdb", read_only=True) as wh:
                stored = wh.count("feedback") + wh.count("quarantine")
            # Each record is a feedback row or a quarantine row (repeats collapse to one).
            assert stored <= counts["read"]
            assert counts["loaded"] == wh_count(root, "feedback")
            return counts

    @given(rows=st.lists(st.lists(CELL, max_size=8), max_size=25))
    @settings(max_examples=25, deadline=None)
    def test_malformed_csv_rows(self, rows: list[list[str]]) -> None:
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(REVIEW_HEADER)
        writer.writerows(rows)
        counts = self._ingest_file("reviews.csv", "csv", buffer.getvalue().encode())
        # Every non-blank row is at least one record (a row with cells is never lost).
        assert counts["read"] >= len([r for r in rows if any(c.strip() for c in r)])

    @given(content=st.binary(max_size=400),
           fmt=st.sampled_from(["csv", "jsonl", "json", "parquet", "excel"]),
           gz=st.booleans())
    @settings(max_examples=30, deadline=None)
    def test_arbitrary_bytes(self, content: bytes, fmt: str, gz: bool) -> None:
        ext = {"excel": "xlsx"}.get(fmt, fmt)
        self._ingest_file(f"export.{ext}" + (".gz" if gz else ""), fmt, content)


def wh_count(root: Path, table_name: str) -> int:
    with Warehouse(root / "wh" / "voc.duckdb", read_only=True) as wh:
        return wh.count(table_name)


class TestExportsWithoutIdOrIsoDates:
    """Real exports: no id column, day-first dates, offsets after a space."""

    HEADER = ["submitted_at", "stars", "title", "body", "customer"]

    @staticmethod
    def source(path: str = "reviews*.csv", **extra: Any) -> dict[str, Any]:
        return {"name": "shop_reviews", "channel": "review", "path": path, "format": "csv",
                "columns": {"created_at": "submitted_at", "rating": "stars", "title": "title",
                            "body": "body", "customer": "customer"}, **extra}

    def write(self, path: Path, rows: list[list[Any]]) -> None:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(self.HEADER)
            writer.writerows(rows)

    def rows(self) -> list[list[Any]]:
        return [
            ["2026-09-01 10:00:00 +0200", 5, "", "Fast delivery", "a@example.com"],
            ["2026-09-01 10:00:00 +0200", 5, "", "Fast delivery", "b@example.com"],  # same words
            ["2026-09-01", 2, "", "Parcel was damaged", ""],
            ["2026-09-01", 2, "", "Parcel was damaged", ""],  # an identical row: two records
            ["2026-09-02", 4, "", "Nice packaging", ""],
        ]

    def test_idless_export_loads_once(self, tmp_path: Path) -> None:
        self.write(tmp_path / "reviews-1.csv", self.rows())
        config = make_config(tmp_path, [self.source()])
        first = run_ingest(config, "run1")
        assert_balanced(first)
        assert (first["read"], first["loaded"], first["quarantined"]) == (5, 5, 0)
        ids = table(config, "SELECT source_record_id FROM feedback")
        assert all(i.startswith("content-") for (i,) in ids)
        # The same file again under another name: nothing new, every record a duplicate.
        (tmp_path / "reviews-copy.csv").write_bytes((tmp_path / "reviews-1.csv").read_bytes())
        second = run_ingest(config, "run2")
        assert_balanced(second)
        assert (second["read"], second["loaded"], second["duplicates"]) == (5, 0, 5)
        # Re-exported with two rows appended (one a repeat of an earlier row): only they load.
        self.write(tmp_path / "reviews-1.csv", self.rows() + [
            ["2026-09-03", 1, "", "Refund still missing", ""],
            ["2026-09-02", 4, "", "Nice packaging", ""]])
        third = run_ingest(config, "run3")
        assert_balanced(third)
        assert (third["read"], third["loaded"], third["duplicates"]) == (7, 2, 5)
        # A backfill window re-reads every file: nothing new.
        backfill = run_ingest(config, "run4", since=datetime(2026, 9, 1, tzinfo=UTC))
        assert (backfill["loaded"], backfill["duplicates"]) == (0, 12)
        assert table(config, "SELECT count(*) FROM feedback")[0][0] == 7

    def test_day_first_export_needs_date_format(self, tmp_path: Path) -> None:
        self.write(tmp_path / "reviews.csv", [
            ["24/02/2026", 4, "", "Good value", ""],
            ["03/04/2026 18:30", 2, "", "Late again", ""],
            ["not a date", 2, "", "Late again", ""],
        ])
        outside = {"allowed_roots": [str(tmp_path)]}  # the export is outside the project root
        guessed = make_config(tmp_path / "a", [self.source(str(tmp_path / "reviews.csv"))],
                              ingest=outside)
        counts = run_ingest(guessed, "run1")
        assert_balanced(counts)
        assert counts["quarantine_reasons"] == {"ambiguous_date": 2, "unparseable_date": 1}
        details = table(guessed, "SELECT detail FROM quarantine WHERE reason = 'ambiguous_date'")
        assert all("date_format" in d and "shop_reviews" in d for (d,) in details)
        told = make_config(tmp_path / "b", [self.source(
            str(tmp_path / "reviews.csv"), date_format=["%d/%m/%Y %H:%M", "%d/%m/%Y"],
            timezone="Europe/Berlin")], ingest=outside)
        counts = run_ingest(told, "run1")
        assert counts["quarantine_reasons"] == {"unparseable_date": 1}
        assert sorted(table(told, "SELECT created_at FROM feedback")) == [
            (datetime(2026, 2, 23, 23, 0),), (datetime(2026, 4, 3, 16, 30),)]
