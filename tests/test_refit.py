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


def test_settle_refit_keeps_ids_gives_new_ones_and_lets_seeds_take_theirs() -> None:
    from nlp.theme_identity import IdentityRules, Seed, settle_refit
    from nlp.themes import Theme, ThemeResult

    rng = np.random.default_rng(2)
    axes = _axes()
    # Tonight's clusters 0, 1, 2 lie where old theme 9, old theme 7 and nothing were;
    # five unthemed sentences sit on a seed's phrases.
    groups = [(0, axes[1], 9), (1, axes[0], 7), (2, axes[2], -1), (-1, axes[3], -1)]
    centred = np.vstack([_around(d, 15 if c >= 0 else 5, rng) for c, d, _ in groups])
    assignments = np.concatenate([np.full(15 if c >= 0 else 5, c) for c, _, _ in groups])
    previous = np.concatenate([np.full(15 if c >= 0 else 5, p) for c, _, p in groups])
    themes = [Theme(index=c, size=15, centroid=unit(centred[assignments == c].mean(axis=0)),
                    keywords=[]) for c in (0, 1, 2)]
    result = ThemeResult(assignments=assignments, themes=themes,
                         similarity=np.where(assignments >= 0, 0.9, 0.0))
    seed = Seed(theme_id=4, label="Customs", centroid=axes[3], parent_theme_id=None)
    identity = settle_refit(
        result, centred, previous, [(7, axes[0]), (9, axes[1])], [seed], next_id=10,
        rules=IdentityRules(match_similarity=0.8, seed_similarity=0.8, outlier_similarity=0.5,
                            refit_merge_similarity=0.7, min_theme_size=5))
    assert identity.cluster_ids == {0: 9, 1: 7, 2: 10}
    assert identity.kept_ids == 2 and identity.revived == {} and identity.found_seeds == set()
    assert (identity.theme_ids[-5:] == 4).all()  # the seed took its sentences
    assert sorted(set(identity.theme_ids[:45].tolist())) == [7, 9, 10]
