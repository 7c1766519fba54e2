"""Tests for data.dates: the dates of real exports, read into aware UTC datetimes."""

from __future__ import annotations

import doctest
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

import data.dates
from data.dates import AmbiguousDate, DateError, parse_datetime

AT = datetime(2015, 2, 24, 19, 35, 52, tzinfo=UTC)  # 2015-02-24 11:35:52 -0800


class TestIso:
    @pytest.mark.parametrize(("text", "expected"), [
        ("2015-02-24T19:35:52", AT),
        ("2015-02-24 19:35:52", AT),
        ("2015-02-24t19:35:52", AT),
        ("2015-02-24T19:35:52Z", AT),
        ("2015-02-24T19:35:52z", AT),
        ("2015-02-24 19:35:52 UTC", AT),
        ("2015-02-24 19:35:52 GMT", AT),
        ("2015-02-24T20:35:52+01:00", AT),
        ("2015-02-24T20:35:52+0100", AT),
        ("2015-02-24T20:35:52+01", AT),
        ("2015-02-24 11:35:52 -0800", AT),     # the real social export
        ("2015-02-24 11:35:52 -08:00", AT),
        ("2015-02-24 11:35:52  -0800", AT),
        ("2015-02-24 11:35:52-0800", AT),
        ("  2015-02-24 11:35:52 -0800\t", AT),
        ("2015-02-25T01:05:52+05:30", AT),
        ("2015-02-24T19:35", AT.replace(second=0)),
        ("2015-02-24T19:35:52.5Z", AT + timedelta(milliseconds=500)),
        ("2015-02-24T19:35:52,25Z", AT + timedelta(milliseconds=250)),
        ("2015-02-24 11:35:52.123456789 -0800", AT + timedelta(microseconds=123456)),
        ("2015-02-24", datetime(2015, 2, 24, tzinfo=UTC)),
        ("2015-2-4", datetime(2015, 2, 4, tzinfo=UTC)),
        ("20150224", datetime(2015, 2, 24, tzinfo=UTC)),           # ISO basic format
        ("20150224T193552Z", AT),
    ])
    def test_forms(self, text: str, expected: datetime) -> None:
        parsed = parse_datetime(text)
        assert parsed == expected
        assert parsed.tzinfo is UTC

    def test_naive_times_and_dates_in_the_source_timezone(self) -> None:
        assert parse_datetime("2026-07-01 12:00", tz="Europe/Berlin") == datetime(
            2026, 7, 1, 10, 0, tzinfo=UTC)  # summer time, UTC+2
        assert parse_datetime("2026-01-01", tz="Europe/Berlin") == datetime(
            2025, 12, 31, 23, 0, tzinfo=UTC)
        assert parse_datetime("2026-07-01 12:00", tz="America/Los_Angeles") == datetime(
            2026, 7, 1, 19, 0, tzinfo=UTC)
        # An offset in the value wins over the source's zone.
        assert parse_datetime("2026-07-01T12:00:00Z", tz="Europe/Berlin") == datetime(
            2026, 7, 1, 12, 0, tzinfo=UTC)

    @pytest.mark.parametrize("text", [
        "yesterday", "2026-13-01", "2026-02-30", "2026-09-14 25:00", "2026-09-14T10:22:00+24:00",
        "2026-09-14 10:22:00 PST", "2026-09-14 garbage", "14 Sep 2026", "-", "1.5",
    ])
    def test_garbage_is_unreadable_not_ambiguous(self, text: str) -> None:
        with pytest.raises(DateError) as info:
            parse_datetime(text)
        assert not isinstance(info.value, AmbiguousDate)

    @pytest.mark.parametrize("value", [None, "", "   ", True, [2026, 9, 14]])
    def test_no_date(self, value: object) -> None:
        with pytest.raises(DateError):
            parse_datetime(value)


class TestEpoch:
    @pytest.mark.parametrize("value", [
        1424807752, 1424807752.0, "1424807752", " 1424807752 ", Decimal("1424807752"),
        1424807752000, "1424807752000", 1424807752000.0,
    ])
    def test_seconds_and_milliseconds_by_magnitude(self, value: object) -> None:
        assert parse_datetime(value) == datetime(2015, 2, 24, 19, 55, 52, tzinfo=UTC)

    def test_fractions_and_bounds(self) -> None:
        assert parse_datetime(1424807752.25) == datetime(2015, 2, 24, 19, 55, 52, 250000,
                                                         tzinfo=UTC)
        assert parse_datetime(1424807752123) == datetime(2015, 2, 24, 19, 55, 52, 123000,
                                                         tzinfo=UTC)
        assert parse_datetime(10**8) == datetime(1973, 3, 3, 9, 46, 40, tzinfo=UTC)
        assert parse_datetime(10**11) == datetime(1973, 3, 3, 9, 46, 40, tzinfo=UTC)
        # Epoch times are UTC whatever the source's zone.
        assert parse_datetime(1424807752, tz="Europe/Berlin") == parse_datetime(1424807752)

    @pytest.mark.parametrize("value", [
        0, 45_000, 2026, 10**8 - 1, 10**14, -1424807752, float("nan"), float("inf"), "1e9",
    ])
    def test_other_numbers_are_no_dates(self, value: object) -> None:
        with pytest.raises(DateError) as info:
            parse_datetime(value)
        assert not isinstance(info.value, AmbiguousDate)


