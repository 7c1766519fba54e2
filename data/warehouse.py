"""The DuckDB warehouse: owns every SQL statement the pipeline runs.

A run never writes the file analysts read. It copies the warehouse, writes the
copy, and swaps it in with an atomic rename when the run has completed
(:func:`publishing`). Analysts' read-only connections keep working during a run,
and a run that dies half-way leaves the published warehouse as it was.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl

# Schema changes after the first release, applied in order to older warehouses.
# schema.sql always describes the newest schema; each entry upgrades an older file to it.
MIGRATIONS: dict[int, str] = {
    2: "ALTER TABLE sentences ADD COLUMN IF NOT EXISTS topic_similarity DOUBLE",
    # 3: source_files, source_cursors, feedback_duplicates and raw_feedback are new tables,
    # which schema.sql creates when missing; nothing in older tables changes.
    3: "SELECT 1",
    4: "SELECT 1",  # theme_lineage: a new table
    # theme_curation and theme_seeds are new tables; topics keeps the generated label too.
    5: "ALTER TABLE topics ADD COLUMN IF NOT EXISTS generated_label VARCHAR",
}
SCHEMA_VERSION = max(MIGRATIONS, default=1)


def schema_sql() -> str:
    return resources.files("data").joinpath("schema.sql").read_text(encoding="utf-8")


class Warehouse:
    """A connection to one warehouse file, with the pipeline's reads and writes."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(str(path), read_only=read_only)
        # Every timestamp is UTC: aware datetimes must not be stored in the machine's local time.
        self.con.execute("SET TimeZone = 'UTC'")
        if not read_only:
            self.migrate()

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> None:
        """Execute a statement and drain its result (DuckDB wants that before the next one)."""
        self.con.execute(sql, params if params is not None else []).fetchall()

    # ---- schema ---------------------------------------------------------------------------
    def migrate(self) -> None:
        """Create missing tables and views, then apply migrations the file has not had."""
        self._run(schema_sql())
        applied = {r[0] for r in self.con.execute("SELECT version FROM schema_version").fetchall()}
        if not applied:  # a new file: schema.sql made it current
            applied = set(MIGRATIONS) | {1}
            self._run("INSERT INTO schema_version SELECT unnest(?), now()", [sorted(applied)])
        for version in sorted(set(MIGRATIONS) - applied):
            self._run(MIGRATIONS[version])
            self._run("INSERT INTO schema_version VALUES (?, now())", [version])

    def schema_version(self) -> int:
        return int(self.con.execute("SELECT max(version) FROM schema_version").fetchall()[0][0])

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pl.DataFrame:
        """Run a read query and return a polars frame (for reports and tests)."""
        table = self.con.sql(sql, params=params or None).to_arrow_table()
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        return frame

    def count(self, table: str) -> int:
        if table not in {"feedback", "sentences", "topics", "pain_points", "quarantine",
                         "embeddings", "runs", "source_files", "source_cursors",
                         "feedback_duplicates", "raw_feedback", "theme_lineage",
                         "theme_curation", "theme_seeds"}:
            raise ValueError(f"unknown table {table!r}")
        return int(self.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])

    # ---- runs -----------------------------------------------------------------------------
    def start_run(self, run_id: str, started_at: datetime, parameters: dict,
                  flow_run_id: str | None) -> None:
        self._run(
            "INSERT INTO runs (run_id, flow_run_id, started_at, status, parameters) "
            "VALUES (?, ?, ?, 'running', ?)",
            [run_id, flow_run_id, started_at, json.dumps(parameters, default=str)],
        )

    def finish_run(self, run_id: str, *, status: str, stage_counts: dict, timings: dict,
                   models: dict, finished_at: datetime, error: str | None = None) -> None:
        self._run(
            "UPDATE runs SET status = ?, stage_counts = ?, timings = ?, models = ?, "
            "finished_at = ?, error = ? WHERE run_id = ?",
            [status, json.dumps(stage_counts), json.dumps(timings), json.dumps(models),
             finished_at, error, run_id],
        )

    def run_row(self, run_id: str) -> dict[str, Any]:
        rows = self.query("SELECT * FROM runs WHERE run_id = ?", [run_id]).to_dicts()
        if not rows:
            raise KeyError(f"no run {run_id!r} in {self.path}")
        return rows[0]

    def latest_run_id(self) -> str | None:
        row = self.con.execute(
            "SELECT run_id FROM runs WHERE status = 'completed' ORDER BY started_at DESC LIMIT 1"
        ).fetchall()
        return row[0][0] if row else None

    # ---- ingest ---------------------------------------------------------------------------
    def known_doc_ids(self, doc_ids: Sequence[str]) -> set[str]:
        """Those of ``doc_ids`` already loaded, or already linked as a cross-channel duplicate."""
        if not doc_ids:
            return set()
        frame = pl.DataFrame({"doc_id": list(doc_ids)})
        self.con.register("_ids", frame.to_arrow())
        rows = self.con.execute(
            "SELECT doc_id FROM feedback JOIN _ids USING (doc_id) "
            "UNION SELECT doc_id FROM feedback_duplicates JOIN _ids USING (doc_id)"
        ).fetchall()
        self.con.unregister("_ids")
        return {r[0] for r in rows}

    def same_words_elsewhere(self, candidates: pl.DataFrame,
                             window_hours: float) -> dict[str, str]:
        """Cross-channel duplicates among ``candidates`` (doc_id, customer_key, text_hash,
        channel, created_at): doc_id -> the loaded feedback by the same customer with the same
        text on another channel within ``window_hours``."""
        if candidates.is_empty():
            return {}
        self.con.register("_cand", candidates.to_arrow())
        rows = self.con.execute(
            """
            SELECT c.doc_id, arg_min(f.doc_id, f.created_at)
            FROM _cand c JOIN feedback f
              ON f.customer_key = c.customer_key AND f.text_hash = c.text_hash
             AND f.channel <> c.channel
             AND abs(epoch(f.created_at) - epoch(c.created_at)) <= ? * 3600
            GROUP BY c.doc_id
            """,
            [window_hours],
        ).fetchall()
        self.con.unregister("_cand")
        return {doc_id: kept for doc_id, kept in rows}

    def record_duplicates(self, rows: pl.DataFrame) -> None:
        if rows.is_empty():
            return
        self.con.register("_dups", rows.to_arrow())
        cols = ", ".join(rows.columns)
        self._run(f"INSERT INTO feedback_duplicates ({cols}) SELECT {cols} FROM _dups "
                  "ON CONFLICT DO NOTHING")
        self.con.unregister("_dups")

    def insert_raw_text(self, rows: pl.DataFrame) -> None:
        if rows.is_empty():
            return
        self.con.register("_raw", rows.to_arrow())
        self._run("INSERT INTO raw_feedback (doc_id, source, raw_text, ingested_run_id) "
                  "SELECT doc_id, source, raw_text, ingested_run_id FROM _raw "
                  "ON CONFLICT DO NOTHING")
        self.con.unregister("_raw")

    def files_read(self, source: str) -> set[tuple[str, str]]:
        """(path, sha256) of the files a source has read completely."""
        rows = self.con.execute("SELECT path, sha256 FROM source_files WHERE source = ?",
                                [source]).fetchall()
        return {(path, sha) for path, sha in rows}

    def mark_file_read(self, source: str, path: str, sha256: str, size_bytes: int,
                       records: int, run_id: str) -> None:
        self._run(
            "INSERT INTO source_files VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (source, path, sha256) DO UPDATE SET last_run_id = excluded.last_run_id",
            [source, path, sha256, size_bytes, records, run_id, run_id],
        )

    def cursor(self, source: str) -> datetime | None:
        rows = self.con.execute("SELECT watermark FROM source_cursors WHERE source = ?",
                                [source]).fetchall()
        return rows[0][0].replace(tzinfo=UTC) if rows else None

    def advance_cursor(self, source: str, watermark: datetime, run_id: str) -> None:
        """Move a source's cursor forward (never back) to ``watermark``."""
        self._run(
            "INSERT INTO source_cursors VALUES (?, ?, ?) ON CONFLICT (source) DO UPDATE SET "
            "watermark = greatest(source_cursors.watermark, excluded.watermark), "
            "run_id = excluded.run_id",
            [source, watermark, run_id],
        )

    def insert_feedback(self, rows: pl.DataFrame) -> int:
        """Insert new feedback; a doc_id already present is left as it is. Returns rows added."""
        if rows.is_empty():
            return 0
        before = self.count("feedback")
        self.con.register("_new_feedback", rows.to_arrow())
        cols = ", ".join(rows.columns)
        self._run(
            f"INSERT INTO feedback ({cols}) SELECT {cols} FROM _new_feedback "
            "ON CONFLICT DO NOTHING"
        )
        self.con.unregister("_new_feedback")
        return self.count("feedback") - before

    def record_quarantine(self, rows: pl.DataFrame, run_id: str) -> int:
        """Add quarantined records; one seen before only gets its last_run_id updated."""
        if rows.is_empty():
            return 0
        before = self.count("quarantine")
        self.con.register("_q", rows.to_arrow())
        self._run(
            """
            INSERT INTO quarantine (quarantine_id, source, channel, source_record_id, raw_record,
                                    reason, detail, first_run_id, last_run_id)
            SELECT quarantine_id, source, channel, source_record_id, raw_record, reason, detail,
                   $run, $run FROM _q
            ON CONFLICT (quarantine_id) DO UPDATE SET last_run_id = excluded.last_run_id
            """,
            {"run": run_id},
        )
        self.con.unregister("_q")
        return self.count("quarantine") - before

    # ---- enrichment -----------------------------------------------------------------------
    def feedback_to_enrich(self) -> pl.DataFrame:
        """Feedback no run has enriched yet."""
        return self.query("SELECT doc_id, text FROM feedback WHERE enriched_run_id IS NULL")

    def save_enrichment(self, documents: pl.DataFrame, sentences: pl.DataFrame) -> None:
        """Store per-document language and sentiment, and replace the documents' sentences."""
        self.con.register("_docs", documents.to_arrow())
        self._run(
            """
            UPDATE feedback f SET lang = d.lang, lang_confidence = d.lang_confidence,
                   sentiment = d.sentiment, sentiment_score = d.sentiment_score,
                   text_hash = d.text_hash, enriched_run_id = d.enriched_run_id
            FROM _docs d WHERE f.doc_id = d.doc_id
            """
        )
        self._run("DELETE FROM sentences WHERE doc_id IN (SELECT doc_id FROM _docs)")
        self.con.unregister("_docs")
        if not sentences.is_empty():
            self.con.register("_sents", sentences.to_arrow())
            cols = ", ".join(sentences.columns)
            self._run(f"INSERT INTO sentences ({cols}) SELECT {cols} FROM _sents")
            self.con.unregister("_sents")

    def cached_embeddings(self, hashes: Sequence[str], model: str) -> dict[str, np.ndarray]:
        if not hashes:
            return {}
        frame = pl.DataFrame({"text_hash": list(dict.fromkeys(hashes))})
        self.con.register("_h", frame.to_arrow())
        rows = self.con.execute(
            "SELECT e.text_hash, e.vector FROM embeddings e JOIN _h USING (text_hash) "
            "WHERE e.model = ?",
            [model],
        ).fetchall()
        self.con.unregister("_h")
        return {h: np.asarray(v, dtype=np.float32) for h, v in rows}

    def store_embeddings(self, hashes: Sequence[str], vectors: np.ndarray, model: str) -> None:
        if not hashes:
            return
        frame = pl.DataFrame(
            {"text_hash": list(hashes), "model": [model] * len(hashes),
             "vector": vectors.astype(np.float32).tolist()},
            schema={"text_hash": pl.String, "model": pl.String, "vector": pl.List(pl.Float32)},
        )
        self.con.register("_emb", frame.to_arrow())
        self._run(
            "INSERT INTO embeddings SELECT text_hash, model, vector FROM _emb "
            "ON CONFLICT DO NOTHING"
        )
        self.con.unregister("_emb")

    # ---- themes ---------------------------------------------------------------------------
    def sentences_for_themes(self, model: str) -> tuple[pl.DataFrame, np.ndarray]:
        """Every sentence with its document's facts, and its embedding (same row order)."""
        frame = self.query(
            """
            SELECT s.doc_id, s.sentence_idx, s.text, s.lang, s.sentiment, s.sentiment_score,
                   s.text_hash, s.topic_id AS previous_topic_id, f.channel, f.created_at,
                   f.rating, f.rating_scale, f.nps, f.csat, e.vector
            FROM sentences s
            JOIN feedback f USING (doc_id)
            JOIN embeddings e ON e.text_hash = s.text_hash AND e.model = ?
            ORDER BY s.doc_id, s.sentence_idx
            """,
            [model],
        )
        if frame.is_empty():
            return frame, np.zeros((0, 0), dtype=np.float32)
        vectors = np.asarray(frame["vector"].to_list(), dtype=np.float32)
        return frame.drop("vector"), vectors

    def themed_sentences(self) -> pl.DataFrame:
        """Every sentence with its theme, its similarity to the theme, and its document's facts."""
        return self.query(
            """
            SELECT s.doc_id, s.sentence_idx, s.text, s.lang, s.sentiment, s.topic_id,
                   coalesce(s.topic_similarity, 0) AS centrality, f.channel, f.created_at,
                   f.rating, f.rating_scale, f.nps, f.csat
            FROM sentences s JOIN feedback f USING (doc_id)
            ORDER BY s.doc_id, s.sentence_idx
            """
        )

    def new_sentences(self, run_id: str, model: str) -> tuple[pl.DataFrame, np.ndarray]:
        """Sentences of the feedback this run enriched, with their embeddings."""
        frame = self.query(
            """
            SELECT s.doc_id, s.sentence_idx, s.lang, s.sentiment_score, e.vector
            FROM sentences s
            JOIN feedback f USING (doc_id)
            JOIN embeddings e ON e.text_hash = s.text_hash AND e.model = ?
            WHERE f.enriched_run_id = ?
            ORDER BY s.doc_id, s.sentence_idx
            """,
            [model, run_id],
        )
        vectors = np.asarray(frame["vector"].to_list(), dtype=np.float32)
        return frame.drop("vector"), vectors

    def last_fit(self) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM theme_fits ORDER BY fitted_at DESC LIMIT 1").to_dicts()
        return rows[0] if rows else None

    def save_fit(self, run_id: str, fitted_at: datetime, *, sentences: int, themes: int,
                 reason: str, means: dict[str, np.ndarray]) -> None:
        """Record a refit and replace the language means new sentences are centred with."""
        self._run("INSERT INTO theme_fits VALUES (?, ?, ?, ?, ?)",
                  [run_id, fitted_at, sentences, themes, reason])
        self._run("DELETE FROM theme_language_means")
        frame = pl.DataFrame(
            {"lang": list(means), "mean": [m.astype(np.float32).tolist() for m in means.values()],
             "fit_run_id": [run_id] * len(means)},
            schema={"lang": pl.String, "mean": pl.List(pl.Float32), "fit_run_id": pl.String},
        )
        self.con.register("_means", frame.to_arrow())
        self._run("INSERT INTO theme_language_means SELECT lang, mean, fit_run_id FROM _means")
        self.con.unregister("_means")

    def language_means(self) -> dict[str, np.ndarray]:
        rows = self.con.execute("SELECT lang, mean FROM theme_language_means").fetchall()
        return {lang: np.asarray(mean, dtype=np.float32) for lang, mean in rows}

    def touch_topics(self, run_id: str) -> None:
        """Recount theme sizes; themes that gained sentences in this run were seen in it."""
        self._run(
            """
            UPDATE topics t SET size = c.n,
                   last_seen_run = CASE WHEN c.new_here THEN $run ELSE t.last_seen_run END
            FROM (
                SELECT s.topic_id, count(*) AS n, bool_or(f.enriched_run_id = $run) AS new_here
                FROM sentences s JOIN feedback f USING (doc_id)
                WHERE s.topic_id IS NOT NULL GROUP BY s.topic_id
            ) c
            WHERE t.topic_id = c.topic_id
            """,
            {"run": run_id},
        )

    def theme_sizes(self) -> dict[int, int]:
        """Sentences per active theme, as the sentences table holds them now."""
        rows = self.con.execute(
            "SELECT t.topic_id, count(s.topic_id) FROM topics t "
            "LEFT JOIN sentences s USING (topic_id) WHERE t.status <> 'retired' GROUP BY 1"
        ).fetchall()
        return {int(t): int(n) for t, n in rows}

    def record_lineage(self, run_id: str, events: list[dict[str, Any]]) -> None:
        if not events:
            return
        frame = pl.DataFrame(events, schema={
            "topic_id": pl.Int32, "event": pl.String, "related_topic_id": pl.Int32,
            "size_before": pl.Int32, "size_after": pl.Int32, "share": pl.Float64})
        self.con.register("_lin", frame.to_arrow())
        self._run("INSERT INTO theme_lineage SELECT $run, topic_id, event, related_topic_id, "
                  "size_before, size_after, share FROM _lin ON CONFLICT DO NOTHING",
                  {"run": run_id})
        self.con.unregister("_lin")

    def active_topics(self) -> pl.DataFrame:
        """Themes new sentences may join and refits may match: all but retired ones
        (hidden and merged themes too, so that curation keeps finding its themes)."""
        return self.query(
            "SELECT topic_id, label, centroid FROM topics WHERE status <> 'retired' "
            "AND centroid IS NOT NULL ORDER BY topic_id"
        )

    def next_topic_id(self) -> int:
        return int(self.con.execute("SELECT coalesce(max(topic_id), -1) + 1 FROM topics")
                   .fetchall()[0][0])

    def save_topics(self, topics: pl.DataFrame, run_id: str) -> None:
        """Upsert this run's themes; themes not seen in this run are retired."""
        self.con.register("_t", topics.to_arrow())
        self._run(
            """
            INSERT INTO topics (topic_id, label, generated_label, keywords, keywords_by_lang,
                                size, status, first_seen_run, last_seen_run, centroid)
            SELECT topic_id, label, label, keywords, keywords_by_lang, size, 'active', $run,
                   $run, centroid FROM _t
            ON CONFLICT (topic_id) DO UPDATE SET
                label = excluded.label, generated_label = excluded.generated_label,
                keywords = excluded.keywords,
                keywords_by_lang = excluded.keywords_by_lang, size = excluded.size,
                status = 'active', last_seen_run = excluded.last_seen_run,
                centroid = excluded.centroid
            """,
            {"run": run_id},
        )
        self._run(
            "UPDATE topics SET status = 'retired' WHERE topic_id NOT IN (SELECT topic_id FROM _t) "
            "AND topic_id NOT IN (SELECT topic_id FROM theme_seeds)"
        )
        self.con.unregister("_t")

    def assign_topics(self, sentence_topics: pl.DataFrame, doc_topics: pl.DataFrame) -> None:
        """Write theme ids of sentences (doc_id, sentence_idx, topic_id) and documents."""
        self.con.register("_st", sentence_topics.to_arrow())
        self._run(
            "UPDATE sentences s SET topic_id = st.topic_id, topic_similarity = st.topic_similarity "
            "FROM _st st "
            "WHERE s.doc_id = st.doc_id AND s.sentence_idx = st.sentence_idx"
        )
        self.con.unregister("_st")
        self.con.register("_dt", doc_topics.to_arrow())
        self._run(
            "UPDATE feedback f SET topic_id = dt.topic_id FROM _dt dt WHERE f.doc_id = dt.doc_id"
        )
        self.con.unregister("_dt")

    def save_pain_points(self, pain_points: pl.DataFrame) -> None:
        self.con.register("_pp", pain_points.to_arrow())
        cols = ", ".join(pain_points.columns)
        self._run(f"INSERT INTO pain_points ({cols}) SELECT {cols} FROM _pp")
        self.con.unregister("_pp")


