"""The themes stage: the night's new sentences put into the existing themes, or themes
found afresh (a refit), with ids kept and analysts' curation applied.

It reads from the warehouse, computes with :mod:`nlp.themes` and
:mod:`nlp.theme_identity`, and writes the result back: no algorithm lives here.
"""

from __future__ import annotations

import json
from collections import Counter
from importlib import metadata
from typing import Any

import numpy as np
import polars as pl

from flows.context import RunContext, count_values
from nlp.language import get_language_detector
from nlp.lineage import assignment_lineage, refit_lineage
from nlp.text_prep import model_text
from nlp.theme_identity import (
    IdentityRules,
    RefitIdentity,
    Seed,
    capture_by_seeds,
    document_themes,
    settle_refit,
)
from nlp.themes import Theme, assign_new, centre, find_themes, in_context, unit


def run(ctx: RunContext, *, refit: bool = False) -> dict[str, Any]:
    """Put the night's new sentences into the existing themes, or find themes afresh.

    A refit clusters every sentence again and matches the clusters to the existing
    themes, so ids survive. It happens on the first run, when the last refit is older
    than ``themes.refit_every_days``, when too many new sentences fit no theme, or when
    asked (``voc run --refit``). Other nights only assign: cheap, and ids cannot move.
    """
    cfg = ctx.config.themes
    ctx.models["themes"] = f"bertopic {metadata.version('bertopic')} (seed {cfg.seed})"
    with ctx.stage("themes") as counts:
        _sync_config_seeds(ctx)
        reason = "asked" if refit else _refit_due(ctx)
        if reason is None:
            reason = _assign_new_sentences(ctx, counts)
        if reason is not None:
            _refit(ctx, counts, reason)
        counts["curation"] = ctx.warehouse.apply_curation()
    return ctx.counts["themes"]


def _sync_config_seeds(ctx: RunContext) -> None:
    """Give each ``[[themes.seeds]]`` entry a theme id (once) and keep its phrases current."""
    wh = ctx.warehouse
    known = wh.config_seed_ids()
    for seed in ctx.config.themes.seeds:
        label = seed.label.strip()
        theme_id = known.get(label.lower())
        if theme_id is None:
            wh.add_config_seed(wh.next_theme_id(), label, list(seed.phrases), ctx.run_id)
        else:
            wh.update_seed_phrases(theme_id, list(seed.phrases))


def _seeds(ctx: RunContext, means: dict[str, np.ndarray]) -> list[Seed]:
    """Every seed theme with its centroid: its phrases embedded and centred like sentences."""
    rows = ctx.warehouse.seed_rows()
    if not rows or not means:
        return []
    detector = get_language_detector(ctx.config.models.language_detector,
                                     min_confidence=ctx.config.language.min_confidence)
    seeds = []
    for theme_id, label, phrases, parent in rows:
        vectors = ctx.embedder.encode(phrases)
        langs = [g.lang for g in detector.detect_many(phrases)]
        centroid = unit(centre(vectors, langs, means).mean(axis=0))
        seeds.append(Seed(theme_id, label, centroid.astype(np.float32), parent))
    return seeds


def _refit_due(ctx: RunContext) -> str | None:
    last = ctx.warehouse.last_fit()
    if last is None or ctx.warehouse.active_themes().is_empty():
        return "first fit"
    age = ctx.started_at.replace(tzinfo=None) - last["fitted_at"].replace(tzinfo=None)
    if age.days >= ctx.config.themes.refit_every_days:
        return f"last refit {age.days} days ago"
    return None


