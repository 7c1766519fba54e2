"""Analysts' decisions on themes, as the warehouse keeps them.

Two tables that analysts write with SQL or ``voc themes``, applied by every run:

- ``theme_curation``: rename (``label``), merge (``merged_into``), ``hidden``, ``pinned``;
- ``theme_seeds``: themes declared by example phrases, from ``[[themes.seeds]]`` in the
  config or split off an existing theme (``voc themes split``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl

from data.connection import Connection, WarehouseBusy

# What a curation row may set (column names are code's, never a caller's text).
CURATION_COLUMNS = ("label", "merged_into", "hidden", "pinned")


class CurationUnreadable(WarehouseBusy):
    """The published warehouse is locked by another writer, so curation cannot be read."""


class CurationStore(Connection):
    """Reads and writes of ``theme_curation`` and ``theme_seeds``."""

    # ---- seeds ----------------------------------------------------------------------------
    def config_seed_ids(self) -> dict[str, int]:
        """Theme id of each seed declared in the config, by lower-cased label."""
        return {label.lower(): int(tid) for tid, label in self._rows(
            "SELECT topic_id, label FROM theme_seeds WHERE origin = 'config'")}

    def add_config_seed(self, theme_id: int, label: str, phrases: list[str],
                        run_id: str) -> None:
        self._run("INSERT INTO theme_seeds VALUES (?, ?, ?, 'config', NULL, ?)",
                  [theme_id, label, phrases, run_id])
        self.ensure_theme_row(theme_id, label, run_id)

    def update_seed_phrases(self, theme_id: int, phrases: list[str]) -> None:
        self._run("UPDATE theme_seeds SET phrases = ? WHERE topic_id = ?", [phrases, theme_id])

    def seed_rows(self) -> list[tuple[int, str, list[str], int | None]]:
        """Every seed theme: (theme id, label, phrases, parent theme id of a split)."""
        return [(int(tid), label, list(phrases), None if parent is None else int(parent))
                for tid, label, phrases, parent in self._rows(
                    "SELECT topic_id, label, phrases, parent_topic_id FROM theme_seeds "
                    "ORDER BY topic_id")]

    def ensure_theme_row(self, theme_id: int, label: str, run_id: str) -> None:
        """A theme row for a declared theme, if it has none yet (no centroid, size 0)."""
        self._run(
            "INSERT INTO topics (topic_id, label, generated_label, keywords, keywords_by_lang, "
            "size, status, first_seen_run, last_seen_run, centroid) "
            "VALUES (?, ?, ?, [], '{}', 0, 'active', ?, ?, NULL) ON CONFLICT DO NOTHING",
            [theme_id, label, label, run_id, run_id])

    def store_seed_theme(self, theme_id: int, label: str, run_id: str,
                         centroid: np.ndarray | None) -> None:
        """A seed theme stays active under its own label; ``centroid`` replaces its centroid
        unless None (a seed found as a cluster keeps the cluster's)."""
        self.ensure_theme_row(theme_id, label, run_id)
        self._run("UPDATE topics SET status = 'active', label = ?, generated_label = ? "
                  "WHERE topic_id = ?", [label, label, theme_id])
        if centroid is not None:
            self._run("UPDATE topics SET centroid = ? WHERE topic_id = ?",
                      [centroid.tolist(), theme_id])

    def split_off(self, theme_id: int, label: str, phrases: list[str]) -> int:
        """Declare a new theme carved out of ``topic_id`` by example phrases; its new id."""
        new_id = self.next_theme_id()
        self._run("INSERT INTO theme_seeds VALUES (?, ?, ?, 'split', ?, NULL)",
                  [new_id, label, phrases, theme_id])
        self._run(
            "INSERT INTO topics (topic_id, label, generated_label, keywords, keywords_by_lang, "
            "size, status, first_seen_run, last_seen_run, centroid) VALUES "
            "(?, ?, ?, [], '{}', 0, 'active', 'curation', 'curation', NULL)",
            [new_id, label, label])
        return new_id

    def next_theme_id(self) -> int:
        return int(self._rows("SELECT coalesce(max(topic_id), -1) + 1 FROM topics")[0][0])

    # ---- curation -------------------------------------------------------------------------
    def theme(self, theme_id: int) -> dict[str, Any] | None:
        """A theme's id, label and status; None when there is no such theme."""
        rows = self.query("SELECT topic_id, label, status FROM topics WHERE topic_id = ?",
                          [theme_id]).to_dicts()
        return rows[0] if rows else None

    def themes_with_curation(self, *, retired: bool) -> list[dict[str, Any]]:
        """Themes by size with their curation (merged into, pinned) and seed origin."""
        return self.query(
            "SELECT t.topic_id, t.label, t.status, t.size, c.merged_into, "
            "coalesce(c.pinned, false) AS pinned, s.origin AS seed "
            "FROM topics t LEFT JOIN theme_curation c USING (topic_id) "
            "LEFT JOIN theme_seeds s USING (topic_id) "
            "WHERE ? OR t.status <> 'retired' ORDER BY t.size DESC, t.topic_id",
            [retired]).to_dicts()

    def curate(self, theme_id: int, **values: Any) -> None:
        """Record an analyst's decision on a theme (keys from ``CURATION_COLUMNS``)."""
        unknown = set(values) - set(CURATION_COLUMNS)
        if unknown or not values:
            raise ValueError(f"curation sets {', '.join(CURATION_COLUMNS)}; got {sorted(values)}")
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        updates = ", ".join(f"{c} = excluded.{c}" for c in values)
        self._run(
            f"INSERT INTO theme_curation (topic_id, {cols}, updated_at) VALUES (?, {marks}, "
            f"now()) ON CONFLICT (topic_id) DO UPDATE SET {updates}, updated_at = now()",
            [theme_id, *values.values()])

    def apply_curation(self) -> dict[str, int]:
        """Apply every analyst decision to the themes as this run left them.

        Returns how many themes each kind of decision touched.
        """
        # Decisions taken back (un-hidden, un-merged) must not linger from an earlier run.
        self._run("UPDATE topics SET status = 'active' WHERE status IN ('hidden', 'merged')")
        final = _merge_targets(dict(self._rows(
            "SELECT topic_id, merged_into FROM theme_curation WHERE merged_into IS NOT NULL")))
        if final:
            frame = pl.DataFrame({"src": list(final), "dst": list(final.values())},
                                 schema={"src": pl.Int32, "dst": pl.Int32})
            with self._registered("_merge", frame):
                self._run("UPDATE sentences SET topic_id = m.dst FROM _merge m "
                          "WHERE sentences.topic_id = m.src")
                self._run("UPDATE feedback SET topic_id = m.dst FROM _merge m "
                          "WHERE feedback.topic_id = m.src")
                self._run("UPDATE topics SET status = 'merged' FROM _merge m "
                          "WHERE topics.topic_id = m.src")
        statements = {
            "renamed": "UPDATE topics SET label = c.label FROM theme_curation c "
                       "WHERE topics.topic_id = c.topic_id AND c.label IS NOT NULL",
            "pinned": "UPDATE topics SET status = 'active' FROM theme_curation c "
                      "WHERE topics.topic_id = c.topic_id AND c.pinned "
                      "AND topics.status = 'retired'",
            "hidden": "UPDATE topics SET status = 'hidden' FROM theme_curation c "
                      "WHERE topics.topic_id = c.topic_id AND c.hidden "
                      "AND topics.status <> 'merged'",
        }
        out = {"merged": len(final)}
        for name, sql in statements.items():
            out[name] = int(self._rows(sql)[0][0])
        # Sizes as the curated themes now stand.
        self._run("UPDATE topics t SET size = coalesce((SELECT count(*) FROM sentences s "
                  "WHERE s.topic_id = t.topic_id), 0)")
        return out

    def carry_over_curation(self, published: Path) -> None:
        """Take curation written to the published warehouse while this run worked on its copy.

        The published file is where analysts write; the run's copy was taken when it started.
        """
        if not published.exists():
            return
        try:
            pub = duckdb.connect(str(published), read_only=True)
        except duckdb.IOException as exc:
            raise CurationUnreadable(
                f"cannot read analysts' curation from {published}: another process holds a "
                f"read-write connection to it ({exc}); the run was not published. Analysts "
                "connect read-only: `duckdb -readonly` or duckdb.connect(path, read_only=True)."
            ) from None
        with pub:
            tables = {r[0] for r in pub.execute(
                "SELECT table_name FROM information_schema.tables").fetchall()}
            curation = (pl.from_arrow(pub.sql("SELECT * FROM theme_curation").to_arrow_table())
                        if "theme_curation" in tables else None)
            splits = (pl.from_arrow(pub.sql(
                "SELECT * FROM theme_seeds WHERE origin = 'split'").to_arrow_table())
                      if "theme_seeds" in tables else None)
        if isinstance(curation, pl.DataFrame):
            with self._registered("_pub_curation", curation):
                self._run("DELETE FROM theme_curation")
                self._run("INSERT INTO theme_curation SELECT * FROM _pub_curation")
        if isinstance(splits, pl.DataFrame) and not splits.is_empty():
            with self._registered("_pub_splits", splits):
                self._run("INSERT INTO theme_seeds SELECT * FROM _pub_splits "
                          "ON CONFLICT DO NOTHING")


def _merge_targets(merges: dict[int, int]) -> dict[int, int]:
    """Where each merged theme ends up: merges may chain (a into b, b into c)."""
    final = {}
    for src in merges:
        dst, seen = merges[src], {src}
        while dst in merges and dst not in seen:
            seen.add(dst)
            dst = merges[dst]
        final[src] = dst
    return final
