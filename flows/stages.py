"""The pipeline's stages as plain functions: sources and models in, warehouse rows out.

Each stage reads what it needs from the warehouse, calls the ``nlp`` library, writes
its results and records counts and timings on the run. The Prefect flow in
``flows.pipeline`` only orchestrates these.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

import numpy as np
import polars as pl

from data.warehouse import Warehouse
from flows import curation, ingestion
from flows.config import VocConfig
from nlp.embedding import SentenceTransformerEmbedder, mean_pool
from nlp.language import get_language_detector
from nlp.lineage import assignment_lineage, refit_lineage
from nlp.normalize import text_hash
from nlp.pain_points import rank_pain_points
from nlp.redact import Redactor, strip_placeholders
from nlp.sentences import sentence_pieces
from nlp.sentiment import load_sentiment_head
from nlp.themes import assign_new, centre, find_themes, in_context, unit

log = logging.getLogger("voc")
# A sentence's own language overrides its document's only when detected this surely.
SENTENCE_LANG_CONFIDENCE = 0.9


@dataclass
class RunContext:
    """Everything one run shares between stages."""

    run_id: str
    config: VocConfig
    warehouse: Warehouse
    started_at: datetime
    counts: dict[str, dict[str, Any]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    models: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # What the run would use; stages add versions when they load the models.
        self.models.setdefault("embedding", self.config.models.embedding)
        self.models.setdefault("sentiment", self.config.models.sentiment)

    @contextmanager
    def stage(self, name: str) -> Iterator[dict[str, Any]]:
        """Time a stage and collect its counts; logs one summary line when done."""
        counts: dict[str, Any] = {}
        start = time.perf_counter()
        yield counts
        self.timings[name] = round(time.perf_counter() - start, 2)
        self.counts[name] = counts
        summary = ", ".join(f"{k} {v:,}" if isinstance(v, int) and not isinstance(v, bool)
                            else f"{k} {v}" for k, v in counts.items())
        log.info("%s: %s (%.1f s)", name, summary, self.timings[name])

    @cached_property
    def redactor(self) -> Redactor:
        return Redactor(tuple(self.config.privacy.id_patterns))

    @cached_property
    def embedder(self) -> SentenceTransformerEmbedder:
        cfg = self.config.models
        embedder = SentenceTransformerEmbedder(
            cfg.embedding,
            cache_dir=self.config.resolve(cfg.cache_dir),
            batch_size=cfg.batch_size,
            show_progress=sys.stderr.isatty(),
        )
        self.models["embedding"] = f"{embedder.name} ({embedder.version})"
        return embedder


# ---- ingest: see flows.ingestion ------------------------------------------------------------
ingest = ingestion.ingest


# ---- enrich: sentences, language, embeddings, sentiment ---------------------------------------
def embed_with_cache(ctx: RunContext, texts: list[str]) -> tuple[np.ndarray, int]:
    """Embeddings for texts, computing only those not cached; returns (vectors, n_cached)."""
    model = ctx.embedder.name
    hashes = [text_hash(t) for t in texts]
    cached = ctx.warehouse.cached_embeddings(hashes, model)
    # Encoded in hash order: the same texts form the same batches whatever order the
    # feedback arrived in, so a shuffled input gets bit-identical vectors (and themes).
    missing = sorted(set(h for h in hashes if h not in cached))
    if missing:
        by_hash = dict(zip(hashes, texts, strict=True))
        vectors = ctx.embedder.encode([by_hash[h] for h in missing])
        ctx.warehouse.store_embeddings(missing, vectors, model)
        cached.update(zip(missing, vectors, strict=True))
    dim = ctx.embedder.dim
    out = np.stack([cached[h] for h in hashes]) if hashes else np.zeros((0, dim), np.float32)
    return out, len(hashes) - len(missing)


def enrich(ctx: RunContext) -> None:
    """Split new feedback into sentences; detect language; embed; score sentiment."""
    docs = ctx.warehouse.feedback_to_enrich()
    detector = get_language_detector(ctx.config.models.language_detector,
                                     min_confidence=ctx.config.language.min_confidence)
    ctx.models["language"] = f"{detector.name} ({detector.version})"
    with ctx.stage("language") as counts:
        doc_langs = detector.detect_many(docs["text"].to_list())
        sentence_rows = []
        for doc_id, text, doc_lang in zip(docs["doc_id"], docs["text"], doc_langs, strict=True):
            pieces = sentence_pieces(text)
            sent_langs = detector.detect_many(pieces) if len(pieces) > 1 else [doc_lang]
            for idx, (piece, guess) in enumerate(zip(pieces, sent_langs, strict=True)):
                # Short sentences are where language ID errs (Spanish read as Catalan):
                # a sentence keeps its document's language unless it clearly differs.
                clear = guess.confidence >= SENTENCE_LANG_CONFIDENCE and len(piece.split()) >= 4
                lang = guess.lang if clear and guess.lang != "und" else doc_lang.lang
                model_text = strip_placeholders(piece)
                sentence_rows.append({"doc_id": doc_id, "sentence_idx": idx, "text": piece,
                                      "lang": lang, "text_hash": text_hash(model_text),
                                      "model_text": model_text})
        counts["documents"] = docs.height
        counts["sentences"] = len(sentence_rows)
        counts["languages"] = dict(
            sorted(_count(g.lang for g in doc_langs).items(), key=lambda kv: -kv[1])
        )
    if docs.is_empty():
        ctx.counts["embed"] = {"sentences": 0, "from_cache": 0}
        ctx.counts["sentiment"] = {"documents": 0}
        return
    with ctx.stage("embed") as counts:
        vectors, cached = embed_with_cache(ctx, [r["model_text"] for r in sentence_rows])
        counts["sentences"] = len(sentence_rows)
        counts["from_cache"] = cached
    with ctx.stage("sentiment") as counts:
        head = load_sentiment_head(ctx.config.models.sentiment)
        ctx.models["sentiment"] = f"{head.name} (over {head.embedding_model})"
        model_texts = [r["model_text"] for r in sentence_rows]
        sent_result = head.predict(vectors, model_texts)
        sentences = pl.DataFrame(sentence_rows).drop("model_text").with_columns(
            sentiment=pl.Series(sent_result.labels),
            sentiment_score=pl.Series(np.round(sent_result.scores, 4)),
        )
        # A document's embedding is the mean of its sentences': no second encoder pass.
        doc_index: dict[str, list[int]] = {}
        for i, row in enumerate(sentence_rows):
            doc_index.setdefault(row["doc_id"], []).append(i)
        doc_ids = docs["doc_id"].to_list()
        doc_vectors = np.stack([mean_pool(vectors[doc_index[d]]) for d in doc_ids])
        doc_texts = [" ".join(model_texts[i] for i in doc_index[d]) for d in doc_ids]
        doc_result = head.predict(doc_vectors, doc_texts)
        documents = pl.DataFrame({
            "doc_id": doc_ids,
            "lang": [g.lang for g in doc_langs],
            "lang_confidence": [round(g.confidence, 4) for g in doc_langs],
            "sentiment": doc_result.labels,
            "sentiment_score": np.round(doc_result.scores, 4),
            "text_hash": [text_hash(t) for t in docs["text"]],
            "enriched_run_id": [ctx.run_id] * len(doc_ids),
        })
        ctx.warehouse.save_enrichment(documents, sentences)
        counts["documents"] = len(doc_ids)
        counts.update(_count(doc_result.labels))


def _count(values: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


# ---- themes ---------------------------------------------------------------------------------
def themes(ctx: RunContext, *, refit: bool = False) -> None:
    """Put the night's new sentences into the existing themes, or find themes afresh.

    A refit clusters every sentence again and matches the clusters to the existing
    themes, so ids survive. It happens on the first run, when the last refit is older
    than ``themes.refit_every_days``, when too many new sentences fit no theme, or when
    asked (``voc run --refit``). Other nights only assign: cheap, and ids cannot move.
    """
    cfg = ctx.config.themes
    ctx.models["themes"] = f"bertopic {_version('bertopic')} (seed {cfg.seed})"
    with ctx.stage("themes") as counts:
        curation.sync_config_seeds(ctx)
        reason = "asked" if refit else _refit_due(ctx)
        if reason is None:
            reason = _assign_new_sentences(ctx, counts)
        if reason is not None:
            _refit(ctx, counts, reason)
        counts["curation"] = curation.apply_curation(ctx.warehouse)


def _refit_due(ctx: RunContext) -> str | None:
    last = ctx.warehouse.last_fit()
    if last is None or ctx.warehouse.active_topics().is_empty():
        return "first fit"
    age = ctx.started_at.replace(tzinfo=None) - last["fitted_at"].replace(tzinfo=None)
    if age.days >= ctx.config.themes.refit_every_days:
        return f"last refit {age.days} days ago"
    return None


def _assign_new_sentences(ctx: RunContext, counts: dict[str, Any]) -> str | None:
    """Assign this run's sentences to the nearest theme; a reason to refit instead, or None."""
    cfg = ctx.config.themes
    frame, vectors = ctx.warehouse.new_sentences(ctx.run_id, ctx.config.models.embedding)
    topics = ctx.warehouse.active_topics()
    centroids = unit(np.asarray(topics["centroid"].to_list(), dtype=np.float32))
    rows, sims = assign_new(vectors, frame["lang"].to_list(), frame["doc_id"].to_list(),
                            centroids, ctx.warehouse.language_means(),
                            context_weight=cfg.context_weight,
                            threshold=cfg.outlier_similarity)
    unassigned = float((rows < 0).mean()) if len(rows) else 0.0
    if len(rows) >= cfg.min_theme_size and unassigned > cfg.refit_unassigned_share:
        return f"{unassigned:.0%} of {len(rows)} new sentences fit no theme"
    topic_ids = np.where(rows >= 0, topics["topic_id"].to_numpy()[np.maximum(rows, 0)], -1)
    means = ctx.warehouse.language_means()
    seeds = curation.load_seeds(ctx, means)
    if seeds and len(rows):
        centred = centre(in_context(vectors, frame["doc_id"].to_list(), cfg.context_weight),
                         frame["lang"].to_list(), means)
        topic_ids, sims = curation.capture_by_seeds(centred, topic_ids, sims, seeds,
                                                    cfg.outlier_similarity)
    sizes_before = ctx.warehouse.theme_sizes()
    _write_assignments(ctx, frame, topic_ids, sims)
    ctx.warehouse.touch_topics(ctx.run_id)
    ctx.warehouse.record_lineage(ctx.run_id, [
        e.as_row() for e in assignment_lineage(sizes_before, ctx.warehouse.theme_sizes())])
    counts.update(mode="assigned", new_sentences=len(rows), without_theme=int((rows < 0).sum()),
                  themes=topics.height)
    return None