def _assign_new_sentences(ctx: RunContext, counts: dict[str, Any]) -> str | None:
    """Assign this run's sentences to the nearest theme; a reason to refit instead, or None."""
    cfg, wh = ctx.config.themes, ctx.warehouse
    frame, vectors = wh.new_sentences(ctx.run_id, ctx.config.models.embedding)
    themes = wh.active_themes()
    means = wh.language_means()
    centroids = unit(np.asarray(themes["centroid"].to_list(), dtype=np.float32))
    rows, sims = assign_new(vectors, frame["lang"].to_list(), frame["doc_id"].to_list(),
                            centroids, means, context_weight=cfg.context_weight,
                            threshold=cfg.outlier_similarity)
    unassigned = float((rows < 0).mean()) if len(rows) else 0.0
    if len(rows) >= cfg.min_theme_size and unassigned > cfg.refit_unassigned_share:
        return f"{unassigned:.0%} of {len(rows)} new sentences fit no theme"
    theme_ids = np.where(rows >= 0, themes["topic_id"].to_numpy()[np.maximum(rows, 0)], -1)
    seeds = _seeds(ctx, means)
    if seeds and len(rows):
        centred = centre(in_context(vectors, frame["doc_id"].to_list(), cfg.context_weight),
                         frame["lang"].to_list(), means)
        theme_ids, sims = capture_by_seeds(centred, theme_ids, sims, seeds,
                                           cfg.outlier_similarity)
    sizes_before = wh.theme_sizes()
    _write_assignments(ctx, frame, theme_ids, sims)
    wh.touch_themes(ctx.run_id)
    wh.record_lineage(ctx.run_id, [
        e.as_row() for e in assignment_lineage(sizes_before, wh.theme_sizes())])
    counts.update(mode="assigned", new_sentences=len(rows), without_theme=int((rows < 0).sum()),
                  themes=themes.height)
    return None


def _write_assignments(ctx: RunContext, frame: pl.DataFrame, theme_ids: np.ndarray,
                       similarity: np.ndarray) -> None:
    """Store sentence themes, and each document's main theme (see ``document_themes``)."""
    themed = theme_ids >= 0
    sentence_themes = frame.select("doc_id", "sentence_idx").with_columns(
        topic_id=pl.Series(np.where(themed, theme_ids, 0), dtype=pl.Int32),
        topic_similarity=pl.Series(np.round(similarity, 4), dtype=pl.Float64),
    ).with_columns(
        pl.when(pl.Series(themed)).then(pl.col("topic_id")).alias("topic_id"),
        pl.when(pl.Series(themed)).then(pl.col("topic_similarity")).alias("topic_similarity"),
    )
    main = document_themes(frame["doc_id"].to_list(), theme_ids,
                           frame["sentiment_score"].to_list())
    doc_themes = pl.DataFrame({"doc_id": list(main), "topic_id": list(main.values())},
                              schema={"doc_id": pl.String, "topic_id": pl.Int32})
    ctx.warehouse.assign_themes(sentence_themes, doc_themes)


