"""One DuckDB connection with the few primitives every store builds its statements on.

The warehouse's statements live in stores by subject (:mod:`data.feedback_store`,
:mod:`data.theme_store`, :mod:`data.curation_store`, :mod:`data.report_queries`);
:class:`data.warehouse.Warehouse` is all of them over one connection.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import duckdb
import polars as pl

# Tables count() may name: the name is checked here, never taken from a caller as SQL.
TABLES = frozenset({
    "feedback", "sentences", "topics", "pain_points", "quarantine", "embeddings", "runs",
    "source_files", "source_cursors", "feedback_duplicates", "raw_feedback", "theme_lineage",
    "theme_curation", "theme_seeds", "theme_fits", "theme_language_means",
    "theme_cause_words", "sentiment_adaptations",
})


class WarehouseBusy(RuntimeError):
    """Another run, or another process's read-write connection, holds this warehouse."""


class Connection:
    """A DuckDB connection and the helpers statements are run with."""

    con: duckdb.DuckDBPyConnection

    def _run(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> None:
        """Execute a statement and drain its result (DuckDB wants that before the next one)."""
        self.con.execute(sql, params if params is not None else []).fetchall()

    def _rows(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
              ) -> list[tuple]:
        return self.con.execute(sql, params if params is not None else []).fetchall()

    @contextmanager
    def _registered(self, name: str, frame: pl.DataFrame) -> Iterator[None]:
        """``frame`` visible to SQL as the view ``name`` while the block runs."""
        self.con.register(name, frame.to_arrow())
        try:
            yield
        finally:
            self.con.unregister(name)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything the block writes, or nothing: an exception rolls it back."""
        self.con.begin()
        try:
            yield
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pl.DataFrame:
        """Run a read query and return a polars frame (for analysts' SQL and tests)."""
        table = self.con.sql(sql, params=params or None).to_arrow_table()
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        return frame

    def count(self, table: str) -> int:
        if table not in TABLES:
            raise ValueError(f"unknown table {table!r}; one of {', '.join(sorted(TABLES))}")
        return int(self._rows(f"SELECT count(*) FROM {table}")[0][0])
