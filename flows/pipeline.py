"""The nightly voice-of-customer flow: the Prefect adapter over :func:`flows.run.run_pipeline`.

Each stage runs as a Prefect task (ingest -> enrich -> themes -> pain-points -> publish);
the run's report is published as the markdown artifact ``voc-pain-point-report``. The
sequence itself lives in :mod:`flows.run`, which the CLI, benchmarks and tests share.
"""

from __future__ import annotations

import os

# Our stage logs ("ingest: read 412, loaded 398 ...") go through Prefect's handlers too.
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "voc")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# The same stages run outside a flow too (tests, benchmarks): their logs then stay local.
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")

import logging  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from prefect import flow, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.runtime import flow_run  # noqa: E402
from prefect.utilities.annotations import quote  # noqa: E402

from flows.config import load_config  # noqa: E402
from flows.context import RunContext  # noqa: E402
from flows.request import preflight  # noqa: E402
from flows.run import is_transient, run_pipeline  # noqa: E402

FLOW_NAME = "voc-pipeline"
ARTIFACT_KEY = "voc-pain-point-report"
logging.getLogger("voc").setLevel(logging.INFO)


def run_as_task(name: str, stage: Callable[..., Any], ctx: RunContext, *args: Any,
                **kwargs: Any) -> Any:
    """Run one stage as a Prefect task of the current flow run.

    The run context (warehouse connection, models) is passed quoted: Prefect neither
    walks it nor keeps it; it lives only as long as the run.
    """
    retries = {"retries": 2, "retry_delay_seconds": [10, 60],
               "retry_condition_fn": _transient} if name.startswith("ingest") else {}
    stage_task = task(stage, name=name, cache_policy=NO_CACHE, **retries)
    return stage_task(quote(ctx), *args, **kwargs)


def _transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a stage only when what failed may pass by itself (see ``is_transient``)."""
    try:
        state.result()
    except Exception as exc:
        return is_transient(exc)
    return False


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
    params = {"config_path": config_path, "source": source, "since": since, "until": until,
              "refit": refit}
    request = preflight(load_config(Path(config_path)), source=source, since=since,
                        until=until, refit=refit, parameters=params)
    result = run_pipeline(request, flow_run_id=_flow_run_id(), run_stage=run_as_task)
    create_markdown_artifact(markdown=result.markdown, key=ARTIFACT_KEY,
                             description=f"Pain-point report of run {result.run_id}")
    return {"run_id": result.run_id, "report_dir": str(result.report_dir),
            "warehouse": str(result.warehouse), "counts": result.counts,
            "timings": result.timings}


def _flow_run_id() -> str | None:
    try:
        return str(flow_run.id) if flow_run.id else None
    except Exception:  # outside a flow run
        return None
