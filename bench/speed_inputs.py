"""The speed benchmark's inputs: a review export of N labelled texts, its nightly 1% and a
config in the shape of ``configs/voc.toml`` that reads it (see :mod:`bench.speed`)."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import MODEL_CACHE, ROOT, load_pool

TEMPLATE_CONFIG = ROOT / "configs" / "voc.toml"
SOURCE_NAME = "bench_reviews"
CSV_COLUMNS = ("review_id", "submitted_at", "stars", "title", "body")
# Feedback dates: 10 weeks ending on a fixed day in the past, so runs are reproducible.
END_DATE = datetime(2026, 9, 28, tzinfo=UTC)
WEEKS = 10
SEED = 20260928
NIGHTLY_FRACTION = 0.01


@dataclass(frozen=True)
class BenchInputs:
    """One size's inputs: the first run's export and the nightly run's new rows."""

    size: int
    reviews_csv: Path
    nightly_csv: Path
    n_docs: int
    n_nightly: int
    pool_size: int
    with_replacement: bool


def stars_for(label: str | None, rng: np.random.Generator) -> int:
    """1-5 stars from a sentiment label; 3 when the label is not a sentiment (or none)."""
    if label == "positive":
        return int(rng.choice([4, 5]))
    if label == "negative":
        return int(rng.choice([1, 2]))
    return 3


def _timestamps(count: int, start: datetime, span: timedelta,
                rng: np.random.Generator) -> list[str]:
    offsets = np.sort(rng.uniform(0, span.total_seconds(), size=count))
    return [(start + timedelta(seconds=int(s))).strftime("%Y-%m-%dT%H:%M:%SZ") for s in offsets]


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def build_inputs(datasets: Path, size: int, out_dir: Path, *, seed: int = SEED,
                 nightly_fraction: float = NIGHTLY_FRACTION) -> BenchInputs:
    """Write ``reviews.csv`` (``size`` documents) and ``nightly.csv`` (the 1% new ones).

    The pool is shuffled with ``seed``; the nightly texts are set aside first so that they
    are new to the warehouse, and the rest is drawn without replacement while it lasts,
    with replacement beyond that. Every row has its own ``review_id``; the nightly ids
    continue the numbering. Dates spread over the 10 weeks before ``END_DATE`` (the new
    rows over its last day).
    """
    if size < 1:
        raise ValueError(f"size must be at least 1, got {size}")
    pool = load_pool(datasets)
    n_nightly = max(1, math.ceil(size * nightly_fraction))
    if pool.height < n_nightly + 1:
        raise ValueError(f"{datasets}: only {pool.height} distinct texts, need more than "
                         f"{n_nightly}")
    rng = np.random.default_rng([seed, size])
    order = rng.permutation(pool.height)
    nightly_idx, rest = order[:n_nightly], order[n_nightly:]
    with_replacement = size > len(rest)
    if with_replacement:
        extra = rng.choice(rest, size=size - len(rest), replace=True)
        main_idx = rng.permutation(np.concatenate([rest, extra]))
    else:
        main_idx = rest[:size]
    texts, labels = pool["text"].to_list(), pool["label"].to_list()

    def rows(indices: np.ndarray, first_id: int, dates: list[str]) -> list[dict[str, Any]]:
        return [{"review_id": f"R-{first_id + i:07d}", "submitted_at": dates[i],
                 "stars": stars_for(labels[j], rng), "title": "", "body": texts[j]}
                for i, j in enumerate(indices.tolist())]

    span = timedelta(weeks=WEEKS)
    main_dates = _timestamps(size, END_DATE - span, span, rng)
    new_dates = _timestamps(n_nightly, END_DATE - timedelta(days=1), timedelta(days=1), rng)
    out_dir.mkdir(parents=True, exist_ok=True)
    reviews, nightly = out_dir / "reviews.csv", out_dir / "nightly.csv"
    _write_csv(reviews, rows(main_idx, 1, main_dates))
    _write_csv(nightly, rows(nightly_idx, size + 1, new_dates))
    return BenchInputs(size=size, reviews_csv=reviews, nightly_csv=nightly, n_docs=size,
                       n_nightly=n_nightly, pool_size=pool.height,
                       with_replacement=with_replacement)


def append_nightly(reviews_csv: Path, nightly_csv: Path) -> int:
    """Append the nightly rows (without their header) to the export; returns how many."""
    with nightly_csv.open(encoding="utf-8", newline="") as handle:
        new_rows = list(csv.DictReader(handle))
    with reviews_csv.open("a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=CSV_COLUMNS).writerows(new_rows)
    return len(new_rows)


def _toml_str(value: Path | str) -> str:
    return json.dumps(str(value), ensure_ascii=False)


def write_config(project: Path, reviews_csv: Path, *, model_cache: Path = MODEL_CACHE) -> Path:
    """``project/configs/voc.toml``: the shipped config's settings, one review source.

    The warehouse and reports go under ``project/data``; the model cache is the repo's
    absolute ``data/models`` so the model built there is reused.
    """
    text = TEMPLATE_CONFIG.read_text(encoding="utf-8")
    replacements = {
        'path = "data/warehouse/voc.duckdb"':
            f"path = {_toml_str(project / 'data' / 'warehouse' / 'voc.duckdb')}",
        'cache_dir = "data/models"': f"cache_dir = {_toml_str(model_cache)}",
        'output_dir = "data/reports"':
            f"output_dir = {_toml_str(project / 'data' / 'reports')}",
        "allowed_roots = []": f"allowed_roots = [{_toml_str(reviews_csv.parent)}]",
    }
    for old, new in replacements.items():
        if old not in text:
            raise ValueError(f"{TEMPLATE_CONFIG}: expected {old!r} in the shipped config")
        text = text.replace(old, new, 1)
    cut = text.find("# ---- Sources")
    if cut < 0:
        cut = text.find("[[sources]]")
    text = text[:cut].rstrip() + "\n\n" + "\n".join([
        "[[sources]]",
        f'name = "{SOURCE_NAME}"',
        'channel = "review"',
        f"path = {_toml_str(reviews_csv)}",
        'format = "csv"',
        "rating_scale = 5",
        'columns = { id = "review_id", created_at = "submitted_at", title = "title", '
        'body = "body", rating = "stars" }',
    ]) + "\n"
    config = project / "configs" / "voc.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text, encoding="utf-8")
    return config

