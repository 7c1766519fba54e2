"""Multilingual sentiment: a small classifier head over the sentence embeddings.

No multilingual sentiment model or lexicon is installable offline, so sentiment is
learned: a multinomial logistic-regression head trained on labelled customer text
in many languages (see ``training/sentiment.py``, which writes the shipped
weights and the held-out scores it reached). Because the head reads the same
embeddings the theme model uses, sentiment costs no extra encoder pass.

A head may also carry a *lexical* part: a logistic regression over hashed character
n-grams of the text itself, which catches slang, spelling and emphasis the small
encoder smooths away. Its log-probabilities are blended with the embedding part's by
a weight chosen on training data; it costs a hashing pass, not an encoder pass.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from scipy import sparse

LABELS = ("negative", "neutral", "positive")
DEFAULT_HEAD = "e5-small-logreg-lex-v3"


@dataclass(frozen=True)
class SentimentResult:
    """Per-text labels, scores in -1..1 (P(positive) - P(negative)) and class probabilities."""

    labels: list[str]
    scores: np.ndarray
    probabilities: np.ndarray


class LexicalPart:
    """Logistic regression over hashed, TF-IDF weighted character n-grams (within words).

    Hashing needs no vocabulary, so the part is a few arrays: ``idf`` (n_features,),
    ``coef`` (3, n_features) and ``intercept`` (3,), rows in the order of ``LABELS``.
    """

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, idf: np.ndarray, *,
                 ngram_range: tuple[int, int] = (2, 5)) -> None:
        if coef.shape != (len(LABELS), idf.shape[0]) or intercept.shape != (len(LABELS),):
            raise ValueError(f"lexical part shapes do not match: {coef.shape}, {idf.shape}")
        self.coef = coef.astype(np.float32)
        self.intercept = intercept.astype(np.float32)
        self.idf = idf.astype(np.float32)
        self.ngram_range = ngram_range

    @staticmethod
    def counts(texts: Sequence[str], n_features: int,
               ngram_range: tuple[int, int] = (2, 5)) -> sparse.csr_matrix:
        """Raw hashed n-gram counts of lower-cased texts (what the idf is learned from)."""
        from sklearn.feature_extraction.text import HashingVectorizer

        vectorizer = HashingVectorizer(
            analyzer="char_wb", ngram_range=ngram_range, n_features=n_features,
            alternate_sign=False, norm=None, lowercase=True, dtype=np.float32,
        )
        return vectorizer.transform(list(texts)).tocsr()

    @staticmethod
    def weigh(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
        """Sublinear tf times idf, rows of unit length."""
        tf = counts.copy()
        tf.data = 1.0 + np.log(tf.data)
        from sklearn.preprocessing import normalize

        weighted = tf.multiply(idf[None, :]).tocsr().astype(np.float32)
        return normalize(weighted, norm="l2", copy=False)

    def features(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return self.weigh(self.counts(texts, self.idf.shape[0], self.ngram_range), self.idf)

    def log_probabilities(self, texts: Sequence[str]) -> np.ndarray:
        logits = np.asarray(self.features(texts) @ self.coef.T) + self.intercept
        return _log_softmax(logits)


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


class SentimentHead:
    """A softmax head: ``probs = softmax(H @ coef.T + intercept)`` where ``H`` is the
    embeddings, or ``relu(X @ hidden_w.T + hidden_b)`` when the head has a hidden layer.

    Args:
        coef: (3, dim) weights, rows in the order of ``LABELS``.
        intercept: (3,) biases.
        name: the head's registered name (recorded with every run).
        embedding_model: the embedding model the head was trained on.
        hidden_w: optional (hidden, embedding dim) weights of a ReLU layer.
        hidden_b: its (hidden,) biases.
        lexical: optional lexical part, read from the texts themselves.
        lexical_weight: its share of the blended log-probabilities (0..1).
    """

    def __init__(
        self,
        coef: np.ndarray,
        intercept: np.ndarray,
        *,
        name: str,
        embedding_model: str,
        hidden_w: np.ndarray | None = None,
        hidden_b: np.ndarray | None = None,
        lexical: LexicalPart | None = None,
        lexical_weight: float = 0.0,
    ) -> None:
        if coef.shape[0] != len(LABELS) or intercept.shape != (len(LABELS),):
            raise ValueError(f"a sentiment head needs {len(LABELS)} classes, got {coef.shape}")
        if (hidden_w is None) != (hidden_b is None):
            raise ValueError("a hidden layer needs both weights and biases")
        self.coef = coef.astype(np.float32)
        self.intercept = intercept.astype(np.float32)
        self.hidden_w = None if hidden_w is None else hidden_w.astype(np.float32)
        self.hidden_b = None if hidden_b is None else hidden_b.astype(np.float32)
        if not 0.0 <= lexical_weight <= 1.0 or (lexical is None and lexical_weight > 0):
            raise ValueError(
                f"lexical_weight must be in 0..1, and 0 without a lexical part: {lexical_weight}"
            )
        self.lexical = lexical
        self.lexical_weight = lexical_weight
        self.name = name
        self.embedding_model = embedding_model

    @property
    def dim(self) -> int:
        return int((self.coef if self.hidden_w is None else self.hidden_w).shape[1])

    def predict(self, embeddings: np.ndarray, texts: Sequence[str] | None = None
                ) -> SentimentResult:
        """Classify texts from their embeddings (one row per text) and, when the head has
        a lexical part, from the texts the embeddings were made of (same order)."""
        if embeddings.ndim != 2 or embeddings.shape[1] != self.dim:
            raise ValueError(
                f"sentiment head {self.name!r} expects {self.dim}-dimensional embeddings from "
                f"{self.embedding_model!r}, got shape {embeddings.shape}"
            )
        features = embeddings.astype(np.float32)
        if self.hidden_w is not None:
            features = np.maximum(features @ self.hidden_w.T + self.hidden_b, 0.0)
        log_probs = _log_softmax(features @ self.coef.T + self.intercept)
        if self.lexical is not None and self.lexical_weight > 0:
            if texts is None or len(texts) != len(embeddings):
                raise ValueError(f"sentiment head {self.name!r} reads the texts too: pass one "
                                 "text per embedding")
            log_probs = ((1.0 - self.lexical_weight) * log_probs
                         + self.lexical_weight * self.lexical.log_probabilities(texts))
        probs = np.exp(_log_softmax(log_probs))
        labels = [LABELS[i] for i in probs.argmax(axis=1)]
        scores = probs[:, 2] - probs[:, 0]
        return SentimentResult(labels=labels, scores=scores, probabilities=probs)

    def save(self, path: Path, metadata: dict) -> None:
        """Write weights (``.npz``) and metadata (``.json`` beside it)."""
        arrays = {"coef": self.coef, "intercept": self.intercept}
        if self.hidden_w is not None:
            arrays |= {"hidden_w": self.hidden_w, "hidden_b": self.hidden_b}
        meta = {"name": self.name, "embedding_model": self.embedding_model}
        if self.lexical is not None:
            arrays |= {"lexical_coef": self.lexical.coef.astype(np.float16),
                       "lexical_intercept": self.lexical.intercept,
                       "lexical_idf": self.lexical.idf.astype(np.float16)}
            meta |= {"lexical_weight": self.lexical_weight,
                     "lexical_ngram_range": list(self.lexical.ngram_range)}
        np.savez_compressed(path.with_suffix(".npz"), **arrays)
        meta |= metadata
        path.with_suffix(".json").write_text(
            json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )


def load_sentiment_head(name: str = DEFAULT_HEAD, path: Path | None = None) -> SentimentHead:
    """Load a shipped head by name, or a head file from ``path``.

    Raises:
        ValueError: the name is not a shipped head; the message lists the valid names.
    """
    if path is None:
        weights_dir = Path(str(resources.files("nlp").joinpath("weights")))
        path = weights_dir / f"{name}.npz"
        if not path.exists():
            valid = sorted(p.stem for p in weights_dir.glob("*.npz"))
            raise ValueError(f"unknown sentiment head {name!r}; valid names: {valid}")
    data = np.load(path.with_suffix(".npz"))
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    lexical = None
    if "lexical_coef" in data:
        low, high = meta["lexical_ngram_range"]
        lexical = LexicalPart(data["lexical_coef"], data["lexical_intercept"],
                              data["lexical_idf"], ngram_range=(low, high))
    return SentimentHead(
        data["coef"],
        data["intercept"],
        name=meta["name"],
        embedding_model=meta["embedding_model"],
        hidden_w=data.get("hidden_w"),
        hidden_b=data.get("hidden_b"),
        lexical=lexical,
        lexical_weight=float(meta.get("lexical_weight", 0.0)),
    )
