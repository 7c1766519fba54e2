"""Hostile input never stops a night, never leaks the system's files, never exhausts a machine.

- Values: whatever a mapped field holds (NaN, infinity, 1e999, "1e30", integers past 64
  bits, lists, objects, booleans, invalid Unicode, nulls), the record is loaded with the
  feedback schema's types or quarantined with a reason, on every channel.
- Dates: a placeholder date (0001-01-01, 1900-01-01) is quarantined as implausible_date.
- Files: a gzip bomb, a file of a billion newlines or of 200,000 columns is refused or
  skipped in bounded memory and time (ingest.max_file_bytes, max_columns, max_field_chars).
- Paths: a source that resolves outside the project root and ingest.allowed_roots (through
  "..", an absolute path or a symlink) is refused before a byte of it is read.

Only the ingest stage runs: no model is loaded.

Long because it mirrors its module case by case; each class is one concern.
"""

from __future__ import annotations

import gzip
import json
import math
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.warehouse import Warehouse
from flows.config import ConfigError, VocConfig, load_config
from flows.request import preflight
from flows.run import SourcesRejected, open_run, run_pipeline
from flows.stages import ingest

SECRET = "unit-test-secret-for-customer-keys-only"
INT64_MAX = 2**63 - 1

@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOC_CUSTOMER_KEY_SECRET", SECRET)


def make_config(root: Path, sources: list[dict[str, Any]], **ingest_settings: Any) -> VocConfig:
    return VocConfig.model_validate({
        "warehouse": {"path": str(root / "wh" / "voc.duckdb")},
        "ingest": ingest_settings, "sources": sources, "root": root,
    })


def run_ingest(config: VocConfig, run_id: str = "run1") -> dict[str, Any]:
    with open_run(config, run_id) as ctx:
        return ingest.run(ctx, None, None, None)


def table(config: VocConfig, sql: str) -> list[tuple]:
    with Warehouse(config.resolve(config.warehouse.path), read_only=True) as wh:
        return wh.con.execute(sql).fetchall()


def assert_balanced(counts: dict[str, Any]) -> None:
    for name, acc in counts["sources"].items():
        assert acc["read"] == acc["loaded"] + acc["duplicates"] + acc["quarantined"], name


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------
# Values: one record never stops a night


SOCIAL = {"name": "social_posts", "channel": "social", "path": "social.jsonl",
          "format": "jsonl",
          "columns": {"id": "id", "created_at": "at", "text": "text", "author": "author",
                      "platform": "platform", "reach": "reach"}}


def _post(i: int, **fields: Any) -> dict[str, Any]:
    return {"id": f"S{i}", "at": "2026-09-01T10:00:00Z", "text": f"Parcel {i} came late",
            "author": f"@user{i}", "platform": "twitter", "reach": 10 * i, **fields}


def test_a_reach_too_big_for_its_column_is_quarantined_and_the_night_goes_on(
        tmp_path: Path) -> None:
    # reach 1e999 once crashed every run (OverflowError), "1e30" with a polars ComputeError:
    # nothing loaded, and the file, never marked read, failed every later run too.
    path = write_jsonl(tmp_path / "social.jsonl", [_post(i) for i in range(20)])
    bad = ['"reach": 1e999', '"reach": "1e30"', '"reach": 100000000000000000000000000000',
           '"reach": -1e999', '"reach": NaN', '"reach": true', '"reach": [1]',
           '"reach": {"n": 1}', '"reach": "lots"', '"reach": -5']
    with path.open("a", encoding="utf-8") as handle:
        for n, value in enumerate(bad):
            handle.write(json.dumps(_post(100 + n))[:-1].replace('"reach": ', '"old": ')
                         + f", {value}}}\n")
    config = make_config(tmp_path, [SOCIAL], max_quarantine_share=1.0)
    counts = run_ingest(config)
    assert_balanced(counts)
    assert (counts["read"], counts["loaded"]) == (30, 20)
    assert counts["quarantine_reasons"] == {"bad_value": 10}
    details = [d for (d,) in table(config, "SELECT detail FROM quarantine")]
    assert all(d.startswith("reach") for d in details), details
    assert max(r for (r,) in table(config, "SELECT reach FROM feedback")) == 190
    again = run_ingest(config, "run2")  # the file was read completely: nothing to do
    assert (again["read"], again["files_skipped"]) == (0, 1)


