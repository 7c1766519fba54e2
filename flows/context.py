"""What one run shares between its stages: config, warehouse, models, counts, timings."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

import numpy as np

from data.warehouse import Warehouse
from flows.config import VocConfig
from nlp.embedding import SentenceTransformerEmbedder
from nlp.normalize import text_hash
from nlp.redact import Redactor

log = logging.getLogger("voc")


@dataclass
class RunContext:
    """Everything one run shares between stages. Made by :func:`flows.run.run_pipeline`
    for one run and gone with it: it holds the warehouse connection and the models."""

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
        log.info("%s: %s (%.1f s)", name, stage_summary(counts), self.timings[name])

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

    def embed(self, texts: list[str]) -> tuple[np.ndarray, int]:
        """Embeddings for texts through the warehouse's cache, computing only those not
        cached; returns (vectors, how many were cached)."""
        model = self.embedder.name
        hashes = [text_hash(t) for t in texts]
        cached = self.warehouse.cached_embeddings(hashes, model)
        # Encoded in hash order: the same texts form the same batches whatever order the
        # feedback arrived in, so a shuffled input gets bit-identical vectors (and themes).
        missing = sorted(set(h for h in hashes if h not in cached))
        if missing:
            by_hash = dict(zip(hashes, texts, strict=True))
            vectors = self.embedder.encode([by_hash[h] for h in missing])
            self.warehouse.store_embeddings(missing, vectors, model)
            cached.update(zip(missing, vectors, strict=True))
        dim = self.embedder.dim
        out = (np.stack([cached[h] for h in hashes]) if hashes
               else np.zeros((0, dim), np.float32))
        return out, len(hashes) - len(missing)


def stage_summary(counts: dict[str, Any]) -> str:
    """A stage's counts as one log line: numbers with thousands separators; nested counts
    (per source, per language) are left to ``runs.stage_counts``."""
    parts = []
    for key, value in counts.items():
        if isinstance(value, dict):
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            parts.append(f"{key} {value:,}")
        else:
            parts.append(f"{key} {value}")
    return ", ".join(parts)


def count_values(values: Any) -> dict[str, int]:
    """How often each value occurs, in first-seen order."""
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out
