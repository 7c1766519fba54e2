"""A run's request, checked before anything heavy is imported or anything is written."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as dtime
from typing import Any

from flows.config import ConfigError, VocConfig
from flows.customer_keys import customer_key_secret


@dataclass(frozen=True)
class RunRequest:
    """A checked request for one run: what to read, which window, refit or not."""

    config: VocConfig
    sources: list[str] | None = None
    since: datetime | None = None
    until: datetime | None = None
    refit: bool = False
    # As the caller gave them; stored in runs.parameters.
    parameters: dict[str, Any] = field(default_factory=dict)


def preflight(config: VocConfig, *, source: str | None = None, since: str | None = None,
              until: str | None = None, refit: bool = False,
              parameters: dict[str, Any] | None = None) -> RunRequest:
    """Check a run's request before anything is read or written.

    Raises:
        ConfigError: an unknown source, a bad date, or no customer_key secret; the message
            names the problem and how to fix it.
    """
    if source:
        config.source(source)
    customer_key_secret(config)
    since_ts, until_ts = parse_day(since, "since"), parse_day(until, "until")
    if since_ts is not None and until_ts is not None and since_ts >= until_ts:
        raise ConfigError(f"--since {since} is not before --until {until}: the window "
                          "[since, until) would hold no feedback")
    return RunRequest(config=config, sources=[source] if source else None,
                      since=since_ts, until=until_ts, refit=refit,
                      parameters=dict(parameters or {}))


def parse_day(value: str | None, name: str) -> datetime | None:
    """A date or ISO timestamp parameter as an aware UTC datetime."""
    if value in (None, ""):
        return None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), dtime(), tzinfo=UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--{name} {value!r}: expected a date like 2026-09-01") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
