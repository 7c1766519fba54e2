"""The pain-points stage: this run's themes ranked by negative volume, with trend, scores
and quotes (:func:`nlp.pain_points.rank_pain_points`)."""

from __future__ import annotations

from typing import Any

import polars as pl

from flows.context import RunContext
from nlp.pain_points import rank_pain_points


def run(ctx: RunContext) -> dict[str, Any]:
    """Rank this run's themes by negative volume and store them as ``pain_points`` rows."""
    with ctx.stage("pain_points") as counts:
        frame = ctx.warehouse.themed_sentences()
        themes = ctx.warehouse.themes_to_rank()
        # Hidden and merged themes' sentences keep their theme but are left out of the ranking.
        frame = frame.with_columns(
            pl.when(pl.col("topic_id").is_in(themes["topic_id"].to_list()))
            .then(pl.col("topic_id")).alias("topic_id"))
        report = ctx.config.report
        ranked = rank_pain_points(frame, themes, quotes_per_theme=report.quotes_per_theme,
                                  trend_alpha=report.trend_significance,
                                  as_of=ctx.started_at)
        if not ranked.is_empty():
            ctx.warehouse.save_pain_points(ranked.with_columns(run_id=pl.lit(ctx.run_id)))
        counts["themes_ranked"] = ranked.height
    return ctx.counts["pain_points"]
