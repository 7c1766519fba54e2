"""The ingest stage: every record of every source taken exactly once, privately.

Sources are streamed in chunks (``ingest.chunk_size`` records), so memory stays bounded
whatever a file's size. Per chunk, text is cleaned and redacted, customers are keyed, and
the feedback not seen before is loaded; the rest is counted as a duplicate or quarantined
with a reason. For every source and run::

    read == loaded + duplicates + quarantined

is checked and recorded in ``runs.stage_counts``. Files read completely are remembered by
content (``source_files``) and API sources by the newest time pulled (``source_cursors``),
so a nightly run takes only what is new; ``--since/--until`` backfills a window instead.
Everything is written to the run's working copy of the warehouse, which is published only
when the whole run completes: a run that dies leaves the warehouse as it was.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

import polars as pl

from data.sources import (
    MISSING_FILE,
    NO_TEXT,
    OUTSIDE_ALLOWED_ROOTS,
    Item,
    Limits,
    SourceSettings,
    iter_source,
)
from flows.config import VocConfig
from flows.context import RunContext, stage_summary
from flows.customer_keys import customer_key, customer_key_secret, stored_record_id
from nlp.normalize import text_hash
from nlp.redact import Redactor
from nlp.text_prep import has_words, stored_text

log = logging.getLogger("voc")

SAME_CUSTOMER_SAME_TEXT = "same_customer_same_text"


_FEEDBACK_SCHEMA = {
    "doc_id": pl.String, "source": pl.String, "source_record_id": pl.String,
    "channel": pl.String, "created_at": pl.Datetime("us", "UTC"), "customer_key": pl.String,
    "question": pl.String, "title": pl.String, "text": pl.String, "product": pl.String,
    "country": pl.String, "platform": pl.String, "reach": pl.Int64, "rating": pl.Float64,
    "rating_scale": pl.Int32, "nps": pl.Float64, "csat": pl.Float64, "ces": pl.Float64,
    "text_hash": pl.String, "ingested_run_id": pl.String,
}
_QUARANTINE_SCHEMA = {
    "source": pl.String, "channel": pl.String, "source_record_id": pl.String,
    "raw_record": pl.String, "reason": pl.String, "detail": pl.String,
    "quarantine_id": pl.String,
}
_DUPLICATE_SCHEMA = {
    "doc_id": pl.String, "duplicate_of": pl.String, "source": pl.String,
    "source_record_id": pl.String, "channel": pl.String, "created_at": pl.Datetime("us", "UTC"),
    "customer_key": pl.String, "reason": pl.String, "run_id": pl.String,
}


def quarantine_frame(rows: list[dict], redactor: Redactor, source: SourceSettings,
                     secret: bytes) -> pl.DataFrame:
    """Quarantine rows as stored, with a stable id: the raw record cut to the fields the
    source maps (:func:`kept_raw_record`), the detail redacted. Record ids are pseudonymised
    by the loader before (:func:`flows.customer_keys.stored_record_id`)."""
    out = []
    for q in rows:
        raw = kept_raw_record(q["raw_record"], source, redactor, secret,
                              q.get("source_record_id") or "")
        detail = redactor.redact(q["detail"]) if q.get("detail") else q.get("detail")
        qid = hashlib.sha256(f"{q['source']}\x1f{raw}\x1f{q['reason']}".encode()).hexdigest()[:24]
        out.append({**q, "raw_record": raw, "detail": detail, "quarantine_id": qid})
    return pl.DataFrame(out, schema=_QUARANTINE_SCHEMA)


def kept_raw_record(raw: str, source: SourceSettings, redactor: Redactor, secret: bytes,
                    record_id: str = "") -> str:
    """What the quarantine keeps of a raw record: enough to see why it failed, no identity.

    A record that is a JSON object keeps only the fields the source maps (the values of its
    ``columns`` and its ``text_columns``; in nested objects, such as a chat's turns, the same
    names), their text redacted; the customer (``columns.customer`` or ``columns.author``)
    becomes its ``customer_key``, and the id its stored ``record_id``. Anything else (a line
    that could not be parsed, a record cut for its size) is kept as redacted text.
    """
    try:
        record = json.loads(raw)
    except (ValueError, RecursionError):
        record = None
    if not isinstance(record, dict):
        return redactor.redact(raw)
    mapped = {*source.columns.values(), *source.text_columns}
    identities = {source.columns[k] for k in ("customer", "author") if k in source.columns}
    id_column = source.columns.get("id")
    kept: dict[str, Any] = {}
    for key, value in record.items():
        if key not in mapped:
            continue
        if key in identities:
            kept[key] = customer_key(str(value), secret) if value not in (None, "") else value
        elif key == id_column and record_id:
            kept[key] = record_id
        else:
            kept[key] = _redacted(value, mapped, redactor)
    return json.dumps(kept, ensure_ascii=False, default=str)


def _redacted(value: Any, mapped: set[str], redactor: Redactor, depth: int = 0) -> Any:
    """``value`` with its text redacted and, in nested objects, only the mapped fields."""
    if isinstance(value, str):
        return redactor.redact(value)
    if depth > 20:
        return None
    if isinstance(value, dict):
        return {k: _redacted(v, mapped, redactor, depth + 1) for k, v in value.items()
                if k in mapped}
    if isinstance(value, list):
        return [_redacted(v, mapped, redactor, depth + 1) for v in value]
    return value


@dataclass
class SourceAccount:
    """One source's accounting in one run."""

    read: int = 0
    loaded: int = 0
    duplicates: int = 0
    cross_channel_duplicates: int = 0  # part of duplicates
    quarantined: int = 0
    outside_window: int = 0            # not read: outside --since/--until
    files_read: int = 0
    files_skipped: int = 0             # read completely by an earlier run
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    # One quarantined record (reason, redacted raw record, detail), to show when a source
    # is rejected.
    example: tuple[str, str, str] | None = None

    @property
    def balanced(self) -> bool:
        return self.read == self.loaded + self.duplicates + self.quarantined

    def as_dict(self) -> dict[str, Any]:
        return {"read": self.read, "loaded": self.loaded, "duplicates": self.duplicates,
                "cross_channel_duplicates": self.cross_channel_duplicates,
                "quarantined": self.quarantined, "outside_window": self.outside_window,
                "files_read": self.files_read, "files_skipped": self.files_skipped,
                "quarantine_reasons": dict(sorted(self.quarantine_reasons.items())),
                "balanced": self.balanced}


