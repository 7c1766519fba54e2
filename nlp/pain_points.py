"""Pain points: rank themes by how much they hurt, how often, where, and whether it grows.

Input is one row per sentence carrying its theme, sentiment and its document's facts;
output is one row per theme. Pure polars: no storage, no orchestration.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import polars as pl

# A theme is "growing" when its last weeks' weekly mean is this many times the earlier mean.
GROWTH_FACTOR = 1.5
RECENT_WEEKS = 3

# Scores at or below these mark a detractor (on the 1-5 rating scale, NPS 0-10, CSAT 1-5).
DETRACTOR = {"rating5": 2.0, "nps": 6.0, "csat": 2.0}

SENTENCE_COLUMNS = (
    "doc_id", "text", "lang", "sentiment", "topic_id", "channel", "created_at",
    "rating", "rating_scale", "nps", "csat", "centrality",
)


def _week_start(col: str) -> pl.Expr:
    return pl.col(col).dt.truncate("1w").dt.date()


def _weeks(first: date, last: date) -> list[date]:
    weeks, current = [], first
    while current <= last:
        weeks.append(current)
        current += timedelta(days=7)
    return weeks


def _trend(counts: list[int]) -> tuple[str, float | None]:
    if len(counts) <= RECENT_WEEKS:
        return "stable", None
    recent = sum(counts[-RECENT_WEEKS:]) / RECENT_WEEKS
    earlier = sum(counts[:-RECENT_WEEKS]) / (len(counts) - RECENT_WEEKS)
    growth = recent / earlier if earlier > 0 else (float("inf") if recent > 0 else 1.0)
    if growth >= GROWTH_FACTOR and recent >= 1:
        label = "growing"
    elif growth <= 1 / GROWTH_FACTOR:
        label = "shrinking"
    else:
        label = "stable"
    return label, (round(growth, 2) if growth != float("inf") else None)


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
    sentences: pl.DataFrame, themes: pl.DataFrame, *, quotes_per_theme: int = 3
) -> pl.DataFrame:
    """One row per theme, ranked by negative volume (then growth).

    Args:
        sentences: one row per sentence with the columns in ``SENTENCE_COLUMNS``;
            ``topic_id`` null for sentences in no theme, ``centrality`` the cosine
            similarity to the theme's centroid.
        themes: ``topic_id``, ``label``, ``keywords``.
        quotes_per_theme: representative quotes kept per theme.
    """
    if sentences.is_empty():
        return pl.DataFrame()
    docs = (
        sentences.group_by("doc_id")
        .agg(pl.first("created_at"), pl.first("rating"), pl.first("rating_scale"),
             pl.first("nps"), pl.first("csat"))
        .with_columns(rating5=pl.col("rating") * 5.0 / pl.col("rating_scale"))
    )
    overall_rating = docs["rating5"].mean()
    overall_nps = docs["nps"].mean()
    all_weeks = _weeks(
        docs.select(_week_start("created_at")).min().item(),
        docs.select(_week_start("created_at")).max().item(),
    )
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
        trend, growth = _trend(weekly)
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
            "trend": trend,
            "growth": growth,
            "channels": json.dumps(dict(first_docs["channel"].value_counts(sort=True).iter_rows())),
            "languages": json.dumps(dict(first_docs["lang"].value_counts(sort=True).iter_rows())),
            "avg_rating": _round(avg_rating),
            "avg_nps": _round(avg_nps),
            "avg_csat": _round(theme_docs["csat"].mean()),
            "rating_delta": _round(_diff(avg_rating, overall_rating)),
            "nps_delta": _round(_diff(avg_nps, overall_nps)),
            "score_impact": _round(_diff(without, overall_rating)),
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
