"""Streaming readers that turn one export file into rows, for the ingestion stage.

``iter_rows(path, fmt)`` yields one :class:`RawRow` per record of the file: either the
record as a dict (``row``), or ``row=None`` with an ``error`` saying why it could not be
read. Bad content never raises: undecodable bytes, truncated or corrupt files, the wrong
format, a binary file given as CSV all come out as error rows, so that the caller can put
them in a quarantine table and count ``read == loaded + quarantined``. Only a missing
file (``FileNotFoundError``, or another ``OSError`` raised when the file is first opened)
and bad arguments (``ValueError``) raise, at call time.

Formats (``FORMATS``):

* ``csv`` - streamed line by line (bounded memory). Encoding and delimiter are detected
  when not given (the encoding by :func:`data.encoding.detect_encoding`; the delimiter is
  sniffed among ``, ; tab |`` on the first lines and falls back to ``,``). The first
  non-empty row is the header. Blank lines and rows whose cells are all empty or white
  space (the ``;;;`` lines spreadsheets write) hold no record and are skipped. A row with
  more cells than the header is an error row; missing trailing cells are ``None``. Bytes
  that do not decode become U+FFFD and the row is still emitted (the ingestion stage
  judges mojibake); a record with NUL characters is an error row, and a file whose first
  64 KB hold at least one NUL per 1000 characters is binary: one error row (the same for
  JSON Lines).
* ``jsonl`` - one JSON object per line, streamed; blank lines are skipped; a line that is
  not valid JSON, or not an object, is an error row.
* ``json`` - one array of objects, or one object. The file is loaded whole (at most
  ``MAX_JSON_BYTES``; use JSON Lines for bigger exports); array items are decoded one by
  one, so the items before a syntax error still come through.
* ``parquet`` - read batch by batch with ``pyarrow.parquet.ParquetFile.iter_batches``;
  a row group that cannot be read is one error row naming the rows it held.
* ``excel`` - ``.xlsx`` read row by row with openpyxl in read-only mode; the first
  non-empty row of the sheet is the header, fully empty rows are skipped, cells keep their
  Python types (numbers, ``datetime``).

The text formats are read here; the Parquet and Excel readers are in
:mod:`data.formats_binary`.

A path ending in ``.gz``, or a file starting with the gzip magic bytes, is decompressed on
the fly (CSV, JSON Lines and JSON stream from the gzip reader; Parquet and Excel need
random access and are first decompressed to an anonymous temporary file). A corrupt gzip
stream gives an error row where it breaks.

Hostile files cost bounded memory, disk and time (:class:`~data.raw_rows.Caps`, passed as
``caps``): a file bigger than ``max_bytes`` decompressed (a gzip bomb) is one error row
with reason ``file_too_large`` and nothing of it is read (a gzipped CSV or JSON Lines file
is decompressed once to measure it, at most ``max_bytes``; Parquet is judged by its
metadata, Excel by its zip directory); a row with more than ``max_columns`` cells, and
every row under a wider header, is an error row ``too_many_columns``, refused before the
row is built; a record holding a value longer than ``max_field_chars`` is an error row
``field_too_long`` (CSV fields are also cut by Python's csv module, at
``csv.field_size_limit()``, 131,072 characters unless changed). Runs of blank lines are
skipped without handling each line.
"""

from __future__ import annotations

import codecs
import csv
import errno
import gzip
import io
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from data.encoding import detect_encoding
from data.formats_binary import iter_excel, iter_parquet
from data.raw_rows import (
    FIELD_TOO_LONG,
    FILE_TOO_LARGE,
    READ_ERRORS,
    TOO_MANY_COLUMNS,
    Caps,
    RawRow,
    bad,
    brief,
    checked,
    clip,
    header_names,
    is_blank,
    strip_newline,
    unreadable,
)

FORMATS = ("csv", "jsonl", "json", "parquet", "excel")