def _write_assignments(ctx: RunContext, frame: pl.DataFrame, topic_ids: np.ndarray,
                       similarity: np.ndarray) -> None:
    """Store sentence themes; a document's main theme is its most negative themed sentence's."""
    sentence_topics = frame.select("doc_id", "sentence_idx", "sentiment_score").with_columns(
        topic_id=pl.Series(topic_ids, dtype=pl.Int32),
        topic_similarity=pl.Series(np.round(similarity, 4), dtype=pl.Float64),
    ).with_columns(
        pl.when(pl.col("topic_id") >= 0).then(pl.col("topic_id")).alias("topic_id"),
        pl.when(pl.col("topic_id") >= 0).then(pl.col("topic_similarity"))
        .alias("topic_similarity"),
    )
    doc_topics = (
        sentence_topics.filter(pl.col("topic_id").is_not_null())
        .sort("sentiment_score")
        .group_by("doc_id", maintain_order=True)
        .agg(pl.first("topic_id"))
    )
    doc_topics = frame.select("doc_id").unique().join(doc_topics, on="doc_id", how="left")
    ctx.warehouse.assign_topics(sentence_topics.drop("sentiment_score"), doc_topics)


def _refit(ctx: RunContext, counts: dict[str, Any], reason: str) -> None:
    cfg = ctx.config.themes
    frame, vectors = ctx.warehouse.sentences_for_themes(ctx.config.models.embedding)
    result = find_themes(
        vectors,
        [strip_placeholders(t) for t in frame["text"].to_list()],
        frame["lang"].to_list(),
        doc_ids=frame["doc_id"].to_list(),
        context_weight=cfg.context_weight,
        max_theme_share=cfg.max_theme_share,
        min_theme_size=cfg.min_theme_size,
        seed=cfg.seed,
        merge_similarity=cfg.merge_similarity,
        outlier_similarity=cfg.outlier_similarity,
        max_fit_sentences=cfg.max_fit_sentences,
    )
    seeds = curation.load_seeds(ctx, result.means)
    cluster_centroids = (np.stack([t.centroid for t in result.themes]) if result.themes
                         else np.zeros((0, vectors.shape[1]), dtype=np.float32))
    seeded = curation.match_seeds_to_clusters(seeds, cluster_centroids, cfg.seed_similarity)
    seeded_index = {result.themes[k].index: seed for k, seed in seeded.items()}
    # Where each cluster's sentences were before: a cluster made mostly of one old theme's
    # sentences is that theme, even when its centroid has drifted.
    overlap: dict[int, Counter] = {}
    for cluster, before in zip(result.assignments.tolist(),
                               frame["previous_topic_id"].to_list(), strict=True):
        if cluster >= 0 and before is not None:
            overlap.setdefault(int(cluster), Counter())[int(before)] += 1
    id_map, matched = _match_existing_topics(
        ctx, [t for t in result.themes if t.index not in seeded_index], cfg.match_similarity,
        exclude={s.topic_id for s in seeds}, overlap=overlap,
        min_overlap=max(2, cfg.min_theme_size // 2))
    id_map.update({index: seed.topic_id for index, seed in seeded_index.items()})
    topic_ids = np.array([id_map.get(int(a), -1) for a in result.assignments])
    similarity = result.similarity
    centred = centre(in_context(vectors, frame["doc_id"].to_list(), cfg.context_weight),
                     frame["lang"].to_list(), result.means)
    live = {id_map[t.index]: t.centroid for t in result.themes}
    revived = _lost_themes_that_live_on(
        frame, centred, topic_ids, live, exclude={s.topic_id for s in seeds},
        min_size=cfg.min_theme_size, threshold=cfg.outlier_similarity,
        merge_similarity=cfg.refit_merge_similarity)
    topic_ids, similarity, stayed = _keep_fitting_assignments(
        frame, centred, topic_ids, similarity, set(live) | set(revived), cfg.outlier_similarity)
    counts["stayed_in_their_theme"] = stayed
    counts["kept_apart"] = len(revived)
    if seeds:  # declared themes come first
        topic_ids, similarity = curation.capture_by_seeds(centred, topic_ids, similarity,
                                                          seeds, cfg.outlier_similarity)
    topics = pl.DataFrame(
        {
            "topic_id": [id_map[t.index] for t in result.themes],
            "label": [t.label for t in result.themes],
            "keywords": [t.keywords for t in result.themes],
            "keywords_by_lang": [json.dumps(t.keywords_by_lang, ensure_ascii=False)
                                 for t in result.themes],
            "size": [t.size for t in result.themes],
            "centroid": [t.centroid.astype(np.float32).tolist() for t in result.themes],
        },
        schema={"topic_id": pl.Int32, "label": pl.String, "keywords": pl.List(pl.String),
                "keywords_by_lang": pl.String, "size": pl.Int32,
                "centroid": pl.List(pl.Float32)},
    )
    if revived:
        topics = pl.concat([topics, _revived_topic_rows(ctx, revived, topics.schema)])
    final_sizes = Counter(topic_ids[topic_ids >= 0].tolist())
    topics = topics.with_columns(
        size=pl.Series([final_sizes.get(t, 0) for t in topics["topic_id"].to_list()],
                       dtype=pl.Int32)).filter(pl.col("size") > 0)
    sizes_before = ctx.warehouse.theme_sizes()
    ctx.warehouse.save_topics(topics, ctx.run_id)
    curation.store_seed_themes(ctx.warehouse, seeds, {s.topic_id for s in seeded.values()},
                               ctx.run_id)
    _write_assignments(ctx, frame, topic_ids, similarity)
    before = [None if t is None else int(t) for t in frame["previous_topic_id"].to_list()]
    after = [int(t) if t >= 0 else None for t in topic_ids.tolist()]
    events = refit_lineage(before, after, sizes_before,
                           sorted(set(topics["topic_id"].to_list()) | {s.topic_id for s in seeds
                                                                        if s.topic_id in after}))
    ctx.warehouse.record_lineage(ctx.run_id, [e.as_row() for e in events])
    counts["lineage"] = _count(e.event for e in events)
    ctx.warehouse.save_fit(ctx.run_id, ctx.started_at, sentences=frame.height,
                           themes=len(result.themes), reason=reason, means=result.means)
    counts.update(mode="refit", reason=reason, sentences=frame.height,
                  themes=topics.height, without_theme=int((topic_ids < 0).sum()),
                  kept_existing_ids=matched + len(revived))


def _lost_themes_that_live_on(
    frame: pl.DataFrame, centred: np.ndarray, topic_ids: np.ndarray,
    live: dict[int, np.ndarray], *, exclude: set[int], min_size: int, threshold: float,
    merge_similarity: float,
) -> dict[int, np.ndarray]:
    """Old themes the refit found no cluster for that their own sentences still hold up.

    Clustering draws its borders afresh each time: a density dip or a new neighbour can
    fold two themes into one cluster, or scatter a theme over its neighbours. A theme is
    only merged or retired by a refit when its feedback says so: it lives on (with its
    id) when at least ``min_size`` of its earlier sentences still fit its centroid (by
    ``threshold``) and that centroid is not ``merge_similarity``-close to a live theme's
    (the rule that merges clusters within a fit). Returns theme id -> centroid.
    """
    previous = frame["previous_topic_id"].fill_null(-1).to_numpy()
    lost = sorted(set(previous[previous >= 0].tolist()) - set(live) - exclude)
    revived: dict[int, np.ndarray] = {}
    for topic_id in lost:
        was_here = previous == topic_id
        members = centred[was_here]
        if len(members) < min_size:
            continue
        centroid = unit(members.mean(axis=0))
        if int((members @ centroid >= threshold).sum()) < min_size:
            continue
        # Compared with each live theme as it is without this theme's sentences: a cluster
        # that swallowed them has its centroid pulled towards them.
        closest = -1.0
        for k, live_centroid in live.items():
            in_k = topic_ids == k
            others = in_k & ~was_here
            if not others.any():
                continue
            swallowed = (in_k & was_here).any()
            k_centroid = unit(centred[others].mean(axis=0)) if swallowed else live_centroid
            closest = max(closest, float(k_centroid @ centroid))
        if closest >= merge_similarity:
            continue  # it really has become one with a live theme
        revived[int(topic_id)] = centroid
    return revived


def _revived_topic_rows(ctx: RunContext, revived: dict[int, np.ndarray],
                        schema: pl.Schema) -> pl.DataFrame:
    """Topic rows for themes kept apart: their generated label and keywords as they were."""
    old = ctx.warehouse.query(
        "SELECT topic_id, generated_label AS label, keywords, keywords_by_lang FROM topics "
        "WHERE topic_id IN (SELECT unnest(?::INTEGER[])) ORDER BY topic_id", [list(revived)])
    return old.with_columns(
        size=pl.lit(0, dtype=pl.Int32),
        centroid=pl.Series([revived[t].astype(np.float32).tolist()
                            for t in old["topic_id"].to_list()], dtype=pl.List(pl.Float32)),
    ).select(list(schema)).cast(dict(schema))


def _keep_fitting_assignments(frame: pl.DataFrame, centred: np.ndarray, topic_ids: np.ndarray,
                              similarity: np.ndarray, living: set[int],
                              threshold: float) -> tuple[np.ndarray, np.ndarray, int]:
    """A sentence the refit moved keeps its previous theme when that theme lives on and the
    sentence still fits the theme as it was (at least ``threshold`` similar to the centroid
    of the theme's earlier sentences): analysts see sentences move only where they no
    longer fit, not wherever a new clustering drew its borders a little differently.
    Returns ids, similarities, how many stayed.
    """
    previous = frame["previous_topic_id"].fill_null(-1).to_numpy()
    moved = (previous >= 0) & (previous != topic_ids) & np.isin(previous, list(living))
    rows = np.flatnonzero(moved)
    if len(rows) == 0:
        return topic_ids, similarity, 0
    as_it_was = {int(t): unit(centred[previous == t].mean(axis=0))
                 for t in np.unique(previous[rows])}
    topic_ids, similarity = topic_ids.copy(), similarity.astype(np.float32).copy()
    fit = np.array([float(centred[i] @ as_it_was[int(previous[i])]) for i in rows])
    keep = rows[fit >= threshold]
    topic_ids[keep] = previous[keep]
    similarity[keep] = fit[fit >= threshold]
    return topic_ids, similarity, int(len(keep))


def _version(package: str) -> str:
    from importlib import metadata

    return metadata.version(package)


def _match_existing_topics(
    ctx: RunContext, found: list, threshold: float, exclude: set[int] | None = None,
    overlap: dict[int, Counter] | None = None, min_overlap: int = 2,
) -> tuple[dict[int, int], int]:
    """Map this run's clusters to existing theme ids by centroid similarity (greedy, best first).

    Returns the map and how many clusters kept an existing id.

    A cluster that matches no active theme gets a new id, so an analyst's theme keeps its
    id (and any label they gave it) while its centroid stays put.
    """
    existing = ctx.warehouse.active_topics()
    if exclude:
        existing = existing.filter(~pl.col("topic_id").is_in(list(exclude)))
    id_map: dict[int, int] = {}
    if found and not existing.is_empty():
        old = unit(np.asarray(existing["centroid"].to_list(), dtype=np.float32))
        new = np.stack([t.centroid for t in found])
        sims = new @ old.T
        pairs = sorted(((sims[i, j], i, j) for i in range(len(found)) for j in range(len(old))),
                       reverse=True)
        used_new, used_old = set(), set()
        for sim, i, j in pairs:
            if sim < threshold:
                break
            if i in used_new or j in used_old:
                continue
            id_map[found[i].index] = int(existing["topic_id"][j])
            used_new.add(i)
            used_old.add(j)
    if overlap and not existing.is_empty():
        # Then by membership: an unmatched cluster whose previously themed sentences mostly
        # (more than half, and at least min_overlap) sat in one unmatched old theme.
        free = set(existing["topic_id"].to_list()) - set(id_map.values())
        wanted = {t.index for t in found} - set(id_map)
        candidates = sorted(
            ((n / sum(counter.values()), n, index, old)
             for index, counter in overlap.items() if index in wanted
             for old, n in counter.items() if old in free and n >= min_overlap),
            reverse=True)
        for share, _n, index, old in candidates:
            if share <= 0.5:
                break
            if index in id_map or old not in free:
                continue
            id_map[index] = int(old)
            free.discard(old)
    matched = len(id_map)
    next_id = ctx.warehouse.next_topic_id()
    for theme in found:
        if theme.index not in id_map:
            id_map[theme.index] = next_id
            next_id += 1
    return id_map, matched


# ---- pain points ----------------------------------------------------------------------------
def pain_points(ctx: RunContext) -> pl.DataFrame:
    """Rank this run's themes by negative volume, with trend, scores and quotes."""
    with ctx.stage("pain_points") as counts:
        frame = ctx.warehouse.themed_sentences()
        topics = ctx.warehouse.query(
            "SELECT topic_id, label, keywords FROM topics WHERE status = 'active'"
        )
        # Hidden themes' sentences keep their theme but are left out of the ranking.
        frame = frame.with_columns(
            pl.when(pl.col("topic_id").is_in(topics["topic_id"].to_list()))
            .then(pl.col("topic_id")).alias("topic_id"))
        ranked = rank_pain_points(frame, topics,
                                  quotes_per_theme=ctx.config.report.quotes_per_theme)
        if not ranked.is_empty():
            ranked = ranked.with_columns(run_id=pl.lit(ctx.run_id))
            ctx.warehouse.save_pain_points(ranked)
        counts["themes_ranked"] = ranked.height
    return ranked
