"""Themes in the warehouse: sentences to cluster, theme rows, fits, lineage, pain points."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import polars as pl

from data.connection import Connection


class ThemeStore(Connection):
    """Reads and writes of themes (table ``topics``), their fits, lineage and pain points."""

    # ---- themes ---------------------------------------------------------------------------
    def sentences_for_themes(self, model: str) -> tuple[pl.DataFrame, np.ndarray]:
        """Every sentence with its document's facts, and its embedding (same row order)."""
        frame = self.query(
            """
            SELECT s.doc_id, s.sentence_idx, s.text, s.lang, s.sentiment, s.sentiment_score,
                   s.text_hash, s.topic_id AS previous_topic_id, f.channel, f.created_at,
                   f.rating, f.rating_scale, f.nps, f.csat, e.vector
            FROM sentences s
            JOIN feedback f USING (doc_id)
            JOIN embeddings e ON e.text_hash = s.text_hash AND e.model = ?
            ORDER BY s.doc_id, s.sentence_idx
            """,
            [model],
        )
        if frame.is_empty():
            return frame, np.zeros((0, 0), dtype=np.float32)
        vectors = np.asarray(frame["vector"].to_list(), dtype=np.float32)
        return frame.drop("vector"), vectors

    def themed_sentences(self) -> pl.DataFrame:
        """Every sentence with its theme, its similarity to the theme, and its document's facts
        (its record, ``source`` and ``source_record_id``, is the respondent)."""
        return self.query(
            """
            SELECT s.doc_id, s.sentence_idx, s.text, s.lang, s.sentiment, s.topic_id,
                   coalesce(s.topic_similarity, 0) AS centrality, f.channel, f.created_at,
                   f.rating, f.rating_scale, f.nps, f.csat, f.ces, f.source, f.source_record_id
            FROM sentences s JOIN feedback f USING (doc_id)
            ORDER BY s.doc_id, s.sentence_idx
            """
        )

    def new_sentences(self, run_id: str, model: str) -> tuple[pl.DataFrame, np.ndarray]:
        """Sentences of the feedback this run enriched, with their embeddings."""
        frame = self.query(
            """
            SELECT s.doc_id, s.sentence_idx, s.text, s.lang, s.sentiment_score, e.vector
            FROM sentences s
            JOIN feedback f USING (doc_id)
            JOIN embeddings e ON e.text_hash = s.text_hash AND e.model = ?
            WHERE f.enriched_run_id = ?
            ORDER BY s.doc_id, s.sentence_idx
            """,
            [model, run_id],
        )
        vectors = np.asarray(frame["vector"].to_list(), dtype=np.float32)
        return frame.drop("vector"), vectors

    def last_fit(self) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM theme_fits ORDER BY fitted_at DESC LIMIT 1").to_dicts()
        return rows[0] if rows else None

    def save_fit(self, run_id: str, fitted_at: datetime, *, sentences: int, themes: int,
                 reason: str, means: dict[str, np.ndarray],
                 words: dict[str, np.ndarray] | None = None) -> None:
        """Record a refit and replace the language means and cause words new sentences are
        placed with."""
        self._run("INSERT INTO theme_fits VALUES (?, ?, ?, ?, ?)",
                  [run_id, fitted_at, sentences, themes, reason])
        self._replace_vectors("theme_language_means", means, run_id)
        self._replace_vectors("theme_cause_words", words or {}, run_id)

    def _replace_vectors(self, table: str, vectors: dict[str, np.ndarray], run_id: str
                         ) -> None:
        """``table`` (one of this store's: key, vector, fit_run_id) holds exactly
        ``vectors`` afterwards."""
        self._run(f"DELETE FROM {table}")
        if not vectors:
            return
        frame = pl.DataFrame(
            {"key": list(vectors),
             "vector": [v.astype(np.float32).tolist() for v in vectors.values()],
             "fit_run_id": [run_id] * len(vectors)},
            schema={"key": pl.String, "vector": pl.List(pl.Float32), "fit_run_id": pl.String},
        )
        self.con.register("_vectors", frame.to_arrow())
        self._run(f"INSERT INTO {table} SELECT key, vector, fit_run_id FROM _vectors")
        self.con.unregister("_vectors")

    def language_means(self) -> dict[str, np.ndarray]:
        rows = self.con.execute("SELECT lang, mean FROM theme_language_means").fetchall()
        return {lang: np.asarray(mean, dtype=np.float32) for lang, mean in rows}

    def cause_words(self) -> dict[str, np.ndarray]:
        """The last refit's cause words and their vectors."""
        rows = self.con.execute(
            "SELECT word, vector FROM theme_cause_words ORDER BY word").fetchall()
        return {word: np.asarray(vector, dtype=np.float32) for word, vector in rows}

    def touch_themes(self, run_id: str) -> None:
        """Recount theme sizes; themes that gained sentences in this run were seen in it."""
        self._run(
            """
            UPDATE topics t SET size = c.n,
                   last_seen_run = CASE WHEN c.new_here THEN $run ELSE t.last_seen_run END
            FROM (
                SELECT s.topic_id, count(*) AS n, bool_or(f.enriched_run_id = $run) AS new_here
                FROM sentences s JOIN feedback f USING (doc_id)
                WHERE s.topic_id IS NOT NULL GROUP BY s.topic_id
            ) c
            WHERE t.topic_id = c.topic_id
            """,
            {"run": run_id},
        )

    def theme_sizes(self) -> dict[int, int]:
        """Sentences per active theme, as the sentences table holds them now."""
        rows = self.con.execute(
            "SELECT t.topic_id, count(s.topic_id) FROM topics t "
            "LEFT JOIN sentences s USING (topic_id) WHERE t.status <> 'retired' GROUP BY 1"
        ).fetchall()
        return {int(t): int(n) for t, n in rows}

    def record_lineage(self, run_id: str, events: list[dict[str, Any]]) -> None:
        if not events:
            return
        frame = pl.DataFrame(events, schema={
            "topic_id": pl.Int32, "event": pl.String, "related_topic_id": pl.Int32,
            "size_before": pl.Int32, "size_after": pl.Int32, "share": pl.Float64})
        self.con.register("_lin", frame.to_arrow())
        self._run("INSERT INTO theme_lineage SELECT $run, topic_id, event, related_topic_id, "
                  "size_before, size_after, share FROM _lin ON CONFLICT DO NOTHING",
                  {"run": run_id})
        self.con.unregister("_lin")

    def active_themes(self) -> pl.DataFrame:
        """Themes new sentences may join and refits may match: all but retired ones
        (hidden and merged themes too, so that curation keeps finding its themes)."""
        return self.query(
            "SELECT topic_id, label, centroid FROM topics WHERE status <> 'retired' "
            "AND centroid IS NOT NULL ORDER BY topic_id"
        )

    def save_themes(self, topics: pl.DataFrame, run_id: str) -> None:
        """Upsert this run's themes; themes not seen in this run are retired."""
        self.con.register("_t", topics.to_arrow())
        self._run(
            """
            INSERT INTO topics (topic_id, label, generated_label, keywords, keywords_by_lang,
                                size, status, first_seen_run, last_seen_run, centroid)
            SELECT topic_id, label, label, keywords, keywords_by_lang, size, 'active', $run,
                   $run, centroid FROM _t
            ON CONFLICT (topic_id) DO UPDATE SET
                label = excluded.label, generated_label = excluded.generated_label,
                keywords = excluded.keywords,
                keywords_by_lang = excluded.keywords_by_lang, size = excluded.size,
                status = 'active', last_seen_run = excluded.last_seen_run,
                centroid = excluded.centroid
            """,
            {"run": run_id},
        )
        self._run(
            "UPDATE topics SET status = 'retired' WHERE topic_id NOT IN (SELECT topic_id FROM _t) "
            "AND topic_id NOT IN (SELECT topic_id FROM theme_seeds) AND kind = 'cause'"
        )
        self.con.unregister("_t")

    def assign_themes(self, sentence_topics: pl.DataFrame, doc_topics: pl.DataFrame) -> None:
        """Write theme ids of sentences (doc_id, sentence_idx, topic_id, topic_similarity,
        states_cause) and documents."""
        self.con.register("_st", sentence_topics.to_arrow())
        self._run(
            "UPDATE sentences s SET topic_id = st.topic_id, "
            "topic_similarity = st.topic_similarity, states_cause = st.states_cause FROM _st st "
            "WHERE s.doc_id = st.doc_id AND s.sentence_idx = st.sentence_idx"
        )
        self.con.unregister("_st")
        self.con.register("_dt", doc_topics.to_arrow())
        self._run(
            "UPDATE feedback f SET topic_id = dt.topic_id FROM _dt dt WHERE f.doc_id = dt.doc_id"
        )
        self.con.unregister("_dt")

    def save_pain_points(self, pain_points: pl.DataFrame) -> None:
        self.con.register("_pp", pain_points.to_arrow())
        cols = ", ".join(pain_points.columns)
        self._run(f"INSERT INTO pain_points ({cols}) SELECT {cols} FROM _pp")
        self.con.unregister("_pp")


    def themes_to_rank(self) -> pl.DataFrame:
        """Active cause themes' ids, labels and keywords (hidden and merged ones, and the
        general theme, are not ranked)."""
        return self.query(
            "SELECT topic_id, label, keywords FROM topics WHERE status = 'active' "
            "AND kind = 'cause'")

    def general_theme_id(self, label: str, run_id: str) -> int:
        """The id of the general theme (tone-only feedback stating no cause), made once."""
        rows = self._rows("SELECT topic_id FROM topics WHERE kind = 'general'")
        if rows:
            self._run("UPDATE topics SET status = 'active', last_seen_run = ? "
                      "WHERE topic_id = ?", [run_id, rows[0][0]])
            return int(rows[0][0])
        theme_id = int(self._rows("SELECT coalesce(max(topic_id), -1) + 1 FROM topics")[0][0])
        self._run(
            "INSERT INTO topics (topic_id, label, generated_label, keywords, keywords_by_lang, "
            "size, status, first_seen_run, last_seen_run, centroid, kind) "
            "VALUES (?, ?, ?, [], '{}', 0, 'active', ?, ?, NULL, 'general')",
            [theme_id, label, label, run_id, run_id])
        return theme_id

    def generated_theme_rows(self, theme_ids: list[int]) -> pl.DataFrame:
        """Themes' generated labels and keywords as last stored (for themes kept apart)."""
        return self.query(
            "SELECT topic_id, generated_label AS label, keywords, keywords_by_lang FROM topics "
            "WHERE topic_id IN (SELECT unnest(?::INTEGER[])) ORDER BY topic_id", [theme_ids])

    def sentence_themes_by_record(self) -> pl.DataFrame:
        """Each sentence's theme by its record's own id: (id, sentence_idx, topic_id)."""
        return self.query("SELECT f.source_record_id AS id, s.sentence_idx, s.topic_id "
                          "FROM sentences s JOIN feedback f USING (doc_id) ORDER BY 1, 2")
