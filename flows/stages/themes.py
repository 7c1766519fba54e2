"""The themes stage: the night's new sentences put into the existing themes, or themes
found afresh (a refit), with ids kept and analysts' curation applied.

It reads from the warehouse, computes with :mod:`nlp.themes` and
:mod:`nlp.theme_identity`, and writes the result back: no algorithm lives here.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from importlib import metadata
from typing import Any

import numpy as np
import polars as pl

from flows.context import RunContext, count_values
from nlp.cause_words import with_cause_words
from nlp.keywords import keyword_documents
from nlp.language import get_language_detector
from nlp.lineage import assignment_lineage, refit_lineage
from nlp.text_prep import model_text
from nlp.theme_identity import (
    IdentityRules,
    RefitIdentity,
    Seed,
    capture_by_seeds,
    document_themes,
    follow_documents,
    settle_refit,
)
from nlp.themes import (
    Theme,
    assign_new,
    cause_sentences,
    centre,
    find_themes,
    in_context,
    unit,
)
from nlp.tone import load_tone_head

# The theme of tone-only feedback whose document states no cause; never ranked.
GENERAL_THEME_LABEL = "General remarks (no cause stated)"


def run(ctx: RunContext, *, refit: bool = False) -> dict[str, Any]:
    """Put the night's new sentences into the existing themes, or find themes afresh.

    A refit clusters every sentence again and matches the clusters to the existing
    themes, so ids survive. It happens on the first run, when the last refit is older
    than ``themes.refit_every_days``, when too many new sentences fit no theme, or when
    asked (``voc run --refit``). Other nights only assign: cheap, and ids cannot move.
    """
    cfg = ctx.config.themes
    ctx.models["themes"] = f"bertopic {metadata.version('bertopic')} (seed {cfg.seed})"
    ctx.models["tone"] = ctx.config.models.tone
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


def _seeds(ctx: RunContext, means: dict[str, np.ndarray], words: dict[str, np.ndarray]
           ) -> list[Seed]:
    """Every seed theme with its centroid: its phrases embedded, placed by their cause
    words and centred like sentences."""
    rows = ctx.warehouse.seed_rows()
    if not rows or not means:
        return []
    detector = get_language_detector(ctx.config.models.language_detector,
                                     min_confidence=ctx.config.language.min_confidence)
    seeds = []
    for theme_id, label, phrases, parent in rows:
        langs = [g.lang for g in detector.detect_many(phrases)]
        documents = keyword_documents([model_text(p) for p in phrases], langs,
                                      own_tokenizer_from=ctx.config.themes.min_theme_size)
        vectors = with_cause_words(ctx.embedder.encode(phrases), documents, words,
                                   ctx.config.themes.word_weight)
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
    doc_ids, langs = frame["doc_id"].to_list(), frame["lang"].to_list()
    documents, causes = _causes(ctx, frame, vectors, cfg.min_theme_size)
    words = wh.cause_words()
    vectors = with_cause_words(vectors, documents, words, cfg.word_weight)
    rows, sims = assign_new(vectors, langs, doc_ids, centroids, means,
                            context_weight=cfg.context_weight,
                            threshold=cfg.outlier_similarity, causes=causes)
    stating = int(causes.sum())
    unassigned = float((rows[causes] < 0).mean()) if stating else 0.0
    if stating >= cfg.min_theme_size and unassigned > cfg.refit_unassigned_share:
        return f"{unassigned:.0%} of {stating} new sentences stating a cause fit no theme"
    theme_ids = np.where(rows >= 0, themes["topic_id"].to_numpy()[np.maximum(rows, 0)], -1)
    seeds = _seeds(ctx, means, words)
    if seeds and len(rows):
        centred = centre(in_context(vectors, doc_ids, cfg.context_weight, causes), langs,
                         means)
        theme_ids, sims = capture_by_seeds(centred, theme_ids, sims, seeds,
                                           cfg.outlier_similarity)
    theme_ids, sims = _follow_documents(frame, theme_ids, sims, causes,
                                        _general_theme(ctx, causes))
    sizes_before = wh.theme_sizes()
    _write_assignments(ctx, frame, theme_ids, sims, causes)
    wh.touch_themes(ctx.run_id)
    wh.record_lineage(ctx.run_id, [
        e.as_row() for e in assignment_lineage(sizes_before, wh.theme_sizes())])
    counts.update(mode="assigned", new_sentences=len(rows), tone_only=int((~causes).sum()),
                  without_theme=int((theme_ids < 0).sum()), themes=themes.height)
    return None


def _causes(ctx: RunContext, frame: pl.DataFrame, vectors: np.ndarray,
            min_theme_size: int) -> tuple[list[str], np.ndarray]:
    """Each sentence's keyword tokens, and which sentences state a cause (content words,
    and the tone head reads a cause in their own vectors)."""
    head = load_tone_head(ctx.config.models.tone)
    documents = keyword_documents([model_text(t) for t in frame["text"].to_list()],
                                  frame["lang"].to_list(), own_tokenizer_from=min_theme_size)
    return documents, cause_sentences(
        documents, head.states_cause(vectors, frame["doc_id"].to_list()))


def _general_theme(ctx: RunContext, causes: np.ndarray) -> int:
    """The general theme's id (made on first need); -1 when every sentence states a cause."""
    if causes.all():
        return -1
    return ctx.warehouse.general_theme_id(GENERAL_THEME_LABEL, ctx.run_id)


