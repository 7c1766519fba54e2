"""Feedback in the warehouse: loading, duplicates, quarantine, cursors, enrichment, and the
embedding cache (by text hash and model)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import polars as pl

from data.connection import Connection


class FeedbackStore(Connection):
    """Reads and writes of feedback, sentences, quarantine, source cursors and embeddings."""

    # ---- ingest ---------------------------------------------------------------------------
    def known_doc_ids(self, doc_ids: Sequence[str]) -> set[str]:
        """Those of ``doc_ids`` already loaded, or already linked as a cross-channel duplicate."""
        if not doc_ids:
            return set()
        frame = pl.DataFrame({"doc_id": list(doc_ids)})
        self.con.register("_ids", frame.to_arrow())
        rows = self.con.execute(
            "SELECT doc_id FROM feedback JOIN _ids USING (doc_id) "
            "UNION SELECT doc_id FROM feedback_duplicates JOIN _ids USING (doc_id)"
        ).fetchall()
        self.con.unregister("_ids")
        return {r[0] for r in rows}

    def same_words_elsewhere(self, candidates: pl.DataFrame,
                             window_hours: float) -> dict[str, str]:
        """Cross-channel duplicates among ``candidates`` (doc_id, customer_key, text_hash,
        channel, created_at): doc_id -> the loaded feedback by the same customer with the same
        text on another channel within ``window_hours``."""
        if candidates.is_empty():
            return {}
        self.con.register("_cand", candidates.to_arrow())
        rows = self.con.execute(
            """
            SELECT c.doc_id, arg_min(f.doc_id, f.created_at)
            FROM _cand c JOIN feedback f
              ON f.customer_key = c.customer_key AND f.text_hash = c.text_hash
             AND f.channel <> c.channel
             AND abs(epoch(f.created_at) - epoch(c.created_at)) <= ? * 3600
            GROUP BY c.doc_id
            """,
            [window_hours],
        ).fetchall()
        self.con.unregister("_cand")
        return {doc_id: kept for doc_id, kept in rows}

    def record_duplicates(self, rows: pl.DataFrame) -> None:
        if rows.is_empty():
            return
        self.con.register("_dups", rows.to_arrow())
        cols = ", ".join(rows.columns)
        self._run(f"INSERT INTO feedback_duplicates ({cols}) SELECT {cols} FROM _dups "
                  "ON CONFLICT DO NOTHING")
        self.con.unregister("_dups")

    def insert_raw_text(self, rows: pl.DataFrame) -> None:
        if rows.is_empty():
            return
        self.con.register("_raw", rows.to_arrow())
        self._run("INSERT INTO raw_feedback (doc_id, source, raw_text, ingested_run_id) "
                  "SELECT doc_id, source, raw_text, ingested_run_id FROM _raw "
                  "ON CONFLICT DO NOTHING")
        self.con.unregister("_raw")

    def files_read(self, source: str) -> set[tuple[str, str]]:
        """(path, sha256) of the files a source has read completely."""
        rows = self.con.execute("SELECT path, sha256 FROM source_files WHERE source = ?",
                                [source]).fetchall()
        return {(path, sha) for path, sha in rows}

    def mark_file_read(self, source: str, path: str, sha256: str, size_bytes: int,
                       records: int, run_id: str) -> None:
        self._run(
            "INSERT INTO source_files VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (source, path, sha256) DO UPDATE SET last_run_id = excluded.last_run_id",
            [source, path, sha256, size_bytes, records, run_id, run_id],
        )

    def cursor(self, source: str) -> datetime | None:
        rows = self.con.execute("SELECT watermark FROM source_cursors WHERE source = ?",
                                [source]).fetchall()
        return rows[0][0].replace(tzinfo=UTC) if rows else None

    def advance_cursor(self, source: str, watermark: datetime, run_id: str) -> None:
        """Move a source's cursor forward (never back) to ``watermark``."""
        self._run(
            "INSERT INTO source_cursors VALUES (?, ?, ?) ON CONFLICT (source) DO UPDATE SET "
            "watermark = greatest(source_cursors.watermark, excluded.watermark), "
            "run_id = excluded.run_id",
            [source, watermark, run_id],
        )

    def insert_feedback(self, rows: pl.DataFrame) -> int:
        """Insert new feedback; a doc_id already present is left as it is. Returns rows added."""
        if rows.is_empty():
            return 0
        before = self.count("feedback")
        self.con.register("_new_feedback", rows.to_arrow())
        cols = ", ".join(rows.columns)
        self._run(
            f"INSERT INTO feedback ({cols}) SELECT {cols} FROM _new_feedback "
            "ON CONFLICT DO NOTHING"
        )
        self.con.unregister("_new_feedback")
        return self.count("feedback") - before

    def record_quarantine(self, rows: pl.DataFrame, run_id: str) -> int:
        """Add quarantined records; one seen before only gets its last_run_id updated."""
        if rows.is_empty():
            return 0
        before = self.count("quarantine")
        self.con.register("_q", rows.to_arrow())
        self._run(
            """
            INSERT INTO quarantine (quarantine_id, source, channel, source_record_id, raw_record,
                                    reason, detail, first_run_id, last_run_id)
            SELECT quarantine_id, source, channel, source_record_id, raw_record, reason, detail,
                   $run, $run FROM _q
            ON CONFLICT (quarantine_id) DO UPDATE SET last_run_id = excluded.last_run_id
            """,
            {"run": run_id},
        )
        self.con.unregister("_q")
        return self.count("quarantine") - before

    # ---- enrichment -----------------------------------------------------------------------
    def feedback_to_enrich(self) -> pl.DataFrame:
        """Feedback no run has enriched yet."""
        return self.query("SELECT doc_id, text FROM feedback WHERE enriched_run_id IS NULL")

    def save_enrichment(self, documents: pl.DataFrame, sentences: pl.DataFrame) -> None:
        """Store per-document language and sentiment, and replace the documents' sentences."""
        self.con.register("_docs", documents.to_arrow())
        self._run(
            """
            UPDATE feedback f SET lang = d.lang, lang_confidence = d.lang_confidence,
                   sentiment = d.sentiment, sentiment_score = d.sentiment_score,
                   text_hash = d.text_hash, enriched_run_id = d.enriched_run_id
            FROM _docs d WHERE f.doc_id = d.doc_id
            """
        )
        self._run("DELETE FROM sentences WHERE doc_id IN (SELECT doc_id FROM _docs)")
        self.con.unregister("_docs")
        if not sentences.is_empty():
            self.con.register("_sents", sentences.to_arrow())
            cols = ", ".join(sentences.columns)
            self._run(f"INSERT INTO sentences ({cols}) SELECT {cols} FROM _sents")
            self.con.unregister("_sents")

    def cached_embeddings(self, hashes: Sequence[str], model: str) -> dict[str, np.ndarray]:
        if not hashes:
            return {}
        frame = pl.DataFrame({"text_hash": list(dict.fromkeys(hashes))})
        self.con.register("_h", frame.to_arrow())
        rows = self.con.execute(
            "SELECT e.text_hash, e.vector FROM embeddings e JOIN _h USING (text_hash) "
            "WHERE e.model = ?",
            [model],
        ).fetchall()
        self.con.unregister("_h")
        return {h: np.asarray(v, dtype=np.float32) for h, v in rows}

    def store_embeddings(self, hashes: Sequence[str], vectors: np.ndarray, model: str) -> None:
        if not hashes:
            return
        frame = pl.DataFrame(
            {"text_hash": list(hashes), "model": [model] * len(hashes),
             "vector": vectors.astype(np.float32).tolist()},
            schema={"text_hash": pl.String, "model": pl.String, "vector": pl.List(pl.Float32)},
        )
        self.con.register("_emb", frame.to_arrow())
        self._run(
            "INSERT INTO embeddings SELECT text_hash, model, vector FROM _emb "
            "ON CONFLICT DO NOTHING"
        )
        self.con.unregister("_emb")

    # ---- for benchmarks and analysts' checks ------------------------------------------------
    def sentence_texts(self) -> list[str]:
        """Every stored sentence's text, in document and sentence order."""
        rows = self._rows("SELECT text FROM sentences ORDER BY doc_id, sentence_idx")
        return [r[0] for r in rows]

    def source_record_ids(self) -> dict[str, str]:
        """Each piece of feedback's record id in its source system, by doc_id."""
        return dict(self._rows("SELECT doc_id, source_record_id FROM feedback"))
