"""The Parquet and Excel readers behind :func:`data.formats.iter_rows`.

Unlike CSV and JSON these are binary formats read through their own libraries (pyarrow,
openpyxl, both imported only when such a file is read), and both need random access: a
gzipped file is first decompressed to an anonymous temporary file. They follow the same
contract as the text readers in :mod:`data.formats` (a :class:`~data.raw_rows.RawRow` per
record, bad content as error rows, never an exception) and share its row helpers; they
live here so that module stays about the text formats.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

from data.raw_rows import (
    READ_ERRORS,
    RawRow,
    bad,
    brief,
    dump,
    header_names,
    is_blank,
    ok,
    unique,
    unreadable,
)

PARQUET_BATCH_ROWS = 4096
EXCEL_MAX_ROWS = 1_048_576


@contextmanager
def _random_access(path: Path, gz: bool) -> Iterator[IO[bytes]]:
    """A seekable binary file with the (decompressed) content of ``path``."""
    if not gz:
        with path.open("rb") as handle:
            yield handle
        return
    with tempfile.TemporaryFile() as temp:
        with gzip.open(path, "rb") as source:
            shutil.copyfileobj(source, temp, 1 << 20)
        temp.seek(0)
        yield temp


def iter_parquet(path: Path, gz: bool) -> Iterator[RawRow]:
    """The rows of the Parquet file ``path`` (gzipped when ``gz``), batch by batch."""
    import pyarrow.parquet as pq

    name = path.name
    with ExitStack() as stack:
        try:
            source = stack.enter_context(_random_access(path, gz))
        except READ_ERRORS as exc:
            yield bad("", name, unreadable(gz, exc))
            return
        try:
            parquet = stack.enter_context(pq.ParquetFile(source))
            groups = [parquet.metadata.row_group(i).num_rows
                      for i in range(parquet.metadata.num_row_groups)]
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... on bad files
            yield bad("", name, f"not a readable Parquet file ({brief(exc)})")
            return
        first = 1  # number of the first row of the current row group
        for group, size in enumerate(groups):
            done = 0
            try:
                for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS,
                                                  row_groups=[group]):
                    for row, problem in _batch_rows(batch):
                        position = f"{name} row {first + done}"
                        done += 1
                        if problem is None:
                            yield ok(row, position)
                        else:
                            yield bad(dump(row), position, problem)
            except Exception as exc:  # a corrupt page or column chunk
                start, last = first + done, first + size - 1
                lost = f"rows {start}-{last}" if last > start else f"row {start}"
                yield bad("", f"{name} row {start}",
                           f"row group {group + 1} cannot be read from here on, {lost} "
                           f"lost ({brief(exc)})")
            first += size


def _batch_rows(batch: Any) -> Iterator[tuple[dict[str, Any], str | None]]:
    """The rows of a record batch as dicts, and the reason a row could not be converted."""
    names = unique(list(batch.schema.names))
    if not names:
        for _ in range(batch.num_rows):
            yield {}, None
        return
    try:
        columns = [column.to_pylist() for column in batch.columns]
    except Exception:  # e.g. a date out of Python's range: convert row by row
        for index in range(batch.num_rows):
            row: dict[str, Any] = {}
            problem = None
            for key, column in zip(names, batch.columns, strict=True):
                try:
                    row[key] = column[index].as_py()
                except Exception as exc:
                    row[key] = None
                    problem = problem or f"column {key!r} cannot be read ({brief(exc)})"
            yield row, problem
        return
    for values in zip(*columns, strict=True):
        yield dict(zip(names, values, strict=True)), None


def iter_excel(path: Path, gz: bool, sheet: str | None) -> Iterator[RawRow]:
    """The rows of ``sheet`` (default: the first) of the ``.xlsx`` workbook ``path``."""
    import openpyxl

    name = path.name
    with ExitStack() as stack:
        try:
            source = stack.enter_context(_random_access(path, gz))
        except READ_ERRORS as exc:
            yield bad("", name, unreadable(gz, exc))
            return
        try:
            # A file object, so that openpyxl does not judge the file by its name.
            workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
        except Exception as exc:  # BadZipFile, KeyError, XML errors, ... on bad files
            yield bad("", name, f"not a readable .xlsx workbook ({brief(exc)})")
            return
        stack.callback(workbook.close)
        try:
            if sheet is None:
                if not workbook.worksheets:
                    yield bad("", name, "workbook has no worksheet")
                    return
                worksheet = workbook.worksheets[0]
            elif sheet in workbook.sheetnames and hasattr(workbook[sheet], "reset_dimensions"):
                worksheet = workbook[sheet]
            else:
                sheets = ", ".join(repr(title) for title in workbook.sheetnames)
                yield bad("", name, f"no worksheet {sheet!r} (sheets: {sheets})")
                return
            # The stored dimensions can be wrong; read the rows as they are.
            worksheet.reset_dimensions()
            where = f"{name} sheet {worksheet.title!r}"
            rows = iter(worksheet.iter_rows(values_only=True))
        except Exception as exc:
            yield bad("", name, f"not a readable .xlsx workbook ({brief(exc)})")
            return
        header: list[str] | None = None
        number = 0
        while True:
            position = f"{where} row {number + 1}"
            try:
                cells = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # corrupt sheet XML
                yield bad("", position, f"sheet cannot be read from here on ({brief(exc)})")
                return
            number += 1
            if number > EXCEL_MAX_ROWS:
                yield bad("", position, f"sheet claims more than {EXCEL_MAX_ROWS} rows")
                return
            values = list(cells)
            if all(is_blank(value) for value in values):
                continue  # a fully empty row: no record
            while values[-1] is None or (header is None and is_blank(values[-1])):
                values.pop()  # cells past the last one used
            if header is None:
                header = header_names(values)
            elif len(values) > len(header):
                yield bad(dump(values), position,
                           f"{len(values)} cells, header has {len(header)}")
            else:
                values.extend([None] * (len(header) - len(values)))
                yield ok(dict(zip(header, values, strict=True)), position)
