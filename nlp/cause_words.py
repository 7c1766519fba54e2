"""Cause words: the words of a batch that name what went wrong, as vectors.

A small multilingual encoder blurs causes: "the portions were tiny" and "the food was cold"
sit close because both are about food and both are unhappy. The words tell them apart. Each
sentence is therefore placed by its own vector plus the mean vector of its cause words
(each word embedded alone by the same encoder, so "portions", "raciones" and "порции" land
near each other and "late" in five languages is one direction). This is the idea of
KeyNMF and of BERTopic's keyword representations, used for the clustering itself.

Cause words are the frequent content words of sentences that state a cause, minus tone
words ("ridiculous", "thanks"): a word in fewer sentences than half a theme cannot shape
one, and a bounded vocabulary keeps the cost of embedding it small and fixed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

# The most frequent cause words kept; embedding them costs a few seconds at most.
MAX_CAUSE_WORDS = 2000

WordEncoder = Callable[[list[str]], np.ndarray]


def choose_cause_words(documents: Sequence[str], causes: np.ndarray, tone: frozenset[str],
                       *, min_count: int, limit: int = MAX_CAUSE_WORDS) -> list[str]:
    """Words in at least ``min_count`` sentences that state a cause (``documents``: each
    sentence's keyword tokens), tone words left out; the ``limit`` most frequent, ties by
    the word itself, so the same sentences always give the same words."""
    counts: Counter[str] = Counter()
    for document, cause in zip(documents, np.asarray(causes, bool).tolist(), strict=True):
        if cause:
            counts.update(set(document.split()))
    frequent = sorted((-n, w) for w, n in counts.items() if n >= min_count and w not in tone)
    return [w for _, w in frequent[:limit]]


def embed_cause_words(words: list[str], encode: WordEncoder) -> dict[str, np.ndarray]:
    """Each word's unit vector, from ``encode`` (the sentences' own encoder)."""
    if not words:
        return {}
    vectors = np.asarray(encode(words), dtype=np.float32)
    return dict(zip(words, vectors, strict=True))


def with_cause_words(vectors: np.ndarray, documents: Sequence[str],
                     words: dict[str, np.ndarray], weight: float) -> np.ndarray:
    """Each sentence vector plus ``weight`` times the unit mean of its cause words' vectors,
    unit length; a sentence with none of ``words`` keeps its own vector."""
    if weight == 0 or not words or len(vectors) == 0:
        return vectors
    index = {w: i for i, w in enumerate(words)}
    table = np.stack(list(words.values())).astype(np.float32)
    mix = np.zeros_like(vectors, dtype=np.float32)
    for row, document in enumerate(documents):
        hits = [index[w] for w in document.split() if w in index]
        if hits:
            mean = table[hits].mean(axis=0)
            mix[row] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    moved = vectors + weight * mix
    return (moved / np.linalg.norm(moved, axis=1, keepdims=True)).astype(vectors.dtype)
