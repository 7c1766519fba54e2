"""The DuckDB warehouse: owns every SQL statement the pipeline runs.

Statements live in stores by subject, all over one connection: :mod:`data.feedback_store`
(ingest, enrichment, the embedding cache), :mod:`data.theme_store` (themes, lineage, pain
points), :mod:`data.curation_store` (analysts' theme decisions) and
:mod:`data.report_queries` (what the report reads). This module has the schema, runs and
publishing.

A run never writes the file analysts read. It copies the warehouse, writes the
copy, and swaps it in with an atomic rename when the run has completed
(:func:`publishing`). Analysts' read-only connections keep working during a run,
and a run that dies half-way leaves the published warehouse as it was.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb

from data.connection import WarehouseBusy
from data.curation_store import CurationStore
from data.feedback_store import FeedbackStore
from data.report_queries import ReportQueries
from data.run_journal import JournalRun
from data.sentiment_store import SentimentStore
from data.theme_store import ThemeStore

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
    # pain_points: NPS, CSAT and CES once per respondent; trends on complete weeks' shares.
    6: "; ".join(
        f"ALTER TABLE pain_points ADD COLUMN IF NOT EXISTS {column}" for column in (
            "nps DOUBLE", "nps_respondents INTEGER", "csat_satisfied_share DOUBLE",
            "csat_respondents INTEGER", "ces_low_effort_share DOUBLE", "ces_respondents INTEGER",
            "weekly_shares JSON", "partial_week DATE", "recent_share DOUBLE",
            "baseline_share DOUBLE", "trend_p_value DOUBLE")),
    # Tone-only sentences follow their document's cause; the general theme holds the rest.
    7: "ALTER TABLE sentences ADD COLUMN IF NOT EXISTS states_cause BOOLEAN; "
       "ALTER TABLE topics ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'cause'",
    8: "SELECT 1",  # theme_cause_words: a new table
    9: "SELECT 1",  # sentiment_adaptations: a new table
}
SCHEMA_VERSION = max(MIGRATIONS, default=1)
log = logging.getLogger("voc")


def schema_sql() -> str:
    return resources.files("data").joinpath("schema.sql").read_text(encoding="utf-8")


class Warehouse(FeedbackStore, ThemeStore, CurationStore, ReportQueries, SentimentStore):
    """A connection to one warehouse file, with every read and write the pipeline makes."""

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

    # ---- runs -----------------------------------------------------------------------------
    def start_run(self, run_id: str, started_at: datetime, parameters: dict,
                  flow_run_id: str | None) -> None:
        self._run(
            "INSERT INTO runs (run_id, flow_run_id, started_at, status, parameters) "
            "VALUES (?, ?, ?, 'running', ?)",
            [run_id, flow_run_id, started_at, json.dumps(parameters, default=str)],
        )

    def record_unfinished_runs(self, runs: list[JournalRun]) -> None:
        """Rows for runs only the journal knows about (failed or interrupted); a run the
        warehouse already has keeps its row."""
        for run in runs:
            self._run(
                "INSERT INTO runs (run_id, flow_run_id, started_at, finished_at, status, "
                "parameters, error) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [run.run_id, run.flow_run_id, run.started_at, run.finished_at, run.status,
                 json.dumps(run.parameters, default=str), run.error])

    def finish_run(self, run_id: str, *, status: str, stage_counts: dict, timings: dict,
                   models: dict, finished_at: datetime, error: str | None = None) -> None:
        self._run(
            "UPDATE runs SET status = ?, stage_counts = ?, timings = ?, models = ?, "
            "finished_at = ?, error = ? WHERE run_id = ?",
            [status, json.dumps(stage_counts), json.dumps(timings), json.dumps(models),
             finished_at, error, run_id],
        )




@contextmanager
def run_lock(path: Path, *, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold ``<warehouse>.lock`` for one run: two runs of one warehouse (the nightly one and
    an ad-hoc trigger) would each publish their own copy and one would lose the other's
    work. A second run waits up to ``wait_seconds`` for the first to finish (runs queue,
    one at a time), then raises :class:`WarehouseBusy`. The lock is the operating system's,
    so a run that dies releases it."""
    lock = path.with_name(path.name + ".lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _acquire(fd, path, wait_seconds)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC"
                  .encode(), 0)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, path: Path, wait_seconds: float) -> None:
    deadline = time.monotonic() + wait_seconds
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown"
            if time.monotonic() >= deadline:
                waited = f" after waiting {wait_seconds:.0f} s" if wait_seconds else ""
                raise WarehouseBusy(
                    f"a run is writing {path} ({holder}){waited}; nothing was changed. "
                    "Try again when that run has finished.") from None
            if not told:
                log.info("waiting for the run writing %s (%s) to finish", path, holder)
                told = True
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))


@contextmanager
def publishing(path: Path, *, wait_seconds: float = 0.0,
               private: bool = True) -> Iterator[Warehouse]:
    """Write a run into a copy of the warehouse, then swap it in atomically.

    On an exception the copy is discarded and the published file is untouched. One run
    at a time: a second one waits up to ``wait_seconds`` for the first, then raises
    :class:`WarehouseBusy` before touching anything. ``private``: the published file is
    readable by its owner only (0600), and a folder made for it 0700.
    """
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700 if private else 0o777)
    with run_lock(path, wait_seconds=wait_seconds), \
            _publishing(path, 0o600 if private else 0o644) as warehouse:
        yield warehouse


def open_when_free(path: Path, *, read_only: bool = False,
                   wait_seconds: float = 30.0) -> Warehouse:
    """Open a warehouse, waiting up to ``wait_seconds`` while another process holds it in a
    way that excludes us (anyone's connection, for a writer; a writer's, for a reader).

    Raises:
        WarehouseBusy: still held after the wait, naming the holder.
    """
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return Warehouse(path, read_only=read_only)
        except duckdb.IOException as exc:
            if time.monotonic() >= deadline:
                holder = str(exc).split("Conflicting lock is held in", 1)[-1].strip(" .")
                raise WarehouseBusy(
                    f"{path} is open in another process ({holder}), so it cannot be "
                    f"{'read' if read_only else 'written'} now (waited {wait_seconds:.0f} s). "
                    "Close that connection (DuckDB lets one process write a file, or many "
                    "read it) and try again.") from None
            time.sleep(0.5)


def check_no_other_writer(path: Path) -> None:
    """Fail at once when another process holds a read-write connection to the published
    warehouse (an analyst's `duckdb` without ``-readonly``): its copy may be half-written,
    and the run could not publish at its end.

    Raises:
        WarehouseBusy: naming the holder and how analysts connect read-only.
    """
    try:
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.IOException as exc:
        holder = str(exc).split("Conflicting lock is held in", 1)[-1].strip(" .")
        raise WarehouseBusy(
            f"another process holds a read-write connection to {path} ({holder}); nothing "
            "was changed. Close it, or let analysts connect read-only: "
            f"`duckdb -readonly {path}` or duckdb.connect(path, read_only=True).") from None


@contextmanager
def _publishing(path: Path, mode: int) -> Iterator[Warehouse]:
    working = path.with_name(path.name + ".writing")
    for leftover in (working, working.with_name(working.name + ".wal")):
        leftover.unlink(missing_ok=True)
    if path.exists():
        check_no_other_writer(path)
        shutil.copy2(path, working)
    warehouse = Warehouse(working)
    try:
        yield warehouse
        warehouse._run("CHECKPOINT")
        warehouse.close()
        os.chmod(working, mode)
        os.replace(working, path)
    except BaseException:
        warehouse.close()
        working.unlink(missing_ok=True)
        raise
