"""Theme identity across runs: which of tonight's clusters is which theme analysts know.

Clustering draws its borders afresh on every refit; analysts' labels, merges and pins
hang on theme ids. These pure functions decide which id each cluster and sentence keeps:

- :func:`match_clusters_to_themes`: a cluster takes the id of the existing theme whose
  centroid it re-finds, else of the old theme most of its sentences came from;
- :func:`themes_that_live_on`: an old theme no cluster matched survives while its own
  sentences still hold it up and it has not really become one with a live theme;
- :func:`keep_fitting_assignments`: a sentence the refit moved stays in its theme while
  it still fits that theme as it was;
- seeds (themes declared by example phrases): :func:`match_seeds_to_clusters` and
  :func:`capture_by_seeds`;
- :func:`document_themes`: a document's main theme from its sentences';
- :func:`follow_documents`: a sentence that states no cause ("Unacceptable!") joins its
  document's cause, or the general bucket when the document states none;
- :func:`settle_refit`: all of the above for one refit, in order.

Every vector here lives in the themes' space (in context, language-centred, unit length;
see :mod:`nlp.themes`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from nlp.themes import ThemeResult, unit


@dataclass(frozen=True)
class Seed:
    """A seed theme ready to take sentences: its id, centroid and (for a split) parent."""

    theme_id: int
    label: str
    centroid: np.ndarray
    parent_theme_id: int | None


@dataclass(frozen=True)
class ClusterIds:
    """Theme id per cluster index, and how many clusters kept an existing id."""

    ids: dict[int, int]
    kept: int


def match_clusters_to_themes(
    clusters: Sequence[tuple[int, np.ndarray]],
    existing: Sequence[tuple[int, np.ndarray]],
    *,
    threshold: float,
    next_id: int,
    overlap: Mapping[int, Counter] | None = None,
    min_overlap: int = 2,
) -> ClusterIds:
    """Give each cluster an existing theme id, or a new one.

    First by centroid similarity (greedy, most similar pair first, at least ``threshold``),
    then by membership: an unmatched cluster whose previously themed sentences mostly
    (more than half, and at least ``min_overlap``) sat in one unmatched old theme is that
    theme, even when its centroid has drifted. The rest get new ids from ``next_id`` on.

    Args:
        clusters: (cluster index, unit centroid) of this fit's clusters.
        existing: (theme id, unit centroid) of the themes a cluster may continue.
        overlap: per cluster index, how many of its sentences sat in each old theme id.

    Example:
        >>> c = np.eye(2, dtype=np.float32)
        >>> match_clusters_to_themes([(0, c[0]), (1, c[1])], [(7, c[1])], threshold=0.9,
        ...                          next_id=8).ids
        {1: 7, 0: 8}
    """
    ids: dict[int, int] = {}
    if clusters and existing:
        new = np.stack([c for _, c in clusters])
        old = np.stack([c for _, c in existing])
        sims = new @ old.T
        # Greedy on a stable order: similarity first, then positions, so equal similarities
        # are decided the same way on every machine.
        pairs = sorted((-float(sims[i, j]), i, j) for i in range(len(clusters))
                        for j in range(len(existing)))
        used_old: set[int] = set()
        for neg_sim, i, j in pairs:
            if -neg_sim < threshold:
                break
            index = clusters[i][0]
            if index in ids or j in used_old:
                continue
            ids[index] = int(existing[j][0])
            used_old.add(j)
    if overlap and existing:
        free = {tid for tid, _ in existing} - set(ids.values())
        wanted = {index for index, _ in clusters} - set(ids)
        candidates = sorted(
            ((n / sum(counter.values()), n, index, old)
             for index, counter in overlap.items() if index in wanted
             for old, n in counter.items() if old in free and n >= min_overlap),
            reverse=True)
        for share, _n, index, old in candidates:
            if share <= 0.5:
                break
            if index in ids or old not in free:
                continue
            ids[index] = int(old)
            free.discard(old)
    kept = len(ids)
    for index, _ in clusters:
        if index not in ids:
            ids[index] = next_id
            next_id += 1
    return ClusterIds(ids, kept)


def themes_that_live_on(
    previous: np.ndarray, centred: np.ndarray, theme_ids: np.ndarray,
    live: Mapping[int, np.ndarray], *, exclude: set[int], min_size: int, threshold: float,
    merge_similarity: float, declared: frozenset[int] | set[int] = frozenset(),
) -> dict[int, np.ndarray]:
    """Old themes the refit found no cluster for that their own sentences still hold up.

    Clustering draws its borders afresh each time: a density dip or a new neighbour can
    fold two themes into one cluster, or scatter a theme over its neighbours. A theme is
    only merged or retired by a refit when its feedback says so: it lives on (with its
    id) when at least ``min_size`` of its earlier sentences still fit its centroid (by
    ``threshold``) and that centroid is not ``merge_similarity``-close to a live theme's
    (the rule that merges clusters within a fit).

    Args:
        previous: each sentence's theme id before the refit (-1: none).
        centred: the sentences' vectors in the themes' space.
        theme_ids: each sentence's theme id after the refit (-1: none).
        live: theme id -> centroid of the themes the refit found.
        declared: seed themes found as clusters: an old theme most of whose sentences one
            of them took has become that declared theme, and does not live on.

    Returns:
        theme id -> centroid of the themes kept apart.
    """
    lost = sorted(set(previous[previous >= 0].tolist()) - set(live) - exclude)
    revived: dict[int, np.ndarray] = {}
    for theme_id in lost:
        was_here = previous == theme_id
        members = centred[was_here]
        if len(members) < min_size or np.isin(theme_ids[was_here], list(declared)).mean() > 0.5:
            continue
        centroid = unit(members.mean(axis=0))
        if int((members @ centroid >= threshold).sum()) < min_size:
            continue
        # Compared with each live theme as it is without this theme's sentences: a cluster
        # that swallowed them has its centroid pulled towards them.
        closest = -1.0
        for k, live_centroid in live.items():
            in_k = theme_ids == k
            others = in_k & ~was_here
            if not others.any():
                continue
            swallowed = (in_k & was_here).any()
            k_centroid = unit(centred[others].mean(axis=0)) if swallowed else live_centroid
            closest = max(closest, float(k_centroid @ centroid))
        if closest >= merge_similarity:
            continue  # it really has become one with a live theme
        revived[int(theme_id)] = centroid
    return revived


def keep_fitting_assignments(
    previous: np.ndarray, centred: np.ndarray, theme_ids: np.ndarray, similarity: np.ndarray,
    living: set[int], threshold: float,
) -> tuple[np.ndarray, np.ndarray, int]:
    """A sentence the refit moved keeps its previous theme when that theme lives on and the
    sentence still fits the theme as it was (at least ``threshold`` similar to the centroid
    of the theme's earlier sentences): analysts see sentences move only where they no
    longer fit, not wherever a new clustering drew its borders a little differently.

    Returns:
        theme ids, similarities, and how many sentences stayed.
    """
    moved = (previous >= 0) & (previous != theme_ids) & np.isin(previous, list(living))
    rows = np.flatnonzero(moved)
    if len(rows) == 0:
        return theme_ids, similarity, 0
    as_it_was = {int(t): unit(centred[previous == t].mean(axis=0))
                 for t in np.unique(previous[rows])}
    theme_ids, similarity = theme_ids.copy(), similarity.astype(np.float32).copy()
    fit = np.array([float(centred[i] @ as_it_was[int(previous[i])]) for i in rows])
    keep = rows[fit >= threshold]
    theme_ids[keep] = previous[keep]
    similarity[keep] = fit[fit >= threshold]
    return theme_ids, similarity, int(len(keep))


def capture_by_seeds(centred: np.ndarray, theme_ids: np.ndarray, similarity: np.ndarray,
                     seeds: Sequence[Seed], threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Move sentences to the seed theme they are closest to, when at least ``threshold``
    similar to it and closer to it than to their own theme. A split-off seed only takes
    sentences from its parent theme.

    Args:
        centred: the sentences' vectors in the themes' space (in context, language-centred).
        theme_ids: each sentence's theme id (-1: none); similarity: to that theme.
    """
    if not seeds or len(centred) == 0:
        return theme_ids, similarity
    theme_ids, similarity = theme_ids.copy(), similarity.copy()
    sims = centred @ np.stack([s.centroid for s in seeds]).T
    for j, seed in enumerate(seeds):
        eligible = sims[:, j] >= threshold
        if seed.parent_theme_id is not None:
            eligible &= theme_ids == seed.parent_theme_id
        # Closest to this seed among all seeds, and closer than to its current theme.
        eligible &= sims[:, j] >= sims.max(axis=1)
        eligible &= (theme_ids < 0) | (sims[:, j] > similarity)
        theme_ids[eligible] = seed.theme_id
        similarity[eligible] = sims[eligible, j]
    return theme_ids, similarity


def match_seeds_to_clusters(seeds: Sequence[Seed], centroids: np.ndarray,
                            threshold: float) -> dict[int, Seed]:
    """The cluster each declared seed is found as: the one whose centroid is most similar
    to the seed's phrases, when at least ``threshold`` (row index of ``centroids`` -> seed).
    Split-offs are not matched to clusters: they carve sentences out of their parent."""
    found: dict[int, Seed] = {}
    declared = [s for s in seeds if s.parent_theme_id is None]
    if not declared or len(centroids) == 0:
        return found
    sims = np.stack([s.centroid for s in declared]) @ centroids.T
    # A stable sort: equal similarities are taken in row order on every machine.
    for flat in np.argsort(-sims, axis=None, kind="stable"):
        i, k = divmod(int(flat), sims.shape[1])
        if sims[i, k] < threshold:
            break
        if k in found or any(f is declared[i] for f in found.values()):
            continue
        found[k] = declared[i]
    return found


def document_themes(doc_ids: Sequence[str], theme_ids: np.ndarray,
                    sentiment_scores: Sequence[float]) -> dict[str, int | None]:
    """A document's main theme: that of its most negative themed sentence (its first such
    sentence when two are equally negative); None when no sentence has a theme.

    Example:
        >>> document_themes(["a", "a", "b"], np.array([3, 5, -1]), [0.2, -0.6, -0.9])
        {'a': 5, 'b': None}
    """
    best: dict[str, tuple[float, int]] = {}
    out: dict[str, int | None] = {}
    for doc_id, theme_id, score in zip(doc_ids, theme_ids.tolist(), sentiment_scores,
                                       strict=True):
        out.setdefault(doc_id, None)
        if theme_id < 0:
            continue
        value = float(score) if score is not None else 0.0
        if doc_id not in best or value < best[doc_id][0]:
            best[doc_id] = (value, int(theme_id))
            out[doc_id] = int(theme_id)
    return out


def follow_documents(doc_ids: Sequence[str], theme_ids: np.ndarray, causes: np.ndarray,
                     sentiment_scores: Sequence[float], general_id: int) -> np.ndarray:
    """Theme ids where each sentence that states no cause takes its document's main cause
    theme (:func:`document_themes` over the document's cause sentences), or ``general_id``
    when none of them has a theme. Sentences that state a cause keep theirs.

    Example:
        >>> follow_documents(["a", "a", "b"], np.array([4, -1, -1]),
        ...                  np.array([True, False, False]), [-0.5, -0.9, -0.8], 0).tolist()
        [4, 4, 0]
    """
    main = document_themes(doc_ids, np.where(causes, theme_ids, -1), sentiment_scores)
    out = np.asarray(theme_ids).copy()
    for i in np.flatnonzero(~np.asarray(causes, dtype=bool)):
        cause = main[doc_ids[i]]
        out[i] = general_id if cause is None else cause
    return out


@dataclass(frozen=True)
class RefitIdentity:
    """Who is who after a refit."""

    theme_ids: np.ndarray           # per sentence (-1: no theme)
    similarity: np.ndarray          # per sentence, to its theme
    cluster_ids: dict[int, int]     # cluster index -> theme id
    revived: dict[int, np.ndarray]  # old themes kept apart -> their centroid
    found_seeds: set[int]           # seed theme ids found as a cluster
    kept_ids: int                   # themes that kept an existing id (matched or kept apart)
    stayed: int                     # sentences that stayed in their theme


@dataclass(frozen=True)
class IdentityRules:
    """The thresholds of a refit's identity decisions (``[themes]`` in the config)."""

    match_similarity: float
    seed_similarity: float
    outlier_similarity: float  # a sentence joins a seed theme
    refit_merge_similarity: float
    min_theme_size: int
    stay_similarity: float = 0.35  # a sentence stays in its theme, a theme lives on


def settle_refit(result: ThemeResult, centred: np.ndarray, previous: np.ndarray,
                 existing: Sequence[tuple[int, np.ndarray]], seeds: Sequence[Seed], *,
                 next_id: int, rules: IdentityRules) -> RefitIdentity:
    """Give a refit's clusters and sentences their theme ids, keeping what analysts know.

    In order: declared seeds are found as clusters; other clusters continue existing
    themes (by centroid, then by membership) or get new ids; old themes no cluster
    continued live on where their sentences still hold them up; moved sentences that still
    fit their old theme stay; seed themes take the sentences closest to them.

    Args:
        result: the refit's clusters (:func:`nlp.themes.find_themes`).
        centred: the sentences' vectors in the themes' space (same rows as ``result``).
        previous: each sentence's theme id before the refit (-1: none).
        existing: (theme id, unit centroid) of the themes a cluster may continue (seed
            themes excluded: they follow their own rules).
        next_id: the first id a new theme may take.
    """
    seed_ids = {s.theme_id for s in seeds}
    cluster_centroids = (np.stack([t.centroid for t in result.themes]) if result.themes
                         else np.zeros((0, centred.shape[1]), dtype=np.float32))
    seeded = match_seeds_to_clusters(seeds, cluster_centroids, rules.seed_similarity)
    seeded_index = {result.themes[k].index: seed for k, seed in seeded.items()}
    matched = match_clusters_to_themes(
        [(t.index, t.centroid) for t in result.themes if t.index not in seeded_index],
        existing, threshold=rules.match_similarity, next_id=next_id,
        overlap=_previous_themes(result.assignments, previous),
        min_overlap=max(2, rules.min_theme_size // 2))
    cluster_ids = {**matched.ids, **{i: s.theme_id for i, s in seeded_index.items()}}
    theme_ids = np.array([cluster_ids.get(int(a), -1) for a in result.assignments], dtype=int)
    live = {cluster_ids[t.index]: t.centroid for t in result.themes}
    revived = themes_that_live_on(
        previous, centred, theme_ids, live, exclude=seed_ids, min_size=rules.min_theme_size,
        threshold=rules.stay_similarity, merge_similarity=rules.refit_merge_similarity,
        declared={s.theme_id for s in seeded.values()})
    theme_ids, similarity, stayed = keep_fitting_assignments(
        previous, centred, theme_ids, result.similarity, set(live) | set(revived),
        rules.stay_similarity)
    if seeds:  # declared themes come first
        theme_ids, similarity = capture_by_seeds(centred, theme_ids, similarity, seeds,
                                                 rules.outlier_similarity)
    return RefitIdentity(theme_ids=theme_ids, similarity=similarity, cluster_ids=cluster_ids,
                         revived=revived, found_seeds={s.theme_id for s in seeded.values()},
                         kept_ids=matched.kept + len(revived), stayed=stayed)


def _previous_themes(assignments: np.ndarray, previous: np.ndarray) -> dict[int, Counter]:
    """Per cluster, how many of its sentences sat in each old theme before the refit."""
    overlap: dict[int, Counter] = {}
    for cluster, before in zip(assignments.tolist(), previous.tolist(), strict=True):
        if cluster >= 0 and before >= 0:
            overlap.setdefault(int(cluster), Counter())[int(before)] += 1
    return overlap
