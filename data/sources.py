"""Source connectors: read an export or an API of one channel and map it to feedback.

:func:`iter_source` streams a source: one :class:`Item` per piece of feedback or per
record it could not take (with a named reason and the raw record). Nothing is dropped
silently: every record read is loaded, a duplicate or quarantined, which the ingest
stage checks for every source and run. Files already read completely (same path and
content) are skipped on later runs; API sources pull from their cursor.

Dates are read by :mod:`data.dates` (the source's ``date_format`` and ``timezone``); one
before ``Limits.earliest_date`` is ``implausible_date``. A source without an ``id`` column
gets content ids (:func:`content_id`), so reading the same record again gives the same
``doc_id``: a duplicate, never new feedback.

One record never stops a night: whatever a mapped field holds (a list or an object where a
value belongs, a boolean, NaN, infinity, a number too big for its column, text with
invalid Unicode), a record that cannot be mapped is quarantined with a reason, and what is
mapped has the feedback schema's types (``reach`` an int64, scores finite floats in their
range). Files are read only inside the project root and ``Limits.allowed_roots`` (after
symlinks are resolved): a path elsewhere is quarantined as ``outside_allowed_roots``
without a byte of it being read; and each file is bounded by ``Limits`` (size, columns,
field length; see :class:`data.raw_rows.Caps`).

Why one long module (~750 lines): the path checks, the value checks and the five
channels' mappings grew here together in one change; they share the quarantine reasons
and the record-building helpers. The channel mappers are the natural piece to move to a
module of their own next.
"""

from __future__ import annotations

import glob
import hashlib
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, Protocol

import ftfy
from ftfy.badness import is_bad

from data.api_source import ApiSettings, iter_api_records
from data.dates import AmbiguousDate, DateError, parse_datetime, zone
from data.formats import iter_rows
from data.raw_rows import (
    DEFAULT_MAX_COLUMNS,
    DEFAULT_MAX_FIELD_CHARS,
    DEFAULT_MAX_FILE_BYTES,
    FIELD_TOO_LONG,
    FILE_TOO_LARGE,
    TOO_MANY_COLUMNS,
    Caps,
)


class SourceSettings(Protocol):
    """What a connector needs to know of a source (``flows.config.SourceConfig`` fits)."""

    name: str
    channel: str
    path: str
    format: str
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    api: Any
    columns: dict[str, str]      # without "id": records get a content id (content_id)
    text_columns: list[str]
    rating_scale: int
    customer_roles: list[str]
    date_format: str | list[str] | None  # strptime pattern(s) tried first (data.dates)
    timezone: str                        # IANA zone of times without an offset


# Named reasons a record is quarantined (analysts filter on these).
NOT_PARSEABLE = "not_parseable"
NO_TEXT = "no_text"
BAD_DATE = "unparseable_date"
AMBIGUOUS_DATE = "ambiguous_date"  # 03/04/2026 without a date_format: day or month first?
FUTURE_DATE = "future_date"
MISSING_ID = "missing_id"
SCORE_OUT_OF_RANGE = "score_out_of_range"
NO_CUSTOMER_TURNS = "no_customer_turns"
MISSING_FILE = "missing_file"
TEXT_TOO_LONG = "text_too_long"
MOJIBAKE = "mojibake"
UNKNOWN_CHANNEL = "unknown_channel"
# A mapped field holds what it cannot: a list or an object, a boolean, NaN or infinity, a
# count too big for 64 bits, text with invalid Unicode.
BAD_VALUE = "bad_value"
IMPLAUSIBLE_DATE = "implausible_date"  # before ingest.earliest_date (0001-01-01, 1900-01-01)
OUTSIDE_ALLOWED_ROOTS = "outside_allowed_roots"  # a path outside the project's allowed roots
# Caps on what one file may hold (data.raw_rows.Caps): FILE_TOO_LARGE, TOO_MANY_COLUMNS,
# FIELD_TOO_LONG, imported above.
CAP_REASONS = (FILE_TOO_LARGE, TOO_MANY_COLUMNS, FIELD_TOO_LONG)