def _chunks(items: Iterator[Item], size: int) -> Iterator[list[Item]]:
    while chunk := list(islice(items, size)):
        yield chunk


class _Loader:
    """Loads one source's chunks into the warehouse and keeps its account."""

    def __init__(self, ctx: RunContext, source: SourceSettings, secret: bytes) -> None:
        self.ctx, self.source, self.secret = ctx, source, secret
        self.account = SourceAccount()
        self.window_hours = ctx.config.ingest.cross_channel_window_hours
        self.store_raw = ctx.config.privacy.store_raw_text
        # A survey row's answers come one after another with one record id: judged once.
        self._last_id: tuple[str, str] = ("", "")

    def load(self, chunk: list[Item]) -> None:
        ctx, redactor = self.ctx, self.ctx.redactor
        # A record id that is personal data (an e-mail, a phone, a handle...) is stored as a
        # keyed pseudonym, here and in the quarantine and the duplicates (doc_id, made from
        # it by the connector, is a hash already).
        quarantined = [{**i.data, "source_record_id": self._record_id(i.data["source_record_id"])}
                       for i in chunk if i.kind == "quarantine"]
        rows: list[dict[str, Any]] = []
        raw_texts: list[dict[str, Any]] = []
        in_chunk: set[str] = set()
        duplicates = 0
        for item in chunk:
            if item.kind != "record":
                continue
            record = dict(item.data)
            record["source_record_id"] = self._record_id(record["source_record_id"])
            if record["doc_id"] in in_chunk:
                duplicates += 1
                continue
            in_chunk.add(record["doc_id"])
            original = record.pop("raw_text")
            text = stored_text(original, redactor)
            if not has_words(text):
                quarantined.append({"source": self.source.name, "channel": record["channel"],
                                    "source_record_id": record["source_record_id"],
                                    "raw_record": json.dumps(text, ensure_ascii=False),
                                    "reason": NO_TEXT, "detail": "no words left after cleaning"})
                continue
            identity = record.pop("customer")
            for key in ("title", "product", "country", "platform"):
                if record[key]:
                    record[key] = stored_text(record[key], redactor)
            rows.append({**record, "text": text, "text_hash": text_hash(text),
                         "customer_key": customer_key(identity, self.secret) if identity else None,
                         "ingested_run_id": ctx.run_id})
            if self.store_raw:
                raw_texts.append({"doc_id": record["doc_id"], "source": self.source.name,
                                  "raw_text": original, "ingested_run_id": ctx.run_id})
        frame = pl.DataFrame(rows, schema=_FEEDBACK_SCHEMA)
        known = ctx.warehouse.known_doc_ids(frame["doc_id"].to_list())
        frame = frame.filter(~pl.col("doc_id").is_in(list(known)))
        frame, links = self._cross_channel(frame)
        loaded = ctx.warehouse.insert_feedback(frame)
        ctx.warehouse.record_duplicates(links)
        if raw_texts:
            kept = set(frame["doc_id"].to_list())
            ctx.warehouse.insert_raw_text(
                pl.DataFrame([r for r in raw_texts if r["doc_id"] in kept],
                             schema={"doc_id": pl.String, "source": pl.String,
                                     "raw_text": pl.String, "ingested_run_id": pl.String}))
        quarantine = quarantine_frame(quarantined, redactor, self.source, self.secret)
        ctx.warehouse.record_quarantine(quarantine, ctx.run_id)
        acc = self.account
        if acc.example is None and quarantine.height:
            acc.example = (quarantine["reason"][0], quarantine["raw_record"][0][:300],
                           quarantine["detail"][0] or "")
        # Read counts records: a survey row with two answers is two; a row that could not be
        # parsed is one. Each is loaded, a duplicate or quarantined exactly once.
        acc.read += len(chunk)
        acc.loaded += loaded
        acc.duplicates += duplicates + len(known) + links.height
        acc.cross_channel_duplicates += links.height
        acc.quarantined += len(quarantined)
        for q in quarantined:
            acc.quarantine_reasons[q["reason"]] = acc.quarantine_reasons.get(q["reason"], 0) + 1

    def _record_id(self, record_id: str | None) -> str | None:
        if not record_id:
            return record_id
        if self._last_id[0] != record_id:
            self._last_id = (record_id,
                             stored_record_id(record_id, self.ctx.redactor, self.secret))
        return self._last_id[1]

    def _cross_channel(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Split off records whose customer said the same words on another channel lately."""
        empty = pl.DataFrame(schema=_DUPLICATE_SCHEMA)
        keyed = frame.filter(pl.col("customer_key").is_not_null())
        if keyed.is_empty():
            return frame, empty
        cols = ["doc_id", "customer_key", "text_hash", "channel", "created_at"]
        dup_of = self.ctx.warehouse.same_words_elsewhere(keyed.select(cols), self.window_hours)
        # Within the chunk: the earliest record of a (customer, text) is kept.
        window = self.window_hours * 3600
        kept: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for row in keyed.sort("created_at", "doc_id").iter_rows(named=True):
            if row["doc_id"] in dup_of:
                continue
            group = kept.setdefault((row["customer_key"], row["text_hash"]), [])
            match = next((k for k in group if k["channel"] != row["channel"] and
                          abs((k["created_at"] - row["created_at"]).total_seconds()) <= window),
                         None)
            if match is not None:
                dup_of[row["doc_id"]] = match["doc_id"]
            else:
                group.append(row)
        if not dup_of:
            return frame, empty
        dups = frame.filter(pl.col("doc_id").is_in(list(dup_of)))
        links = dups.select(
            "doc_id",
            pl.col("doc_id").replace_strict(dup_of, return_dtype=pl.String).alias("duplicate_of"),
            "source", "source_record_id", "channel", "created_at", "customer_key",
            pl.lit(SAME_CUSTOMER_SAME_TEXT).alias("reason"),
            pl.lit(self.ctx.run_id).alias("run_id"),
        )
        return frame.filter(~pl.col("doc_id").is_in(list(dup_of))), links


class SourceRejected(RuntimeError):
    """A source's records could not be taken: its file is missing, or more than
    ``ingest.max_quarantine_share`` of them were quarantined. The run fails, so a broken
    export never looks like a quiet night."""


def source_names(config: VocConfig, names: Iterable[str] | None) -> list[str]:
    """The sources a run reads: those named, else every enabled one."""
    names = list(names or [])
    return [config.source(n).name for n in names] if names else [
        s.name for s in config.sources if s.enabled]


def run(ctx: RunContext, source_names_: Iterable[str] | None, since: datetime | None,
        until: datetime | None) -> dict[str, Any]:
    """Read sources (only what is new, or a backfill window), load, account for every record.

    Returns the stage's counts. Sources are not judged here (see :func:`checked_source`).
    """
    for name in source_names(ctx.config, source_names_):
        run_source(ctx, name, since, until)
    return totals(ctx)


def checked_source(ctx: RunContext, name: str, since: datetime | None,
                   until: datetime | None) -> SourceAccount:
    """:func:`run_source`, then reject the source when its file is missing or too much of
    it was quarantined (raises :class:`SourceRejected`, naming the reasons and an example)."""
    account = run_source(ctx, name, since, until)
    problem = rejection(name, account, ctx.config.ingest.max_quarantine_share)
    if problem:
        raise SourceRejected(problem)
    return account


def rejection(name: str, account: SourceAccount, max_share: float) -> str | None:
    """Why a source's night is not to be trusted, or None.

    Example:
        >>> acc = SourceAccount(read=10, quarantined=4, quarantine_reasons={"no_text": 4},
        ...                     example=("no_text", '""', "no words left"))
        >>> print(rejection("shop", acc, 0.2))  # doctest: +ELLIPSIS
        source 'shop': 4 of 10 records quarantined (40%, more than ... 20%): no_text 4; ...
    """
    reasons = sorted(account.quarantine_reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    top = ", ".join(f"{reason} {n:,}" for reason, n in reasons[:3])
    example = (f"; e.g. ({account.example[0]}: {account.example[2]}) {account.example[1]}"
               if account.example else "")
    if OUTSIDE_ALLOWED_ROOTS in account.quarantine_reasons:
        detail = account.example[2] if account.example else "outside the allowed roots"
        return f"source '{name}': its path is refused ({OUTSIDE_ALLOWED_ROOTS}): {detail}"
    if MISSING_FILE in account.quarantine_reasons:
        detail = account.example[2] if account.example else "no file"
        return (f"source '{name}': its file is missing ({detail}). Check the source's path "
                "and the config's project_root, which relative paths resolve against.")
    if account.read and account.quarantined / account.read > max_share:
        return (f"source '{name}': {account.quarantined:,} of {account.read:,} records "
                f"quarantined ({account.quarantined / account.read:.0%}, more than "
                f"ingest.max_quarantine_share {max_share:.0%}): {top}{example}. The published "
                "warehouse is unchanged; fix the export or the source's settings (columns, "
                "date_format) and run again, or raise ingest.max_quarantine_share.")
    return None


def run_source(ctx: RunContext, name: str, since: datetime | None,
               until: datetime | None) -> SourceAccount:
    """Ingest one source, in one transaction: a source that fails midway leaves nothing
    behind, so it can be retried. Its account goes to ``ctx.counts["ingest"]["sources"]``."""
    config, wh = ctx.config, ctx.warehouse
    source = config.source(name)
    start = time.perf_counter()
    backfill = since is not None or until is not None
    with wh.transaction():
        seen, items = iter_source(
            source, config.root, since=since, until=until,
            limits=Limits.of(config.ingest),
            done_files=frozenset() if backfill else wh.files_read(source.name),
            cursor=None if backfill else wh.cursor(source.name))
        loader = _Loader(ctx, source, customer_key_secret(config))
        for chunk in _chunks(items, config.ingest.chunk_size):
            loader.load(chunk)
        acc = loader.account
        acc.outside_window = seen.outside_window
        acc.files_read = sum(not f.skipped for f in seen.files)
        acc.files_skipped = sum(f.skipped for f in seen.files)
        if not backfill:  # a window does not read a file completely
            for f in seen.files:
                if not f.skipped:
                    wh.mark_file_read(source.name, f.path, f.sha256, f.size_bytes,
                                      f.records, ctx.run_id)
            if source.format == "api" and seen.watermark is not None:
                wh.advance_cursor(source.name, seen.watermark, ctx.run_id)
        if not acc.balanced:
            raise RuntimeError(f"ingest {source.name}: accounting does not balance: "
                               f"{acc.as_dict()}")
    ctx.counts.setdefault("ingest", {}).setdefault("sources", {})[name] = acc.as_dict()
    ctx.timings["ingest"] = round(ctx.timings.get("ingest", 0.0)
                                  + time.perf_counter() - start, 2)
    reasons = ", ".join(f"{k} {v:,}" for k, v in sorted(acc.quarantine_reasons.items()))
    log.info("ingest %s: read %s, loaded %s, duplicates %s, quarantined %s%s (%.1f s)",
             name, f"{acc.read:,}", f"{acc.loaded:,}", f"{acc.duplicates:,}",
             f"{acc.quarantined:,}", f" ({reasons})" if reasons else "",
             time.perf_counter() - start)
    return acc


def totals(ctx: RunContext) -> dict[str, Any]:
    """The ingest stage's counts: every source's account summed (per source under
    ``sources``)."""
    counts = ctx.counts.setdefault("ingest", {})
    per_source = counts.setdefault("sources", {})
    total = SourceAccount()
    for acc in per_source.values():
        _add(total, SourceAccount(**{k: v for k, v in acc.items() if k != "balanced"}))
    counts.update({k: v for k, v in total.as_dict().items()})
    counts["sources"] = per_source
    ctx.counts["ingest"] = {**{k: v for k, v in counts.items() if k != "sources"},
                            "sources": per_source}
    ctx.timings.setdefault("ingest", 0.0)
    log.info("ingest: %s (%.1f s)", stage_summary(ctx.counts["ingest"]), ctx.timings["ingest"])
    return ctx.counts["ingest"]


def _add(total: SourceAccount, acc: SourceAccount) -> None:
    for name in ("read", "loaded", "duplicates", "cross_channel_duplicates", "quarantined",
                 "outside_window", "files_read", "files_skipped"):
        setattr(total, name, getattr(total, name) + getattr(acc, name))
    for reason, n in acc.quarantine_reasons.items():
        total.quarantine_reasons[reason] = total.quarantine_reasons.get(reason, 0) + n
