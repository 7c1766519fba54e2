"""The sentiment head's adaptations to a deployment's scores, and what they learn from."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl

from data.connection import Connection


class SentimentStore(Connection):
    """Reads and writes of ``sentiment_adaptations`` and of the scored feedback."""

    def scored_documents(self) -> pl.DataFrame:
        """Feedback with a rating, NPS or CSAT: doc_id and those scores, by doc_id."""
        return self.query(
            "SELECT doc_id, rating, rating_scale, nps, csat FROM feedback "
            "WHERE rating IS NOT NULL OR nps IS NOT NULL OR csat IS NOT NULL ORDER BY doc_id")

    def document_sentences(self, doc_ids: list[str], model: str
                           ) -> tuple[pl.DataFrame, np.ndarray]:
        """The sentences (doc_id, text) of ``doc_ids`` with their embeddings by ``model``, in
        document order."""
        self.con.register("_docs", pl.DataFrame({"doc_id": doc_ids},
                                                schema={"doc_id": pl.String}).to_arrow())
        frame = self.query(
            """
            SELECT s.doc_id, s.text, e.vector
            FROM sentences s
            JOIN _docs USING (doc_id)
            JOIN embeddings e ON e.text_hash = s.text_hash AND e.model = ?
            ORDER BY s.doc_id, s.sentence_idx
            """,
            [model],
        )
        self.con.unregister("_docs")
        vectors = np.asarray(frame["vector"].to_list(), dtype=np.float32)
        return frame.drop("vector"), vectors

    def record_adaptation(self, run_id: str, created_at: datetime, *, base_model: str,
                          model: str, examples: int, held_out: int, adopted: bool, reason: str,
                          scores: dict[str, Any], coef: np.ndarray, intercept: np.ndarray
                          ) -> None:
        self._run(
            "INSERT INTO sentiment_adaptations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, created_at, base_model, model, examples, held_out, adopted, reason,
             json.dumps(scores), coef.astype(np.float32).ravel().tolist(),
             intercept.astype(np.float32).tolist()])

    def last_adaptation(self, base_model: str, *, adopted_only: bool = False
                        ) -> dict[str, Any] | None:
        """The newest adaptation of ``base_model`` (adopted ones only, if asked)."""
        rows = self.query(
            "SELECT * FROM sentiment_adaptations WHERE base_model = ? AND (adopted OR NOT ?) "
            "ORDER BY created_at DESC, run_id DESC LIMIT 1", [base_model, adopted_only]
        ).to_dicts()
        return rows[0] if rows else None
