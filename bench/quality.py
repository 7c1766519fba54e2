"""Quality benchmarks on labelled public data nobody on the project wrote.

Every measure runs the product's own functions, the ones the flow calls: the text
contract (:mod:`nlp.text_prep`: stored text, sentences, model text), the language
detector, the embedder, ``mean_pool`` and the sentiment head, and ``find_themes``.
Nothing here is tuned on the data it reports.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from nlp.embedding import (
    SentenceTransformerEmbedder,
    document_model_texts,
    document_vectors,
    embed_cached,
)
from nlp.language import get_language_detector
from nlp.metrics import macro_f1
from nlp.redact import Redactor
from nlp.sentiment import LABELS, load_sentiment_head
from nlp.text_prep import model_text, stored_text
from nlp.themes import find_themes

GOALS = {
    "language_id_sentences": 98.0,  # accuracy % per language, texts of more than 3 words
    "sentiment_umsab_overall": 64.0,
    "sentiment_umsab_min_language": 50.0,
    "sentiment_greek": 80.0,
    "themes_nmi": 0.77,
    "themes_outliers": 0.10,
}
_REDACTOR = Redactor()


# ---- language identification ------------------------------------------------------------------
def language_id(datasets: Path) -> dict[str, Any]:
    """Accuracy per language on texts of more than 3 words, and separately on 3 or fewer."""
    umsab = pl.read_parquet(datasets / "umsab_tweets_train_val.parquet").filter(
        pl.col("split") == "val"
    )
    sets = [
        ("umsab-val", umsab.select("text", "lang")),
        ("skroutz", pl.read_parquet(datasets / "greek_skroutz_reviews.parquet")
         .select("text", "lang")),
        ("banking77-test", pl.read_parquet(datasets / "banking77_intents.parquet")
         .filter(pl.col("split") == "test").select("text", pl.lit("en").alias("lang"))),
        ("drugscom-test", pl.read_parquet(datasets / "drugscom_reviews_subset.parquet")
         .filter(pl.col("split") == "test").select("text", "lang")),
    ]
    detector = get_language_detector("fasttext-lite")
    started = time.perf_counter()
    rows = []
    for name, frame in sets:
        texts = [stored_text(t, _REDACTOR) for t in frame["text"].to_list()]
        guesses = detector.detect_many(texts)
        for text, lang, guess in zip(texts, frame["lang"].to_list(), guesses, strict=True):
            words = len(model_text(text).split())
            rows.append({"set": name, "lang": lang, "short": words <= 3,
                         "correct": guess.lang == lang, "und": guess.lang == "und"})
    seconds = time.perf_counter() - started
    frame = pl.DataFrame(rows)
    out: dict[str, Any] = {"detector": f"{detector.name} ({detector.version})",
                           "texts_per_second": round(len(rows) / seconds, 1), "by_language": {}}
    for (lang,), group in frame.group_by(["lang"], maintain_order=True):
        longer = group.filter(~pl.col("short"))
        short = group.filter(pl.col("short"))
        out["by_language"][lang] = {
            "sets": sorted(set(group["set"].to_list())),
            "n": longer.height,
            "accuracy": _pct(longer["correct"].mean()),
            "und_share": _pct(longer["und"].mean()),
            "short_n": short.height,
            "short_accuracy": _pct(short["correct"].mean()) if short.height else None,
        }
    accs = [v["accuracy"] for v in out["by_language"].values() if v["n"]]
    out["min_accuracy"] = min(accs)
    out["goal"] = GOALS["language_id_sentences"]
    out["met"] = all(a >= GOALS["language_id_sentences"] for a in accs)
    return out


# ---- sentiment --------------------------------------------------------------------------------
def document_sentiment(texts: list[str], embedder: SentenceTransformerEmbedder,
                       cache: Path) -> list[str]:
    """Document labels exactly as the pipeline makes them (``document_vectors`` and the
    cleaned text, then the head)."""
    vectors = document_vectors(texts, embedder, cache)
    return load_sentiment_head().predict(vectors, document_model_texts(texts)).labels


def sentiment(datasets: Path, embedder: SentenceTransformerEmbedder, cache: Path) -> dict[str, Any]:
    """Macro-F1 of the shipped head on data it was not trained on."""
    from training.sentiment import load_corpus

    heldout = load_corpus(datasets).filter(pl.col("part") == "heldout")
    started = time.perf_counter()
    pred = document_sentiment(heldout["text"].to_list(), embedder, cache)
    seconds = time.perf_counter() - started
    heldout = heldout.with_columns(pred=pl.Series(pred))
    out: dict[str, Any] = {"head": load_sentiment_head().name, "seconds": round(seconds, 1),
                           "umsab": {}, "other": {}}
    umsab = heldout.filter(pl.col("corpus") == "umsab")
    out["umsab"]["all"] = {"n": umsab.height, "macro_f1": macro_f1(
        umsab["label"].to_list(), umsab["pred"].to_list(), LABELS)}
    for (lang,), group in umsab.group_by(["lang"], maintain_order=True):
        out["umsab"][lang] = {"n": group.height, "macro_f1": macro_f1(
            group["label"].to_list(), group["pred"].to_list(), LABELS)}
    greek = heldout.filter(pl.col("corpus") == "skroutz")
    # The Greek set is positive/negative: a 'neutral' answer counts as a miss.
    out["other"]["skroutz-el"] = {"n": greek.height, "macro_f1": macro_f1(
        greek["label"].to_list(), greek["pred"].to_list(), ("negative", "positive"))}
    drugs = heldout.filter(pl.col("corpus") == "drugscom")
    out["other"]["drugscom-en"] = {"n": drugs.height, "macro_f1": macro_f1(
        drugs["label"].to_list(), drugs["pred"].to_list(), LABELS)}
    per_lang = [v["macro_f1"] for k, v in out["umsab"].items() if k != "all"]
    out["goals"] = {
        "overall": _at_least("sentiment_umsab_overall", out["umsab"]["all"]["macro_f1"]),
        "min_language": _at_least("sentiment_umsab_min_language", min(per_lang)),
        "greek": _at_least("sentiment_greek", out["other"]["skroutz-el"]["macro_f1"]),
    }
    return out


def _at_least(goal: str, value: float) -> dict[str, Any]:
    return {"goal": GOALS[goal], "value": value, "met": value >= GOALS[goal]}


# ---- themes -----------------------------------------------------------------------------------
def _cluster_scores(truth: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    assigned = pred >= 0
    return {
        "nmi": round(float(normalized_mutual_info_score(truth, pred)), 3),
        "ari": round(float(adjusted_rand_score(truth, pred)), 3),
        "nmi_assigned_only": round(float(normalized_mutual_info_score(
            truth[assigned], pred[assigned])), 3) if assigned.any() else None,
        "outlier_share": round(float((~assigned).mean()), 3),
        "themes": int(len(set(pred.tolist()) - {-1})),
    }


def themes_banking77(datasets: Path, embedder: SentenceTransformerEmbedder,
                     cache: Path, seed: int = 42) -> dict[str, Any]:
    """Ours against plain BERTopic and k-means (k = 77) on the same embeddings.

    Outliers count as one extra cluster in NMI and ARI, so leaving text out is not free.
    """
    from bertopic import BERTopic
    from sklearn.cluster import KMeans
    from umap import UMAP

    test = pl.read_parquet(datasets / "banking77_intents.parquet").filter(pl.col("split") == "test")
    texts = [model_text(stored_text(t, _REDACTOR)) for t in test["text"].to_list()]
    truth = np.asarray(pd_codes(test["label"].to_list()))
    vectors = embed_cached(embedder, texts, cache)
    langs = ["en"] * len(texts)
    out: dict[str, Any] = {"n": len(texts), "intents": int(len(set(truth.tolist())))}

    started = time.perf_counter()
    ours = find_themes(vectors, texts, langs, seed=seed,
                       encode_words=lambda words: embed_cached(embedder, words, cache))
    out["ours"] = {**_cluster_scores(truth, ours.assignments),
                   "seconds": round(time.perf_counter() - started, 1)}

    started = time.perf_counter()
    # Plain BERTopic: every default, given the same embeddings. UMAP gets a seed only so
    # that the comparison is reproducible.
    plain = BERTopic(umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0,
                                     metric="cosine", random_state=seed))
    topics, _ = plain.fit_transform(texts, embeddings=vectors)
    out["bertopic_default"] = {**_cluster_scores(truth, np.asarray(topics)),
                               "seconds": round(time.perf_counter() - started, 1)}

    started = time.perf_counter()
    kmeans = KMeans(n_clusters=77, n_init=10, random_state=seed).fit_predict(vectors)
    out["kmeans_77"] = {**_cluster_scores(truth, kmeans),
                        "seconds": round(time.perf_counter() - started, 1)}
    o, b = out["ours"], out["bertopic_default"]
    out["goals"] = {
        "nmi": _at_least("themes_nmi", o["nmi"]),
        "outliers": {"goal": GOALS["themes_outliers"], "value": o["outlier_share"],
                     "met": o["outlier_share"] <= GOALS["themes_outliers"]},
        "beats_plain_bertopic": {
            "met": o["nmi"] > b["nmi"] and o["outlier_share"] < b["outlier_share"]
        },
    }
    return out


def pd_codes(values: list[str]) -> list[int]:
    """Integer codes for labels, in order of first appearance."""
    codes: dict[str, int] = {}
    return [codes.setdefault(v, len(codes)) for v in values]


def _pct(x: float | None) -> float | None:
    return None if x is None else round(100 * float(x), 1)
