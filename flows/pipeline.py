"""The nightly voice-of-customer flow: ingest -> enrich -> themes -> pain points -> publish.

Reads top to bottom like the pipeline diagram; every stage's work lives in
``flows.stages`` and the libraries under it.
"""

from __future__ import annotations

import os

# Our stage logs ("ingest: read 412, loaded 398 ...") go through Prefect's handlers too.
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "voc")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

import logging  # noqa: E402
import secrets  # noqa: E402
import time  # noqa: E402
from datetime import UTC, date, datetime  # noqa: E402
from datetime import time as dtime
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from prefect import flow, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.runtime import flow_run  # noqa: E402

from data.warehouse import Warehouse, WarehouseBusy, publishing  # noqa: E402
from flows import stages  # noqa: E402
from flows.config import ConfigError, load_config  # noqa: E402
from flows.curation import carry_over_curation  # noqa: E402
from flows.ingestion import customer_key_secret  # noqa: E402
from flows.report import write_report  # noqa: E402

FLOW_NAME = "voc-pipeline"
logging.getLogger("voc").setLevel(logging.INFO)
ARTIFACT_KEY = "voc-pain-point-report"


def new_run_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def parse_day(value: str | None, name: str) -> datetime | None:
    """A date or ISO timestamp parameter as an aware UTC datetime."""
    if value in (None, ""):
        return None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), dtime(), tzinfo=UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--{name} {value!r}: expected a date like 2026-09-01") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


# Open runs by id. Tasks take the run id, not the context: Prefect keeps task inputs, and
# a context holds the warehouse connection and the models, which must die with the run.
_RUNS: dict[str, stages.RunContext] = {}


@task(name="ingest", cache_policy=NO_CACHE)
def ingest_task(run_id: str, sources: list[str] | None, since: datetime | None,
                until: datetime | None) -> dict[str, Any]:
    stages.ingest(_RUNS[run_id], sources, since, until)
    return _RUNS[run_id].counts["ingest"]


@task(name="enrich", cache_policy=NO_CACHE)
def enrich_task(run_id: str) -> dict[str, Any]:
    stages.enrich(_RUNS[run_id])
    return _RUNS[run_id].counts.get("sentiment", {})


@task(name="themes", cache_policy=NO_CACHE)
def themes_task(run_id: str, refit: bool) -> dict[str, Any]:
    stages.themes(_RUNS[run_id], refit=refit)
    return _RUNS[run_id].counts["themes"]


@task(name="pain-points", cache_policy=NO_CACHE)
def pain_points_task(run_id: str) -> dict[str, Any]:
    stages.pain_points(_RUNS[run_id])
    return _RUNS[run_id].counts["pain_points"]


@flow(name=FLOW_NAME, log_prints=True)
def voc_pipeline(
    config_path: str = "configs/voc.toml",
    source: str | None = None,
    since: str | None = None,
    until: str | None = None,
    refit: bool = False,
) -> dict[str, Any]:
    """Pull feedback from the configured sources, enrich it, and publish the pain-point report.

    Args:
        config_path: the TOML config (validated before anything is read or written).
        source: run only this source (by name); default all enabled sources.
        since: only feedback created on or after this date (ISO, UTC).
        until: only feedback created before this date.
        refit: find themes afresh over all feedback instead of assigning new sentences
            to the existing themes (ids of themes that persist are kept either way).
    """
    config = load_config(Path(config_path))
    if source:
        config.source(source)  # unknown names fail here, before any work
    customer_key_secret(config)  # so does a missing customer_key secret, saying how to set it
    since_ts, until_ts = parse_day(since, "since"), parse_day(until, "until")
    started = datetime.now(UTC)
    run_id = new_run_id(started)
    params = {"config_path": config_path, "source": source, "since": since, "until": until,
              "refit": refit}
    wh_path = config.resolve(config.warehouse.path)
    try:
        with publishing(wh_path) as wh:
            ctx = stages.RunContext(run_id=run_id, config=config, warehouse=wh,
                                    started_at=started)
            _RUNS[run_id] = ctx
            wh.start_run(run_id, started, params, _flow_run_id())
            ingest_task(run_id, [source] if source else None, since_ts, until_ts)
            enrich_task(run_id)
            themes_task(run_id, refit)
            pain_points_task(run_id)
            report_start = time.perf_counter()
            wh.finish_run(run_id, status="completed", stage_counts=ctx.counts,
                          timings=ctx.timings, models=ctx.models, finished_at=datetime.now(UTC))
            run_dir, markdown = write_report(
                wh, run_id, config.resolve(config.report.output_dir),
                title=config.report.title, top_themes=config.report.top_themes,
                min_negative_share=config.report.min_negative_share,
            )
            ctx.timings["report"] = round(time.perf_counter() - report_start, 2)
            ctx.timings["total"] = round((datetime.now(UTC) - started).total_seconds(), 2)
            # Curation analysts wrote while this run worked on its copy is kept (and applied
            # by the next run).
            carry_over_curation(wh, str(wh_path))
            wh.finish_run(run_id, status="completed", stage_counts=ctx.counts,
                          timings=ctx.timings, models=ctx.models, finished_at=datetime.now(UTC))
    except WarehouseBusy:
        # Nothing to record: a row written now would vanish when the other run publishes.
        stages.log.error("run %s not started: another run is writing %s", run_id, wh_path)
        raise
    except Exception as exc:
        _record_failure(wh_path, run_id, started, params, exc)
        raise
    finally:
        _RUNS.pop(run_id, None)
    create_markdown_artifact(markdown=markdown, key=ARTIFACT_KEY,
                             description=f"Pain-point report of run {run_id}")
    stages.log.info("publish: report in %s; warehouse %s", run_dir, wh_path)
    stages.log.info("timings (s): %s", ctx.timings)
    return {"run_id": run_id, "report_dir": str(run_dir), "warehouse": str(wh_path),
            "counts": ctx.counts, "timings": ctx.timings}


def _flow_run_id() -> str | None:
    try:
        return str(flow_run.id) if flow_run.id else None
    except Exception:  # outside a flow run
        return None


def _record_failure(path: Path, run_id: str, started: datetime, params: dict,
                    exc: Exception) -> None:
    """Leave a 'failed' row in the published warehouse so the failure is visible in SQL."""
    try:
        with Warehouse(path) as wh:
            wh.start_run(run_id, started, params, _flow_run_id())
            wh.finish_run(run_id, status="failed", stage_counts={}, timings={}, models={},
                          finished_at=datetime.now(UTC), error=f"{type(exc).__name__}: {exc}")
    except Exception as inner:  # the warehouse itself may be what failed
        stages.log.error("could not record the failed run in %s: %s", path, inner)
