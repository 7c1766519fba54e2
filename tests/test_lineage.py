"""Theme lineage: what a refit did to each theme, read from sentences before and after."""

from __future__ import annotations

from nlp.lineage import (
    BORN,
    GREW,
    MERGED_INTO,
    RETIRED,
    SHRANK,
    SPLIT_FROM,
    STABLE,
    assignment_lineage,
    refit_lineage,
)


def events(before: list[int | None], after: list[int | None], new_ids: list[int]) -> dict:
    sizes: dict[int, int] = {}
    for b in before:
        if b is not None:
            sizes[b] = sizes.get(b, 0) + 1
    return {e.theme_id: (e.event, e.related_theme_id, e.size_before, e.size_after)
            for e in refit_lineage(before, after, sizes, new_ids)}


def test_kept_ids_grow_shrink_or_stay() -> None:
    before = [1, 1, 1, 2, 2, 3, 3, None, None]
    after = [1, 1, 1, 2, None, 3, 3, 1, 3]
    assert events(before, after, [1, 2, 3]) == {
        1: (GREW, None, 3, 4), 2: (SHRANK, None, 2, 1), 3: (GREW, None, 2, 3)}
    assert events([1, 1], [1, 1], [1]) == {1: (STABLE, None, 2, 2)}


def test_old_theme_absorbed_by_another_is_merged_into_it() -> None:
    before = [1, 1, 1, 2, 2, 2]
    after = [1, 1, 1, 1, 1, None]
    assert events(before, after, [1])[2] == (MERGED_INTO, 1, 3, 0)


def test_new_theme_mostly_from_a_living_theme_split_from_it() -> None:
    before = [1, 1, 1, 1, 1, 1, None]
    after = [1, 1, 1, 4, 4, 4, 4]
    got = events(before, after, [1, 4])
    assert got[4] == (SPLIT_FROM, 1, 0, 4)
    assert got[1] == (SHRANK, None, 6, 3)


def test_new_theme_from_new_sentences_is_born_and_scattered_theme_retires() -> None:
    before = [1, 1, 2, 2, 3, 3, None, None, None]
    after = [1, 1, 1, None, None, None, 5, 5, 5]
    got = events(before, after, [1, 5])
    assert got[5] == (BORN, None, 0, 3)
    assert got[3] == (RETIRED, None, 2, 0)   # its sentences went nowhere
    assert got[2][0] == RETIRED               # half went to 1, half nowhere: not "mostly"


def test_assignment_night_lists_the_themes_that_grew() -> None:
    out = assignment_lineage({1: 10, 2: 5}, {1: 12, 2: 5})
    assert [(e.theme_id, e.event, e.size_before, e.size_after) for e in out] == [
        (1, GREW, 10, 12)]


def test_a_refit_keeps_sentences_that_still_fit_their_theme() -> None:
    import numpy as np

    from nlp.theme_identity import keep_fitting_assignments

    centred = np.array([[1.0, 0.0], [0.96, 0.28], [-0.6, 0.8], [0.7, 0.7]], dtype=np.float32)
    previous = np.array([1, 1, 1, -1])
    new = np.array([2, 2, 2, 2])
    ids, sims, stayed = keep_fitting_assignments(previous, centred, new, np.full(4, 0.5),
                                                 {1, 2}, threshold=0.5)
    # Theme 1 as it was is the mean of its three earlier sentences, about (0.78, 0.62):
    # the first two still fit it and stay; the third no longer does; the fourth is new.
    assert ids.tolist() == [1, 1, 2, 2] and stayed == 2
    assert np.allclose(sims[:2], [0.783, 0.926], atol=0.002)
    gone, _, none_stayed = keep_fitting_assignments(previous, centred, new, np.full(4, 0.5),
                                                    {2}, threshold=0.5)
    assert gone.tolist() == [2, 2, 2, 2] and none_stayed == 0  # theme 1 did not live on