CHANNELS = ("review", "social", "chat", "survey")

SCORE_RANGES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}


@dataclass
class SourceBatch:
    """What one source gave in one run."""

    source: str
    channel: str
    records: list[dict[str, Any]] = field(default_factory=list)
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    read: int = 0
    files: list[str] = field(default_factory=list)
    outside_window: int = 0


class BadRecord(Exception):
    """A record that cannot be loaded; ``reason`` is one of the named reasons above."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def make_doc_id(source: str, record_id: str, question: str = "") -> str:
    """Stable id of one piece of feedback: the same record always gets the same id."""
    key = "\x1f".join((source, record_id, question))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


def parse_timestamp(value: Any, now: datetime, *, date_format: str | list[str] | None = None,
                    timezone: str = "UTC", source: str = "",
                    earliest: date | None = None) -> datetime:
    """An aware UTC datetime from an export's date (the forms :mod:`data.dates` reads).

    ``date_format`` (strptime patterns, tried first) and ``timezone`` (of times without an
    offset) are the source's settings; ``source`` names it in the message of an ambiguous date.
    A date before ``earliest`` (midnight in ``timezone``) is ``implausible_date``: a
    placeholder such as 0001-01-01 or 1900-01-01, not when the customer wrote.
    """
    formats = [date_format] if isinstance(date_format, str) else list(date_format or [])
    try:
        ts = parse_datetime(value, formats=formats, tz=timezone)
    except AmbiguousDate as exc:
        where = f"source {source!r}" if source else "the source"
        raise BadRecord(AMBIGUOUS_DATE, f"{exc}; set date_format for {where} in the config, "
                                        f"e.g. {exc.hint}") from None
    except DateError as exc:
        raise BadRecord(BAD_DATE, str(exc)) from None
    if ts > now:
        raise BadRecord(FUTURE_DATE, f"date {_as_written(value)!r} lies in the future")
    if earliest is not None:
        first = datetime(earliest.year, earliest.month, earliest.day, tzinfo=zone(timezone))
        if ts < first:
            raise BadRecord(IMPLAUSIBLE_DATE,
                            f"date {_as_written(value)[:40]!r} is before ingest.earliest_date "
                            f"{earliest.isoformat()} (a placeholder date? lower the setting if "
                            "such old feedback is real)")
    return ts


def _as_written(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value).strip()


_SURROGATE = re.compile("[\ud800-\udfff]")
_INT64_MAX = 2**63 - 1


def _shown(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({value})"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__} ({_shown(value)})"


def _number(value: Any, name: str) -> float | int | None:
    """A numeric field's value as a finite number; None when left empty; text that is no
    number at all is None too, for the caller to judge. Raises BAD_VALUE for what can be
    no number (a boolean, a list, an object), NaN and infinity, and for a number too big
    for a float."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)  # exact, however long ("9" * 30)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            return None
    elif isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise BadRecord(BAD_VALUE, f"{name} is {_kind(value)}, not a number")
    elif isinstance(value, int):
        return value
    else:
        try:
            number = float(value)
        except (ValueError, OverflowError):  # a signalling NaN, a huge Decimal
            number = math.nan
    if not math.isfinite(number):
        raise BadRecord(BAD_VALUE, f"{name} {_shown(value)} is not a finite number")
    return number


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_score(value: Any, name: str, low: int, high: int) -> float | None:
    """A score in [low, high] as a finite float, or None when the export left it empty.

    Text that is no number and numbers outside the range are ``score_out_of_range``; a
    boolean, a list or an object, NaN and infinity are ``bad_value``.
    """
    if _empty(value):
        return None
    number = _number(value, name)
    if number is None:
        raise BadRecord(SCORE_OUT_OF_RANGE, f"{name} {_shown(value)} is not a number")
    if not low <= number <= high:  # huge ints compare exactly
        raise BadRecord(SCORE_OUT_OF_RANGE, f"{name} {_shown(value)} outside {low}-{high}")
    return float(number)


