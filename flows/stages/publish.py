"""The publish stage: the report rendered, analysts' curation taken over from the published
warehouse, and the run recorded as completed. The swap itself is
:func:`data.warehouse.publishing`'s; the report files are written after it, so they never
describe a run that was not published."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

from flows.context import RunContext
from flows.report import Report, render_report


def run(ctx: RunContext, published: Path) -> Report:
    """Render the run's report, take over curation, record the run as completed; returns
    the report, which is written only once the warehouse is published."""
    wh, cfg = ctx.warehouse, ctx.config
    start = time.perf_counter()
    report = render_report(
        wh, ctx.run_id, title=cfg.report.title, top_themes=cfg.report.top_themes,
        min_negative_share=cfg.report.min_negative_share,
        run={"stage_counts": json.dumps(ctx.counts), "timings": json.dumps(ctx.timings),
             "models": json.dumps(ctx.models)})
    ctx.timings["report"] = round(time.perf_counter() - start, 2)
    # Curation analysts wrote while this run worked on its copy is kept (and applied by the
    # next run).
    wh.carry_over_curation(published)
    ctx.timings["total"] = round((datetime.now(UTC) - ctx.started_at).total_seconds(), 2)
    wh.finish_run(ctx.run_id, status="completed", stage_counts=ctx.counts,
                  timings=ctx.timings, models=ctx.models, finished_at=datetime.now(UTC))
    return report