SAMPLE_BYTES = 64 * 1024
"""Bytes read from the start of a file to detect its encoding and delimiter."""
MAX_LINE_CHARS = 4 * 1024 * 1024
"""A longer physical line (CSV, JSON Lines) is an error row and is not held in memory."""
MAX_JSON_BYTES = 256 * 1024 * 1024
"""A bigger (decompressed) ``.json`` file is refused with one error row."""
"""``raw`` of a whole-file or over-long error is cut to this many characters."""
DELIMITERS = ",;\t|"
_SNIFF_LINES = 20
_SNIFF_CHARS = 16 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
def iter_rows(
    path: Path,
    fmt: str,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    caps: Caps | None = None,
) -> Iterator[RawRow]:
    """Yield one :class:`RawRow` per record of the export file ``path`` in format ``fmt``.

    ``encoding`` (CSV, JSON Lines, JSON) and ``delimiter`` (CSV) are detected when ``None``;
    ``sheet`` names the Excel sheet to read (default: the first one); ``caps`` bound what a
    file may hold (default :class:`~data.raw_rows.Caps`). Bad content never raises (see the
    module docstring); a missing file raises ``FileNotFoundError`` and an unknown ``fmt``,
    encoding or an unusable delimiter raise ``ValueError``, at call time.
    """
    path = Path(path)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ValueError(f"unknown encoding {encoding!r}") from None
    if delimiter is not None and (len(delimiter) != 1 or delimiter in '"\r\n'):
        raise ValueError(f"delimiter must be one character other than a quote or newline, "
                         f"got {delimiter!r}")
    if not path.exists():
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(path))
    caps = caps or Caps()
    with path.open("rb") as handle:  # a directory or an unreadable file raises here
        gz = handle.read(2) == _GZIP_MAGIC or path.name.lower().endswith(".gz")
        size = os.fstat(handle.fileno()).st_size
    if not gz and size > caps.max_bytes:
        rows = iter([_too_large(path.name, caps, f"{size:,} bytes,")])
    elif fmt == "csv":
        rows = _streamed(path, gz, caps, _iter_csv(path, gz, encoding, delimiter, caps))
    elif fmt == "jsonl":
        rows = _streamed(path, gz, caps, _iter_jsonl(path, gz, encoding, caps))
    elif fmt == "json":
        rows = _streamed(path, gz, caps, _iter_json(path, gz, encoding, caps))
    elif fmt == "parquet":
        rows = iter_parquet(path, gz, caps)
    else:
        rows = iter_excel(path, gz, sheet, caps)
    return _guarded(rows, path.name)


# ---------------------------------------------------------------------------------------
# Shared helpers


def _guarded(rows: Iterator[RawRow], name: str) -> Iterator[RawRow]:
    """Pass the rows on; an unforeseen exception becomes a last error row, not a crash."""
    last = name
    try:
        for item in rows:
            last = item.position
            yield item
    except Exception as exc:  # the safety net behind "bad content never raises"
        yield bad("", name, f"unexpected error after {last} ({brief(exc)})")


def _open_bytes(path: Path, gz: bool) -> IO[bytes]:
    return gzip.open(path, "rb") if gz else path.open("rb")


def _too_large(name: str, caps: Caps, size: str) -> RawRow:
    """The one error row of a file bigger than ``caps.max_bytes``; ``size`` says how big
    ("12,000 bytes," or "decompresses to")."""
    return bad("", name, f"{size} more than {caps.max_bytes:,} bytes (ingest.max_file_bytes);"
                         " nothing of the file was read", FILE_TOO_LARGE)


def _gzip_over(path: Path, limit: int) -> bool:
    """Whether the gzip file ``path`` decompresses to more than ``limit`` bytes (reading at
    most ``limit + 1`` of them; a stream that breaks first is judged by the reader)."""
    size = 0
    try:
        with gzip.open(path, "rb") as handle:
            while chunk := handle.read(min(1 << 20, limit + 1 - size)):
                size += len(chunk)
                if size > limit:
                    return True
    except READ_ERRORS:
        pass
    return False


def _streamed(path: Path, gz: bool, caps: Caps, rows: Iterator[RawRow]) -> Iterator[RawRow]:
    """The rows of a text reader, unless the gzip file ``path`` is too big."""
    if gz and _gzip_over(path, caps.max_bytes):
        yield _too_large(path.name, caps, "decompresses to")
        return
    yield from rows


def _read_sample(path: Path, gz: bool) -> bytes:
    """The first ``SAMPLE_BYTES`` (decompressed) bytes, or fewer when the stream breaks."""
    chunks: list[bytes] = []
    size = 0
    try:
        with _open_bytes(path, gz) as handle:
            while size < SAMPLE_BYTES:
                chunk = handle.read(SAMPLE_BYTES - size)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
    except READ_ERRORS:
        pass  # the reading pass meets the same error and reports it where it happens
    return b"".join(chunks)