def _follow_documents(frame: pl.DataFrame, theme_ids: np.ndarray, similarity: np.ndarray,
                      causes: np.ndarray, general: int) -> tuple[np.ndarray, np.ndarray]:
    """Tone-only sentences take their document's cause theme, or the general theme."""
    followed = follow_documents(frame["doc_id"].to_list(), theme_ids, causes,
                                frame["sentiment_score"].to_list(), general)
    return followed, np.where(causes, similarity, 0.0)


def _write_assignments(ctx: RunContext, frame: pl.DataFrame, theme_ids: np.ndarray,
                       similarity: np.ndarray, causes: np.ndarray) -> None:
    """Store sentence themes, and each document's main theme (see ``document_themes``)."""
    themed = theme_ids >= 0
    sentence_themes = frame.select("doc_id", "sentence_idx").with_columns(
        topic_id=pl.Series(np.where(themed, theme_ids, 0), dtype=pl.Int32),
        topic_similarity=pl.Series(np.round(similarity, 4), dtype=pl.Float64),
        states_cause=pl.Series(causes, dtype=pl.Boolean),
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
    sizes_before = wh.theme_sizes()
    # Compute.
    doc_ids, langs = frame["doc_id"].to_list(), frame["lang"].to_list()
    documents, causes = _causes(ctx, frame, vectors, cfg.min_theme_size)
    result = find_themes(
        vectors, [model_text(t) for t in frame["text"].to_list()], langs, doc_ids=doc_ids,
        context_weight=cfg.context_weight, max_theme_share=cfg.max_theme_share,
        min_theme_size=cfg.min_theme_size, seed=cfg.seed,
        merge_similarity=cfg.merge_similarity, outlier_similarity=cfg.outlier_similarity,
        max_fit_sentences=cfg.max_fit_sentences, states_cause=causes, documents=documents,
        encode_words=lambda words: ctx.embed(words)[0], word_weight=cfg.word_weight,
    )
    seeds = _seeds(ctx, result.means, result.words)
    general = _general_theme(ctx, causes)  # before new ids are handed out
    next_id = wh.next_theme_id()
    centred = result.centred
    identity = settle_refit(
        result, centred, np.where(causes, previous, -1),
        list(zip(existing["topic_id"].to_list(),
                 unit(np.asarray(existing["centroid"].to_list(), dtype=np.float32)),
                 strict=True)),
        seeds, next_id=next_id, rules=IdentityRules(
            match_similarity=cfg.match_similarity, seed_similarity=cfg.seed_similarity,
            outlier_similarity=cfg.outlier_similarity,
            refit_merge_similarity=cfg.refit_merge_similarity,
            min_theme_size=cfg.min_theme_size, stay_similarity=cfg.stay_similarity))
    followed, similarity = _follow_documents(frame, identity.theme_ids, identity.similarity,
                                             causes, general)
    identity = dataclasses.replace(identity, theme_ids=followed, similarity=similarity)
    themes = _theme_rows(result.themes, identity, old_rows)
    after = [int(t) if t >= 0 else None for t in identity.theme_ids.tolist()]
    events = refit_lineage(
        [None if t < 0 else int(t) for t in previous.tolist()], after, sizes_before,
        sorted(set(themes["topic_id"].to_list())
               | {t for t in (*seed_ids, general) if t in after}))
    # Write.
    wh.save_themes(themes, ctx.run_id)
    for seed in seeds:  # seed themes stay active under their own label
        wh.store_seed_theme(seed.theme_id, seed.label, ctx.run_id,
                            None if seed.theme_id in identity.found_seeds else seed.centroid)
    _write_assignments(ctx, frame, identity.theme_ids, identity.similarity, causes)
    wh.record_lineage(ctx.run_id, [e.as_row() for e in events])
    wh.save_fit(ctx.run_id, ctx.started_at, sentences=frame.height,
                themes=len(result.themes), reason=reason, means=result.means,
                words=result.words)
    counts.update(stayed_in_their_theme=identity.stayed, kept_apart=len(identity.revived),
                  lineage=count_values(e.event for e in events), mode="refit", reason=reason,
                  sentences=frame.height, themes=themes.height,
                  tone_only=int((~causes).sum()),
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
