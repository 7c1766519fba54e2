"""Multilingual sentiment: a small classifier head over the sentence embeddings.

No multilingual sentiment model or lexicon is installable offline, so sentiment is
learned: a multinomial logistic-regression head trained on labelled customer text
in many languages (see ``nlp/train_sentiment.py``, which writes the shipped
weights and the held-out scores it reached). Because the head reads the same
embeddings the theme model uses, sentiment costs no extra encoder pass.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

LABELS = ("negative", "neutral", "positive")
DEFAULT_HEAD = "e5-small-logreg-v2"


@dataclass(frozen=True)
class SentimentResult:
    """Per-text labels, scores in -1..1 (P(positive) - P(negative)) and class probabilities."""

    labels: list[str]
    scores: np.ndarray
    probabilities: np.ndarray


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
    ) -> None:
        if coef.shape[0] != len(LABELS) or intercept.shape != (len(LABELS),):
            raise ValueError(f"a sentiment head needs {len(LABELS)} classes, got {coef.shape}")
        if (hidden_w is None) != (hidden_b is None):
            raise ValueError("a hidden layer needs both weights and biases")
        self.coef = coef.astype(np.float32)
        self.intercept = intercept.astype(np.float32)
        self.hidden_w = None if hidden_w is None else hidden_w.astype(np.float32)
        self.hidden_b = None if hidden_b is None else hidden_b.astype(np.float32)
        self.name = name
        self.embedding_model = embedding_model

    @property
    def dim(self) -> int:
        return int((self.coef if self.hidden_w is None else self.hidden_w).shape[1])

    def predict(self, embeddings: np.ndarray) -> SentimentResult:
        """Classify embeddings (one row per text)."""
        if embeddings.ndim != 2 or embeddings.shape[1] != self.dim:
            raise ValueError(
                f"sentiment head {self.name!r} expects {self.dim}-dimensional embeddings from "
                f"{self.embedding_model!r}, got shape {embeddings.shape}"
            )
        features = embeddings.astype(np.float32)
        if self.hidden_w is not None:
            features = np.maximum(features @ self.hidden_w.T + self.hidden_b, 0.0)
        logits = features @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        labels = [LABELS[i] for i in probs.argmax(axis=1)]
        scores = probs[:, 2] - probs[:, 0]
        return SentimentResult(labels=labels, scores=scores, probabilities=probs)

    def save(self, path: Path, metadata: dict) -> None:
        """Write weights (``.npz``) and metadata (``.json`` beside it)."""
        arrays = {"coef": self.coef, "intercept": self.intercept}
        if self.hidden_w is not None:
            arrays |= {"hidden_w": self.hidden_w, "hidden_b": self.hidden_b}
        np.savez_compressed(path.with_suffix(".npz"), **arrays)
        meta = {"name": self.name, "embedding_model": self.embedding_model, **metadata}
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
    return SentimentHead(
        data["coef"],
        data["intercept"],
        name=meta["name"],
        embedding_model=meta["embedding_model"],
        hidden_w=data.get("hidden_w"),
        hidden_b=data.get("hidden_b"),
    )
