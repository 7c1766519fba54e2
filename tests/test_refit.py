"""A refit keeps an old theme apart when its own sentences still hold it up."""

from __future__ import annotations

import numpy as np

from nlp.theme_identity import themes_that_live_on
from nlp.themes import unit


def _around(direction: np.ndarray, n: int, rng: np.random.Generator, noise: float = 0.05
            ) -> np.ndarray:
    return unit(direction + noise * rng.standard_normal((n, direction.shape[0])))


def _axes(dim: int = 16) -> np.ndarray:
    return np.eye(dim, dtype=np.float64)


def _case(b_direction: np.ndarray, b_size: int) -> dict[int, np.ndarray]:
    rng = np.random.default_rng(0)
    axes = _axes()
    a = _around(axes[0], 20, rng)
    b = _around(b_direction, b_size, rng)
    centred = np.vstack([a, b])
    previous = np.array([7] * len(a) + [9] * len(b))
    # The refit folded both old themes into one cluster, which kept theme 7's id.
    theme_ids = np.full(len(centred), 7)
    live = {7: unit(centred.mean(axis=0))}
    return themes_that_live_on(previous, centred, theme_ids, live, exclude=set(),
                               min_size=12, threshold=0.4, merge_similarity=0.6)


def test_a_distinct_theme_folded_into_a_neighbour_lives_on() -> None:
    revived = _case(_axes()[1], 15)
    assert list(revived) == [9]
    assert float(revived[9] @ _axes()[1]) > 0.95


def test_a_theme_close_to_its_new_home_is_really_merged() -> None:
    axes = _axes()
    close = unit(axes[0] + 0.6 * axes[1])  # cosine 0.86 with theme 7's direction
    assert _case(close, 15) == {}


def test_a_theme_with_too_few_sentences_left_is_not_kept() -> None:
    assert _case(_axes()[1], 8) == {}


def test_seed_themes_are_left_to_their_own_rules() -> None:
    rng = np.random.default_rng(1)
    centred = _around(_axes()[2], 20, rng)
    previous = np.full(20, 3)
    kept = themes_that_live_on(previous, centred, np.full(20, -1), {}, exclude={3},
                               min_size=12, threshold=0.4, merge_similarity=0.6)
    assert kept == {}
    kept = themes_that_live_on(previous, centred, np.full(20, -1), {}, exclude=set(),
                               min_size=12, threshold=0.4, merge_similarity=0.6)
    assert list(kept) == [3]
