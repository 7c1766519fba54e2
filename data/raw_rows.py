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


def ok(row: dict[str, Any], position: str) -> RawRow:
    return RawRow(row=row, raw=dump(row), error=None, position=position)


def bad(raw: str, position: str, reason: str) -> RawRow:
    return RawRow(row=None, raw=raw, error=f"{position}: {reason}", position=position)


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