def test_scores_and_texts_that_cannot_be_mapped_are_quarantined(tmp_path: Path) -> None:
    records = [
        {"id": "ok", "at": "2026-09-01", "body": "Fine", "stars": "4.5", "product": 12},
        {"id": "nan", "at": "2026-09-01", "body": "Fine", "stars": float("nan")},
        {"id": "inf", "at": "2026-09-01", "body": "Fine", "stars": "Infinity"},
        {"id": "big", "at": "2026-09-01", "body": "Fine", "stars": 10**30},
        {"id": "bool", "at": "2026-09-01", "body": "Fine", "stars": True},
        {"id": "list", "at": "2026-09-01", "body": ["Fine"], "stars": 4},
        {"id": "obj", "at": "2026-09-01", "body": "Fine", "title": {"t": 1}},
        {"id": "surrogate", "at": "2026-09-01", "body": "Fine \ud83d", "stars": 4},
        {"id": ["a"], "at": "2026-09-01", "body": "Fine", "stars": 4},
        {"id": "nulls", "at": None, "body": None},
    ]
    (tmp_path / "reviews.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    config = make_config(tmp_path, [{
        "name": "shop", "channel": "review", "path": "reviews.jsonl", "format": "jsonl",
        "columns": {"id": "id", "created_at": "at", "body": "body", "title": "title",
                    "rating": "stars", "product": "product"}}], max_quarantine_share=1.0)
    counts = run_ingest(config)
    assert_balanced(counts)
    assert counts["loaded"] == 1
    assert table(config, "SELECT rating, product FROM feedback") == [(4.5, "12")]
    reasons = dict(table(config, "SELECT source_record_id, reason FROM quarantine"))
    assert reasons == {"nan": "bad_value", "inf": "bad_value", "big": "score_out_of_range",
                       "bool": "bad_value", "list": "bad_value", "obj": "bad_value",
                       "surrogate": "bad_value", "": "bad_value", "nulls": "unparseable_date"}
    raws = table(config, "SELECT raw_record FROM quarantine WHERE reason = 'bad_value'")
    assert any("Fine \ufffd" in raw for (raw,) in raws)  # kept, as valid Unicode


# Random JSON, and the values that once crashed or slipped through.
_SPECIAL = st.sampled_from([
    "__1e999__", "__-1e999__", 10**30, -(10**30), 2**63, INT64_MAX, 10**400, -1, 0, 1e308,
    "1e30", "1e999", "-inf", "NaN", "nan", "Infinity", "9" * 40, "\ud800", "text \udfff",
    "", "   ", "0001-01-01", "1900-01-01", "1999-12-31T23:59:59Z", "2026-09-01T10:00:00Z",
    "03/04/2026", "2099-01-01", 1788000000, 1e8, "5", "11", "-3", "CafÃ©", "a@b.co",
    "customer", "review", "survey",
])
HOSTILE = _SPECIAL | st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | _SPECIAL,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                  max_size=3),
    max_leaves=5)
_TEXTS = st.sampled_from(["The parcel came late.", "Great app, fast delivery",
                          "Refund still missing", "Das Paket kam zu spät."])
_DATES = st.sampled_from(["2026-09-01T10:00:00Z", "2026-08-15", "2025-12-24 08:00:00 +0100",
                          1788000000])
