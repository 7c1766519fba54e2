"""Which sentiment head a run scores with, and its adaptation to the deployment's scores.

The shipped head scores until an adaptation is adopted (:mod:`nlp.rating_adaptation`); the
newest adopted one scores from the run after it on, and ``runs.models`` names it. An
adaptation is tried once enough feedback is clearly scored on both sides, and again when
that feedback has grown; each try is recorded in ``sentiment_adaptations`` with the guard's
verdict and scores, adopted or not.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from flows.context import RunContext
from nlp.embedding import mean_pool
from nlp.rating_adaptation import adapt_and_judge, shipped_check, weak_label
from nlp.sentiment import SentimentHead, load_sentiment_head
from nlp.text_prep import model_text


def active_head(ctx: RunContext) -> SentimentHead:
    """The shipped head, or its newest adopted adaptation in this warehouse."""
    shipped = load_sentiment_head(ctx.config.models.sentiment)
    row = ctx.warehouse.last_adaptation(shipped.name, adopted_only=True)
    if row is None:
        return shipped
    coef = np.asarray(row["coef"], dtype=np.float32).reshape(shipped.coef.shape)
    return SentimentHead(coef, np.asarray(row["intercept"], dtype=np.float32),
                         name=row["model"], embedding_model=shipped.embedding_model,
                         hidden_w=shipped.hidden_w, hidden_b=shipped.hidden_b,
                         lexical=shipped.lexical, lexical_weight=shipped.lexical_weight)


def adapt_to_scores(ctx: RunContext) -> dict[str, Any]:
    """Try an adaptation when it is due; what happened, as the run's counts."""
    cfg = ctx.config.sentiment
    if not cfg.adapt_from_scores:
        return {"adaptation": "off"}
    shipped = load_sentiment_head(ctx.config.models.sentiment)
    weak = _weak_labels(ctx)
    labels = list(weak.values())
    sides = {side: labels.count(side) for side in ("negative", "positive")}
    if min(sides.values()) < cfg.adapt_min_per_class:
        return {"adaptation": "waiting", **sides, "needed_per_side": cfg.adapt_min_per_class}
    last = ctx.warehouse.last_adaptation(shipped.name)
    if last is not None and len(labels) < (last["examples"] + last["held_out"]) * (
            1 + cfg.adapt_again_growth):
        return {"adaptation": "up to date", **sides}
    found = _documents(ctx, list(weak))
    doc_ids = list(found)
    labels = [weak[d] for d in doc_ids]
    texts = [found[d][0] for d in doc_ids]
    vectors = np.stack([found[d][1] for d in doc_ids])
    tried = adapt_and_judge(shipped, doc_ids, vectors, texts, labels,
                            [shipped_check(lambda texts: ctx.embed(texts)[0])],
                            name=f"{shipped.name}+adapted@{ctx.run_id}")
    verdict = tried.verdict
    ctx.warehouse.record_adaptation(
        ctx.run_id, ctx.started_at, base_model=shipped.name, model=tried.head.name,
        examples=tried.examples, held_out=tried.held_out, adopted=verdict.adopted,
        reason=verdict.reason, scores=verdict.scores, coef=tried.head.coef,
        intercept=tried.head.intercept)
    return {"adaptation": "adopted" if verdict.adopted else "refused", **sides,
            "reason": verdict.reason}


def _weak_labels(ctx: RunContext) -> dict[str, str]:
    """doc_id -> the weak label of each clearly scored document."""
    scored = ctx.warehouse.scored_documents()
    labels = {}
    for doc_id, rating, scale, nps, csat in scored.iter_rows():
        label = weak_label(rating, scale, nps, csat)
        if label is not None:
            labels[doc_id] = label
    return labels


def _documents(ctx: RunContext, doc_ids: list[str]) -> dict[str, tuple[str, np.ndarray]]:
    """doc_id -> its text as the head reads it and its vector (its sentences' mean, as the
    enrich stage makes them), for those of ``doc_ids`` with embedded sentences."""
    frame, vectors = ctx.warehouse.document_sentences(doc_ids, ctx.embedder.name)
    out, start = {}, 0
    for (doc_id,), part in frame.group_by("doc_id", maintain_order=True):
        out[doc_id] = (" ".join(model_text(t) for t in part["text"].to_list()),
                       mean_pool(vectors[start:start + part.height]))
        start += part.height
    return out
