"""Analysts' curation of themes, and themes declared by example (seeds), applied every run.

Curation lives in two warehouse tables that analysts write with SQL or ``voc themes``:

- ``theme_curation``: rename (``label``), merge (``merged_into``), ``hidden``, ``pinned``;
- ``theme_seeds``: themes declared by example phrases, from ``[[themes.seeds]]`` in the
  config or split off an existing theme (``voc themes split``).

The theme stage calls :func:`capture_by_seeds` on the sentences it assigned and
:func:`apply_curation` at its end, on refit nights as on the others, so that decisions
survive every refit: theme ids survive a refit by centroid matching, and curation hangs
on ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from nlp.themes import centre, unit

if TYPE_CHECKING:
    from data.warehouse import Warehouse
    from flows.stages import RunContext


@dataclass(frozen=True)
class Seed:
    """A seed theme ready to take sentences: its id, centroid and (for a split) parent."""

    topic_id: int
    label: str
    centroid: np.ndarray
    parent_topic_id: int | None


def sync_config_seeds(ctx: RunContext) -> None:
    """Give each ``[[themes.seeds]]`` entry a theme id (once) and keep its phrases current."""
    wh = ctx.warehouse
    known = {label.lower(): tid for tid, label in wh.con.execute(
        "SELECT topic_id, label FROM theme_seeds WHERE origin = 'config'").fetchall()}
    for seed in ctx.config.themes.seeds:
        tid = known.get(seed.label.strip().lower())
        if tid is None:
            tid = wh.next_topic_id()
            wh.con.execute(
                "INSERT INTO theme_seeds VALUES (?, ?, ?, 'config', NULL, ?)",
                [tid, seed.label.strip(), list(seed.phrases), ctx.run_id]).fetchall()
            _ensure_topic_row(wh, tid, seed.label.strip(), ctx.run_id)
        else:
            wh.con.execute("UPDATE theme_seeds SET phrases = ? WHERE topic_id = ?",
                           [list(seed.phrases), tid]).fetchall()


def _ensure_topic_row(wh: Warehouse, topic_id: int, label: str, run_id: str) -> None:
    wh.con.execute(
        "INSERT INTO topics (topic_id, label, generated_label, keywords, keywords_by_lang, "
        "size, status, first_seen_run, last_seen_run, centroid) "
        "VALUES (?, ?, ?, [], '{}', 0, 'active', ?, ?, NULL) ON CONFLICT DO NOTHING",
        [topic_id, label, label, run_id, run_id]).fetchall()


def load_seeds(ctx: RunContext, means: dict[str, np.ndarray]) -> list[Seed]:
    """Every seed theme with its centroid: its phrases embedded and centred like sentences."""
    rows = ctx.warehouse.con.execute(
        "SELECT topic_id, label, phrases, parent_topic_id FROM theme_seeds ORDER BY topic_id"
    ).fetchall()
    if not rows or not means:
        return []
    from nlp.language import get_language_detector

    detector = get_language_detector(ctx.config.models.language_detector,
                                     min_confidence=ctx.config.language.min_confidence)
    seeds = []
    for tid, label, phrases, parent in rows:
        vectors = ctx.embedder.encode(list(phrases))
        langs = [g.lang for g in detector.detect_many(list(phrases))]
        centroid = unit(centre(vectors, langs, means).mean(axis=0))
        seeds.append(Seed(int(tid), label, centroid.astype(np.float32),
                          None if parent is None else int(parent)))
    return seeds


def capture_by_seeds(centred: np.ndarray, topic_ids: np.ndarray, similarity: np.ndarray,
                     seeds: list[Seed], threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Move sentences to the seed theme they are closest to, when at least ``threshold``
    similar to it and closer to it than to their own theme. A split-off seed only takes
    sentences from its parent theme.

    Args:
        centred: the sentences' vectors in the themes' space (in context, language-centred).
        topic_ids: each sentence's theme id (-1: none); similarity: to that theme.
    """
    if not seeds or len(centred) == 0:
        return topic_ids, similarity
    topic_ids, similarity = topic_ids.copy(), similarity.copy()
    sims = centred @ np.stack([s.centroid for s in seeds]).T
    for j, seed in enumerate(seeds):
        eligible = sims[:, j] >= threshold
        if seed.parent_topic_id is not None:
            eligible &= topic_ids == seed.parent_topic_id
        # Closest to this seed among all seeds, and closer than to its current theme.
        eligible &= sims[:, j] >= sims.max(axis=1)
        eligible &= (topic_ids < 0) | (sims[:, j] > similarity)
        topic_ids[eligible] = seed.topic_id
        similarity[eligible] = sims[eligible, j]
    return topic_ids, similarity


