"""What the pain-point report reads from the warehouse, one named query per figure."""

from __future__ import annotations

from typing import Any

from data.connection import Connection


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
        return self._rows(
            """
            SELECT 100.0 * (count(*) FILTER (nps >= 9) - count(*) FILTER (nps <= 6))
                   / nullif(count(*), 0)
            FROM (SELECT DISTINCT source_record_id, nps FROM feedback WHERE nps IS NOT NULL)
            """)[0][0]

    def pain_points_of_run(self, run_id: str) -> list[dict[str, Any]]:
        return self.query("SELECT * FROM pain_points WHERE run_id = ? ORDER BY rank",
                          [run_id]).to_dicts()

    def keywords_by_theme(self) -> dict[int, str]:
        """Each theme's keywords per language (JSON text), by theme id."""
        return {int(t): k for t, k in self._rows("SELECT topic_id, keywords_by_lang FROM topics")}

    def theme_coverage(self) -> dict[str, int]:
        """Active themes, sentences, and sentences without a theme."""
        return self.query(
            """
            SELECT (SELECT count(*) FROM topics WHERE status = 'active') AS themes,
                   count(*) AS sentences, count(*) FILTER (topic_id IS NULL) AS unthemed
            FROM sentences
            """
        ).to_dicts()[0]