def parse_count(value: Any, name: str) -> int | None:
    """A count (``reach``) as an int that fits the warehouse's 64 bits, or None when the
    export left it empty; a fractional count is cut to its whole part. Anything else is
    ``bad_value``: text that is no number, a negative or too big count, NaN, infinity, a
    boolean, a list or an object."""
    if _empty(value):
        return None
    number = _number(value, name)
    if number is None:
        raise BadRecord(BAD_VALUE, f"{name} {_shown(value)} is not a number")
    count = int(number)
    if not 0 <= count <= _INT64_MAX:
        raise BadRecord(BAD_VALUE, f"{name} {_shown(value)} is not a count from 0 to "
                                   f"{_INT64_MAX:,}")
    return count


def _text(value: Any, name: str = "value") -> str:
    """A mapped text field as text, stripped: "" when it is empty (None, or NaN: a missing
    cell of a pandas export); numbers and dates as written. A list, an object, a boolean or
    text with invalid Unicode (a lone surrogate from a broken ``\\u`` escape) is
    ``bad_value``."""
    if value is None:
        return ""
    if isinstance(value, str):
        if not value.isascii() and _SURROGATE.search(value):
            raise BadRecord(BAD_VALUE, f"{name} holds invalid Unicode (a lone surrogate, "
                                       "from a broken \\u escape?)")
        return value.strip()
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | date | time):
        raise BadRecord(BAD_VALUE, f"{name} is {_kind(value)}, not text")
    return str(value).strip()


def _field(row: dict[str, Any], column: str) -> str:
    """The text of ``row``'s ``column`` (see :func:`_text`)."""
    return _text(row.get(column), f"column {column!r}")


def content_id(row: dict[str, Any]) -> str:
    """The id of a record of an export without an id column: ``content-<16 hex>``.

    The hex digits are the start of the SHA-256 of the whole record as parsed, every
    column mapped or not, as canonical JSON (keys sorted): the same record gets the same id
    in every file and on every read, whatever the column order, and two records that differ
    in any column (a customer, a time, a rating) get different ids. Fully identical records
    of one file are told apart by :class:`_ContentIds`, which numbers the repeats.
    """
    try:
        canonical = json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                               default=str)
    except (TypeError, ValueError):  # keys that are not strings, circular values
        canonical = repr(sorted(row.items(), key=lambda kv: str(kv[0])))
    # "surrogatepass": invalid Unicode gets an id too (the record is then quarantined).
    return "content-" + hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class _ContentIds:
    """Content ids of one file (or one API pull): the n-th fully identical record of it
    (n >= 2) is ``content-<16 hex>-<n>``, so identical rows stay distinct records and a file
    re-exported with rows appended at the end gives its old rows the same ids.

    Keeps one 64-bit fingerprint per distinct record while the file is read (about 70 MB
    per million rows).
    """

    def __init__(self) -> None:
        self._seen: set[int] = set()
        self._repeats: dict[int, int] = {}

    def next(self, row: dict[str, Any]) -> str:
        rid = content_id(row)
        key = int(rid.removeprefix("content-"), 16)
        if key not in self._seen:
            self._seen.add(key)
            return rid
        n = self._repeats.get(key, 1) + 1
        self._repeats[key] = n
        return f"{rid}-{n}"


@dataclass
class Item:
    """One thing a source gave: a piece of feedback, or a record quarantined with a reason."""

    kind: Literal["record", "quarantine"]
    data: dict[str, Any]


@dataclass
class FileSeen:
    """A file of a file source, and whether this run read it or skipped it as already read."""

    path: str
    sha256: str
    size_bytes: int
    skipped: bool
    records: int = 0


@dataclass
class SourceRead:
    """What reading one source found, filled in while :func:`iter_source` is consumed."""

    source: str
    channel: str
    files: list[FileSeen] = field(default_factory=list)
    rows: int = 0               # physical rows or API items
    outside_window: int = 0     # feedback outside --since/--until: not read, not counted
    watermark: datetime | None = None  # newest created_at among records given


