"""The dates of customer exports, read into aware UTC datetimes: :func:`parse_datetime`.

Pure: no I/O, no configuration of its own. What is read without being told:

- **ISO 8601**, with ``T`` or a space between date and time; seconds and fractional
  seconds (``.`` or ``,``; digits past the microsecond are dropped) are optional; an
  offset may follow, also after a space: ``Z``, ``UTC``, ``GMT``, ``+01:00``, ``+0100``,
  ``+01``. A date alone is midnight. Other ISO 8601 forms without spaces that Python's
  ``datetime.fromisoformat`` reads (``20260914``, ``20260914T102200Z``) are read too.
- **Epoch numbers**: ints, floats or numeric text, told apart by magnitude:
  ``1e8 <= n < 1e11`` are seconds, ``1e11 <= n < 1e14`` milliseconds (either way
  1973-03-03 to the year 5138). Smaller numbers (a year, an Excel serial day) and larger
  or negative ones are not taken for dates.
- **datetime and date objects** (Excel and Parquet cells) as they are.

A time without an offset, and a date alone, is read in ``tz`` (the source's time zone),
then converted to UTC; epoch numbers are UTC by definition.

A numeric date with ``/`` or ``.`` (``03/04/2026``, ``24.02.2015``, also with a time, and
``24-02-2015``: day or month first) is never guessed, even when only one reading is a valid
date: :class:`AmbiguousDate` says which ``date_format`` would read it. ``formats``
(strptime patterns) are tried first, in order, on any text or integer; what none of them
reads falls back to the forms above, except that an ambiguous date is then just unreadable.

>>> parse_datetime("2015-02-24 11:35:52 -0800")
datetime.datetime(2015, 2, 24, 19, 35, 52, tzinfo=datetime.timezone.utc)
>>> parse_datetime("2026-09-14")
datetime.datetime(2026, 9, 14, 0, 0, tzinfo=datetime.timezone.utc)
>>> parse_datetime(1424807752000) == parse_datetime("1424807752")
True
>>> parse_datetime("24/02/2015", formats=["%d/%m/%Y"], tz="Europe/Berlin")
datetime.datetime(2015, 2, 23, 23, 0, tzinfo=datetime.timezone.utc)
>>> parse_datetime("03/04/2026")
Traceback (most recent call last):
...
data.dates.AmbiguousDate: date '03/04/2026' could be day/month or month/day
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

# Epoch numbers: seconds in [SECONDS_FROM, MILLISECONDS_FROM), milliseconds in
# [MILLISECONDS_FROM, MILLISECONDS_UNTIL).
SECONDS_FROM = 10**8
MILLISECONDS_FROM = 10**11
MILLISECONDS_UNTIL = 10**14

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:(?:[Tt]|\s+)(?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d+))?)?"
    r"\s*(?P<tz>[Zz]|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?)?"
)
# Numeric dates whose day and month cannot be told apart without being told.
_AMBIGUOUS = re.compile(
    r"(?P<a>\d{1,4})(?P<sep>[./])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})(?P<time>(?:[Tt]|\s+).*)?"
    r"|(?P<a2>\d{1,2})(?P<sep2>-)(?P<b2>\d{1,2})-(?P<c2>\d{2,4})(?P<time2>(?:[Tt]|\s+).*)?"
)
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)")
_CLOCK = re.compile(r"\s*(\d{1,2}):(\d{2})(:\d{2})?")


class DateError(ValueError):
    """A value this module cannot read as a date; the message says why."""


class AmbiguousDate(DateError):
    """A numeric date whose day and month could be either way round (``03/04/2026``).

    ``hint`` names the ``date_format`` that would read it, e.g.
    ``date_format = "%d/%m/%Y" (day first) or "%m/%d/%Y" (month first)``.
    """

    def __init__(self, text: str, hint: str) -> None:
        super().__init__(f"date {text!r} could be day/month or month/day")
        self.text, self.hint = text, hint


def zone(name: str | tzinfo) -> tzinfo:
    """The time zone of an IANA name ("Europe/Berlin"); UTC for "UTC"."""
    if isinstance(name, tzinfo):
        return name
    return UTC if name == "UTC" else ZoneInfo(name)


def parse_datetime(value: object, *, formats: Sequence[str] = (),
                   tz: str | tzinfo = "UTC") -> datetime:
    """``value`` as an aware UTC datetime (see the module docstring for what is read).

    Args:
        formats: strptime patterns tried first, in order (a source's ``date_format``).
        tz: the zone of times without an offset (a source's ``timezone``).

    Raises:
        AmbiguousDate: a numeric date with ``/`` or ``.`` and no ``formats`` reading it.
        DateError: anything else that is no date (empty, garbage, an impossible date).
    """
    local = zone(tz)
    if isinstance(value, datetime):
        return _to_utc(value, local)
    if isinstance(value, date):
        return _to_utc(datetime(value.year, value.month, value.day), local)
    if value is None or isinstance(value, bool):
        raise DateError("no date" if value is None else f"{value!r} is no date")
    if isinstance(value, int | float | Decimal):
        if formats and isinstance(value, int):
            parsed = _with_formats(str(value), formats, local)
            if parsed is not None:
                return parsed
        return _epoch(value)
    if not isinstance(value, str):
        raise DateError(f"{type(value).__name__} {value!r} is no date")
    text = value.strip()
    if not text:
        raise DateError("no date")
    if formats:
        parsed = _with_formats(text, formats, local)
        if parsed is not None:
            return parsed
    match = _ISO.fullmatch(text)
    if match:
        return _from_iso(match, text, local)
    ambiguous = _AMBIGUOUS.fullmatch(text)
    if ambiguous:
        if formats:
            raise DateError(f"date {text!r} does not match date_format {list(formats)}")
        raise AmbiguousDate(text, _hint(ambiguous))
    number = _NUMBER.fullmatch(text)
    if number and SECONDS_FROM <= float(text) < MILLISECONDS_UNTIL:
        return _epoch(float(text))
    if not any(c.isspace() for c in text):
        try:
            return _to_utc(datetime.fromisoformat(text), local)
        except ValueError:
            pass
    if number:
        return _epoch(float(text))  # raises: out of the epoch ranges, says which
    expected = f"date_format {list(formats)}, " if formats else ""
    raise DateError(f"cannot read date {text!r} (expected {expected}ISO 8601 or epoch "
                    "seconds or milliseconds)")


def _to_utc(ts: datetime, local: tzinfo) -> datetime:
    try:
        return (ts.replace(tzinfo=local) if ts.tzinfo is None else ts).astimezone(UTC)
    except (OverflowError, ValueError):  # year 1 or 9999 shifted out of range
        raise DateError(f"date {ts.isoformat()!r} is out of range") from None


def _with_formats(text: str, formats: Sequence[str], local: tzinfo) -> datetime | None:
    for pattern in formats:
        try:
            return _to_utc(datetime.strptime(text, pattern), local)
        except ValueError:
            continue
    return None


def _epoch(value: float | int | Decimal) -> datetime:
    try:
        number = float(value)
    except (ValueError, OverflowError):
        number = math.nan
    if not math.isfinite(number):
        raise DateError(f"{value!r} is no date")
    if not SECONDS_FROM <= number < MILLISECONDS_UNTIL:
        raise DateError(f"number {value} is no epoch time (seconds are 1e8 to 1e11, "
                        "milliseconds 1e11 to 1e14)")
    seconds = number / 1000 if number >= MILLISECONDS_FROM else number
    return _EPOCH + timedelta(seconds=seconds)


def _from_iso(match: re.Match[str], text: str, local: tzinfo) -> datetime:
    g = match.groupdict()
    fraction = (g["f"] or "")[:6].ljust(6, "0")
    try:
        ts = datetime(int(g["y"]), int(g["mo"]), int(g["d"]), int(g["h"] or 0),
                      int(g["mi"] or 0), int(g["s"] or 0), int(fraction))
        offset = g["tz"]
        if offset is None:
            return _to_utc(ts, local)
        if offset in ("Z", "z", "UTC", "GMT"):
            return ts.replace(tzinfo=UTC)
        digits = offset[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
        return ts.replace(tzinfo=timezone(-delta if offset[0] == "-" else delta)).astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise DateError(f"cannot read date {text!r} ({exc})") from None


def _hint(match: re.Match[str]) -> str:
    """The ``date_format`` settings that would read an ambiguous date, for its message."""
    a, sep, c = match["a"] or match["a2"], match["sep"] or match["sep2"], match["c"] or match["c2"]
    clock = _CLOCK.match((match["time"] or match["time2"] or "").lstrip("Tt"))
    hours = (" %H:%M:%S" if clock.group(3) else " %H:%M") if clock else ""
    if len(a) == 4:  # year first: 2026/03/04
        return f'date_format = "%Y{sep}%m{sep}%d{hours}"'
    year = "%Y" if len(c) == 4 else "%y"
    return (f'date_format = "%d{sep}%m{sep}{year}{hours}" (day first) or '
            f'"%m{sep}%d{sep}{year}{hours}" (month first)')
