"""Sentiment adapted to a deployment's own scores, simulated on public sets with ratings.

A "deployment" is a set of rated documents: its clear scores become weak labels
(:func:`nlp.rating_adaptation.weak_label` keeps only the clear ends), the head is adapted
on them and judged by the product's guard (:func:`nlp.rating_adaptation.judge`: a held-out
20% of the deployment and the shipped check sentences). Each is then scored on documents
the adaptation never saw, with their own three-class labels (the middle ratings, which
give no weak label, included):

- drugs.com: adapt on the train split (ratings of 1-10 as positive / neutral / negative),
  score on the test split.
- Greek reviews: the 20% of Skroutz reviews the shipped head never trained on, halved by a
  fixed hash; adapt on one half, score on the other.

Documents go through the product's scoring path (``document_vectors`` and the cleaned
text, as the enrich stage builds them).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import polars as pl

from bench.common import MODEL_CACHE
from nlp.embedding import (
    SentenceTransformerEmbedder,
    document_model_texts,
    document_vectors,
    embed_cached,
)
from nlp.metrics import macro_f1
from nlp.rating_adaptation import Check, adapt_and_judge, shipped_check
from nlp.sentiment import LABELS, SentimentHead, load_sentiment_head


def _half(text: str) -> str:
    return "adapt" if hashlib.sha1(f"sim:{text}".encode()).digest()[0] < 128 else "score"


def simulate(name: str, deployment: pl.DataFrame, scored: pl.DataFrame,
             embedder: SentenceTransformerEmbedder, cache: Path, checks: list[Check],
             head: SentimentHead) -> dict[str, Any]:
    """``deployment``/``scored``: text, label (positive / neutral / negative)."""
    weak = deployment.filter(pl.col("label") != "neutral")  # the clear ends only
    texts = weak["text"].to_list()
    vectors = document_vectors(texts, embedder, cache)
    model_texts = document_model_texts(texts)
    labels = weak["label"].to_list()
    tried = adapt_and_judge(head, texts, vectors, model_texts, labels, checks)
    adapted, verdict = tried.head, tried.verdict
    s_texts = scored["text"].to_list()
    s_vectors = document_vectors(s_texts, embedder, cache)
    s_model = document_model_texts(s_texts)
    truth = scored["label"].to_list()
    out = {which: macro_f1(truth, h.predict(s_vectors, s_model).labels, LABELS,
                           present_only=True)
           for which, h in (("shipped", head), ("adapted", adapted))}
    return {"set": name, "weak_labelled": tried.examples, "guard_slice": tried.held_out,
            "scored": len(truth), "scored_labels": dict(scored.group_by("label").len().iter_rows()),
            "macro_f1": out, "gain": round(out["adapted"] - out["shipped"], 1),
            "adopted": verdict.adopted, "guard": verdict.reason, "guard_scores": verdict.scores}


def run_adaptation(datasets: Path, cache: Path) -> dict[str, Any]:
    from training.sentiment import load_corpus

    embedder = SentenceTransformerEmbedder(cache_dir=MODEL_CACHE)
    head = load_sentiment_head()
    checks = [shipped_check(lambda texts: embed_cached(embedder, texts, cache))]
    drugs = pl.read_parquet(datasets / "drugscom_reviews_subset.parquet")
    greek = load_corpus(datasets).filter((pl.col("corpus") == "skroutz")
                                         & (pl.col("part") == "heldout"))
    greek = greek.with_columns(half=pl.Series([_half(t) for t in greek["text"].to_list()]))
    return {"head": head.name, "sets": [
        simulate("drugs.com (adapt: train, score: test)",
                 drugs.filter(pl.col("split") == "train"),
                 drugs.filter(pl.col("split") == "test"), embedder, cache, checks, head),
        simulate("Greek reviews (held-out 20%, halved)",
                 greek.filter(pl.col("half") == "adapt"),
                 greek.filter(pl.col("half") == "score"), embedder, cache, checks, head),
    ]}


def render_adaptation_markdown(r: dict[str, Any]) -> str:
    lines = ["## Sentiment adapted to a deployment's scores", "",
             f"Head `{r['head']}`. Clear scores (the ends) become weak labels; the adapted "
             "head is judged by the product's guard, then both are scored on documents the "
             "adaptation never saw, with their three-class labels (macro-F1 over the classes "
             "present).", "",
             "| set | weak labels | guard slice | scored | shipped | adapted | gain | guard |",
             "|---|---|---|---|---|---|---|---|"]
    for s in r["sets"]:
        lines.append(f"| {s['set']} | {s['weak_labelled']} | {s['guard_slice']} | "
                     f"{s['scored']} | {s['macro_f1']['shipped']} | {s['macro_f1']['adapted']} "
                     f"| {s['gain']:+.1f} | {'adopted' if s['adopted'] else 'refused'}: "
                     f"{s['guard']} |")
    return "\n".join(lines) + "\n"
