"""Source connectors: read an export of one channel and map it to the feedback schema.

Each connector yields plain dicts (one per piece of feedback) and quarantine dicts
(one per record it could not take, with a named reason). Nothing is dropped
silently: ``read == loaded + duplicates + quarantined`` for every source.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol


class SourceConfig(Protocol):
    """What a connector needs to know of a source (``flows.config.SourceConfig`` fits)."""

    name: str
    channel: str
    path: str
    format: str
    columns: dict[str, str]
    text_columns: list[str]
    rating_scale: int
    customer_roles: list[str]


# Named reasons a record is quarantined (analysts filter on these).
NOT_PARSEABLE = "not_parseable"
NO_TEXT = "no_text"
BAD_DATE = "unparseable_date"
FUTURE_DATE = "future_date"
MISSING_ID = "missing_id"
SCORE_OUT_OF_RANGE = "score_out_of_range"
NO_CUSTOMER_TURNS = "no_customer_turns"
MISSING_FILE = "missing_file"

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


def parse_timestamp(value: Any, now: datetime) -> datetime:
    """An aware UTC datetime from ISO 8601 text (a date alone means midnight UTC)."""
    if value is None or str(value).strip() == "":
        raise BadRecord(BAD_DATE, "no date")
    text = str(value).strip()
    try:
        ts = datetime.fromisoformat(text.replace(" ", "T", 1) if len(text) > 10 else text)
    except ValueError:
        raise BadRecord(BAD_DATE, f"cannot read date {text!r} (expected ISO 8601)") from None
    ts = ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)
    if ts > now:
        raise BadRecord(FUTURE_DATE, f"date {text!r} lies in the future")
    return ts


def parse_score(value: Any, name: str, low: int, high: int) -> float | None:
    """A score in [low, high], or None when the export left it empty."""
    if value is None or str(value).strip() == "":
        return None
    try:
        score = float(str(value).strip())
    except ValueError:
        raise BadRecord(SCORE_OUT_OF_RANGE, f"{name} {value!r} is not a number") from None
    if not low <= score <= high:
        raise BadRecord(SCORE_OUT_OF_RANGE, f"{name} {value!r} outside {low}-{high}")
    return score


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _record_id(row: dict[str, Any], column: str) -> str:
    rid = _text(row.get(column))
    if not rid:
        raise BadRecord(MISSING_ID, f"no value in id column {column!r}")
    return rid


def _files(pattern: Path) -> list[Path]:
    matches = sorted(Path(p) for p in glob.glob(str(pattern)))
    return [p for p in matches if p.is_file()]


def _rows(path: Path, fmt: str) -> Iterator[tuple[dict[str, Any] | None, str]]:
    """Yield (row or None when unparseable, raw text of the row)."""
    if fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                raw = json.dumps(row, ensure_ascii=False)
                if None in row:  # more cells than header columns
                    yield None, raw
                else:
                    yield row, raw
    elif fmt == "jsonl":
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    yield None, line.rstrip("\n")
                    continue
                yield (obj if isinstance(obj, dict) else None), line.rstrip("\n")
    else:  # json: an array of objects
        try:
            items = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            yield None, path.read_text(encoding="utf-8", errors="replace")
            return
        for obj in items if isinstance(items, list) else [items]:
            yield (obj if isinstance(obj, dict) else None), json.dumps(obj, ensure_ascii=False)


def read_source(
    source: SourceConfig,
    root: Path,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
) -> SourceBatch:
    """Read every file of a source and map its records to feedback dicts.

    Records outside ``[since, until)`` are counted as read and skipped (they are
    not errors). Bad records go to ``quarantined`` with a reason.
    """
    now = now or datetime.now(UTC)
    batch = SourceBatch(source=source.name, channel=source.channel)
    pattern = Path(source.path) if Path(source.path).is_absolute() else root / source.path
    files = _files(pattern)
    if not files:
        batch.quarantined.append(
            _quarantine(source, "", f"path: {source.path}", MISSING_FILE,
                        f"no file matches {pattern}")
        )
        return batch
    mapper = _MAPPERS[source.channel]
    for path in files:
        batch.files.append(str(path))
        for row, raw in _rows(path, source.format):
            batch.read += 1
            if row is None:
                batch.quarantined.append(
                    _quarantine(source, "", raw, NOT_PARSEABLE, f"{path.name}: malformed record")
                )
                continue
            rid = _text(row.get(source.columns["id"]))
            try:
                records = mapper(source, row, now)
            except BadRecord as bad:
                batch.quarantined.append(_quarantine(source, rid, raw, bad.reason, bad.detail))
                continue
            for record in records:
                ts: datetime = record["created_at"]
                if (since and ts < since) or (until and ts >= until):
                    record["outside_window"] = True
                batch.records.append(record)
    return batch


def _quarantine(source: SourceConfig, rid: str, raw: str, reason: str, detail: str) -> dict:
    return {
        "source": source.name,
        "channel": source.channel,
        "source_record_id": rid,
        "raw_record": raw,
        "reason": reason,
        "detail": detail,
    }


def _base(source: SourceConfig, row: dict[str, Any], now: datetime, question: str = "") -> dict:
    cols = source.columns
    rid = _record_id(row, cols["id"])
    return {
        "doc_id": make_doc_id(source.name, rid, question),
        "source": source.name,
        "source_record_id": rid,
        "channel": source.channel,
        "created_at": parse_timestamp(row.get(cols["created_at"]), now),
        "question": question or None,
        "customer": _text(row.get(cols["customer"])) if "customer" in cols else "",
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


def _map_review(source: SourceConfig, row: dict[str, Any], now: datetime) -> list[dict]:
    cols = source.columns
    record = _base(source, row, now)
    title = _text(row.get(cols["title"])) if "title" in cols else ""
    body = _text(row.get(cols["body"]))
    if not (title or body):
        raise BadRecord(NO_TEXT, "empty title and body")
    record["raw_text"] = f"{title}. {body}" if title and body else (title or body)
    record["title"] = title or None
    if "rating" in cols:
        record["rating"] = parse_score(row.get(cols["rating"]), "rating", 1, source.rating_scale)
        record["rating_scale"] = source.rating_scale
    for key in ("product", "country"):
        if key in cols:
            record[key] = _text(row.get(cols[key])) or None
    return [record]


def _map_social(source: SourceConfig, row: dict[str, Any], now: datetime) -> list[dict]:
    cols = source.columns
    record = _base(source, row, now)
    text = _text(row.get(cols["text"]))
    if not text:
        raise BadRecord(NO_TEXT, "empty post")
    record["raw_text"] = text
    if "author" in cols:
        record["customer"] = _text(row.get(cols["author"]))
    if "platform" in cols:
        record["platform"] = _text(row.get(cols["platform"])) or None
    if "reach" in cols and _text(row.get(cols["reach"])):
        try:
            record["reach"] = int(float(str(row.get(cols["reach"]))))
        except ValueError:
            raise BadRecord(SCORE_OUT_OF_RANGE, f"reach {row.get(cols['reach'])!r}") from None
    return [record]


def _map_chat(source: SourceConfig, row: dict[str, Any], now: datetime) -> list[dict]:
    cols = source.columns
    record = _base(source, row, now)
    turns = row.get(cols["turns"])
    if not isinstance(turns, list):
        raise BadRecord(NOT_PARSEABLE, f"{cols['turns']!r} is not a list of turns")
    roles = {r.lower() for r in source.customer_roles}
    # Only the customer's own words are their voice; agent and bot turns are context.
    voice = [
        _text(t.get(cols["text"]))
        for t in turns
        if isinstance(t, dict) and _text(t.get(cols["role"])).lower() in roles
    ]
    voice = [v for v in voice if v]
    if not voice:
        raise BadRecord(NO_CUSTOMER_TURNS, "transcript has no customer turn with text")
    record["raw_text"] = "\n".join(voice)
    if "csat" in cols:
        record["csat"] = parse_score(row.get(cols["csat"]), "csat", 1, 5)
    return [record]


def _map_survey(source: SourceConfig, row: dict[str, Any], now: datetime) -> list[dict]:
    cols = source.columns
    scores = {
        key: parse_score(row.get(cols[key]), key, *SCORE_RANGES[key])
        for key in ("nps", "csat", "ces")
        if key in cols
    }
    answers = []
    for question in source.text_columns:
        text = _text(row.get(question))
        if text:
            record = _base(source, row, now, question)
            record.update(scores)
            record["raw_text"] = text
            answers.append(record)
    if not answers:
        # A respondent who only gave scores is still read, but carries no voice.
        _base(source, row, now)  # still validates id and date
        raise BadRecord(NO_TEXT, "no free-text answer")
    return answers


_MAPPERS = {
    "review": _map_review,
    "social": _map_social,
    "chat": _map_chat,
    "survey": _map_survey,
}