def _looks_binary(sample: bytes, encoding: str) -> bool:
    """Whether the decoded sample is binary data: at least one NUL per 1000 characters."""
    text = sample.decode(encoding, errors="replace")
    nul = text.count("\x00")
    return nul > 0 and nul * 1000 >= len(text)


class _LineTooLong(Exception):
    def __init__(self, length: int) -> None:
        super().__init__(f"line longer than {MAX_LINE_CHARS} characters ({length})")


_BLOCK_CHARS = 1 << 16
# Runs of blank lines (white space only), for each kind of line ending.
_BLANK_RUNS = {("\n",): re.compile(r"(?:[^\S\n]*\n)*"),
               ("\n", "\r"): re.compile(r"(?:[^\S\r\n]*(?:\r\n|\r|\n))*")}


class _LineReader:
    """The physical lines of a text stream, keeping those of the record being read.

    A line longer than ``MAX_LINE_CHARS`` is not held: its start is kept for ``raw``, the
    rest is read past, and ``_LineTooLong`` is raised in its place.

    The reader sets ``at_start`` before it reads a record: blank lines met there hold no
    record and are skipped; a run of them is skipped block by block, not line by line (a
    gzip file of a billion newlines takes seconds, not an hour). ``first`` is the number
    of the record's first line.
    """

    def __init__(self, stream: IO[str], endings: tuple[str, ...]) -> None:
        self._stream = stream
        self._endings = endings
        self._blank_run = _BLANK_RUNS[endings]
        self._pending: list[str] = []
        self._ahead, self._at = "", 0  # text read past a run of blank lines, not yet given
        self.count = 0  # physical lines read so far
        self.first = 1  # the number of the first line of the record being read
        self.at_start = False

    def __iter__(self) -> _LineReader:
        return self

    def __next__(self) -> str:
        if self.at_start:
            self.first = self.count + 1
        line = self._readline(MAX_LINE_CHARS)
        if self.at_start:
            self.at_start = False
            while line.isspace():  # a blank line ("" at the end is not)
                if line.endswith(self._endings):
                    self.count += 1
                self._skip_blank_run()
                line = self._readline(MAX_LINE_CHARS)
            self.first = self.count + 1
        if not line:
            raise StopIteration
        self.count += 1
        if len(line) >= MAX_LINE_CHARS and not line.endswith(self._endings):
            length = len(line)
            while True:
                rest = self._readline(MAX_LINE_CHARS)
                length += len(rest)
                if not rest or rest.endswith(self._endings):
                    break
            self._pending.append(line[:1000] + "…")
            raise _LineTooLong(length)
        self._pending.append(line)
        return line

    def _readline(self, limit: int) -> str:
        """The next line of at most ``limit`` characters, from the text read ahead first."""
        if self._at >= len(self._ahead):
            return self._stream.readline(limit)
        ahead, at = self._ahead, self._at
        ends = [i for i in (ahead.find(e, at, at + limit) for e in self._endings) if i >= 0]
        if ends:
            end = min(ends) + 1
            if ahead.startswith("\r\n", end - 1):
                end += 1
            self._at = end
            return ahead[at:end]
        if len(ahead) - at >= limit:
            self._at = at + limit
            return ahead[at:self._at]
        self._ahead, self._at = "", 0
        rest = ahead[at:]
        return rest + self._stream.readline(limit - len(rest))

    def _skip_blank_run(self) -> None:
        """Skip the blank lines that follow, counting them, block by block."""
        while True:
            if self._at >= len(self._ahead):
                block = self._stream.read(_BLOCK_CHARS)
                if block.endswith("\r"):
                    block += self._stream.read(1)  # keep a "\r\n" together
                self._ahead, self._at = block, 0
                if not block:
                    return
            found = self._blank_run.match(self._ahead, self._at)
            skipped = self._ahead[self._at:found.end()]
            self.count += skipped.count("\n") + skipped.count("\r") - skipped.count("\r\n")
            self._at = found.end()
            if self._at < len(self._ahead):
                return  # a line with something in it, or a blank one cut by the block's end

    def take(self) -> str:
        """The text of the lines read since the last call, without the last line break."""
        text = strip_newline("".join(self._pending))
        self._pending.clear()
        return text


# ---------------------------------------------------------------------------------------
# CSV