def match_seeds_to_clusters(seeds: list[Seed], centroids: np.ndarray,
                            threshold: float) -> dict[int, Seed]:
    """The cluster each declared seed is found as: the one whose centroid is most similar
    to the seed's phrases, when at least ``threshold`` (row index of ``centroids`` -> seed).
    Split-offs are not matched to clusters: they carve sentences out of their parent."""
    found: dict[int, Seed] = {}
    declared = [s for s in seeds if s.parent_topic_id is None]
    if not declared or len(centroids) == 0:
        return found
    sims = np.stack([s.centroid for s in declared]) @ centroids.T
    for flat in np.argsort(-sims, axis=None):
        i, k = divmod(int(flat), sims.shape[1])
        if sims[i, k] < threshold:
            break
        if k in found or any(f is declared[i] for f in found.values()):
            continue
        found[k] = declared[i]
    return found


def store_seed_themes(wh: Warehouse, seeds: list[Seed], found: set[int], run_id: str) -> None:
    """Seed themes stay active under their own label, whatever a refit found. One found as a
    cluster keeps the cluster's centroid; the others keep their phrases' centroid."""
    for seed in seeds:
        _ensure_topic_row(wh, seed.topic_id, seed.label, run_id)
        wh.con.execute("UPDATE topics SET status = 'active', label = ?, generated_label = ? "
                       "WHERE topic_id = ?", [seed.label, seed.label, seed.topic_id]).fetchall()
        if seed.topic_id not in found:
            wh.con.execute("UPDATE topics SET centroid = ? WHERE topic_id = ?",
                           [seed.centroid.tolist(), seed.topic_id]).fetchall()


def apply_curation(wh: Warehouse) -> dict[str, int]:
    """Apply every analyst decision to the themes as this run left them.

    Returns how many themes each kind of decision touched.
    """
    con = wh.con
    # Decisions taken back (un-hidden, un-merged) must not linger from an earlier run.
    con.execute("UPDATE topics SET status = 'active' WHERE status IN ('hidden', 'merged')"
                ).fetchall()
    # Merges may chain (a into b, b into c): follow them to the end.
    merges = dict(con.execute("SELECT topic_id, merged_into FROM theme_curation "
                              "WHERE merged_into IS NOT NULL").fetchall())
    final = {}
    for src in merges:
        dst, seen = merges[src], {src}
        while dst in merges and dst not in seen:
            seen.add(dst)
            dst = merges[dst]
        final[src] = dst
    if final:
        frame = pl.DataFrame({"src": list(final), "dst": list(final.values())},
                             schema={"src": pl.Int32, "dst": pl.Int32})
        con.register("_merge", frame.to_arrow())
        for sql in (
            "UPDATE sentences SET topic_id = m.dst FROM _merge m WHERE sentences.topic_id = m.src",
            "UPDATE feedback SET topic_id = m.dst FROM _merge m WHERE feedback.topic_id = m.src",
            "UPDATE topics SET status = 'merged' FROM _merge m WHERE topics.topic_id = m.src",
        ):
            con.execute(sql).fetchall()
        con.unregister("_merge")
    statements = {
        "renamed": "UPDATE topics SET label = c.label FROM theme_curation c "
                   "WHERE topics.topic_id = c.topic_id AND c.label IS NOT NULL",
        "pinned": "UPDATE topics SET status = 'active' FROM theme_curation c "
                  "WHERE topics.topic_id = c.topic_id AND c.pinned AND topics.status = 'retired'",
        "hidden": "UPDATE topics SET status = 'hidden' FROM theme_curation c "
                  "WHERE topics.topic_id = c.topic_id AND c.hidden "
                  "AND topics.status <> 'merged'",
    }
    out = {"merged": len(final)}
    for name, sql in statements.items():
        out[name] = int(con.execute(sql).fetchall()[0][0])
    # Sizes as the curated themes now stand.
    con.execute(
        "UPDATE topics t SET size = coalesce((SELECT count(*) FROM sentences s "
        "WHERE s.topic_id = t.topic_id), 0)").fetchall()
    return out


def carry_over_curation(wh: Warehouse, published: str) -> None:
    """Take curation written to the published warehouse while this run worked on its copy.

    The published file is where analysts write; the run's copy was taken when it started.
    """
    import os

    if not os.path.exists(published):
        return
    con = wh.con
    con.execute(f"ATTACH '{published}' AS pub (READ_ONLY)").fetchall()
    try:
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'pub'"
        ).fetchall()}
        if "theme_curation" in tables:
            con.execute("DELETE FROM theme_curation").fetchall()
            con.execute("INSERT INTO theme_curation SELECT * FROM pub.theme_curation").fetchall()
        if "theme_seeds" in tables:
            con.execute("INSERT INTO theme_seeds SELECT * FROM pub.theme_seeds "
                        "WHERE origin = 'split' ON CONFLICT DO NOTHING").fetchall()
    finally:
        con.execute("DETACH pub").fetchall()
