"""The publish stage: the run recorded as completed, the report written, and analysts'
curation taken over from the published warehouse; the swap itself is
:func:`data.warehouse.publishing`'s."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

from flows.context import RunContext
from flows.report import write_report


def run(ctx: RunContext, published: Path) -> tuple[Path, str]:
    """Write the run's report, take over curation, record the run as completed; returns
    the report folder and its Markdown."""
    wh, cfg = ctx.warehouse, ctx.config
    start = time.perf_counter()
    run_dir, markdown = write_report(
        wh, ctx.run_id, cfg.resolve(cfg.report.output_dir), title=cfg.report.title,
        top_themes=cfg.report.top_themes, min_negative_share=cfg.report.min_negative_share,
        run={"stage_counts": json.dumps(ctx.counts), "timings": json.dumps(ctx.timings),
             "models": json.dumps(ctx.models)})
    ctx.timings["report"] = round(time.perf_counter() - start, 2)
    # Curation analysts wrote while this run worked on its copy is kept (and applied by the
    # next run).
    wh.carry_over_curation(published)
    ctx.timings["total"] = round((datetime.now(UTC) - ctx.started_at).total_seconds(), 2)
    wh.finish_run(ctx.run_id, status="completed", stage_counts=ctx.counts,
                  timings=ctx.timings, models=ctx.models, finished_at=datetime.now(UTC))
    return run_dir, markdown