@dataclass
class Limits:
    """Checks on each record and file: the ``[ingest]`` settings of the same names."""

    max_text_chars: int = 10_000
    # A created_at before this (midnight in the source's time zone) is implausible_date.
    earliest_date: date | None = date(2000, 1, 1)
    # What one file may hold (data.raw_rows.Caps): bigger, wider or longer is quarantined.
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_columns: int = DEFAULT_MAX_COLUMNS
    max_field_chars: int = DEFAULT_MAX_FIELD_CHARS
    # Folders besides the project root that sources may be read from; relative ones
    # resolve against the project root. None: paths are not checked (a caller of the
    # library that reads what it is given; the ingest stage sets a tuple, from the config).
    allowed_roots: tuple[str | Path, ...] | None = None

    @classmethod
    def of(cls, settings: Any) -> Limits:
        """The limits set by ``settings``: an ``[ingest]`` config section
        (``flows.config.IngestConfig``) or anything with attributes of these names; those
        it lacks keep their defaults."""
        given = {f.name: getattr(settings, f.name) for f in fields(cls)
                 if hasattr(settings, f.name)}
        if given.get("allowed_roots") is not None:
            given["allowed_roots"] = tuple(given["allowed_roots"])
        if isinstance(given.get("earliest_date"), str):  # the config's "YYYY-MM-DD"
            given["earliest_date"] = date.fromisoformat(given["earliest_date"])
        return cls(**given)

    @property
    def caps(self) -> Caps:
        return Caps(max_bytes=self.max_file_bytes, max_columns=self.max_columns,
                    max_field_chars=self.max_field_chars)

    def roots(self, root: Path) -> list[Path] | None:
        """The folders sources may be read from: the project ``root`` and the allowed
        roots, symlinks resolved; None when paths are not checked."""
        if self.allowed_roots is None:
            return None
        extra = [Path(r) if Path(r).is_absolute() else root / r for r in self.allowed_roots]
        return [Path(r).resolve() for r in (root, *extra)]


class OutsideAllowedRoots(ValueError):
    """A source path that resolves (symlinks followed) outside the allowed roots."""

    def __init__(self, path: Path, real: Path | None, roots: list[Path]) -> None:
        shown = (f"{path} (a symlink loop)" if real is None else
                 str(path) if real == path else f"{path} (resolving to {real})")
        super().__init__(
            f"{shown} is outside the folders sources may be read from: "
            f"{', '.join(str(r) for r in roots)}; nothing of it was read. Move the export "
            "under the project root, or add its folder to ingest.allowed_roots")
        self.path, self.real, self.roots = path, real, roots


def check_inside(path: Path, roots: list[Path]) -> None:
    """Raise :class:`OutsideAllowedRoots` unless ``path``, symlinks resolved, is in one of
    ``roots`` (resolved folders). Only the path is looked at, never the file; a path that
    cannot be resolved (a symlink loop) is refused too."""
    try:
        real = path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python 3.11)
        raise OutsideAllowedRoots(path, None, roots) from None
    if not any(real.is_relative_to(r) for r in roots):
        raise OutsideAllowedRoots(path, real, roots)


def _glob_base(pattern: Path) -> Path:
    """The leading folders of a glob pattern, before its first wildcard."""
    parts = pattern.parts
    for index, part in enumerate(parts):
        if glob.has_magic(part):
            return Path(*parts[:index]) if index else Path(".")
    return pattern


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files(pattern: Path) -> list[Path]:
    matches = sorted(Path(p) for p in glob.glob(str(pattern), recursive=True))
    return [p for p in matches if p.is_file()]


def repair_text(text: str) -> str:
    """Undo mojibake ("CafÃ©" -> "Café"); raise MOJIBAKE when the text stays garbled."""
    fixed = ftfy.fix_encoding(text)
    if "\ufffd" in fixed or is_bad(fixed):
        raise BadRecord(MOJIBAKE, "garbled characters that cannot be repaired "
                                  "(wrong encoding at export?)")
    return fixed


