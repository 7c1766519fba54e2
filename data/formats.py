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
  when not given (see :func:`detect_encoding`; the delimiter is sniffed among ``, ; tab |``
  on the first lines and falls back to ``,``). The first non-empty row is the header.
  Blank lines and rows whose cells are all empty or white space (the ``;;;`` lines
  spreadsheets write) hold no record and are skipped. A row with more cells than the
  header is an error row; missing trailing cells are ``None``. Bytes that do not decode
  become U+FFFD and the row is still emitted (the ingestion stage judges mojibake); a
  record with NUL characters is an error row, and a file whose first 64 KB hold at least
  one NUL per 1000 characters is binary: one error row (the same for JSON Lines).
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

A path ending in ``.gz``, or a file starting with the gzip magic bytes, is decompressed on
the fly (CSV, JSON Lines and JSON stream from the gzip reader; Parquet and Excel need
random access and are first decompressed to an anonymous temporary file). A corrupt gzip
stream gives an error row where it breaks.
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
import shutil
import tempfile
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import charset_normalizer

FORMATS = ("csv", "jsonl", "json", "parquet", "excel")

SAMPLE_BYTES = 64 * 1024
"""Bytes read from the start of a file to detect its encoding and delimiter."""
MAX_LINE_CHARS = 4 * 1024 * 1024
"""A longer physical line (CSV, JSON Lines) is an error row and is not held in memory."""
MAX_JSON_BYTES = 256 * 1024 * 1024
"""A bigger (decompressed) ``.json`` file is refused with one error row."""
MAX_RAW_CHARS = 64 * 1024
"""``raw`` of a whole-file or over-long error is cut to this many characters."""
PARQUET_BATCH_ROWS = 4096
EXCEL_MAX_ROWS = 1_048_576
DELIMITERS = ",;\t|"
_SNIFF_LINES = 20
_SNIFF_CHARS = 16 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
# What a broken byte stream raises while it is read (gzip.BadGzipFile is an OSError).
_READ_ERRORS = (OSError, EOFError, zlib.error, UnicodeError)


@dataclass(frozen=True)
class RawRow:
    """One record of an export file, read or not.

    ``row`` is the record (``None`` when it could not be parsed); ``raw`` is the record as
    text for a quarantine table (for a parsed record, its JSON); ``error`` says why the
    record could not be parsed (``None`` when ``row`` is not ``None``) and starts with
    ``position``, which names the file and the line, item or row number.
    """

    row: dict[str, Any] | None
    raw: str
    error: str | None
    position: str