class WarehouseBusy(RuntimeError):
    """Another run is writing this warehouse."""


@contextmanager
def run_lock(path: Path) -> Iterator[None]:
    """Hold ``<warehouse>.lock`` for one run: two runs of one warehouse (the nightly one and
    an ad-hoc trigger) would each publish their own copy and one would lose the other's
    work. The lock is the operating system's, so a run that dies releases it."""
    lock = path.with_name(path.name + ".lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "unknown"
            raise WarehouseBusy(
                f"a run is writing {path} ({holder}); nothing was changed. "
                "Try again when that run has finished.") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC"
                  .encode(), 0)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def publishing(path: Path) -> Iterator[Warehouse]:
    """Write a run into a copy of the warehouse, then swap it in atomically.

    On an exception the copy is discarded and the published file is untouched. One run
    at a time: a second one raises :class:`WarehouseBusy` before touching anything.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with run_lock(path), _publishing(path) as warehouse:
        yield warehouse


@contextmanager
def _publishing(path: Path) -> Iterator[Warehouse]:
    working = path.with_name(path.name + ".writing")
    for leftover in (working, working.with_name(working.name + ".wal")):
        leftover.unlink(missing_ok=True)
    if path.exists():
        shutil.copy2(path, working)
    warehouse = Warehouse(working)
    try:
        yield warehouse
        warehouse._run("CHECKPOINT")
        warehouse.close()
        os.replace(working, path)
    except BaseException:
        warehouse.close()
        working.unlink(missing_ok=True)
        raise
