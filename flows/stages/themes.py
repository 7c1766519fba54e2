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
    Seed,
    capture_by_seeds,
    document_themes,
    keep_fitting_assignments,
    match_clusters_to_themes,
    match_seeds_to_clusters,
    themes_that_live_on,
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
    cfg, wh = ctx.config.themes, ctx.warehouse
    frame, vectors = wh.sentences_for_themes(ctx.config.models.embedding)
    doc_ids, langs = frame["doc_id"].to_list(), frame["lang"].to_list()
    result = find_themes(
        vectors, [model_text(t) for t in frame["text"].to_list()], langs, doc_ids=doc_ids,
        context_weight=cfg.context_weight, max_theme_share=cfg.max_theme_share,
        min_theme_size=cfg.min_theme_size, seed=cfg.seed,
        merge_similarity=cfg.merge_similarity, outlier_similarity=cfg.outlier_similarity,
        max_fit_sentences=cfg.max_fit_sentences,
    )
    previous = frame["previous_topic_id"].fill_null(-1).to_numpy()
    seeds = _seeds(ctx, result.means)
    seed_ids = {s.theme_id for s in seeds}
    cluster_centroids = (np.stack([t.centroid for t in result.themes]) if result.themes
                         else np.zeros((0, vectors.shape[1]), dtype=np.float32))
    seeded = match_seeds_to_clusters(seeds, cluster_centroids, cfg.seed_similarity)
    seeded_index = {result.themes[k].index: seed for k, seed in seeded.items()}
    existing = wh.active_themes().filter(~pl.col("topic_id").is_in(list(seed_ids)))
    existing_centroids = unit(np.asarray(existing["centroid"].to_list(), dtype=np.float32))
    cluster_ids = match_clusters_to_themes(
        [(t.index, t.centroid) for t in result.themes if t.index not in seeded_index],
        list(zip(existing["topic_id"].to_list(), existing_centroids, strict=True)),
        threshold=cfg.match_similarity, next_id=wh.next_theme_id(),
        overlap=_previous_themes(result.assignments, previous),
        min_overlap=max(2, cfg.min_theme_size // 2))
    id_map = {**cluster_ids.ids, **{index: s.theme_id for index, s in seeded_index.items()}}
    theme_ids = np.array([id_map.get(int(a), -1) for a in result.assignments])
    centred = centre(in_context(vectors, doc_ids, cfg.context_weight), langs, result.means)
    live = {id_map[t.index]: t.centroid for t in result.themes}
    revived = themes_that_live_on(
        previous, centred, theme_ids, live, exclude=seed_ids, min_size=cfg.min_theme_size,
        threshold=cfg.outlier_similarity, merge_similarity=cfg.refit_merge_similarity)
    theme_ids, similarity, stayed = keep_fitting_assignments(
        previous, centred, theme_ids, result.similarity, set(live) | set(revived),
        cfg.outlier_similarity)
    counts["stayed_in_their_theme"] = stayed
    counts["kept_apart"] = len(revived)
    if seeds:  # declared themes come first
        theme_ids, similarity = capture_by_seeds(centred, theme_ids, similarity, seeds,
                                                 cfg.outlier_similarity)
    themes = _theme_rows(ctx, result.themes, id_map, revived, theme_ids)
    sizes_before = wh.theme_sizes()
    wh.save_themes(themes, ctx.run_id)
    found_seeds = {s.theme_id for s in seeded.values()}
    for seed in seeds:  # seed themes stay active under their own label
        wh.store_seed_theme(seed.theme_id, seed.label, ctx.run_id,
                            None if seed.theme_id in found_seeds else seed.centroid)
    _write_assignments(ctx, frame, theme_ids, similarity)
    after = [int(t) if t >= 0 else None for t in theme_ids.tolist()]
    events = refit_lineage(
        [None if t < 0 else int(t) for t in previous.tolist()], after, sizes_before,
        sorted(set(themes["topic_id"].to_list()) | {s for s in seed_ids if s in after}))
    wh.record_lineage(ctx.run_id, [e.as_row() for e in events])
    counts["lineage"] = count_values(e.event for e in events)
    wh.save_fit(ctx.run_id, ctx.started_at, sentences=frame.height,
                themes=len(result.themes), reason=reason, means=result.means)
    counts.update(mode="refit", reason=reason, sentences=frame.height,
                  themes=themes.height, without_theme=int((theme_ids < 0).sum()),
                  kept_existing_ids=cluster_ids.kept + len(revived))


def _previous_themes(assignments: np.ndarray, previous: np.ndarray) -> dict[int, Counter]:
    """Per cluster, how many of its sentences sat in each old theme before this refit."""
    overlap: dict[int, Counter] = {}
    for cluster, before in zip(assignments.tolist(), previous.tolist(), strict=True):
        if cluster >= 0 and before >= 0:
            overlap.setdefault(int(cluster), Counter())[int(before)] += 1
    return overlap


_THEME_SCHEMA = {"topic_id": pl.Int32, "label": pl.String, "keywords": pl.List(pl.String),
                 "keywords_by_lang": pl.String, "size": pl.Int32,
                 "centroid": pl.List(pl.Float32)}


def _theme_rows(ctx: RunContext, found: list[Theme], id_map: dict[int, int],
                revived: dict[int, np.ndarray], theme_ids: np.ndarray) -> pl.DataFrame:
    """The themes this refit leaves: those found, and those kept apart with their generated
    label and keywords as they were; sized by their sentences, empty ones left out."""
    themes = pl.DataFrame({
        "topic_id": [id_map[t.index] for t in found],
        "label": [t.label for t in found],
        "keywords": [t.keywords for t in found],
        "keywords_by_lang": [json.dumps(t.keywords_by_lang, ensure_ascii=False) for t in found],
        "size": [t.size for t in found],
        "centroid": [t.centroid.astype(np.float32).tolist() for t in found],
    }, schema=_THEME_SCHEMA)
    if revived:
        old = ctx.warehouse.generated_theme_rows(list(revived))
        themes = pl.concat([themes, old.with_columns(
            size=pl.lit(0, dtype=pl.Int32),
            centroid=pl.Series([revived[t].astype(np.float32).tolist()
                                for t in old["topic_id"].to_list()], dtype=pl.List(pl.Float32)),
        ).select(list(_THEME_SCHEMA)).cast(_THEME_SCHEMA)])
    final_sizes = Counter(theme_ids[theme_ids >= 0].tolist())
    return themes.with_columns(
        size=pl.Series([final_sizes.get(t, 0) for t in themes["topic_id"].to_list()],
                       dtype=pl.Int32)).filter(pl.col("size") > 0)