_VALID: dict[str, st.SearchStrategy[Any]] = {
    "id": st.text("abc123", min_size=1, max_size=4), "at": _DATES, "body": _TEXTS,
    "title": _TEXTS, "text": _TEXTS, "q1": _TEXTS, "q2": _TEXTS,
    "stars": st.integers(1, 5), "nps": st.integers(0, 10), "csat": st.integers(1, 5),
    "ces": st.integers(1, 7), "reach": st.integers(0, 10**9),
    "customer": st.sampled_from(["a@example.com", "@handle", ""]),
    "product": st.sampled_from(["Shoes", "App"]), "country": st.sampled_from(["DE", "FR"]),
    "platform": st.sampled_from(["twitter", "app_store"]),
    "kind": st.sampled_from(["review", "social", "chat", "survey"]),
    "turns": st.lists(st.fixed_dictionaries({"role": st.sampled_from(["customer", "agent"]),
                                             "text": _TEXTS}), min_size=1, max_size=3),
}
CHANNELS: dict[str, dict[str, Any]] = {
    "review": {"columns": {"id": "id", "created_at": "at", "body": "body", "title": "title",
                           "rating": "stars", "product": "product", "customer": "customer",
                           "country": "country"}},
    "social": {"columns": {"id": "id", "created_at": "at", "text": "text",
                           "author": "customer", "platform": "platform", "reach": "reach"}},
    "chat": {"columns": {"id": "id", "created_at": "at", "turns": "turns", "role": "role",
                         "text": "text", "csat": "csat", "customer": "customer"}},
    "survey": {"columns": {"id": "id", "created_at": "at", "nps": "nps", "csat": "csat",
                           "ces": "ces", "customer": "customer"},
               "text_columns": ["q1", "q2"]},
    "mixed": {"columns": {"id": "id", "created_at": "at", "channel": "kind", "text": "text",
                          "title": "title", "customer": "customer", "rating": "stars",
                          "nps": "nps", "csat": "csat", "ces": "ces", "product": "product",
                          "country": "country", "platform": "platform"}},
}
SCORE_RANGES = {"rating": (1, 5), "nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}


def _fields(channel: str) -> list[str]:
    spec = CHANNELS[channel]
    names = [c for c in spec["columns"].values() if c not in ("role", "text")
             or channel != "chat"]
    return names + spec.get("text_columns", [])


@st.composite
def hostile_records(draw: st.DrawFn, channel: str) -> list[dict[str, Any]]:
    """Records whose every mapped field may hold anything JSON can."""
    fields = _fields(channel)
    records = []
    for _ in range(draw(st.integers(1, 6))):
        record = {name: draw(_VALID[name]) for name in fields}
        for name in draw(st.sets(st.sampled_from(fields), max_size=3)):
            record[name] = draw(HOSTILE)
        if channel == "chat" and isinstance(record["turns"], list) and draw(st.booleans()):
            turn = {"role": draw(HOSTILE | st.just("customer")), "text": draw(HOSTILE)}
            record["turns"] = [*record["turns"], turn]
        for name in draw(st.sets(st.sampled_from(fields), max_size=2)):
            record.pop(name, None)  # a missing field
        records.append(record)
    return records


def _jsonl(records: list[dict[str, Any]]) -> str:
    # NaN and Infinity as JSON's extensions; "__1e999__" as the bare token 1e999.
    lines = (json.dumps(r, ensure_ascii=True) for r in records)
    return "".join(line.replace('"__1e999__"', "1e999").replace('"__-1e999__"', "-1e999")
                   + "\n" for line in lines)


def _check_types(config: VocConfig) -> None:
    """What was loaded has the feedback schema's types and ranges."""
    rows = table(config, "SELECT reach, rating, rating_scale, nps, csat, ces, created_at "
                         "FROM feedback")
    for reach, rating, scale, nps, csat, ces, created_at in rows:
        assert reach is None or (isinstance(reach, int) and 0 <= reach <= INT64_MAX)
        for name, value in (("rating", rating), ("nps", nps), ("csat", csat), ("ces", ces)):
            if value is not None:
                low, high = SCORE_RANGES[name]
                high = scale if name == "rating" and scale else high
                assert isinstance(value, float) and math.isfinite(value), (name, value)
                assert low <= value <= high, (name, value)
        assert datetime(2000, 1, 1) <= created_at <= datetime.now(UTC).replace(tzinfo=None)


@pytest.mark.parametrize("channel", list(CHANNELS))
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_random_values_in_every_mapped_field_never_stop_the_ingest(
        channel: str, data: st.DataObject) -> None:
    records = data.draw(hostile_records(channel))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "export.jsonl").write_text(_jsonl(records), encoding="utf-8")
        source = {"name": "src", "channel": channel, "path": "export.jsonl",
                  "format": "jsonl", **CHANNELS[channel]}
        config = make_config(root, [source])
        counts = run_ingest(config)  # no exception, whatever the records hold
        assert_balanced(counts)
        if channel == "survey":  # a row gives one record per answer
            assert counts["read"] >= len(records)
        else:
            assert counts["read"] == len(records)
        _check_types(config)


# ---------------------------------------------------------------------------------------
# Dates


