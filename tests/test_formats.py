"""Tests of data.formats: each text export format, gzip, and no crash on bad input.

Encoding detection is tested in test_encoding.py, the Parquet and Excel readers in
test_formats_binary.py. Every input is built in the test's temporary directory; nothing
touches the network.

Long because it mirrors its module case by case; each class is one concern.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import json
import random
import tracemalloc
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data import formats
from data.formats import DELIMITERS, FORMATS, iter_rows
from tests.format_helpers import FRENCH, read, rows_of, write

# ---------------------------------------------------------------------------------------
# CSV


@pytest.mark.parametrize(
    ("delimiter", "content"),
    [
        (";", "id;text;rating\n1;Bon produit, mais cher, trop cher;4\n2;Nul|nul;1\n"
              "3;Correct, sans plus;3\n"),
        ("\t", "id\ttext\trating\n1\tGood, but; pricey | meh\t4\n2\tBad, bad, bad\t1\n"
               "3\tfine;\t3\n"),
        ("|", "id|text|rating\n1|Good, but; pricey\t!|4\n2|ok, ok;;|5\n3|,|3\n"),
        (",", 'id,text,rating\n1,"Good; but | pricey",4\n2,meh,2\n3,"a,b",3\n'),
    ],
)
def test_csv_delimiter_is_detected(tmp_path: Path, delimiter: str, content: str) -> None:
    path = write(tmp_path / "reviews.csv", content.encode())
    expected = list(csv.DictReader(io.StringIO(content), delimiter=delimiter))
    items = read(path, "csv")
    assert rows_of(items) == expected
    assert [item.position for item in items] == [f"reviews.csv line {n}" for n in (2, 3, 4)]


def test_csv_explicit_delimiter_and_encoding_are_used(tmp_path: Path) -> None:
    path = write(tmp_path / "reviews.csv", "id;text\n1;Café\n".encode("cp1252"))
    assert rows_of(read(path, "csv", delimiter=",")) == [{"id;text": "1;Café"}]
    # cp1251 reads byte 0xE9 as Cyrillic: proof that the given encoding wins over detection.
    assert rows_of(read(path, "csv", encoding="cp1251")) == [{"id": "1", "text": "Cafй"}]


def test_csv_quoted_newlines_and_doubled_quotes(tmp_path: Path) -> None:
    content = ('id,text\r\n1,"first line\nsecond line"\r\n2,"He said ""broken"", then left"\r\n'
               '3,"a\r\nb"\r\n4,plain\r\n')
    items = read(write(tmp_path / "reviews.csv", content.encode()), "csv")
    assert [row["text"] for row in rows_of(items)] == [
        "first line\nsecond line", 'He said "broken", then left', "a\r\nb", "plain"]
    # Positions are the physical line where each record starts.
    assert [item.position for item in items] == [
        "reviews.csv line 2", "reviews.csv line 4", "reviews.csv line 5", "reviews.csv line 7"]


def test_csv_row_with_too_many_cells_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "reviews.csv", b"id,text\n1,ok\n2,too,many\n3,fine\n")
    items = read(path, "csv")
    assert [item.row for item in items] == [{"id": "1", "text": "ok"}, None,
                                            {"id": "3", "text": "fine"}]
    bad = items[1]
    assert bad.error == "reviews.csv line 3: 3 cells, header has 2"
    assert bad.raw == "2,too,many"
    assert bad.position == "reviews.csv line 3"


def test_csv_short_rows_get_none(tmp_path: Path) -> None:
    path = write(tmp_path / "reviews.csv", b"id,text,rating\n1,only id and text\n2\n")
    assert rows_of(read(path, "csv")) == [
        {"id": "1", "text": "only id and text", "rating": None},
        {"id": "2", "text": None, "rating": None},
    ]


def test_csv_header_is_cleaned_and_made_unique(tmp_path: Path) -> None:
    path = write(tmp_path / "reviews.csv", b" id ,Text,text, ,id,id\n1,2,3,4,5,6\n")
    (row,) = rows_of(read(path, "csv"))
    assert list(row) == ["id", "Text", "text", "column_4", "id_2", "id_3"]
    assert row["id_3"] == "6"


def test_csv_blank_and_empty_rows_are_skipped(tmp_path: Path) -> None:
    path = write(tmp_path / "reviews.csv", b"\nid,text\n\n1,a\n,\n  ,  \n2, b \n")
    items = read(path, "csv")
    # Values are not stripped; line numbers still count the skipped lines.
    assert rows_of(items) == [{"id": "1", "text": "a"}, {"id": "2", "text": " b "}]
    assert [item.position for item in items] == ["reviews.csv line 4", "reviews.csv line 7"]


def test_csv_oversized_field_is_an_error_and_reading_goes_on(tmp_path: Path) -> None:
    huge = "x" * (csv.field_size_limit() + 10)
    path = write(tmp_path / "reviews.csv", f'id,text\n1,"{huge}"\n2,after\n'.encode())
    items = read(path, "csv")
    assert items[0].row is None and "field larger than field limit" in (items[0].error or "")
    assert items[0].position == "reviews.csv line 2"
    assert [item.row for item in items[1:]] == [{"id": "2", "text": "after"}]


def test_csv_with_a_malformed_header_gives_only_errors(tmp_path: Path) -> None:
    huge = "x" * (csv.field_size_limit() + 10)
    path = write(tmp_path / "reviews.csv", f'"{huge}"\n1,a\n2,b\n'.encode())
    items = read(path, "csv")
    assert len(items) == 3 and all(item.row is None for item in items)
    assert "no usable header" in (items[1].error or "")
    assert items[2].raw == "2,b"


# ---------------------------------------------------------------------------------------
# JSON Lines and JSON


def test_jsonl_broken_and_non_object_lines(tmp_path: Path) -> None:
    lines = ['{"id": 1, "text": "ok"}', "", '{"id": 2, "text": broken', "[1, 2]", '"text"',
             "null", '{"id": 3, "text": "after the break", "score": 4.5, "tags": ["a"]}']
    path = write(tmp_path / "posts.jsonl", ("\n".join(lines) + "\n").encode())
    items = read(path, "jsonl")
    assert [item.position for item in items] == [
        f"posts.jsonl line {n}" for n in (1, 3, 4, 5, 6, 7)]
    assert items[0].row == {"id": 1, "text": "ok"}
    assert items[-1].row == {"id": 3, "text": "after the break", "score": 4.5, "tags": ["a"]}
    assert [item.raw for item in items[1:5]] == lines[2:6]
    assert (items[1].error or "").startswith("posts.jsonl line 3: invalid JSON")
    assert [item.error for item in items[2:5]] == [
        "posts.jsonl line 4: JSON value is an array, not an object",
        "posts.jsonl line 5: JSON value is a string, not an object",
        "posts.jsonl line 6: JSON value is null, not an object",
    ]


def test_jsonl_deep_nesting_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = write(tmp_path / "posts.jsonl", b"[" * 200_000 + b'\n{"a": 1}\n')
    items = read(path, "jsonl")
    assert items[0].row is None and items[1].row == {"a": 1}


def test_jsonl_overlong_line_is_not_held(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formats, "MAX_LINE_CHARS", 1000)
    long_line = json.dumps({"text": "y" * 5000})
    path = write(tmp_path / "posts.jsonl", f'{{"a": 1}}\n{long_line}\n{{"a": 2}}\n'.encode())
    items = read(path, "jsonl")
    assert [item.row for item in items] == [{"a": 1}, None, {"a": 2}]
    assert "longer than 1000 characters" in (items[1].error or "")
    assert items[1].position == "posts.jsonl line 2"
    assert len(items[1].raw) < 1100


def test_json_array_of_objects(tmp_path: Path) -> None:
    data = [{"id": 1, "text": FRENCH}, {"id": 2, "nested": {"k": [1, None]}}]
    path = write(tmp_path / "chats.json", json.dumps(data, indent=2).encode())
    items = read(path, "json")
    assert rows_of(items) == data
    assert [item.position for item in items] == ["chats.json item 1 (line 2)",
                                                 "chats.json item 2 (line 6)"]


def test_json_single_object_and_empty_array(tmp_path: Path) -> None:
    one = write(tmp_path / "one.json", b' {"id": 1}\n')
    assert rows_of(read(one, "json")) == [{"id": 1}]
    assert read(write(tmp_path / "none.json", b"[ ]"), "json") == []


def test_json_bad_items_and_a_break_in_the_middle(tmp_path: Path) -> None:
    path = write(tmp_path / "chats.json", b'[{"id": 1}, 7, "x",\n {"id": 2},\n {"id": 3,]')
    items = read(path, "json")
    assert [item.row for item in items] == [{"id": 1}, None, None, {"id": 2}, None]
    assert items[1].error == "chats.json item 2 (line 1): array item is a number, not an object"
    assert items[1].raw == "7"
    assert items[4].position == "chats.json item 5 (line 3)"
    assert "the rest of the file cannot be read" in (items[4].error or "")


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "no JSON value"), (b"  \n", "no JSON value"), (b"[1, 2", "invalid JSON"),
     (b'"just text"', "not an object"), (b'{"a": 1}\n{"a": 2}\n', "extra data")],
)
def test_json_file_level_errors(tmp_path: Path, content: bytes, message: str) -> None:
    items = read(write(tmp_path / "x.json", content), "json")
    assert items and items[-1].row is None and message in (items[-1].error or "")


# ---------------------------------------------------------------------------------------
# gzip


def test_gzip_csv_and_jsonl(tmp_path: Path) -> None:
    csv_path = tmp_path / "reviews.csv.gz"
    with gzip.open(csv_path, "wt", encoding="cp1252", newline="") as handle:
        handle.write(f'id;text\n1;"{FRENCH}"\n2;ok\n')
    items = read(csv_path, "csv")
    assert rows_of(items) == [{"id": "1", "text": FRENCH}, {"id": "2", "text": "ok"}]
    assert items[0].position == "reviews.csv.gz line 2"

    jsonl_path = tmp_path / "posts.jsonl.gz"
    jsonl_path.write_bytes(gzip.compress(b'{"a": 1}\n\n{"a": 2}\n'))
    items = read(jsonl_path, "jsonl")
    assert rows_of(items) == [{"a": 1}, {"a": 2}]
    assert items[1].position == "posts.jsonl.gz line 3"


def test_gzip_is_recognised_by_its_magic_bytes(tmp_path: Path) -> None:
    path = write(tmp_path / "export.csv", gzip.compress(b"id,text\n1,zipped\n"))
    assert rows_of(read(path, "csv")) == [{"id": "1", "text": "zipped"}]


def _lines(count: int) -> list[str]:
    rng = random.Random(7)
    words = ["late", "broken", "refund", "great", "slow", "support", "price", "box", "app"]
    return [" ".join(rng.choice(words) for _ in range(12)) for _ in range(count)]


def test_truncated_gzip_keeps_the_rows_before_the_break(tmp_path: Path) -> None:
    texts = _lines(20_000)
    data = gzip.compress(("".join(json.dumps({"t": t}) + "\n" for t in texts)).encode())
    path = write(tmp_path / "posts.jsonl.gz", data[: len(data) * 2 // 3])
    items = read(path, "jsonl")
    good = rows_of(items[:-1])
    assert 1000 < len(good) < len(texts)
    assert good == [{"t": t} for t in texts[: len(good)]]
    assert "corrupt gzip data" in (items[-1].error or "")


@pytest.mark.parametrize("fmt", FORMATS)
def test_corrupt_gzip_gives_error_rows(tmp_path: Path, fmt: str) -> None:
    not_gzip = read(write(tmp_path / f"x.{fmt}.gz", b"id,text\n1,a\n"), fmt)
    assert len(not_gzip) == 1 and "corrupt gzip data" in (not_gzip[0].error or "")
    data = bytearray(gzip.compress("\n".join(_lines(500)).encode()))
    data[len(data) // 2] ^= 0xFF
    flipped = read(write(tmp_path / f"y.{fmt}.gz", bytes(data)), fmt)
    assert any(item.row is None for item in flipped)


# ---------------------------------------------------------------------------------------
# Wrong input, arguments, memory


@functools.cache
def _valid_file(kind: str) -> bytes:
    """A small valid file of each kind, to feed to the wrong reader or to damage."""
    if kind == "parquet":
        buffer = io.BytesIO()
        pq.write_table(pa.table({"id": [1, 2], "text": ["a", FRENCH]}), buffer)
        return buffer.getvalue()
    if kind == "excel":
        book = openpyxl.Workbook()
        book.active.append(["id", "text"])
        book.active.append([1, FRENCH])
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
    text = {
        "csv": f'id,text\n1,"{FRENCH}"\n2,"a ""b""\nc"\n',
        "jsonl": '{"id": 1}\n{"id": 2, "t": "x"}\n',
        "json": '[{"id": 1}, {"id": 2, "t": [1, 2]}]',
    }[kind]
    return text.encode()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("suffix", ["bin", "gz"])
def test_random_bytes_never_raise(tmp_path: Path, fmt: str, suffix: str) -> None:
    path = write(tmp_path / f"noise.{suffix}", random.Random(fmt).randbytes(20_000))
    (item,) = read(path, fmt)  # one error row for the file
    assert item.row is None
    if suffix == "gz":
        assert "corrupt gzip data" in (item.error or "")
    elif fmt in ("csv", "jsonl"):
        kind = "CSV" if fmt == "csv" else "JSON Lines"
        assert item.error == f"noise.bin: binary data, not {kind} text"


@pytest.mark.parametrize("kind", ["parquet", "excel", "csv", "json"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_of_another_format_never_raises(tmp_path: Path, kind: str, fmt: str) -> None:
    items = read(write(tmp_path / f"export.{kind}", _valid_file(kind)), fmt)
    if kind in ("parquet", "excel") and fmt != kind:
        assert len(items) == 1 and items[0].row is None


def test_bad_arguments_raise(tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", b"a\n1\n")
    with pytest.raises(ValueError, match="unknown format"):
        iter_rows(path, "xml")
    with pytest.raises(ValueError, match="unknown encoding"):
        iter_rows(path, "csv", encoding="no-such-codec")
    with pytest.raises(ValueError, match="delimiter"):
        iter_rows(path, "csv", delimiter=";;")
    with pytest.raises(FileNotFoundError):
        iter_rows(tmp_path / "missing.csv", "csv")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_big_files_stream_in_bounded_memory(tmp_path: Path, fmt: str) -> None:
    text = "z" * 1000
    path = tmp_path / f"big.{fmt}"
    with path.open("w", encoding="utf-8") as handle:
        if fmt == "csv":
            handle.write("id,text\n")
        for i in range(20_000):
            handle.write(f"{i},{text}\n" if fmt == "csv" else f'{{"id": {i}, "t": "{text}"}}\n')
    assert path.stat().st_size > 20_000_000
    tracemalloc.start()
    try:
        count = sum(1 for item in iter_rows(path, fmt) if item.row is not None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_000
    assert peak < 3_000_000, f"peak {peak} bytes for a {path.stat().st_size} byte file"


# ---------------------------------------------------------------------------------------
# Properties

_FRAGMENTS = [b'"', b'""', b",", b";", b"\t", b"|", b"\n", b"\r\n", b"\r", b"{", b"}", b"[",
              b"]", b'{"a": 1}', b"\xef\xbb\xbf", b"\xff\xfe", b"\x1f\x8b", b"PAR1",
              b"PK\x03\x04", b"\x00", b"\xff", b"\xe9", b"caf\xc3\xa9", b"id,text", b"\\",
              b"null", b"1e999", b"9" * 5000, b" "]


@st.composite
def messy_bytes(draw: st.DrawFn) -> bytes:
    """Random bytes, random pieces of CSV/JSON syntax, or a valid file cut and damaged."""
    kind = draw(st.sampled_from(["random", "fragments", "damaged"]))
    if kind == "random":
        return draw(st.binary(max_size=3000))
    if kind == "fragments":
        return b"".join(draw(st.lists(st.sampled_from(_FRAGMENTS), max_size=60)))
    base = _valid_file(draw(st.sampled_from(["csv", "jsonl", "json", "parquet", "excel"])))
    data = bytearray(base[: draw(st.integers(0, len(base)))])
    for _ in range(draw(st.integers(0, 3)) if data else 0):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(content=messy_bytes(), wrap=st.sampled_from(["plain", "gzip", "named_gz"]))
def test_arbitrary_bytes_never_raise(tmp_path: Path, fmt: str, content: bytes, wrap: str) -> None:
    name, data = f"input.{fmt}", content
    if wrap != "plain":
        name += ".gz"
        data = gzip.compress(content) if wrap == "gzip" else content
    path = write(tmp_path / name, data)
    read(path, fmt)  # checks every item against the RawRow contract


_HEADERS = st.lists(st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,10}", fullmatch=True),
                    min_size=1, max_size=5, unique=True)
_CELLS = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
                 max_size=30)


def _records(draw: st.DrawFn, width: int, cells: st.SearchStrategy[str]) -> list[list[str]]:
    record = st.lists(cells, min_size=width, max_size=width)
    # A record whose cells are all blank holds nothing and is skipped by design.
    return draw(st.lists(record.filter(lambda r: any(c.strip() for c in r)), max_size=8))


def _write_csv(header: list[str], records: list[list[str]], delimiter: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(records)
    return buffer.getvalue()


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_csv_round_trip(tmp_path: Path, data: st.DataObject) -> None:
    header = data.draw(_HEADERS)
    records = _records(data.draw, len(header), _CELLS)
    delimiter = data.draw(st.sampled_from(DELIMITERS))
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
    text = _write_csv(header, records, delimiter)
    path = write(tmp_path / "round.csv", text.encode(encoding))
    got = rows_of(read(path, "csv", delimiter=delimiter))
    assert got == [dict(zip(header, record, strict=True)) for record in records]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_csv_round_trip_with_sniffed_delimiter(tmp_path: Path, data: st.DataObject) -> None:
    header = data.draw(_HEADERS)
    records = _records(data.draw, len(header), st.text("abcxyz ÉéüÑ019.-", max_size=12))
    delimiter = data.draw(st.sampled_from(DELIMITERS))
    text = _write_csv(header, records, delimiter)
    path = write(tmp_path / "round.csv", text.encode("utf-8"))
    got = rows_of(read(path, "csv"))
    assert got == [dict(zip(header, record, strict=True)) for record in records]


# ---------------------------------------------------------------------------------------
# Caps: what one file may hold (ingest.max_file_bytes, max_columns, max_field_chars)


def _caps(**caps: int) -> object:
    """A ``data.raw_rows.Caps`` (imported here, so the tests above run without it)."""
    from data.raw_rows import Caps

    return Caps(**caps)


def test_caps_must_be_positive() -> None:
    for name in ("max_bytes", "max_columns", "max_field_chars"):
        with pytest.raises(ValueError, match=name):
            _caps(**{name: 0})


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
@pytest.mark.parametrize("gz", [False, True])
def test_a_file_over_max_bytes_is_one_row_and_unread(tmp_path: Path, fmt: str,
                                                     gz: bool) -> None:
    text = ("id,text\n" + "1,fine\n" * 500 if fmt == "csv" else
            '{"id": 1, "text": "fine"}\n' * 500 if fmt == "jsonl" else
            json.dumps([{"id": 1, "text": "fine"}] * 500))
    data = text.encode()
    path = write(tmp_path / (f"big.{fmt}" + (".gz" if gz else "")),
                 gzip.compress(data) if gz else data)
    [item] = read(path, fmt, caps=_caps(max_bytes=len(data) - 1))
    assert item.row is None and item.reason == "file_too_large" and item.raw == ""
    assert f"more than {len(data) - 1:,} bytes (ingest.max_file_bytes)" in (item.error or "")
    assert len(rows_of(read(path, fmt, caps=_caps(max_bytes=len(data))))) == 500


def test_blank_line_runs_are_skipped_and_lines_still_counted(tmp_path: Path) -> None:
    csv_path = write(tmp_path / "r.csv", (
        "\r\n \r\nid,text\r\n\t\r\n1,\"a\r\n\r\n\r\nb\"\r\n" + "\r\n" * 70_000
        + "2,c\r\n\r3,d\n  \n").encode())
    items = read(csv_path, "csv")
    assert rows_of(items) == [{"id": "1", "text": "a\r\n\r\n\r\nb"}, {"id": "2", "text": "c"},
                              {"id": "3", "text": "d"}]
    assert [i.position for i in items] == ["r.csv line 5", "r.csv line 70009",
                                           "r.csv line 70011"]
    jsonl_path = write(tmp_path / "r.jsonl", (
        "\ufeff\n\n \r\n" + "\n" * 70_000 + '{"a": 1}\n \t \n{"a": 2}').encode())
    items = read(jsonl_path, "jsonl")
    assert rows_of(items) == [{"a": 1}, {"a": 2}]
    assert [i.position for i in items] == ["r.jsonl line 70004", "r.jsonl line 70006"]


def test_csv_rows_wider_than_max_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", ("id,text\n1,a\n" + ",".join("x" * 12) + "\n2,b\n").encode())
    items = read(path, "csv", caps=_caps(max_columns=10))
    assert [i.row for i in items] == [{"id": "1", "text": "a"}, None, {"id": "2", "text": "b"}]
    assert items[1].reason == "too_many_columns"
    assert "12 cells, more than 10 (ingest.max_columns)" in (items[1].error or "")
    # A header wider than the cap: every row under it too, and the reason says so.
    wide = write(tmp_path / "wide.csv", (",".join("abcdefghijkl") + "\n1,a\n2,b\n").encode())
    items = read(wide, "csv", caps=_caps(max_columns=10))
    assert [i.reason for i in items] == ["too_many_columns"] * 3
    assert "no usable header: the header (wide.csv line 1) has 12 columns" in (
        items[1].error or "")


def test_jsonl_and_json_objects_wider_than_max_columns(tmp_path: Path) -> None:
    wide = {f"k{i}": i for i in range(12)}
    path = write(tmp_path / "r.jsonl", (json.dumps({"a": 1}) + "\n" + json.dumps(wide)
                                        + "\n").encode())
    items = read(path, "jsonl", caps=_caps(max_columns=10))
    assert items[0].row == {"a": 1} and items[1].reason == "too_many_columns"
    assert items[1].raw == json.dumps(wide)  # the line as read
    path = write(tmp_path / "r.json", json.dumps([{"a": 1}, wide]).encode())
    items = read(path, "json", caps=_caps(max_columns=10))
    assert items[0].row == {"a": 1} and items[1].reason == "too_many_columns"


@pytest.mark.parametrize("value", ["x" * 51, ["ok", "x" * 51], {"turn": {"text": "x" * 51}}])
def test_a_value_longer_than_max_field_chars(tmp_path: Path, value: object) -> None:
    record = {"id": 1, "v": value}
    path = write(tmp_path / "r.jsonl", (json.dumps({"id": 0, "v": "x" * 50}) + "\n"
                                        + json.dumps(record) + "\n").encode())
    items = read(path, "jsonl", caps=_caps(max_field_chars=50))
    assert items[0].row == {"id": 0, "v": "x" * 50}
    assert items[1].row is None and items[1].reason == "field_too_long"
    assert "a value of 51 characters, more than 50 (ingest.max_field_chars)" in (
        items[1].error or "")
    key = write(tmp_path / "k.json", json.dumps({"k" * 51: 1}).encode())
    assert read(key, "json", caps=_caps(max_field_chars=50))[0].reason == "field_too_long"


def test_csv_fields_longer_than_max_field_chars(tmp_path: Path) -> None:
    huge = "x" * (csv.field_size_limit() + 10)
    path = write(tmp_path / "r.csv", f'id,text\n1,{"y" * 51}\n2,"{huge}"\n3,ok\n'.encode())
    items = read(path, "csv", caps=_caps(max_field_chars=50))
    assert [i.reason for i in items] == ["field_too_long", "field_too_long", None]
    assert items[2].row == {"id": "3", "text": "ok"}