def _sniff_delimiter(sample: bytes, encoding: str) -> str:
    """The delimiter (one of ``DELIMITERS``) of the first lines of ``sample``, or ``,``."""
    text = sample.decode(encoding, errors="replace")
    lines = list(io.StringIO(text, newline=""))
    if len(sample) >= SAMPLE_BYTES and len(lines) > 1:
        lines.pop()  # cut off by the sample
    snippet = "".join(lines[:_SNIFF_LINES])[:_SNIFF_CHARS]
    try:
        found = csv.Sniffer().sniff(snippet, delimiters=DELIMITERS).delimiter
    except Exception:  # csv.Error "could not determine delimiter", or a sniffer quirk
        return ","
    return found if found in DELIMITERS else ","


def _iter_csv(
    path: Path, gz: bool, encoding: str | None, delimiter: str | None, caps: Caps
) -> Iterator[RawRow]:
    name = path.name
    sample = _read_sample(path, gz)
    encoding = encoding or detect_encoding(sample)
    if _looks_binary(sample, encoding):
        yield bad(repr(sample[:200]), name, "binary data, not CSV text")
        return
    delimiter = delimiter or _sniff_delimiter(sample, encoding)
    with ExitStack() as stack:
        binary = stack.enter_context(_open_bytes(path, gz))
        stream = stack.enter_context(
            io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline="")
        )
        lines = _LineReader(stream, ("\n", "\r"))
        reader = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True,
                            skipinitialspace=False, strict=False)
        header: list[str] | None = None
        header_error: str | None = None
        header_code: str | None = None  # the quarantine reason of the rows under a bad header
        while True:
            lines.at_start = True
            try:
                cells = next(reader)
            except StopIteration:
                return
            except (csv.Error, _LineTooLong) as exc:
                position = f"{name} line {lines.first}"
                code = FIELD_TOO_LONG if "larger than field limit" in str(exc) else None
                if header is None and header_error is None:
                    header_error, header_code = f"the header ({position}) is malformed", code
                yield bad(clip(lines.take()), position, f"malformed CSV record: {brief(exc)}",
                          code)
                continue
            except READ_ERRORS as exc:
                yield bad(clip(lines.take()), f"{name} line {lines.first}",
                          f"{unreadable(gz, exc)}; the rest of the file is lost")
                return
            position = f"{name} line {lines.first}"
            raw = lines.take()
            if all(is_blank(cell) for cell in cells):
                continue  # a blank line, or only empty cells: no record
            if len(cells) > caps.max_columns:  # refused before a row of them is built
                if header is None and header_error is None:
                    header_error = (f"the header ({position}) has {len(cells):,} columns, more "
                                    f"than {caps.max_columns:,} (ingest.max_columns)")
                    header_code = TOO_MANY_COLUMNS
                yield bad(clip(raw), position, f"{len(cells):,} cells, more than "
                          f"{caps.max_columns:,} (ingest.max_columns)", TOO_MANY_COLUMNS)
            elif "\x00" in raw:
                if header is None and header_error is None:
                    header_error = f"the header ({position}) holds NUL characters"
                yield bad(raw, position, "NUL characters in the record (binary data?)")
            elif header_error is not None:
                yield bad(raw, position, f"no usable header: {header_error}", header_code)
            elif header is None:
                header = header_names(cells)
            elif len(cells) > len(header):
                yield bad(raw, position, f"{len(cells)} cells, header has {len(header)}")
            else:
                values: list[str | None] = list(cells)
                values.extend([None] * (len(header) - len(cells)))
                yield checked(dict(zip(header, values, strict=True)), position, caps, raw)


# ---------------------------------------------------------------------------------------
# JSON Lines and JSON


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return "a number"


def _iter_jsonl(path: Path, gz: bool, encoding: str | None, caps: Caps) -> Iterator[RawRow]:
    name = path.name
    sample = _read_sample(path, gz)
    encoding = encoding or detect_encoding(sample)
    if _looks_binary(sample, encoding):
        yield bad(repr(sample[:200]), name, "binary data, not JSON Lines text")
        return
    with ExitStack() as stack:
        binary = stack.enter_context(_open_bytes(path, gz))
        stream = stack.enter_context(
            io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline="\n")
        )
        lines = _LineReader(stream, ("\n",))
        while True:
            lines.at_start = True
            try:
                next(lines)
            except StopIteration:
                return
            except _LineTooLong as exc:
                yield bad(lines.take(), f"{name} line {lines.first}", brief(exc))
                continue
            except READ_ERRORS as exc:
                yield bad(clip(lines.take()), f"{name} line {lines.first}",
                          f"{unreadable(gz, exc)}; the rest of the file is lost")
                return
            position = f"{name} line {lines.first}"
            text = lines.take()
            if lines.first == 1:
                text = text.lstrip("\ufeff")
            if not text.strip():
                continue  # a blank line: no record
            try:
                value = json.loads(text)
            except (ValueError, RecursionError) as exc:  # JSONDecodeError, huge integers
                yield bad(clip(text), position, f"invalid JSON: {brief(exc)}")
                continue
            if isinstance(value, dict):
                yield checked(value, position, caps, text)
            else:
                yield bad(text, position, f"JSON value is {_json_kind(value)}, not an object")


