"""Pain points: rank themes by how much they hurt, how often, where, and whether it grows.

Input is one row per sentence carrying its theme, sentiment and its document's facts;
output is one row per theme. Pure polars: no storage, no orchestration.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
from scipy.stats import fisher_exact

# Trend: the theme's share of all feedback in its last RECENT_WEEKS complete weeks against
# its share in the complete weeks before them (the baseline), compared with Fisher's exact
# test (two-sided, on the 2x2 table: the theme's feedback / other feedback x recent /
# baseline weeks; exact, so small counts are fine). "growing" or "shrinking" only when
# p < TREND_ALPHA, else "stable"; "new" when the theme has no feedback in the baseline;
# "too little data" with fewer than RECENT_WEEKS + 1 complete weeks. A week is complete when
# it ended by the time of the run (``as_of``; without one, by the data's last timestamp),
# so the unfinished current week is left out.
RECENT_WEEKS = 3
TREND_ALPHA = 0.05

# Scores at or below these mark a detractor (on the 1-5 rating scale, NPS 0-10, CSAT 1-5).
DETRACTOR = {"rating5": 2.0, "nps": 6.0, "csat": 2.0}
# NPS is % promoters (9-10) minus % detractors (0-6); CSAT's satisfied share is 4-5 of 5;
# CES (1-7, agreement with "made it easy to handle my issue", 7 = very easy) its low-effort
# share 5-7. Each counts every respondent once: a respondent is a record of a source (one
# survey row answering two questions is two pieces of feedback, one respondent).
PROMOTER = 9.0
CSAT_SATISFIED = 4.0
CES_LOW_EFFORT = 5.0

SENTENCE_COLUMNS = (
    "doc_id", "text", "lang", "sentiment", "topic_id", "channel", "created_at",
    "rating", "rating_scale", "nps", "csat", "centrality", "source", "source_record_id", "ces",
)


def _week_start(col: str) -> pl.Expr:
    return pl.col(col).dt.truncate("1w").dt.date()


def _weeks(first: date, last: date) -> list[date]:
    weeks, current = [], first
    while current <= last:
        weeks.append(current)
        current += timedelta(days=7)
    return weeks


def _trend(theme: list[int], total: list[int], alpha: float) -> dict[str, Any]:
    """Trend, growth (recent share / baseline share), both shares and the test's p-value,
    from complete weeks' counts (oldest first) of the theme's feedback and of all feedback."""
    out: dict[str, Any] = {"trend": "too little data", "growth": None, "recent_share": None,
                           "baseline_share": None, "trend_p_value": None}
    hits, n = sum(theme[-RECENT_WEEKS:]), sum(total[-RECENT_WEEKS:])
    base_hits, base_n = sum(theme[:-RECENT_WEEKS]), sum(total[:-RECENT_WEEKS])
    if len(total) <= RECENT_WEEKS or n == 0 or base_n == 0:
        return out
    recent, baseline = hits / n, base_hits / base_n
    out.update(recent_share=round(recent, 4), baseline_share=round(baseline, 4))
    if base_hits == 0:  # first heard in the recent weeks (or only in the unfinished one)
        out["trend"] = "new"
        return out
    p = float(fisher_exact([[hits, n - hits], [base_hits, base_n - base_hits]]).pvalue)
    significant = p < alpha
    out.update(growth=round(recent / baseline, 2), trend_p_value=float(f"{min(p, 1.0):.3g}"),
               trend="growing" if significant and recent > baseline
               else "shrinking" if significant and recent < baseline else "stable")
    return out


def _scores(docs: pl.DataFrame) -> dict[str, Any]:
    """NPS, CSAT's satisfied share and CES's low-effort share of ``docs``, each respondent
    counted once, with how many respondents gave each score."""
    per_respondent = docs.group_by("respondent").agg(pl.col("nps", "csat", "ces").max())
    nps, csat, ces = (per_respondent[c].drop_nulls() for c in ("nps", "csat", "ces"))
    net = int((nps >= PROMOTER).sum()) - int((nps <= DETRACTOR["nps"]).sum())
    return {
        "nps": round(100 * net / len(nps), 1) if len(nps) else None,
        "nps_respondents": len(nps),
        "csat_satisfied_share": (round(int((csat >= CSAT_SATISFIED).sum()) / len(csat), 3)
                                 if len(csat) else None),
        "csat_respondents": len(csat),
        "ces_low_effort_share": (round(int((ces >= CES_LOW_EFFORT).sum()) / len(ces), 3)
                                 if len(ces) else None),
        "ces_respondents": len(ces),
    }


def _quotes(theme_rows: pl.DataFrame, n: int, prefer_negative: bool) -> list[dict]:
    """The most central sentences, one language at a time so every language is heard.

    The first ``n`` are the theme's representative quotes; after them comes one quote for
    each language not yet quoted, so a reader sees the theme in every language it spans.
    """
    # A quote must say something: at least three words once placeholders are gone.
    words = pl.col("text").str.replace_all(r"\[[A-Z]+\]", "").str.split(" ")
    rows = theme_rows.filter(words.list.eval(pl.element().str.contains(r"\w")).list.sum() >= 3)
    if rows.is_empty():
        rows = theme_rows
    if prefer_negative and rows["negative"].sum() >= n:
        rows = rows.filter(pl.col("negative"))
    rows = rows.unique(subset=["doc_id"], keep="first").sort("centrality", descending=True)
    by_lang: dict[str, list[dict]] = {}
    for row in rows.iter_rows(named=True):
        by_lang.setdefault(row["lang"], []).append(row)
    order = sorted(by_lang, key=lambda lang: (lang == "und", -len(by_lang[lang])))
    picked: list[dict] = []
    depth = 0
    while len(picked) < n and any(depth < len(v) for v in by_lang.values()):
        for lang in order:
            if depth < len(by_lang[lang]) and len(picked) < n:
                picked.append(by_lang[lang][depth])
        depth += 1
    quoted = {r["lang"] for r in picked}
    picked += [by_lang[lang][0] for lang in order if lang not in quoted and lang != "und"]
    return [
        {"text": r["text"], "lang": r["lang"], "channel": r["channel"], "doc_id": r["doc_id"],
         "sentiment": r["sentiment"], "representative": i < n}
        for i, r in enumerate(picked)
    ]


def rank_pain_points(
    sentences: pl.DataFrame, themes: pl.DataFrame, *, quotes_per_theme: int = 3,
    trend_alpha: float = TREND_ALPHA, as_of: datetime | None = None,
) -> pl.DataFrame:
    """One row per theme, ranked by negative volume (then volume).

    Args:
        sentences: one row per sentence with the columns in ``SENTENCE_COLUMNS``;
            ``topic_id`` null for sentences in no theme, ``centrality`` the cosine
            similarity to the theme's centroid; ``source`` and ``source_record_id`` name the
            respondent (several documents of one survey row are one respondent).
        themes: ``topic_id``, ``label``, ``keywords``.
        quotes_per_theme: representative quotes kept per theme.
        trend_alpha: the significance level of "growing" and "shrinking".
        as_of: when the ranking is made (the run's start, UTC): weeks that ended by then
            are complete. Default: the data's last timestamp.
    """
    if sentences.is_empty():
        return pl.DataFrame()
    docs = (
        sentences.group_by("doc_id")
        .agg(pl.first("created_at"), pl.first("rating"), pl.first("rating_scale"),
             pl.first("nps"), pl.first("csat"), pl.first("ces"), pl.first("source"),
             pl.first("source_record_id"))
        .with_columns(
            rating5=pl.col("rating") * 5.0 / pl.col("rating_scale"),
            respondent=pl.concat_str("source", "source_record_id", separator="\x1f")
            .fill_null(pl.col("doc_id")),
        )
    )
    overall_rating = docs["rating5"].mean()
    overall_nps = docs["nps"].mean()
    all_weeks = _weeks(
        docs.select(_week_start("created_at")).min().item(),
        docs.select(_week_start("created_at")).max().item(),
    )
    # Complete weeks ended by the time of the ranking; the week after them is unfinished.
    last_day = (as_of.date() if as_of is not None
                else docs.select(pl.col("created_at").max().dt.date()).item())
    complete = [w for w in all_weeks if w + timedelta(days=7) <= last_day]
    partial_week = all_weeks[len(complete)] if len(complete) < len(all_weeks) else None
    all_per_week = dict(docs.group_by(_week_start("created_at").alias("week")).len().iter_rows())
    totals = [int(all_per_week.get(w, 0)) for w in complete]
    # A sentence is negative when it reads negative, or when it reads neutral in feedback
    # the customer scored as a detractor: "Where is my parcel?" in a one-star review is a
    # complaint even though its words are calm.
    detractor = (
        ((pl.col("rating") * 5.0 / pl.col("rating_scale")) <= DETRACTOR["rating5"])
        | (pl.col("nps") <= DETRACTOR["nps"])
        | (pl.col("csat") <= DETRACTOR["csat"])
    ).fill_null(False)
    sentences = sentences.with_columns(
        negative=(pl.col("sentiment") == "negative")
        | ((pl.col("sentiment") == "neutral") & detractor)
    )
    themed = sentences.filter(pl.col("topic_id").is_not_null())
    rows = []
    for (theme_id,), group in themed.group_by(["topic_id"], maintain_order=True):
        doc_ids = group["doc_id"].unique()
        theme_docs = docs.filter(pl.col("doc_id").is_in(doc_ids.implode()))
        other_docs = docs.filter(~pl.col("doc_id").is_in(doc_ids.implode()))
        per_week = dict(
            theme_docs.group_by(_week_start("created_at").alias("week")).len().iter_rows()
        )
        weekly = [int(per_week.get(w, 0)) for w in all_weeks]
        trend = _trend(weekly[:len(complete)], totals, trend_alpha)
        first_docs = group.unique(subset=["doc_id"], keep="first")
        negative = int(group["negative"].sum())
        avg_rating = theme_docs["rating5"].mean()
        avg_nps = theme_docs["nps"].mean()
        without = other_docs["rating5"].mean()
        rows.append({
            "topic_id": int(theme_id),
            "volume": len(doc_ids),
            "sentence_count": group.height,
            "negative_volume": negative,
            "negative_share": round(negative / group.height, 3),
            "weekly_counts": json.dumps({w.isoformat(): c for w, c in zip(all_weeks, weekly,
                                                                          strict=True)}),
            "weekly_shares": json.dumps({
                w.isoformat(): round(c / t, 4) if t else None
                for w, c, t in zip(complete, weekly, totals, strict=False)}),
            "partial_week": partial_week,
            **trend,
            "channels": json.dumps(dict(first_docs["channel"].value_counts(sort=True).iter_rows())),
            "languages": json.dumps(dict(first_docs["lang"].value_counts(sort=True).iter_rows())),
            "avg_rating": _round(avg_rating),
            "avg_nps": _round(avg_nps),
            "avg_csat": _round(theme_docs["csat"].mean()),
            "rating_delta": _round(_diff(avg_rating, overall_rating)),
            "nps_delta": _round(_diff(avg_nps, overall_nps)),
            "score_impact": _round(_diff(without, overall_rating)),
            **_scores(theme_docs),
            "example_quotes": json.dumps(
                _quotes(group, quotes_per_theme, prefer_negative=negative * 2 >= group.height),
                ensure_ascii=False,
            ),
        })
    if not rows:
        return pl.DataFrame()
    frame = pl.DataFrame(rows).join(themes.select("topic_id", "label", "keywords"),
                                    on="topic_id", how="left")
    frame = frame.sort(["negative_volume", "volume"], descending=True)
    return frame.with_columns(rank=pl.int_range(1, frame.height + 1, dtype=pl.Int32))


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 2)