def iter_source(
    source: SourceSettings,
    root: Path,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
    done_files: set[tuple[str, str]] | frozenset = frozenset(),
    cursor: datetime | None = None,
    limits: Limits | None = None,
) -> tuple[SourceRead, Iterator[Item]]:
    """Stream one source's records, mapped to feedback, with bad ones quarantined.

    Args:
        done_files: (path, sha256) of files read completely before; they are skipped.
        cursor: API sources ask for records from here (less the source's overlap).
        since, until: a backfill window; feedback outside ``[since, until)`` is skipped
            and only counted in ``SourceRead.outside_window``.

    Returns the :class:`SourceRead` (filled in as the iterator is consumed) and the iterator.
    """
    now = now or datetime.now(UTC)
    limits = limits or Limits()
    seen = SourceRead(source=source.name, channel=source.channel)
    return seen, _iter_source(source, root, since, until, now, done_files, cursor, limits, seen)


def _iter_source(source: SourceSettings, root: Path, since: datetime | None,
                 until: datetime | None, now: datetime, done_files: Any,
                 cursor: datetime | None, limits: Limits, seen: SourceRead) -> Iterator[Item]:
    if source.format == "api":
        api = source.api
        settings = ApiSettings(
            url=api.url, token_env=api.token_env, records_key=api.records_key,
            next_key=api.next_key, page_param=api.page_param, since_param=api.since_param,
            params=dict(api.params), timeout=api.timeout, max_retries=api.max_retries,
            backoff=api.backoff)
        start = since
        if cursor is not None and since is None:
            start = cursor - timedelta(hours=api.overlap_hours)
        ids = _ContentIds()
        for rec in iter_api_records(settings, since=start):
            yield from _map_one(source, rec.row, rec.raw, rec.error, None, now, since, until,
                                limits, seen, ids)
        return
    pattern = Path(source.path) if Path(source.path).is_absolute() else root / source.path
    roots = limits.roots(root)
    try:
        if roots is None:
            files = _files(pattern)
        else:
            check_inside(_glob_base(pattern), roots)  # not even a folder elsewhere is listed
            files = _files(pattern)
            for path in files:
                check_inside(path, roots)  # a symlink (or "..") to elsewhere
    except OutsideAllowedRoots as outside:
        seen.rows += 1
        yield Item("quarantine", _quarantine(source, "", f"path: {source.path}",
                                             OUTSIDE_ALLOWED_ROOTS, str(outside)))
        return
    if not files:
        seen.rows += 1
        yield Item("quarantine", _quarantine(source, "", f"path: {source.path}", MISSING_FILE,
                                             f"no file matches {pattern}"))
        return
    fmt = source.format
    caps = limits.caps
    for path in files:
        sha = file_sha256(path)
        entry = FileSeen(str(path), sha, path.stat().st_size, (str(path), sha) in done_files)
        seen.files.append(entry)
        if entry.skipped:
            continue
        ids = _ContentIds()  # identical rows are numbered within their file
        for raw_row in iter_rows(path, fmt, encoding=source.encoding,
                                 delimiter=source.delimiter, sheet=source.sheet, caps=caps):
            for item in _map_one(source, raw_row.row, raw_row.raw, raw_row.error,
                                 raw_row.reason, now, since, until, limits, seen, ids):
                entry.records += 1
                yield item