def _refit(ctx: RunContext, counts: dict[str, Any], reason: str) -> None:
    """Cluster every sentence afresh; ids, seeds and lineage settled by
    :func:`nlp.theme_identity.settle_refit`. Reads, computes, then writes."""
    cfg, wh = ctx.config.themes, ctx.warehouse
    # Read.
    frame, vectors = wh.sentences_for_themes(ctx.config.models.embedding)
    previous = frame["previous_topic_id"].fill_null(-1).to_numpy()
    seed_ids = {row[0] for row in wh.seed_rows()}
    existing = wh.active_themes().filter(~pl.col("topic_id").is_in(list(seed_ids)))
    old_rows = wh.generated_theme_rows(sorted(set(previous[previous >= 0].tolist())))
    next_id, sizes_before = wh.next_theme_id(), wh.theme_sizes()
    # Compute.
    doc_ids, langs = frame["doc_id"].to_list(), frame["lang"].to_list()
    result = find_themes(
        vectors, [model_text(t) for t in frame["text"].to_list()], langs, doc_ids=doc_ids,
        context_weight=cfg.context_weight, max_theme_share=cfg.max_theme_share,
        min_theme_size=cfg.min_theme_size, seed=cfg.seed,
        merge_similarity=cfg.merge_similarity, outlier_similarity=cfg.outlier_similarity,
        max_fit_sentences=cfg.max_fit_sentences,
    )
    seeds = _seeds(ctx, result.means)
    centred = centre(in_context(vectors, doc_ids, cfg.context_weight), langs, result.means)
    identity = settle_refit(
        result, centred, previous,
        list(zip(existing["topic_id"].to_list(),
                 unit(np.asarray(existing["centroid"].to_list(), dtype=np.float32)),
                 strict=True)),
        seeds, next_id=next_id, rules=IdentityRules(
            match_similarity=cfg.match_similarity, seed_similarity=cfg.seed_similarity,
            outlier_similarity=cfg.outlier_similarity,
            refit_merge_similarity=cfg.refit_merge_similarity,
            min_theme_size=cfg.min_theme_size))
    themes = _theme_rows(result.themes, identity, old_rows)
    after = [int(t) if t >= 0 else None for t in identity.theme_ids.tolist()]
    events = refit_lineage(
        [None if t < 0 else int(t) for t in previous.tolist()], after, sizes_before,
        sorted(set(themes["topic_id"].to_list()) | {s for s in seed_ids if s in after}))
    # Write.
    wh.save_themes(themes, ctx.run_id)
    for seed in seeds:  # seed themes stay active under their own label
        wh.store_seed_theme(seed.theme_id, seed.label, ctx.run_id,
                            None if seed.theme_id in identity.found_seeds else seed.centroid)
    _write_assignments(ctx, frame, identity.theme_ids, identity.similarity)
    wh.record_lineage(ctx.run_id, [e.as_row() for e in events])
    wh.save_fit(ctx.run_id, ctx.started_at, sentences=frame.height,
                themes=len(result.themes), reason=reason, means=result.means)
    counts.update(stayed_in_their_theme=identity.stayed, kept_apart=len(identity.revived),
                  lineage=count_values(e.event for e in events), mode="refit", reason=reason,
                  sentences=frame.height, themes=themes.height,
                  without_theme=int((identity.theme_ids < 0).sum()),
                  kept_existing_ids=identity.kept_ids)


_THEME_SCHEMA = {"topic_id": pl.Int32, "label": pl.String, "keywords": pl.List(pl.String),
                 "keywords_by_lang": pl.String, "size": pl.Int32,
                 "centroid": pl.List(pl.Float32)}


def _theme_rows(found: list[Theme], identity: RefitIdentity,
                old_rows: pl.DataFrame) -> pl.DataFrame:
    """The themes this refit leaves: those found, and those kept apart with their generated
    label and keywords as they were; sized by their sentences, empty ones left out."""
    ids = identity.cluster_ids
    themes = pl.DataFrame({
        "topic_id": [ids[t.index] for t in found],
        "label": [t.label for t in found],
        "keywords": [t.keywords for t in found],
        "keywords_by_lang": [json.dumps(t.keywords_by_lang, ensure_ascii=False) for t in found],
        "size": [t.size for t in found],
        "centroid": [t.centroid.astype(np.float32).tolist() for t in found],
    }, schema=_THEME_SCHEMA)
    revived = identity.revived
    if revived:
        old = old_rows.filter(pl.col("topic_id").is_in(list(revived)))
        themes = pl.concat([themes, old.with_columns(
            size=pl.lit(0, dtype=pl.Int32),
            centroid=pl.Series([revived[t].astype(np.float32).tolist()
                                for t in old["topic_id"].to_list()], dtype=pl.List(pl.Float32)),
        ).select(list(_THEME_SCHEMA)).cast(_THEME_SCHEMA)])
    theme_ids = identity.theme_ids
    final_sizes = Counter(theme_ids[theme_ids >= 0].tolist())
    return themes.with_columns(
        size=pl.Series([final_sizes.get(t, 0) for t in themes["topic_id"].to_list()],
                       dtype=pl.Int32)).filter(pl.col("size") > 0)