def _reviews_csv(path: Path, dates: list[str]) -> Path:
    lines = ["id,at,body"] + [f"R{i},{d},Review number {i} is fine" for i, d in enumerate(dates)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


REVIEWS = {"name": "shop_reviews", "channel": "review", "path": "reviews.csv", "format": "csv",
           "columns": {"id": "id", "created_at": "at", "body": "body"}}


def test_placeholder_dates_are_implausible(tmp_path: Path) -> None:
    # 0001-01-01 and 1900-01-01 once loaded, and each theme's weekly series grew to 105,699
    # entries (a 2.5 MB report).
    _reviews_csv(tmp_path / "reviews.csv", ["0001-01-01", "1900-01-01", "1999-12-31T23:59:59Z",
                                            "100000000", "2000-01-01", "2026-09-01"])
    config = make_config(tmp_path, [REVIEWS], max_quarantine_share=1.0)
    counts = run_ingest(config)
    assert_balanced(counts)
    assert counts["quarantine_reasons"] == {"implausible_date": 4}
    assert sorted(table(config, "SELECT source_record_id FROM feedback")) == [("R4",), ("R5",)]
    details = dict(table(config, "SELECT source_record_id, detail FROM quarantine"))
    assert "'0001-01-01'" in details["R0"] and "ingest.earliest_date 2000-01-01" in details["R0"]
    assert "'1900-01-01'" in details["R1"]
    assert table(config, "SELECT min(created_at) FROM feedback") == [(datetime(2000, 1, 1),)]


def test_earliest_date_is_in_the_sources_time_zone() -> None:
    from data.sources import parse_timestamp

    now = datetime(2026, 10, 1, tzinfo=UTC)
    # Midnight of 1 January 2000 in Berlin is 23:00 UTC the day before: still plausible.
    assert parse_timestamp("2000-01-01", now, timezone="Europe/Berlin",
                           earliest=date(2000, 1, 1)) == datetime(1999, 12, 31, 23, tzinfo=UTC)


def test_earliest_date_is_a_setting(tmp_path: Path) -> None:
    _reviews_csv(tmp_path / "reviews.csv", ["1900-01-01", "1995-06-01", "2026-09-01"])
    config = make_config(tmp_path, [REVIEWS], earliest_date="1990-01-01",
                         max_quarantine_share=1.0)
    counts = run_ingest(config)
    assert counts["quarantine_reasons"] == {"implausible_date": 1}
    [(detail,)] = table(config, "SELECT detail FROM quarantine")
    assert "'1900-01-01'" in detail and "ingest.earliest_date 1990-01-01" in detail


@pytest.mark.parametrize(("value", "message"), [
    ('"2000-13-01"', "is not a date; write it as YYYY-MM-DD"),
    ('"01/01/2000"', "is not a date; write it as YYYY-MM-DD"),
    ("2000", "is not a date"),
    ('"2999-01-01"', "lies in the future"),
])
def test_earliest_date_is_validated(tmp_path: Path, value: str, message: str) -> None:
    path = tmp_path / "voc.toml"
    path.write_text(f"[ingest]\nearliest_date = {value}\n[[sources]]\nname = \"r\"\n"
                    "channel = \"review\"\npath = \"r.csv\"\nformat = \"csv\"\n"
                    "columns = { created_at = \"at\", body = \"body\" }\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="ingest.earliest_date") as info:
        load_config(path)
    assert message in str(info.value)


def test_a_toml_date_is_taken() -> None:
    from flows.config import IngestConfig

    assert IngestConfig(earliest_date=date(1995, 5, 1)).earliest_date == "1995-05-01"


@pytest.mark.parametrize(("key", "bad", "good"), [
    ("max_file_bytes", 0, 4096), ("max_columns", 0, 5), ("max_field_chars", -1, 100),
    ("allowed_roots", [" "], ["../exports", "/srv/exports"])])
def test_caps_and_roots_are_validated(key: str, bad: Any, good: Any) -> None:
    from flows.config import IngestConfig

    assert getattr(IngestConfig(**{key: good}), key) == good
    with pytest.raises(ValueError, match=key):
        IngestConfig(**{key: bad})


def test_every_ingest_setting_is_documented_in_the_shipped_config() -> None:
    from data.sources import Limits
    from flows.config import IngestConfig

    root = Path(__file__).resolve().parents[1]
    text = (root / "configs" / "voc.toml").read_text(encoding="utf-8")
    section = text.split("\n[ingest]\n", 1)[1].split("\n[", 1)[0]
    for name in IngestConfig.model_fields:
        assert f"\n{name} = " in section, name
    limits = Limits.of(load_config(root / "configs" / "voc.toml").ingest)
    assert limits.earliest_date == date(2000, 1, 1) and limits.allowed_roots == ()
    assert (limits.max_file_bytes, limits.max_columns, limits.max_field_chars) == (
        2**30, 1000, 1_000_000)


# ---------------------------------------------------------------------------------------
# Files: bounded memory and time


def test_a_gzip_bomb_of_newlines_finishes_quickly(tmp_path: Path) -> None:
    # 200 KB of gzipped JSON Lines newlines once took 129 s: every blank line was handled
    # one by one. Now a run of them is skipped block by block, and past max_file_bytes the
    # file is refused after one decompression.
    from data.formats import iter_rows
    from data.raw_rows import Caps

    bomb = tmp_path / "posts.jsonl.gz"
    bomb.write_bytes(gzip.compress(b"\n" * 60_000_000 + b'{"id": 1}\n' + b"\n" * 1_000_000,
                                   compresslevel=9))
    assert bomb.stat().st_size < 100_000
    started = time.monotonic()
    rows = list(iter_rows(bomb, "jsonl"))
    assert [(r.row, r.position) for r in rows] == [({"id": 1}, "posts.jsonl.gz line 60000001")]
    assert time.monotonic() - started < 20
    started = time.monotonic()
    [refused] = iter_rows(bomb, "jsonl", caps=Caps(max_bytes=1_000_000))
    assert refused.reason == "file_too_large" and "1,000,000 bytes" in (refused.error or "")
    assert time.monotonic() - started < 5


def test_a_csv_of_200_000_columns_is_refused_row_by_row_in_bounded_memory(
        tmp_path: Path) -> None:
    # 200 rows of 200,000 columns once took 6.6 GiB: every row became a dict and a JSON
    # dump of 200,000 cells, and a chunk of them was held at once.
    import tracemalloc

    from data.formats import iter_rows
    from data.raw_rows import Caps

    wide = tmp_path / "wide.csv"
    with wide.open("w", encoding="utf-8") as handle:
        for _ in range(40):
            handle.write(",".join(["x"] * 200_000) + "\n")
    tracemalloc.start()
    try:
        rows = list(iter_rows(wide, "csv", caps=Caps(max_columns=1000)))  # held, as a chunk is
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(rows) == 40 and {r.reason for r in rows} == {"too_many_columns"}
    assert "200,000 cells, more than 1,000 (ingest.max_columns)" in (rows[1].error or "")
    assert max(len(r.raw) for r in rows) < 70_000  # the quarantine keeps the start
    assert peak < 40_000_000, f"peak {peak:,} bytes"


def test_a_gzipped_parquet_bomb_never_becomes_a_big_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A 4 MB .parquet.gz once became a 4 GB temporary file.
    from data import formats_binary
    from data.formats import iter_rows
    from data.raw_rows import Caps

    written: list[int] = []
    real = tempfile.TemporaryFile

    class Counting:
        def __init__(self) -> None:
            self.handle, self.size = real(), 0

        def __enter__(self) -> Counting:
            return self

        def __exit__(self, *exc: object) -> None:
            written.append(self.size)
            self.handle.close()

        def write(self, data: bytes) -> int:
            self.size += len(data)
            return self.handle.write(data)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.handle, name)

    monkeypatch.setattr(formats_binary.tempfile, "TemporaryFile", Counting)
    bomb = tmp_path / "export.parquet.gz"
    bomb.write_bytes(gzip.compress(b"PAR1" + b"\0" * 20_000_000))
    [refused] = iter_rows(bomb, "parquet", caps=Caps(max_bytes=2_000_000))
    assert refused.reason == "file_too_large"
    assert written and max(written) <= 2_000_000


def test_the_caps_are_settings_and_each_refusal_is_a_named_quarantine(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bomb.jsonl.gz").write_bytes(gzip.compress(b"\n" * 3_000_000))
    write_jsonl(tmp_path / "in" / "posts.jsonl", [
        _post(1), _post(2, text="x" * 3000), _post(3, **{f"c{i}": i for i in range(40)})])
    config = make_config(tmp_path, [{**SOCIAL, "path": "in/*"}], max_file_bytes=1_000_000,
                         max_columns=30, max_field_chars=2000, max_quarantine_share=1.0)
    counts = run_ingest(config)
    assert_balanced(counts)
    assert counts["quarantine_reasons"] == {"file_too_large": 1, "field_too_long": 1,
                                            "too_many_columns": 1}
    assert counts["loaded"] == 1


# ---------------------------------------------------------------------------------------
# Paths: nothing outside the allowed roots is read


@pytest.fixture()
def no_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a source file is hashed or read."""
    import data.sources

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a file was read: {args}")

    monkeypatch.setattr(data.sources, "file_sha256", refuse)
    monkeypatch.setattr(data.sources, "iter_rows", refuse)


def _read(path: str, root: Path, **limits: Any) -> Any:
    from data.sources import Limits, read_source
    from flows.config import SourceConfig

    source = SourceConfig(name="shop_reviews", channel="review", path=path, format="csv",
                          columns={"id": "id", "created_at": "at", "body": "body"})
    return read_source(source, root, limits=Limits(**{"allowed_roots": (), **limits}))


@pytest.mark.parametrize("path", ["../../../../../../../../etc/group", "/etc/passwd",
                                  "/etc/pass*", "data/../../../../../../../../etc/group"])
def test_a_path_outside_the_project_is_refused_unread(tmp_path: Path, path: str,
                                                      no_reading: None) -> None:
    batch = _read(path, tmp_path)
    assert batch.records == [] and batch.files == []
    [q] = batch.quarantined
    assert q["reason"] == "outside_allowed_roots"
    assert "/etc" in q["detail"] and str(tmp_path.resolve()) in q["detail"]
    assert "ingest.allowed_roots" in q["detail"]
    assert "root:" not in q["raw_record"] + q["detail"]


def test_a_symlink_to_a_system_file_is_refused_unread(tmp_path: Path, no_reading: None) -> None:
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "a.csv").write_text("id,at,body\n1,2026-09-01,Fine\n")
    (tmp_path / "exports" / "b.csv").symlink_to("/etc/passwd")
    (tmp_path / "system").symlink_to("/etc", target_is_directory=True)
    for path in ("exports/*.csv", "exports/b.csv", "system/passwd", "system/*"):
        [q] = _read(path, tmp_path).quarantined
        assert q["reason"] == "outside_allowed_roots", path
        assert "/etc" in q["detail"], path


def test_absolute_and_relative_paths_inside_allowed_roots_are_read(tmp_path: Path) -> None:
    project, elsewhere = tmp_path / "project", tmp_path / "exports"
    project.mkdir()
    elsewhere.mkdir()
    (project / "a.csv").write_text("id,at,body\n1,2026-09-01,Fine\n")
    (elsewhere / "b.csv").write_text("id,at,body\n2,2026-09-01,Fine too\n")
    (project / "link.csv").symlink_to(elsewhere / "b.csv")
    assert len(_read(str(project / "a.csv"), project).records) == 1
    assert _read(str(elsewhere / "b.csv"), project).quarantined[0]["reason"] == (
        "outside_allowed_roots")
    for allowed in (str(elsewhere), "../exports"):
        for path in (str(elsewhere / "b.csv"), "../exports/*.csv", "link.csv", "*.csv"):
            batch = _read(path, project, allowed_roots=(allowed,))
            assert batch.quarantined == [], (allowed, path)
            assert batch.records, (allowed, path)


def test_a_source_outside_the_project_fails_the_run_naming_path_and_roots(
        tmp_path: Path) -> None:
    (tmp_path / "reviews.csv").write_text("id,at,body\n1,2026-09-01,The parcel was late\n")
    (tmp_path / "passwd.csv").symlink_to("/etc/passwd")
    config = make_config(tmp_path, [
        {**REVIEWS, "path": "reviews.csv"},
        {**REVIEWS, "name": "system", "path": "../../../../../../../../etc/group"},
        {**REVIEWS, "name": "linked", "path": "passwd.csv"}])
    with pytest.raises(SourcesRejected) as failed:
        run_pipeline(preflight(config))
    message = str(failed.value)
    for name, path in (("system", "/etc/group"), ("linked", "/etc/passwd")):
        assert f"source '{name}'" in message and path in message
    assert "outside_allowed_roots" in message and str(tmp_path.resolve()) in message
    assert "source 'shop_reviews'" not in message
    assert "root:x" not in message


def test_allowed_roots_from_the_config(tmp_path: Path) -> None:
    project, elsewhere = tmp_path / "project", tmp_path / "exports"
    project.mkdir()
    elsewhere.mkdir()
    (elsewhere / "reviews.csv").write_text("id,at,body\n1,2026-09-01,The parcel was late\n")
    source = {**REVIEWS, "path": str(elsewhere / "reviews.csv")}
    refused = run_ingest(make_config(project, [source], max_quarantine_share=1.0))
    assert refused["quarantine_reasons"] == {"outside_allowed_roots": 1}
    allowed = make_config(tmp_path / "other", [source], allowed_roots=[str(elsewhere)])
    assert run_ingest(allowed)["loaded"] == 1