def _map_one(source: SourceSettings, row: dict[str, Any] | None, raw: str, error: str | None,
             reason: str | None, now: datetime, since: datetime | None, until: datetime | None,
             limits: Limits, seen: SourceRead, ids: _ContentIds) -> Iterator[Item]:
    seen.rows += 1
    if row is None:
        yield Item("quarantine", _quarantine(source, "", raw, reason or NOT_PARSEABLE,
                                             error or "malformed record"))
        return
    id_column = source.columns.get("id")
    rid = ""
    try:
        rid = _field(row, id_column) if id_column else ids.next(row)
        records = _MAPPERS[source.channel](source, row, now, rid, limits)
        for record in records:
            if len(record["raw_text"]) > 4 * limits.max_text_chars:  # too long even repaired
                raise BadRecord(TEXT_TOO_LONG, f"{len(record['raw_text']):,} characters; the "
                                f"limit is {limits.max_text_chars:,} (ingest.max_text_chars)")
            text = repair_text(record["raw_text"])
            if len(text) > limits.max_text_chars:
                raise BadRecord(TEXT_TOO_LONG, f"{len(text):,} characters; the limit is "
                                               f"{limits.max_text_chars:,} (ingest.max_text_chars)")
            record["raw_text"] = text
    except BadRecord as bad:
        yield Item("quarantine", _quarantine(source, rid, raw, bad.reason, bad.detail))
        return
    for record in records:
        ts: datetime = record["created_at"]
        if (since and ts < since) or (until and ts >= until):
            seen.outside_window += 1
            continue
        if seen.watermark is None or ts > seen.watermark:
            seen.watermark = ts
        yield Item("record", record)


def read_source(
    source: SourceSettings,
    root: Path,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
    limits: Limits | None = None,
) -> SourceBatch:
    """Read a whole source into memory (small sources and tests; the flow streams).

    ``read`` counts the records given: feedback plus quarantined records.
    """
    seen, items = iter_source(source, root, since=since, until=until, now=now, limits=limits)
    batch = SourceBatch(source=source.name, channel=source.channel)
    for item in items:
        (batch.records if item.kind == "record" else batch.quarantined).append(item.data)
    batch.read = len(batch.records) + len(batch.quarantined)
    batch.files = [f.path for f in seen.files]
    batch.outside_window = seen.outside_window
    return batch


def _valid_unicode(text: str) -> str:
    """``text`` with lone surrogates (invalid Unicode, which no table takes) replaced by
    U+FFFD."""
    if text.isascii() or not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub("\ufffd", text)


def _quarantine(source: SourceSettings, rid: str, raw: str, reason: str, detail: str) -> dict:
    return {
        "source": source.name,
        "channel": source.channel,
        "source_record_id": _valid_unicode(rid),
        "raw_record": _valid_unicode(raw),
        "reason": reason,
        "detail": _valid_unicode(detail),
    }


def _base(source: SourceSettings, row: dict[str, Any], now: datetime, rid: str,
          limits: Limits, question: str = "") -> dict:
    cols = source.columns
    if not rid:
        raise BadRecord(MISSING_ID, f"no value in id column {cols.get('id')!r}")
    created_at = parse_timestamp(row.get(cols["created_at"]), now,
                                 date_format=getattr(source, "date_format", None),
                                 timezone=getattr(source, "timezone", "UTC"), source=source.name,
                                 earliest=limits.earliest_date)
    return {
        "doc_id": make_doc_id(source.name, rid, question),
        "source": source.name,
        "source_record_id": rid,
        "channel": source.channel,
        "created_at": created_at,
        "question": question or None,
        "customer": _field(row, cols["customer"]) if "customer" in cols else "",
        "title": None,
        "product": None,
        "country": None,
        "platform": None,
        "reach": None,
        "rating": None,
        "rating_scale": None,
        "nps": None,
        "csat": None,
        "ces": None,
    }


def _map_review(source: SourceSettings, row: dict[str, Any], now: datetime,
                rid: str, limits: Limits) -> list[dict]:
    cols = source.columns
    record = _base(source, row, now, rid, limits)
    title = _field(row, cols["title"]) if "title" in cols else ""
    body = _field(row, cols["body"])
    if not (title or body):
        raise BadRecord(NO_TEXT, "empty title and body")
    record["raw_text"] = f"{title}. {body}" if title and body else (title or body)
    record["title"] = title or None
    if "rating" in cols:
        record["rating"] = parse_score(row.get(cols["rating"]), "rating", 1, source.rating_scale)
        record["rating_scale"] = source.rating_scale
    for key in ("product", "country"):
        if key in cols:
            record[key] = _field(row, cols[key]) or None
    return [record]


