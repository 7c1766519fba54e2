"""The enrich stage: new feedback split into sentences, its language detected, embedded
(through the warehouse's cache) and scored for sentiment, per sentence and per document;
then the sentiment head is adapted to the feedback's clear scores when that is due
(:mod:`flows.sentiment_model`)."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import polars as pl

from flows.context import RunContext, count_values
from flows.sentiment_model import active_head, adapt_to_scores
from nlp.embedding import mean_pool
from nlp.language import get_language_detector, word_count
from nlp.normalize import text_hash
from nlp.text_prep import sentences

log = logging.getLogger("voc")

# A sentence's own language overrides its document's only when detected this surely.
SENTENCE_LANG_CONFIDENCE = 0.9


def run(ctx: RunContext) -> dict[str, Any]:
    """Split new feedback into sentences; detect language; embed; score sentiment."""
    docs = ctx.warehouse.feedback_to_enrich()
    detector = get_language_detector(ctx.config.models.language_detector,
                                     min_confidence=ctx.config.language.min_confidence)
    ctx.models["language"] = f"{detector.name} ({detector.version})"
    with ctx.stage("language") as counts:
        doc_langs = detector.detect_many(docs["text"].to_list())
        sentence_rows = []
        for doc_id, text, doc_lang in zip(docs["doc_id"], docs["text"], doc_langs, strict=True):
            pieces = sentences(text)
            sent_langs = (detector.detect_many([p.text for p in pieces]) if len(pieces) > 1
                          else [doc_lang])
            for idx, (piece, guess) in enumerate(zip(pieces, sent_langs, strict=True)):
                # Short sentences are where language ID errs (Spanish read as Catalan):
                # a sentence keeps its document's language unless it clearly differs.
                clear = (guess.confidence >= SENTENCE_LANG_CONFIDENCE
                         and word_count(piece.text) >= 4)
                lang = guess.lang if clear and guess.lang != "und" else doc_lang.lang
                sentence_rows.append({"doc_id": doc_id, "sentence_idx": idx, "text": piece.text,
                                      "lang": lang, "text_hash": text_hash(piece.model_text),
                                      "model_text": piece.model_text})
        counts["documents"] = docs.height
        counts["sentences"] = len(sentence_rows)
        counts["languages"] = dict(
            sorted(count_values(g.lang for g in doc_langs).items(), key=lambda kv: -kv[1]))
    if docs.is_empty():
        ctx.counts["embed"] = {"sentences": 0, "from_cache": 0}
        ctx.counts["sentiment"] = {"documents": 0}
        return ctx.counts["sentiment"]
    with ctx.stage("embed") as counts:
        vectors, cached = ctx.embed([r["model_text"] for r in sentence_rows])
        counts["sentences"] = len(sentence_rows)
        counts["from_cache"] = cached
    with ctx.stage("sentiment") as counts:
        head = active_head(ctx)
        ctx.models["sentiment"] = f"{head.name} (over {head.embedding_model})"
        model_texts = [r["model_text"] for r in sentence_rows]
        sent_result = head.predict(vectors, model_texts)
        sentence_frame = pl.DataFrame(sentence_rows).drop("model_text").with_columns(
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
        ctx.warehouse.save_enrichment(documents, sentence_frame)
        counts["documents"] = len(doc_ids)
        counts.update(count_values(doc_result.labels))
    with ctx.stage("sentiment_adaptation") as counts:
        try:
            counts.update(adapt_to_scores(ctx))
        except (ValueError, np.linalg.LinAlgError) as err:
            # Adapting is a bonus: the night goes on with the head it scored with.
            log.warning("sentiment adaptation failed: %s", err)
            counts.update(adaptation="failed", reason=str(err))
    return ctx.counts["sentiment"]
