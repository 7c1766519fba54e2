"""The Parquet and Excel readers behind :func:`data.formats.iter_rows`.

Unlike CSV and JSON these are binary formats read through their own libraries (pyarrow,
openpyxl, both imported only when such a file is read), and both need random access: a
gzipped file is first decompressed to an anonymous temporary file. They follow the same
contract as the text readers in :mod:`data.formats` (a :class:`~data.raw_rows.RawRow` per
record, bad content as error rows, never an exception) and share its row helpers; they
live here so that module stays about the text formats.

Both honour the reader's :class:`~data.raw_rows.Caps`: a gzipped file is decompressed to
its temporary file only up to ``max_bytes``; a Parquet file whose metadata gives more data
than ``max_bytes`` or more columns than ``max_columns`` is refused whole, before any row
group is read; a workbook whose zip directory gives more than ``max_bytes`` uncompressed is
refused before a sheet is parsed, and a sheet row wider than ``max_columns`` is an error row.
"""

from __future__ import annotations

import gzip
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

from data.raw_rows import (
    FILE_TOO_LARGE,
    READ_ERRORS,
    TOO_MANY_COLUMNS,
    Caps,
    RawRow,
    bad,
    brief,
    checked,
    clip,
    dump,
    header_names,
    is_blank,
    unique,
    unreadable,
)

PARQUET_BATCH_ROWS = 4096
EXCEL_MAX_ROWS = 1_048_576


class _TooLarge(Exception):
    """A gzipped file decompresses to more than the reader's ``max_bytes``."""


def _too_large(name: str, caps: Caps, what: str) -> RawRow:
    return bad("", name, f"{what} more than {caps.max_bytes:,} bytes (ingest.max_file_bytes); "
                         "nothing of the file was read", FILE_TOO_LARGE)


def _too_wide(name: str, caps: Caps, columns: int) -> RawRow:
    return bad("", name, f"{columns:,} columns, more than {caps.max_columns:,} "
                         "(ingest.max_columns); nothing of the file was read", TOO_MANY_COLUMNS)


@contextmanager
def _random_access(path: Path, gz: bool, max_bytes: int) -> Iterator[IO[bytes]]:
    """A seekable binary file with the (decompressed) content of ``path``; raises
    ``_TooLarge`` once a gzip stream gives more than ``max_bytes``."""
    if not gz:
        with path.open("rb") as handle:
            yield handle
        return
    with tempfile.TemporaryFile() as temp:
        size = 0
        with gzip.open(path, "rb") as source:
            while chunk := source.read(1 << 20):
                size += len(chunk)
                if size > max_bytes:
                    raise _TooLarge
                temp.write(chunk)
        temp.seek(0)
        yield temp


def iter_parquet(path: Path, gz: bool, caps: Caps | None = None) -> Iterator[RawRow]:
    """The rows of the Parquet file ``path`` (gzipped when ``gz``), batch by batch."""
    import pyarrow.parquet as pq

    name = path.name
    caps = caps or Caps()
    with ExitStack() as stack:
        try:
            source = stack.enter_context(_random_access(path, gz, caps.max_bytes))
        except _TooLarge:
            yield _too_large(name, caps, "decompresses to")
            return
        except READ_ERRORS as exc:
            yield bad("", name, unreadable(gz, exc))
            return
        try:
            parquet = stack.enter_context(pq.ParquetFile(source))
            meta = parquet.metadata
            groups = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
            data_bytes = sum(meta.row_group(i).total_byte_size
                             for i in range(meta.num_row_groups))
            columns = len(parquet.schema_arrow.names)
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... on bad files
            yield bad("", name, f"not a readable Parquet file ({brief(exc)})")
            return
        if columns > caps.max_columns:
            yield _too_wide(name, caps, columns)
            return
        if data_bytes > caps.max_bytes:
            yield _too_large(name, caps, f"its metadata gives {data_bytes:,} bytes of data,")
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
                            yield checked(row, position, caps)
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


def iter_excel(path: Path, gz: bool, sheet: str | None,
               caps: Caps | None = None) -> Iterator[RawRow]:
    """The rows of ``sheet`` (default: the first) of the ``.xlsx`` workbook ``path``."""
    import openpyxl

    name = path.name
    caps = caps or Caps()
    with ExitStack() as stack:
        try:
            source = stack.enter_context(_random_access(path, gz, caps.max_bytes))
        except _TooLarge:
            yield _too_large(name, caps, "decompresses to")
            return
        except READ_ERRORS as exc:
            yield bad("", name, unreadable(gz, exc))
            return
        unpacked = _unzipped_size(source)
        if unpacked > caps.max_bytes:
            yield _too_large(name, caps, f"its zip directory gives {unpacked:,} bytes,")
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
        wide_header: str | None = None
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
            if len(values) > caps.max_columns:
                too_wide = (f"{len(values):,} cells, more than {caps.max_columns:,} "
                            "(ingest.max_columns)")
                if header is None and wide_header is None:
                    wide_header = f"the header ({position}) has {too_wide}"
                yield bad(clip(dump(values[:100])), position, too_wide, TOO_MANY_COLUMNS)
            elif wide_header is not None:
                yield bad(clip(dump(values[:100])), position, f"no usable header: "
                          f"{wide_header}", TOO_MANY_COLUMNS)
            elif header is None:
                header = header_names(values)
            elif len(values) > len(header):
                yield bad(dump(values), position,
                           f"{len(values)} cells, header has {len(header)}")
            else:
                values.extend([None] * (len(header) - len(values)))
                yield checked(dict(zip(header, values, strict=True)), position, caps)


def _unzipped_size(source: IO[bytes]) -> int:
    """The uncompressed size of every member of the zip file ``source`` (0 when it is no
    zip file: openpyxl then says what is wrong); ``source`` is left at its start."""
    try:
        with zipfile.ZipFile(source) as archive:
            return sum(info.file_size for info in archive.infolist())
    except Exception:  # BadZipFile, a damaged directory: judged when the workbook is opened
        return 0
    finally:
        source.seek(0)