def iter_rows(
    path: Path,
    fmt: str,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> Iterator[RawRow]:
    """Yield one :class:`RawRow` per record of the export file ``path`` in format ``fmt``.

    ``encoding`` (CSV, JSON Lines, JSON) and ``delimiter`` (CSV) are detected when ``None``;
    ``sheet`` names the Excel sheet to read (default: the first one). Bad content never
    raises (see the module docstring); a missing file raises ``FileNotFoundError`` and an
    unknown ``fmt``, encoding or an unusable delimiter raise ``ValueError``, at call time.
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
    with path.open("rb") as handle:  # a directory or an unreadable file raises here
        gz = handle.read(2) == _GZIP_MAGIC or path.name.lower().endswith(".gz")
    if fmt == "csv":
        rows = _iter_csv(path, gz, encoding, delimiter)
    elif fmt == "jsonl":
        rows = _iter_jsonl(path, gz, encoding)
    elif fmt == "json":
        rows = _iter_json(path, gz, encoding)
    elif fmt == "parquet":
        rows = _iter_parquet(path, gz)
    else:
        rows = _iter_excel(path, gz, sheet)
    return _guarded(rows, path.name)


def detect_encoding(sample: bytes) -> str:
    """The Python codec name of the text that starts with ``sample`` (~the first 64 KB).

    A byte-order mark decides (``utf-8-sig``, ``utf-16``, ``utf-32``); then UTF-16 without
    a BOM (NUL bytes in every other place); then valid UTF-8 (an incomplete character at
    the end of the sample is allowed) is ``utf-8``. Otherwise the candidates charset-
    normalizer proposes, together with the Windows code pages exports are written in,
    are ranked by how plausible the decoded text is (letters that belong to one language's
    alphabet or one script, no control or unassigned characters, no symbols inside words,
    no script or case mixed inside a word), with a small prior for the Windows code pages;
    ties go to cp1252. (charset-normalizer alone reads short French samples as cp1250,
    "crčme", or iso8859_10.) Detection is a guess: pass ``encoding=`` when the export's
    encoding is known; a short Hungarian sample may come out as cp1252 ("õ" for "ő").
    """
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return utf16
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    try:
        proposed = [match.encoding for match in charset_normalizer.from_bytes(sample)]
    except Exception:  # a heuristic: its failure must not stop the reading
        proposed = []
    candidates: list[str] = []
    for name in (*_PREFERRED_CODEPAGES, *proposed):
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            continue
        if codec not in candidates:
            candidates.append(codec)
    preferred = {codecs.lookup(name).name for name in _PREFERRED_CODEPAGES}
    best, best_score = "cp1252", None
    for codec in candidates:
        score = _plausibility(sample, codec)
        if score is None:
            continue
        if codec in preferred:
            score += 3  # a prior for the code pages exports are written in (short samples)
        if best_score is None or score > best_score:
            best, best_score = codec, score
    return best


# ---------------------------------------------------------------------------------------
# Encoding plausibility


# Tried first, in this order (the order breaks ties): Western, Central European, Turkish,
# Baltic, Hebrew, Greek, Arabic, Cyrillic. Each comes before the code pages that would
# read its text as letters too, but fail the plausibility checks on the other's text.
_PREFERRED_CODEPAGES = (
    "cp1252", "cp1250", "cp1254", "cp1257", "cp1255", "cp1253", "cp1256", "cp1251",
)
# The non-ASCII letters of Latin-script languages (lower case).
_LANGUAGE_LETTERS = {
    "fr": "àâæçéèêëîïôœùûüÿ", "de": "äöüß", "es": "áéíñóúü", "pt": "áâãàçéêíóôõú",
    "it": "àèéìíîòóùú", "nl": "áéëíïóöúèàäüêô", "ca": "àçéèíïòóúü", "da": "æøåéó",
    "no": "æøåéóòâô", "sv": "åäöé", "fi": "åäöšž", "is": "áðéíóúýþæö",
    "cs": "áčďéěíňóřšťúůýž", "sk": "áäčďéíĺľňóôŕšťúýž", "pl": "ąćęłńóśźż",
    "hu": "áéíóöőúüű", "ro": "ăâîșțşţ", "hr": "čćđšž", "sl": "čšž", "tr": "çğıöşüâîûİ",
    "lt": "ąčęėįšųūž", "lv": "āčēģīķļņšūž", "et": "äöõüšž", "sq": "çë",
}
# Other scripts, by the first word of the Unicode character name.
_SCRIPTS = {
    "CYRILLIC": "CYRILLIC", "GREEK": "GREEK", "ARABIC": "ARABIC", "HEBREW": "HEBREW",
    "THAI": "THAI", "CJK": "CJK", "HIRAGANA": "CJK", "KATAKANA": "CJK", "HANGUL": "HANGUL",
    "DEVANAGARI": "DEVANAGARI", "ARMENIAN": "ARMENIAN", "GEORGIAN": "GEORGIAN",
}
_IN_WORD_PUNCTUATION = frozenset("'’‘ʼ·‐-")
_LETTER = r"[^\W\d_]"


def _plausibility(sample: bytes, codec: str) -> int | None:
    """How plausible ``sample`` decoded with ``codec`` is as text (higher is better)."""
    try:
        text = sample.decode(codec, errors="replace")
    except (LookupError, UnicodeError):
        return None
    counts = Counter(text)
    bad = plain = 0
    languages: Counter[str] = Counter()
    scripts: Counter[str] = Counter()
    odd: list[str] = []
    latin: list[str] = []
    foreign: list[str] = []
    lower: list[str] = []
    upper: list[str] = []
    marks: list[str] = []
    for char, n in counts.items():
        if char < "\x80":
            continue
        category = unicodedata.category(char)
        if char == "\ufffd" or category in ("Cc", "Cn", "Co", "Cs"):
            bad += n
        elif category == "Mn":
            marks.append(char)
        elif not char.isalpha():
            plain += n
            if char not in _IN_WORD_PUNCTUATION:
                odd.append(char)
        else:
            if char.islower():
                lower.append(char)
            elif char.isupper():
                upper.append(char)
            script = _SCRIPTS.get(unicodedata.name(char, "").split(" ", 1)[0])
            if script is not None:
                # Weighted by bytes, so a two-byte CJK character counts like two letters.
                scripts[script] += n * len(char.encode(codec, errors="replace"))
                foreign.append(char)
                continue
            latin.append(char)
            low = char.lower() if len(char.lower()) == 1 else char
            for language, letters in _LANGUAGE_LETTERS.items():
                if low in letters:
                    languages[language] += n
    score = max(languages.values(), default=0) + max(scripts.values(), default=0)
    score += plain - 3 * bad

    def occurrences(pattern: str) -> int:
        return sum(1 for _ in re.finditer(pattern, text))

    def chars(items: list[str]) -> str:
        return re.escape("".join(items))

    if odd:  # a symbol glued inside a word ("³", "¿" between letters)
        score -= 3 * occurrences(f"(?<={_LETTER})[{chars(odd)}](?={_LETTER})")
    if foreign:  # another script glued to Latin letters inside a word
        lat, fgn = "A-Za-z" + chars(latin), chars(foreign)
        score -= 2 * occurrences(f"[{lat}][{fgn}]|[{fgn}][{lat}]")
    if upper:  # an upper-case letter right after a lower-case one
        score -= 3 * occurrences(f"(?<=[a-z{chars(lower)}])[{chars(upper)}]")
    if marks:  # a combining mark that follows no letter
        score -= 3 * occurrences(f"(?<!{_LETTER})[{chars(marks)}]")
    score -= 3 * occurrences(f"\u03c2(?={_LETTER})")  # Greek final sigma inside a word
    return score


def _utf16_without_bom(sample: bytes) -> str | None:
    """``utf-16-le``/``-be`` when most of every other byte is NUL (ASCII-range UTF-16)."""
    half = len(sample) // 2
    if half < 8:
        return None
    even, odd = sample[0:half * 2:2].count(0), sample[1:half * 2:2].count(0)
    if odd > 0.4 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.4 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


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
        yield _bad("", name, f"unexpected error after {last} ({_brief(exc)})")


def _ok(row: dict[str, Any], position: str) -> RawRow:
    return RawRow(row=row, raw=_dump(row), error=None, position=position)


def _bad(raw: str, position: str, reason: str) -> RawRow:
    return RawRow(row=None, raw=raw, error=f"{position}: {reason}", position=position)


_JSON = json.JSONEncoder(ensure_ascii=False, default=str)  # == json.dumps(..., same options)


def _dump(value: Any) -> str:
    try:
        return _JSON.encode(value)
    except (TypeError, ValueError, RecursionError):  # e.g. keys that are not strings
        return repr(value)


def _brief(exc: BaseException, limit: int = 200) -> str:
    text = str(exc).strip() or type(exc).__name__
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unreadable(gz: bool, exc: BaseException) -> str:
    return f"{'corrupt gzip data' if gz else 'file cannot be read'} ({_brief(exc)})"


def _clip(text: str, limit: int | None = None) -> str:
    limit = MAX_RAW_CHARS if limit is None else limit
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [cut, {len(text)} characters in all]"


def _strip_newline(line: str) -> str:
    if line.endswith("\r\n"):
        return line[:-2]
    return line[:-1] if line.endswith(("\n", "\r")) else line


def _unique(names: list[str]) -> list[str]:
    """Column names made unique: the second ``id`` becomes ``id_2``, the third ``id_3``."""
    seen: set[str] = set()
    out = []
    for name in names:
        candidate, n = name, 1
        while candidate in seen:
            n += 1
            candidate = f"{name}_{n}"
        seen.add(candidate)
        out.append(candidate)
    return out


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_names(cells: list[Any]) -> list[str]:
    """Header cells as column names: stripped, BOM removed, empty ones ``column_<n>``."""
    names = []
    for index, cell in enumerate(cells, start=1):
        name = "" if cell is None else str(cell).replace("\ufeff", "").strip()
        names.append(name or f"column_{index}")
    return _unique(names)


def _open_bytes(path: Path, gz: bool) -> IO[bytes]:
    return gzip.open(path, "rb") if gz else path.open("rb")


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
    except _READ_ERRORS:
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


class _LineReader:
    """The physical lines of a text stream, keeping those of the record being read.

    A line longer than ``MAX_LINE_CHARS`` is not held: its start is kept for ``raw``, the
    rest is read past, and ``_LineTooLong`` is raised in its place.
    """

    def __init__(self, stream: IO[str], endings: tuple[str, ...]) -> None:
        self._stream = stream
        self._endings = endings
        self._pending: list[str] = []
        self.count = 0  # physical lines read so far

    def __iter__(self) -> _LineReader:
        return self

    def __next__(self) -> str:
        line = self._stream.readline(MAX_LINE_CHARS)
        if not line:
            raise StopIteration
        self.count += 1
        if len(line) >= MAX_LINE_CHARS and not line.endswith(self._endings):
            length = len(line)
            while True:
                rest = self._stream.readline(MAX_LINE_CHARS)
                length += len(rest)
                if not rest or rest.endswith(self._endings):
                    break
            self._pending.append(line[:1000] + "…")
            raise _LineTooLong(length)
        self._pending.append(line)
        return line

    def take(self) -> str:
        """The text of the lines read since the last call, without the last line break."""
        text = _strip_newline("".join(self._pending))
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
    path: Path, gz: bool, encoding: str | None, delimiter: str | None
) -> Iterator[RawRow]:
    name = path.name
    sample = _read_sample(path, gz)
    encoding = encoding or detect_encoding(sample)
    if _looks_binary(sample, encoding):
        yield _bad(repr(sample[:200]), name, "binary data, not CSV text")
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
        while True:
            position = f"{name} line {lines.count + 1}"
            try:
                cells = next(reader)
            except StopIteration:
                return
            except (csv.Error, _LineTooLong) as exc:
                if header is None and header_error is None:
                    header_error = f"the header ({position}) is malformed"
                yield _bad(lines.take(), position, f"malformed CSV record: {_brief(exc)}")
                continue
            except _READ_ERRORS as exc:
                yield _bad(lines.take(), position,
                           f"{_unreadable(gz, exc)}; the rest of the file is lost")
                return
            raw = lines.take()
            if all(_is_blank(cell) for cell in cells):
                continue  # a blank line, or only empty cells: no record
            if "\x00" in raw:
                if header is None and header_error is None:
                    header_error = f"the header ({position}) holds NUL characters"
                yield _bad(raw, position, "NUL characters in the record (binary data?)")
            elif header_error is not None:
                yield _bad(raw, position, f"no usable header: {header_error}")
            elif header is None:
                header = _header_names(cells)
            elif len(cells) > len(header):
                yield _bad(raw, position, f"{len(cells)} cells, header has {len(header)}")
            else:
                values: list[str | None] = list(cells)
                values.extend([None] * (len(header) - len(cells)))
                yield _ok(dict(zip(header, values, strict=True)), position)


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


def _iter_jsonl(path: Path, gz: bool, encoding: str | None) -> Iterator[RawRow]:
    name = path.name
    sample = _read_sample(path, gz)
    encoding = encoding or detect_encoding(sample)
    if _looks_binary(sample, encoding):
        yield _bad(repr(sample[:200]), name, "binary data, not JSON Lines text")
        return
    with ExitStack() as stack:
        binary = stack.enter_context(_open_bytes(path, gz))
        stream = stack.enter_context(
            io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline="\n")
        )
        lines = _LineReader(stream, ("\n",))
        while True:
            position = f"{name} line {lines.count + 1}"
            try:
                next(lines)
            except StopIteration:
                return
            except _LineTooLong as exc:
                yield _bad(lines.take(), position, _brief(exc))
                continue
            except _READ_ERRORS as exc:
                yield _bad(lines.take(), position,
                           f"{_unreadable(gz, exc)}; the rest of the file is lost")
                return
            text = lines.take()
            if lines.count == 1:
                text = text.lstrip("\ufeff")
            if not text.strip():
                continue  # a blank line: no record
            try:
                value = json.loads(text)
            except (ValueError, RecursionError) as exc:  # JSONDecodeError, huge integers
                yield _bad(text, position, f"invalid JSON: {_brief(exc)}")
                continue
            if isinstance(value, dict):
                yield _ok(value, position)
            else:
                yield _bad(text, position, f"JSON value is {_json_kind(value)}, not an object")


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
    except _READ_ERRORS as exc:
        return b"".join(chunks), _unreadable(gz, exc)
    return b"".join(chunks), None


def _iter_json(path: Path, gz: bool, encoding: str | None) -> Iterator[RawRow]:
    name = path.name
    data, problem = _read_whole(path, gz)
    encoding = encoding or detect_encoding(data[:SAMPLE_BYTES])
    text = data.decode(encoding, errors="replace").lstrip("\ufeff")
    del data
    if problem is not None:
        yield _bad(_clip(text), name, problem)
        return
    decoder = json.JSONDecoder()
    index = _skip_space(text, 0)
    if index == len(text):
        yield _bad(_clip(text), name, "no JSON value (empty file)")
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
            yield _bad(_clip(text), position, f"invalid JSON: {_brief(exc)}")
            return
        if isinstance(value, dict):
            yield _ok(value, position)
        else:
            yield _bad(_clip(text), position,
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
            yield _bad(_clip(text[index:]), position,
                       f"invalid JSON: {_brief(exc)}; the rest of the file cannot be read")
            return
        if isinstance(value, dict):
            yield _ok(value, position)
        else:
            yield _bad(_clip(text[index:end]), position,
                       f"array item is {_json_kind(value)}, not an object")
        index = _skip_space(text, end)
        if text.startswith(",", index):
            index = _skip_space(text, index + 1)
            continue
        if text.startswith("]", index):
            yield from _json_trailing(text, index + 1, name, line_at)
            return
        position = f"{name} line {line_at(index)}"
        yield _bad(_clip(text[index:]), position,
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
        yield _bad(_clip(text[index:]), position,
                   "extra data after the JSON value (JSON Lines? then use format 'jsonl')")


# ---------------------------------------------------------------------------------------
# Parquet and Excel


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


def _iter_parquet(path: Path, gz: bool) -> Iterator[RawRow]:
    import pyarrow.parquet as pq

    name = path.name
    with ExitStack() as stack:
        try:
            source = stack.enter_context(_random_access(path, gz))
        except _READ_ERRORS as exc:
            yield _bad("", name, _unreadable(gz, exc))
            return
        try:
            parquet = stack.enter_context(pq.ParquetFile(source))
            groups = [parquet.metadata.row_group(i).num_rows
                      for i in range(parquet.metadata.num_row_groups)]
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... on bad files
            yield _bad("", name, f"not a readable Parquet file ({_brief(exc)})")
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
                            yield _ok(row, position)
                        else:
                            yield _bad(_dump(row), position, problem)
            except Exception as exc:  # a corrupt page or column chunk
                start, last = first + done, first + size - 1
                lost = f"rows {start}-{last}" if last > start else f"row {start}"
                yield _bad("", f"{name} row {start}",
                           f"row group {group + 1} cannot be read from here on, {lost} "
                           f"lost ({_brief(exc)})")
            first += size


def _batch_rows(batch: Any) -> Iterator[tuple[dict[str, Any], str | None]]:
    """The rows of a record batch as dicts, and the reason a row could not be converted."""
    names = _unique(list(batch.schema.names))
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
                    problem = problem or f"column {key!r} cannot be read ({_brief(exc)})"
            yield row, problem
        return
    for values in zip(*columns, strict=True):
        yield dict(zip(names, values, strict=True)), None


def _iter_excel(path: Path, gz: bool, sheet: str | None) -> Iterator[RawRow]:
    import openpyxl

    name = path.name
    with ExitStack() as stack:
        try:
            source = stack.enter_context(_random_access(path, gz))
        except _READ_ERRORS as exc:
            yield _bad("", name, _unreadable(gz, exc))
            return
        try:
            # A file object, so that openpyxl does not judge the file by its name.
            workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
        except Exception as exc:  # BadZipFile, KeyError, XML errors, ... on bad files
            yield _bad("", name, f"not a readable .xlsx workbook ({_brief(exc)})")
            return
        stack.callback(workbook.close)
        try:
            if sheet is None:
                if not workbook.worksheets:
                    yield _bad("", name, "workbook has no worksheet")
                    return
                worksheet = workbook.worksheets[0]
            elif sheet in workbook.sheetnames and hasattr(workbook[sheet], "reset_dimensions"):
                worksheet = workbook[sheet]
            else:
                sheets = ", ".join(repr(title) for title in workbook.sheetnames)
                yield _bad("", name, f"no worksheet {sheet!r} (sheets: {sheets})")
                return
            # The stored dimensions can be wrong; read the rows as they are.
            worksheet.reset_dimensions()
            where = f"{name} sheet {worksheet.title!r}"
            rows = iter(worksheet.iter_rows(values_only=True))
        except Exception as exc:
            yield _bad("", name, f"not a readable .xlsx workbook ({_brief(exc)})")
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
                yield _bad("", position, f"sheet cannot be read from here on ({_brief(exc)})")
                return
            number += 1
            if number > EXCEL_MAX_ROWS:
                yield _bad("", position, f"sheet claims more than {EXCEL_MAX_ROWS} rows")
                return
            values = list(cells)
            if all(_is_blank(value) for value in values):
                continue  # a fully empty row: no record
            while values[-1] is None or (header is None and _is_blank(values[-1])):
                values.pop()  # cells past the last one used
            if header is None:
                header = _header_names(values)
            elif len(values) > len(header):
                yield _bad(_dump(values), position,
                           f"{len(values)} cells, header has {len(header)}")
            else:
                values.extend([None] * (len(header) - len(values)))
                yield _ok(dict(zip(header, values, strict=True)), position)
