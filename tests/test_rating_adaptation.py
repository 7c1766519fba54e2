"""Sentiment adapted to the deployment's own scores: weak labels from clear scores only, an
adaptation that learns from them, and a guard that refuses one that is worse."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from nlp.rating_adaptation import (
    Check,
    adapt,
    held_out,
    judge,
    shipped_checks,
    weak_label,
)
from nlp.sentiment import LABELS, SentimentHead

MODELS = Path(__file__).resolve().parents[1] / "data" / "models"


@pytest.mark.parametrize(("scores", "label"), [
    ({"rating": 1, "rating_scale": 5}, "negative"),
    ({"rating": 2, "rating_scale": 5}, "negative"),
    ({"rating": 3, "rating_scale": 5}, None),
    ({"rating": 4, "rating_scale": 5}, None),
    ({"rating": 5, "rating_scale": 5}, "positive"),
    ({"rating": 4, "rating_scale": 10}, "negative"),
    ({"rating": 9, "rating_scale": 10}, "positive"),
    ({"rating": 7, "rating_scale": 10}, None),
    ({"nps": 3}, "negative"), ({"nps": 6}, None), ({"nps": 10}, "positive"),
    ({"csat": 1}, "negative"), ({"csat": 5}, "positive"),
    ({"rating": 5, "rating_scale": 5, "nps": 2}, None),  # scores that disagree say nothing
    ({"rating": 5, "rating_scale": 5, "nps": 10}, "positive"),
    ({}, None),
])
def test_only_clear_scores_are_weak_labels(scores: dict, label: str | None) -> None:
    assert weak_label(**scores) == label


def _head(coef: np.ndarray) -> SentimentHead:
    return SentimentHead(coef, np.zeros(3), name="toy", embedding_model="toy")


def _two_sides(n: int = 60, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """Negative documents along one axis, positive along another."""
    rng = np.random.default_rng(seed)
    axes = np.eye(8)
    vectors = np.vstack([axes[0] + 0.3 * rng.normal(size=(n, 8)),
                         axes[1] + 0.3 * rng.normal(size=(n, 8))])
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True), (
        ["negative"] * n + ["positive"] * n)


def test_adaptation_learns_the_scores_and_the_pull_holds_it_to_the_shipped_head() -> None:
    vectors, labels = _two_sides()
    shipped = _head(np.zeros((3, 8)))  # knows nothing: calls everything the same
    texts = [""] * len(labels)
    loose = adapt(shipped, vectors, texts, labels, pull=0.01)
    tight = adapt(shipped, vectors, texts, labels, pull=100.0)
    assert loose.predict(vectors).labels == labels
    assert np.abs(tight.coef).max() < np.abs(loose.coef).max() / 10
    assert loose.name == "toy+adapted"


def test_the_guard_refuses_a_worse_model_and_adopts_a_better_one() -> None:
    vectors, labels = _two_sides(seed=1)
    good = np.zeros((3, 8))
    good[0, 0] = good[2, 1] = 5.0
    swapped = good[[2, 1, 0]]  # calls negative positive and back
    user = Check("held-out slice", vectors, [""] * len(labels), labels)
    refused = judge(_head(good), _head(swapped), user, [])
    assert not refused.adopted and "no gain" in refused.reason
    assert refused.scores["held-out slice"]["adapted"] < refused.scores["held-out slice"][
        "shipped"]
    adopted = judge(_head(swapped), _head(good), user, [])
    assert adopted.adopted
    # Better on the user's slice is not enough when a shipped check gets worse.
    check = Check("shipped checks", vectors, [""] * len(labels), labels[::-1])
    assert not judge(_head(swapped), _head(good), user, [check]).adopted


def test_the_held_out_slice_is_fixed_and_about_a_fifth() -> None:
    keys = [f"doc-{i}" for i in range(2000)]
    chosen = [held_out(k) for k in keys]
    assert chosen == [held_out(k) for k in keys]
    assert 0.17 < sum(chosen) / len(keys) < 0.23


def test_the_shipped_checks_cover_eight_languages_and_every_class() -> None:
    rows = shipped_checks()
    per_language = Counter(lang for lang, _, _ in rows)
    assert set(per_language) == {"en", "de", "fr", "es", "el", "he", "ar", "fa"}
    assert Counter(label for _, label, _ in rows) == {label: 24 for label in LABELS}


@pytest.mark.slow
def test_a_night_adapts_to_clear_scores_and_an_adopted_model_scores_the_next(
        tmp_path: Path) -> None:
    from data.warehouse import Warehouse
    from flows.config import VocConfig
    from flows.request import preflight
    from flows.run import run_pipeline
    from nlp.sentiment import load_sentiment_head

    negative = ["The parcel came {} days late.", "Refund still missing after {} weeks.",
                "The app crashed {} times at checkout."]
    positive = ["Delivered in {} days, well packed.", "Support fixed it in {} minutes, thanks!",
                "Great quality, my {} order from you."]
    rows = [["id", "at", "stars", "body"]]
    for i in range(16):
        for k, (bad, good) in enumerate(zip(negative, positive, strict=True)):
            rows.append([f"n{i}-{k}", f"2026-09-{1 + i % 20:02d}T10:00:00Z", "1",
                         bad.format(i + 2)])
            rows.append([f"p{i}-{k}", f"2026-09-{1 + i % 20:02d}T11:00:00Z", "5",
                         good.format(i + 2)])
    _write(tmp_path / "reviews-1.csv", rows)
    config = VocConfig.model_validate({
        "warehouse": {"path": str(tmp_path / "wh" / "voc.duckdb")},
        "models": {"cache_dir": str(MODELS)},
        "sentiment": {"adapt_min_per_class": 10},
        "report": {"output_dir": str(tmp_path / "reports")},
        "sources": [{"name": "reviews", "channel": "review", "path": "reviews-*.csv",
                     "format": "csv", "columns": {"id": "id", "created_at": "at",
                                                  "rating": "stars", "body": "body"}}],
        "root": tmp_path,
    })
    shipped = load_sentiment_head(config.models.sentiment)
    first = run_pipeline(preflight(config))
    tried = first.counts["sentiment_adaptation"]
    assert tried["adaptation"] in ("adopted", "refused")
    assert tried["negative"] == tried["positive"] == 48
    with Warehouse(tmp_path / "wh" / "voc.duckdb") as wh:
        row = wh.last_adaptation(shipped.name)
        assert row is not None and row["examples"] + row["held_out"] == 96
        assert row["adopted"] == (tried["adaptation"] == "adopted")
        # An adopted model that calls negative positive, to see which model scores.
        wh.record_adaptation("later", datetime.now(UTC), base_model=shipped.name,
                             model="swapped", examples=80, held_out=16, adopted=True,
                             reason="by the test", scores={},
                             coef=shipped.coef[[2, 1, 0]], intercept=shipped.intercept[[2, 1, 0]])
    _write(tmp_path / "reviews-2.csv", [rows[0], ["x1", "2026-09-25T10:00:00Z", "1",
                                                  "Terrible, it arrived broken."]])
    second = run_pipeline(preflight(config))
    assert second.models["sentiment"].startswith("swapped")
    assert second.counts["sentiment_adaptation"]["adaptation"] == "up to date"
    with Warehouse(tmp_path / "wh" / "voc.duckdb", read_only=True) as wh:
        scored = wh.query("SELECT f.sentiment FROM feedback f "
                          "WHERE f.source_record_id = 'x1'").rows()
    assert scored != [("negative",)]


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