class TestObjects:
    def test_datetime_and_date_cells(self) -> None:
        naive = datetime(2026, 7, 1, 12, 0)
        assert parse_datetime(naive) == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
        assert parse_datetime(naive, tz="Europe/Berlin") == datetime(2026, 7, 1, 10, 0,
                                                                     tzinfo=UTC)
        aware = datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=-8)))
        assert parse_datetime(aware, tz="Europe/Berlin") == datetime(2026, 7, 1, 20, 0,
                                                                     tzinfo=UTC)
        assert parse_datetime(date(2026, 7, 1)) == datetime(2026, 7, 1, tzinfo=UTC)
        assert parse_datetime(date(2026, 7, 1), tz="Asia/Tehran") == datetime(
            2026, 6, 30, 20, 30, tzinfo=UTC)


class TestAmbiguousAndFormats:
    @pytest.mark.parametrize(("text", "hint"), [
        ("03/04/2026", 'date_format = "%d/%m/%Y" (day first) or "%m/%d/%Y" (month first)'),
        ("24/02/2015", 'date_format = "%d/%m/%Y" (day first)'),
        ("24.02.2015", 'date_format = "%d.%m.%Y" (day first)'),
        ("3.4.26", '"%d.%m.%y" (day first) or "%m.%d.%y" (month first)'),
        ("24/02/2015 11:35", '"%d/%m/%Y %H:%M" (day first)'),
        ("24/02/2015 11:35:52", '"%d/%m/%Y %H:%M:%S" (day first)'),
        ("24-02-2015", '"%d-%m-%Y" (day first)'),
        ("2026/03/04", 'date_format = "%Y/%m/%d"'),
    ])
    def test_never_guessed(self, text: str, hint: str) -> None:
        with pytest.raises(AmbiguousDate) as info:
            parse_datetime(text)
        assert info.value.text == text
        assert hint in info.value.hint

    def test_formats_read_them_in_order(self) -> None:
        formats = ["%d/%m/%Y %H:%M", "%d/%m/%Y"]
        assert parse_datetime("03/04/2026", formats=formats) == datetime(2026, 4, 3, tzinfo=UTC)
        assert parse_datetime("03/04/2026 18:30", formats=formats) == datetime(
            2026, 4, 3, 18, 30, tzinfo=UTC)
        assert parse_datetime("04/03/2026", formats=["%m/%d/%Y"]) == datetime(
            2026, 4, 3, tzinfo=UTC)

    def test_formats_with_zone_and_offset(self) -> None:
        assert parse_datetime("24.02.2015 20:35", formats=["%d.%m.%Y %H:%M"],
                              tz="Europe/Berlin") == datetime(2015, 2, 24, 19, 35, tzinfo=UTC)
        assert parse_datetime("24/02/2015 11:35:52 -0800",
                              formats=["%d/%m/%Y %H:%M:%S %z"], tz="Europe/Berlin") == AT

    def test_formats_also_read_integers(self) -> None:
        assert parse_datetime(20150224, formats=["%Y%m%d"]) == datetime(2015, 2, 24, tzinfo=UTC)

    def test_with_formats_iso_and_epoch_still_read(self) -> None:
        assert parse_datetime("2015-02-24 11:35:52 -0800", formats=["%d/%m/%Y"]) == AT
        assert parse_datetime(1424807752, formats=["%d/%m/%Y"]) == datetime(
            2015, 2, 24, 19, 55, 52, tzinfo=UTC)

    def test_with_formats_a_value_none_reads_is_unreadable(self) -> None:
        with pytest.raises(DateError) as info:
            parse_datetime("2015/24/02", formats=["%d/%m/%Y"])
        assert not isinstance(info.value, AmbiguousDate)
        assert "%d/%m/%Y" in str(info.value)


def test_docstring_examples() -> None:
    assert doctest.testmod(data.dates).failed == 0


@pytest.mark.parametrize("value", [datetime.min, "0001-01-01T00:00:00+01:00",
                                   "9999-12-31T23:59:59-01:00"])
def test_dates_shifted_out_of_range_are_unreadable(value: object) -> None:
    with pytest.raises(DateError):
        parse_datetime(value, tz="Europe/Berlin")
