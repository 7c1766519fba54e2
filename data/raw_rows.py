"""A record of an export file as the readers yield it, and the small helpers every reader
(:mod:`data.formats`, :mod:`data.formats_binary`) builds rows with."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Any

MAX_RAW_CHARS = 64 * 1024
# What a broken byte stream raises while it is read (gzip.BadGzipFile is an OSError).
READ_ERRORS = (OSError, EOFError, zlib.error, UnicodeError)

# Quarantine reasons of records a reader refuses because they pass a cap (:class:`Caps`);
# any other error row is ``not_parseable``.
FILE_TOO_LARGE = "file_too_large"
TOO_MANY_COLUMNS = "too_many_columns"
FIELD_TOO_LONG = "field_too_long"

DEFAULT_MAX_FILE_BYTES = 1 << 30
DEFAULT_MAX_COLUMNS = 1_000
DEFAULT_MAX_FIELD_CHARS = 1_000_000


@dataclass(frozen=True)
class Caps:
    """What one export file may hold, so a hostile file costs bounded memory, disk and time.

    ``max_bytes``: the file's size, decompressed (a gzip stream is measured before it is
    read; Parquet by its metadata, Excel by its zip directory); a bigger file is one error
    row (``file_too_large``) and nothing of it is read. ``max_columns``: cells of one row
    (a wider row, or every row under a wider header, is ``too_many_columns``, refused
    before the row is built). ``max_field_chars``: characters of one value
    (``field_too_long``).
    """

    max_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_columns: int = DEFAULT_MAX_COLUMNS
    max_field_chars: int = DEFAULT_MAX_FIELD_CHARS

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_columns", "max_field_chars"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")


@dataclass(frozen=True)
class RawRow:
    """One record of an export file, read or not.

    ``row`` is the record (``None`` when it could not be parsed); ``raw`` is the record as
    text for a quarantine table (for a parsed record, its JSON); ``error`` says why the
    record could not be parsed (``None`` when ``row`` is not ``None``) and starts with
    ``position``, which names the file and the line, item or row number. ``reason`` is the
    quarantine reason of an error row that passed a cap (``FILE_TOO_LARGE``,
    ``TOO_MANY_COLUMNS``, ``FIELD_TOO_LONG``); ``None`` for any other error.
    """

    row: dict[str, Any] | None
    raw: str
    error: str | None
    position: str
    reason: str | None = None


def ok(row: dict[str, Any], position: str) -> RawRow:
    return RawRow(row=row, raw=dump(row), error=None, position=position)


def bad(raw: str, position: str, reason: str, code: str | None = None) -> RawRow:
    """An error row; ``code`` is its quarantine reason when it passed a cap."""
    return RawRow(row=None, raw=raw, error=f"{position}: {reason}", position=position,
                  reason=code)


def checked(row: dict[str, Any], position: str, caps: Caps, raw: str | None = None) -> RawRow:
    """``ok(row, position)``, or an error row when the row passes a cap of ``caps``: more
    cells than ``max_columns`` (``raw``, the record as read, is then kept instead of a
    dump of the wide row) or a value longer than ``max_field_chars``."""
    if len(row) > caps.max_columns:
        shown = raw if raw is not None else dump(dict(list(row.items())[:100]))
        return bad(clip(shown), position,
                   f"{len(row):,} columns, more than {caps.max_columns:,} (ingest.max_columns)",
                   TOO_MANY_COLUMNS)
    text = dump(row)
    if len(text) > caps.max_field_chars:  # the dump holds every value, so only then look
        length = too_long_field(row, caps.max_field_chars)
        if length is not None:
            return bad(clip(text), position,
                       f"a value of {length:,} characters, more than "
                       f"{caps.max_field_chars:,} (ingest.max_field_chars)", FIELD_TOO_LONG)
    return RawRow(row=row, raw=text, error=None, position=position)


def too_long_field(value: Any, limit: int, depth: int = 0) -> int | None:
    """The length of the first string in ``value`` (nested lists and dicts included, keys
    too) longer than ``limit`` characters, or None."""
    if isinstance(value, str | bytes | bytearray):
        return len(value) if len(value) > limit else None
    if depth > 100:
        return None
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list | tuple):
        for item in value:
            found = too_long_field(item, limit, depth + 1)
            if found is not None:
                return found
    return None


_JSON = json.JSONEncoder(ensure_ascii=False, default=str)  # == json.dumps(..., same options)


def dump(value: Any) -> str:
    try:
        return _JSON.encode(value)
    except (TypeError, ValueError, RecursionError):  # e.g. keys that are not strings
        return repr(value)


def brief(exc: BaseException, limit: int = 200) -> str:
    text = str(exc).strip() or type(exc).__name__
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def unreadable(gz: bool, exc: BaseException) -> str:
    return f"{'corrupt gzip data' if gz else 'file cannot be read'} ({brief(exc)})"


def clip(text: str, limit: int | None = None) -> str:
    limit = MAX_RAW_CHARS if limit is None else limit
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [cut, {len(text)} characters in all]"


def strip_newline(line: str) -> str:
    if line.endswith("\r\n"):
        return line[:-2]
    return line[:-1] if line.endswith(("\n", "\r")) else line


def unique(names: list[str]) -> list[str]:
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


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def header_names(cells: list[Any]) -> list[str]:
    """Header cells as column names: stripped, BOM removed, empty ones ``column_<n>``."""
    names = []
    for index, cell in enumerate(cells, start=1):
        name = "" if cell is None else str(cell).replace("\ufeff", "").strip()
        names.append(name or f"column_{index}")
    return unique(names)