_JSON_TOKEN = re.compile(r"[^ \t\n\r]")


def _skip_space(text: str, at: int) -> int:
    """The index of the first character at or after ``at`` that is not JSON white space."""
    found = _JSON_TOKEN.search(text, at)
    return len(text) if found is None else found.start()


def _read_whole(path: Path, gz: bool) -> tuple[bytes, str | None]:
    """The (decompressed) bytes of the file, and why they are incomplete, if they are."""
    chunks: list[bytes] = []
    size = 0
    try:
        with _open_bytes(path, gz) as handle:
            while chunk := handle.read(1 << 20):
                size += len(chunk)
                if size > MAX_JSON_BYTES:
                    return b"".join(chunks), (
                        f"more than {MAX_JSON_BYTES} bytes; export JSON Lines instead")
                chunks.append(chunk)
    except READ_ERRORS as exc:
        return b"".join(chunks), unreadable(gz, exc)
    return b"".join(chunks), None


def _iter_json(path: Path, gz: bool, encoding: str | None, caps: Caps) -> Iterator[RawRow]:
    name = path.name
    data, problem = _read_whole(path, gz)
    encoding = encoding or detect_encoding(data[:SAMPLE_BYTES])
    text = data.decode(encoding, errors="replace").lstrip("\ufeff")
    del data
    if problem is not None:
        yield bad(clip(text), name, problem)
        return
    decoder = json.JSONDecoder()
    index = _skip_space(text, 0)
    if index == len(text):
        yield bad(clip(text), name, "no JSON value (empty file)")
        return
    line, counted = 1, 0

    def line_at(at: int) -> int:
        nonlocal line, counted
        line += text.count("\n", counted, at)
        counted = at
        return line

    if text[index] != "[":
        position = f"{name} line {line_at(index)}"
        try:
            value, end = decoder.raw_decode(text, index)
        except (ValueError, RecursionError) as exc:
            yield bad(clip(text), position, f"invalid JSON: {brief(exc)}")
            return
        if isinstance(value, dict):
            yield checked(value, position, caps)
        else:
            yield bad(clip(text), position,
                       f"JSON value is {_json_kind(value)}, not an object or array of objects")
        yield from _json_trailing(text, end, name, line_at)
        return
    index = _skip_space(text, index + 1)
    item = 0
    if text.startswith("]", index):
        yield from _json_trailing(text, index + 1, name, line_at)
        return
    while True:
        item += 1
        position = f"{name} item {item} (line {line_at(index)})"
        try:
            value, end = decoder.raw_decode(text, index)
        except (ValueError, RecursionError) as exc:
            yield bad(clip(text[index:]), position,
                       f"invalid JSON: {brief(exc)}; the rest of the file cannot be read")
            return
        if isinstance(value, dict):
            yield checked(value, position, caps)
        else:
            yield bad(clip(text[index:end]), position,
                       f"array item is {_json_kind(value)}, not an object")
        index = _skip_space(text, end)
        if text.startswith(",", index):
            index = _skip_space(text, index + 1)
            continue
        if text.startswith("]", index):
            yield from _json_trailing(text, index + 1, name, line_at)
            return
        position = f"{name} line {line_at(index)}"
        yield bad(clip(text[index:]), position,
                   f"invalid JSON: expected ',' or ']' after item {item}; "
                   "the rest of the file cannot be read")
        return


def _json_trailing(
    text: str, end: int, name: str, line_at: Callable[[int], int]
) -> Iterator[RawRow]:
    """An error row for anything but white space after the top-level JSON value."""
    index = _skip_space(text, end)
    if index < len(text):
        position = f"{name} line {line_at(index)}"
        yield bad(clip(text[index:]), position,
                   "extra data after the JSON value (JSON Lines? then use format 'jsonl')")
