"""A run journal beside the warehouse: what happened to runs that the warehouse itself
could not be told.

A run writes a copy of the warehouse and publishes it only when it completes, so a run that
fails or is killed leaves no trace in the warehouse it was writing. Recording the failure in
the published warehouse afterwards can itself fail (an analyst's connection holds the file)
and cannot happen at all after ``kill -9``. So every run appends to
``<warehouse>.journal`` (JSON lines, one per event, flushed to disk): ``started`` once it
holds the warehouse, ``failed`` with the error, ``published`` when it is in. The next run
folds the journal into ``runs``: a failed run becomes a ``failed`` row, a run that started
and never ended becomes ``interrupted``; once that run is published, the journal forgets
them.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

STARTED, FAILED, PUBLISHED = "started", "failed", "published"


@dataclass(frozen=True)
class JournalRun:
    """A run the warehouse may not know how it ended."""

    run_id: str
    status: str                 # failed | interrupted
    started_at: str
    finished_at: str | None
    parameters: dict[str, Any]
    flow_run_id: str | None
    error: str | None


class RunJournal:
    """The journal of one warehouse (``<warehouse>.journal``)."""

    def __init__(self, warehouse: Path, *, mode: int = 0o600) -> None:
        self.path = warehouse.with_name(warehouse.name + ".journal")
        self.mode = mode

    def started(self, run_id: str, at: datetime, parameters: dict[str, Any],
                flow_run_id: str | None) -> None:
        self._append({"run_id": run_id, "event": STARTED, "at": at.isoformat(),
                      "parameters": parameters, "flow_run_id": flow_run_id,
                      "pid": os.getpid()})

    def failed(self, run_id: str, at: datetime, error: str) -> None:
        self._append({"run_id": run_id, "event": FAILED, "at": at.isoformat(), "error": error})

    def published(self, run_id: str, at: datetime) -> None:
        self._append({"run_id": run_id, "event": PUBLISHED, "at": at.isoformat()})

    def unrecorded(self, current: str) -> list[JournalRun]:
        """Runs other than ``current`` that failed or never ended, oldest first. Call it
        while holding the warehouse's run lock: then no other run is under way."""
        runs: dict[str, dict[str, Any]] = {}
        for entry in self._entries():
            run = runs.setdefault(entry["run_id"], {})
            run[entry["event"]] = entry
        out = []
        for run_id, events in runs.items():
            if run_id == current or PUBLISHED in events or STARTED not in events:
                continue
            start, failure = events[STARTED], events.get(FAILED)
            out.append(JournalRun(
                run_id=run_id, status="failed" if failure else "interrupted",
                started_at=start["at"], finished_at=failure["at"] if failure else None,
                parameters=start.get("parameters") or {}, flow_run_id=start.get("flow_run_id"),
                error=(failure or {}).get("error")
                or "the run stopped without finishing (killed, or the machine went down)"))
        return out

    def forget(self, run_ids: set[str]) -> None:
        """Drop these runs' entries (they are in the published warehouse now)."""
        with self._locked() as handle:
            handle.seek(0)
            keep = [line for line in handle.read().splitlines()
                    if line.strip() and _run_id(line) not in run_ids]
            handle.seek(0)
            handle.truncate()
            handle.write("".join(f"{line}\n" for line in keep))
            handle.flush()
            os.fsync(handle.fileno())

    def _append(self, entry: dict[str, Any]) -> None:
        with self._locked() as handle:
            handle.seek(0, os.SEEK_END)
            handle.write(json.dumps(entry, default=str, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def _entries(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with self._locked() as handle:
            lines = handle.read().splitlines()
        for line in lines:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short by a crash
            if isinstance(entry, dict) and "run_id" in entry and "event" in entry:
                yield entry

    @contextmanager
    def _locked(self) -> Iterator[Any]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, self.mode)
        with os.fdopen(fd, "r+", encoding="utf-8") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield handle
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _run_id(line: str) -> str | None:
    try:
        entry = json.loads(line)
    except json.JSONDecodeError:
        return None
    return entry.get("run_id") if isinstance(entry, dict) else None
