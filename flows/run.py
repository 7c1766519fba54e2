"""One way through the pipeline: :func:`run_pipeline`.

    ingest -> enrich -> themes -> pain points -> publish

The CLI, the Prefect flow (:mod:`flows.pipeline`), the benchmarks and the tests all run
the pipeline through this function. It knows nothing of Prefect: an adapter that wants
each stage to be a task passes ``run_stage``, which is handed every stage call.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from data.run_journal import JournalRun, RunJournal
from data.warehouse import Warehouse, WarehouseBusy, publishing
from flows.config import VocConfig
from flows.context import RunContext
from flows.request import RunRequest
from flows.stages import enrich, ingest, pain_points, publish, themes

log = logging.getLogger("voc")


class StageRunner(Protocol):
    """Runs one stage: ``run_stage("ingest", ingest.run, ctx, ...)`` calls the function."""

    def __call__(self, name: str, stage: Callable[..., Any], ctx: RunContext,
                 *args: Any, **kwargs: Any) -> Any: ...


def call_stage(name: str, stage: Callable[..., Any], ctx: RunContext, *args: Any,
               **kwargs: Any) -> Any:
    """The plain stage runner: calls the stage."""
    return stage(ctx, *args, **kwargs)


@dataclass(frozen=True)
class RunResult:
    """What a completed run leaves behind."""

    run_id: str
    report_dir: Path
    warehouse: Path
    markdown: str
    counts: dict[str, dict[str, Any]]
    timings: dict[str, float]
    models: dict[str, str]


def run_pipeline(request: RunRequest, *, flow_run_id: str | None = None,
                 run_stage: StageRunner = call_stage) -> RunResult:
    """Run the pipeline once: ingest, enrich, themes, pain points, publish.

    The run writes a copy of the warehouse and swaps it in when it completes; a run that
    fails leaves the published warehouse as it was and a ``failed`` row in ``runs``. A run
    started while another writes the warehouse waits for it (``warehouse.wait_minutes``).

    Raises:
        WarehouseBusy: another run kept the warehouse too long; nothing was changed.
        SourcesRejected: a source's file is missing or too much of it was quarantined.
    """
    config = request.config
    started = datetime.now(UTC)
    run_id = new_run_id(started)
    wh_path = config.resolve(config.warehouse.path)
    journal = RunJournal(wh_path, mode=0o600 if config.privacy.private_files else 0o644)
    journaled: list[JournalRun] | None = None  # set once this run holds the warehouse
    try:
        with open_run(config, run_id, started,
                      wait_seconds=config.warehouse.wait_minutes * 60) as ctx:
            journal.started(run_id, started, request.parameters, flow_run_id)
            # Runs that failed or were killed before this one, which the warehouse may not
            # know about: they become failed or interrupted rows.
            journaled = journal.unrecorded(current=run_id)
            ctx.warehouse.record_unfinished_runs(journaled)
            ctx.warehouse.start_run(run_id, started, request.parameters, flow_run_id)
            _ingest(ctx, request, run_stage)
            run_stage("enrich", enrich.run, ctx)
            run_stage("themes", themes.run, ctx, refit=request.refit)
            run_stage("pain-points", pain_points.run, ctx)
            report = run_stage("publish", publish.run, ctx, wh_path)
    except Exception as exc:
        if journaled is None:  # it never held the warehouse: nothing to record
            log.error("run %s not started: %s", run_id, exc)
            raise
        journal.failed(run_id, datetime.now(UTC), f"{type(exc).__name__}: {exc}")
        if not isinstance(exc, WarehouseBusy):
            _record_failure(wh_path, run_id, started, request.parameters, flow_run_id, exc)
        raise
    journal.published(run_id, datetime.now(UTC))
    journal.forget({r.run_id for r in journaled} | {run_id})
    # Published: only now do the report files change.
    run_dir = report.save(config.resolve(config.report.output_dir),
                          private=config.privacy.private_files)
    log.info("publish: report in %s; warehouse %s", run_dir, wh_path)
    log.info("timings (s): %s", ", ".join(f"{k} {v}" for k, v in ctx.timings.items()))
    return RunResult(run_id=run_id, report_dir=run_dir, warehouse=wh_path,
                     markdown=report.markdown,
                     counts=ctx.counts, timings=ctx.timings, models=ctx.models)


class SourcesRejected(RuntimeError):
    """One or more sources were rejected (missing file, too much quarantined): the run
    failed and the published warehouse is unchanged. The message names each source."""


def _ingest(ctx: RunContext, request: RunRequest, run_stage: StageRunner) -> None:
    """Each source as a stage of its own, so a bad source shows as such; all sources are
    read before the run fails for the rejected ones."""
    rejected = []
    for name in ingest.source_names(ctx.config, request.sources):
        try:
            run_stage(f"ingest-{name}", ingest.checked_source, ctx, name, request.since,
                      request.until)
        except ingest.SourceRejected as exc:
            log.error("%s", exc)
            rejected.append(str(exc))
    ingest.totals(ctx)
    if rejected:
        raise SourcesRejected("; ".join(rejected))


def is_transient(exc: BaseException) -> bool:
    """Whether a stage's failure may pass by itself (an API that was down), so that a
    retry makes sense; bad data and bad config are not retried."""
    return bool(getattr(exc, "transient", False))


@contextmanager
def open_run(config: VocConfig, run_id: str, started: datetime | None = None, *,
             wait_seconds: float = 0.0) -> Iterator[RunContext]:
    """A run's context over a working copy of the warehouse, published when the block ends
    without an exception (see :func:`data.warehouse.publishing`). For one stage alone (its
    tests and benchmark); a whole run is :func:`run_pipeline`."""
    with publishing(config.resolve(config.warehouse.path), wait_seconds=wait_seconds,
                    private=config.privacy.private_files) as wh:
        yield RunContext(run_id=run_id, config=config, warehouse=wh,
                         started_at=started or datetime.now(UTC))


def new_run_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def _record_failure(path: Path, run_id: str, started: datetime, params: dict,
                    flow_run_id: str | None, exc: Exception) -> None:
    """Leave a 'failed' row in the published warehouse so the failure is visible in SQL."""
    try:
        with Warehouse(path) as wh:
            wh.start_run(run_id, started, params, flow_run_id)
            wh.finish_run(run_id, status="failed", stage_counts={}, timings={}, models={},
                          finished_at=datetime.now(UTC), error=f"{type(exc).__name__}: {exc}")
    except Exception as inner:  # the warehouse itself may be what failed
        log.error("could not record the failed run in %s: %s", path, inner)