def _map_social(source: SourceSettings, row: dict[str, Any], now: datetime,
                rid: str, limits: Limits) -> list[dict]:
    cols = source.columns
    record = _base(source, row, now, rid, limits)
    text = _field(row, cols["text"])
    if not text:
        raise BadRecord(NO_TEXT, "empty post")
    record["raw_text"] = text
    if "author" in cols:
        record["customer"] = _field(row, cols["author"])
    if "platform" in cols:
        record["platform"] = _field(row, cols["platform"]) or None
    if "reach" in cols:
        record["reach"] = parse_count(row.get(cols["reach"]), "reach")
    return [record]


def _map_chat(source: SourceSettings, row: dict[str, Any], now: datetime,
              rid: str, limits: Limits) -> list[dict]:
    cols = source.columns
    record = _base(source, row, now, rid, limits)
    turns = row.get(cols["turns"])
    if not isinstance(turns, list):
        raise BadRecord(NOT_PARSEABLE, f"{cols['turns']!r} is not a list of turns")
    roles = {r.lower() for r in source.customer_roles}
    # Only the customer's own words are their voice; agent and bot turns are context.
    voice = [
        _text(t.get(cols["text"]), f"a turn's {cols['text']!r}")
        for t in turns
        if isinstance(t, dict)
        and _text(t.get(cols["role"]), f"a turn's {cols['role']!r}").lower() in roles
    ]
    voice = [v for v in voice if v]
    if not voice:
        raise BadRecord(NO_CUSTOMER_TURNS, "transcript has no customer turn with text")
    record["raw_text"] = "\n".join(voice)
    if "csat" in cols:
        record["csat"] = parse_score(row.get(cols["csat"]), "csat", 1, 5)
    return [record]


def _map_survey(source: SourceSettings, row: dict[str, Any], now: datetime,
                rid: str, limits: Limits) -> list[dict]:
    cols = source.columns
    scores = {
        key: parse_score(row.get(cols[key]), key, *SCORE_RANGES[key])
        for key in ("nps", "csat", "ces")
        if key in cols
    }
    answers = []
    for question in source.text_columns:
        text = _field(row, question)
        if text:
            record = _base(source, row, now, rid, limits, question)
            record.update(scores)
            record["raw_text"] = text
            answers.append(record)
    if not answers:
        # A respondent who only gave scores is still read, but carries no voice.
        _base(source, row, now, rid, limits)  # still validates id and date
        raise BadRecord(NO_TEXT, "no free-text answer")
    return answers


def _map_mixed(source: SourceSettings, row: dict[str, Any], now: datetime,
               rid: str, limits: Limits) -> list[dict]:
    """A record of an export holding several channels: it names its own channel."""
    cols = source.columns
    channel = _field(row, cols["channel"]).lower()
    if channel not in CHANNELS:
        raise BadRecord(UNKNOWN_CHANNEL, f"channel {channel!r} is not one of {list(CHANNELS)}")
    record = _base(source, row, now, rid, limits)
    record["channel"] = channel
    title = _field(row, cols["title"]) if "title" in cols else ""
    text = _field(row, cols["text"])
    if not (title or text):
        raise BadRecord(NO_TEXT, "empty text")
    record["raw_text"] = f"{title}. {text}" if title and text else (title or text)
    record["title"] = title or None
    if "rating" in cols:
        record["rating"] = parse_score(row.get(cols["rating"]), "rating", 1, source.rating_scale)
        record["rating_scale"] = source.rating_scale if record["rating"] is not None else None
    for key in ("nps", "csat", "ces"):
        if key in cols:
            record[key] = parse_score(row.get(cols[key]), key, *SCORE_RANGES[key])
    for key in ("product", "country", "platform"):
        if key in cols:
            record[key] = _field(row, cols[key]) or None
    return [record]


_MAPPERS = {
    "review": _map_review,
    "social": _map_social,
    "chat": _map_chat,
    "survey": _map_survey,
    "mixed": _map_mixed,
}
