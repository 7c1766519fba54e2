"""What the pain-point report reads from the warehouse, one named query per figure."""

from __future__ import annotations

from typing import Any

import polars as pl

from data.connection import Connection
from data.curation_store import _merge_targets


class ReportQueries(Connection):
    """Read-only queries behind the report."""

    def run_row(self, run_id: str) -> dict[str, Any]:
        rows = self.query("SELECT * FROM runs WHERE run_id = ?", [run_id]).to_dicts()
        if not rows:
            raise KeyError(f"no run {run_id!r} in {getattr(self, 'path', 'the warehouse')}")
        return rows[0]

    def latest_run_id(self) -> str | None:
        rows = self._rows(
            "SELECT run_id FROM runs WHERE status = 'completed' ORDER BY started_at DESC LIMIT 1")
        return rows[0][0] if rows else None

    def is_completed_run(self, run_id: str) -> bool:
        return bool(self._rows("SELECT count(*) FROM runs WHERE run_id = ? "
                               "AND status = 'completed'", [run_id])[0][0])

    def recent_run_ids(self, limit: int = 5) -> list[str]:
        """The newest completed runs' ids, newest first."""
        return [r[0] for r in self._rows(
            "SELECT run_id FROM runs WHERE status = 'completed' "
            "ORDER BY started_at DESC LIMIT ?", [limit])]

    def feedback_overview(self) -> dict[str, Any]:
        """All feedback: count, date range, mean rating (on 1-5), NPS and CSAT, sentiment."""
        return self.query(
            """
            SELECT count(*) AS feedback, min(created_at) AS first, max(created_at) AS last,
                   avg(rating * 5.0 / rating_scale) AS rating, avg(nps) AS nps,
                   avg(csat) AS csat,
                   count(*) FILTER (sentiment = 'negative') AS negative,
                   count(*) FILTER (sentiment = 'positive') AS positive
            FROM feedback
            """
        ).to_dicts()[0]

    def feedback_by(self, column: str) -> list[tuple[str, int]]:
        """Feedback counted by ``lang`` or ``channel``, largest first."""
        if column not in ("lang", "channel"):
            raise ValueError(f"feedback_by counts by lang or channel, not {column!r}")
        return [(k, int(n)) for k, n in self._rows(
            f"SELECT {column}, count(*) AS n FROM feedback GROUP BY 1 ORDER BY n DESC, 1")]

    def quarantine_reasons(self) -> list[tuple[str, int]]:
        """Quarantined records of all runs by reason, largest first."""
        return [(k, int(n)) for k, n in self._rows(
            "SELECT reason, count(*) AS n FROM quarantine GROUP BY reason ORDER BY n DESC, reason")]

    def net_promoter_score(self) -> float | None:
        """NPS over all survey respondents (% promoters - % detractors), one vote each."""
        return self.survey_scores()["nps"]

    def survey_scores(self) -> dict[str, Any]:
        """All feedback's NPS (% promoters 9-10 minus % detractors 0-6), CSAT's satisfied share
        (4-5 of 5) and CES's low-effort share (5-7 of 7, 7 = very easy), each with its number
        of respondents. A respondent is a source's record (a survey row answering two
        questions is two pieces of feedback): each counts once, as nlp.pain_points counts
        a theme's."""
        return self.query(
            """
            WITH respondents AS (
                SELECT source, source_record_id, max(nps) AS nps, max(csat) AS csat,
                       max(ces) AS ces
                FROM feedback GROUP BY source, source_record_id
            )
            SELECT 100.0 * (count(*) FILTER (nps >= 9) - count(*) FILTER (nps <= 6))
                       / nullif(count(nps), 0) AS nps,
                   count(nps) AS nps_respondents,
                   1.0 * count(*) FILTER (csat >= 4) / nullif(count(csat), 0)
                       AS csat_satisfied_share,
                   count(csat) AS csat_respondents,
                   1.0 * count(*) FILTER (ces >= 5) / nullif(count(ces), 0)
                       AS ces_low_effort_share,
                   count(ces) AS ces_respondents
            FROM respondents
            """
        ).to_dicts()[0]

    def pain_points_of_run(self, run_id: str) -> list[dict[str, Any]]:
        """The run's pain points by rank, with analysts' curation as it stands now, so a
        rebuilt report shows it without a new run: curated labels, hidden themes left out,
        and a theme merged into another one since the run listed in its target's
        ``merged_from`` (topic_id, label, volume, negative_volume), not on its own. A merged
        theme whose target has no row of this run keeps its row, with ``merged_into`` set."""
        rows = self.query(
            "SELECT p.* REPLACE (coalesce(c.label, p.label) AS label) FROM pain_points p "
            "LEFT JOIN theme_curation c USING (topic_id) WHERE p.run_id = ? ORDER BY p.rank",
            [run_id]).to_dicts()
        hidden = {int(t) for (t,) in self._rows(
            "SELECT topic_id FROM theme_curation WHERE hidden")}
        targets = _merge_targets({int(t): int(m) for t, m in self._rows(
            "SELECT topic_id, merged_into FROM theme_curation WHERE merged_into IS NOT NULL")})
        by_id = {row["topic_id"]: row for row in rows}
        for row in rows:
            row["merged_from"], row["merged_into"] = [], None
        kept = []
        for row in rows:
            target = targets.get(row["topic_id"], row["topic_id"])
            if row["topic_id"] in hidden or target in hidden:
                continue
            if target == row["topic_id"]:
                kept.append(row)
            elif target in by_id:
                by_id[target]["merged_from"].append(
                    {k: row[k] for k in ("topic_id", "label", "volume", "negative_volume")})
            else:
                row["merged_into"] = target
                kept.append(row)
        return kept

    def keywords_by_theme(self) -> dict[int, str]:
        """Each theme's keywords per language (JSON text), by theme id."""
        return {int(t): k for t, k in self._rows("SELECT topic_id, keywords_by_lang FROM topics")}

    def sentence_causes(self) -> pl.DataFrame:
        """Each sentence's tone reading and its theme's kind: doc_id, sentence_idx,
        states_cause, kind (NULL without a theme)."""
        return self.query("SELECT s.doc_id, s.sentence_idx, s.states_cause, t.kind "
                          "FROM sentences s LEFT JOIN topics t USING (topic_id)")

    def theme_coverage(self) -> dict[str, int]:
        """Active cause themes, sentences, sentences without a theme, tone-only sentences,
        and those of them in the general theme (their feedback states no cause), with how
        many of those are negative and in how many pieces of feedback."""
        return self.query(
            """
            SELECT (SELECT count(*) FROM topics
                    WHERE status = 'active' AND kind = 'cause') AS themes,
                   count(*) AS sentences, count(*) FILTER (s.topic_id IS NULL) AS unthemed,
                   count(*) FILTER (NOT s.states_cause) AS tone_only,
                   count(*) FILTER (t.kind = 'general') AS general,
                   count(*) FILTER (t.kind = 'general' AND s.sentiment = 'negative')
                       AS general_negative,
                   count(DISTINCT s.doc_id) FILTER (t.kind = 'general') AS general_feedback
            FROM sentences s LEFT JOIN topics t USING (topic_id)
            """
        ).to_dicts()[0]
