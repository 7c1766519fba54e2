"""Tests of data.formats_binary: Parquet and Excel exports read through data.formats.

Every input is built in the test's temporary directory; nothing touches the network.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq

from tests.format_helpers import ARABIC, FRENCH, read, rows_of, write

# ---------------------------------------------------------------------------------------
# Parquet


def test_parquet_rows_keep_python_types(tmp_path: Path) -> None:
    created = [dt.datetime(2024, 1, day, 9, 30) for day in range(1, 6)]
    table = pa.table({
        "id": [1, 2, 3, 4, 5],
        "text": [FRENCH, "b", None, "d", ARABIC[0]],
        "score": [1.5, None, 3.0, 4.0, 5.0],
        "created": created,
        "tags": [["x"], [], None, ["y", "z"], ["w"]],
    })
    path = tmp_path / "reviews.parquet"
    pq.write_table(table, path, row_group_size=2)  # three row groups
    items = read(path, "parquet")
    assert rows_of(items) == table.to_pylist()
    assert items[2].row == {"id": 3, "text": None, "score": 3.0, "created": created[2],
                            "tags": None}
    assert [item.position for item in items] == [f"reviews.parquet row {n}" for n in range(1, 6)]


def test_parquet_written_by_polars_and_gzipped(tmp_path: Path) -> None:
    import polars as pl

    frame = pl.DataFrame({"id": ["a", "b"], "rating": [5, 1], "day": [dt.date(2024, 5, 1)] * 2})
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    plain = write(tmp_path / "x.parquet", buffer.getvalue())
    zipped = write(tmp_path / "x.parquet.gz", gzip.compress(buffer.getvalue()))
    for path in (plain, zipped):
        assert rows_of(read(path, "parquet")) == frame.to_dicts()


def test_parquet_duplicate_columns_and_unconvertible_values(tmp_path: Path) -> None:
    days = pa.array([19_000, 10_000_000, 19_001], type=pa.date32())  # the middle one: year 29349
    table = pa.Table.from_arrays([pa.array([1, 2, 3]), pa.array(["a", "b", "c"]), days],
                                 names=["id", "id", "day"])
    path = tmp_path / "x.parquet"
    pq.write_table(table, path)
    items = read(path, "parquet")
    assert [item.row for item in items] == [
        {"id": 1, "id_2": "a", "day": dt.date(2022, 1, 8)},
        None,
        {"id": 3, "id_2": "c", "day": dt.date(2022, 1, 9)},
    ]
    assert "column 'day'" in (items[1].error or "")
    assert items[1].position == "x.parquet row 2"


# ---------------------------------------------------------------------------------------
# Excel


def _workbook(path: Path) -> None:
    book = openpyxl.Workbook()
    export = book.active
    export.title = "Export"
    export.append([])
    export.append([" id ", "comment", "score", "submitted", None])
    export.append([1, "Très bien", 9, dt.datetime(2024, 3, 1, 10, 30)])
    export.append([None, None, None])
    export.append([2, "  Nul  ", 0.5, dt.datetime(2024, 3, 2)])
    export.append([3, "trop", 1, None, None, "extra"])
    export.append([4])
    other = book.create_sheet("Other")
    other.append(["id", "x"])
    other.append([7, "y"])
    book.save(path)


def test_excel_first_sheet_types_and_positions(tmp_path: Path) -> None:
    path = tmp_path / "survey.xlsx"
    _workbook(path)
    items = read(path, "excel")
    assert [item.row for item in items] == [
        {"id": 1, "comment": "Très bien", "score": 9,
         "submitted": dt.datetime(2024, 3, 1, 10, 30)},
        {"id": 2, "comment": "  Nul  ", "score": 0.5, "submitted": dt.datetime(2024, 3, 2)},
        None,
        {"id": 4, "comment": None, "score": None, "submitted": None},
    ]
    assert [item.position for item in items] == [
        f"survey.xlsx sheet 'Export' row {n}" for n in (3, 5, 6, 7)]
    assert items[2].error == "survey.xlsx sheet 'Export' row 6: 6 cells, header has 4"


def test_excel_sheet_by_name(tmp_path: Path) -> None:
    path = tmp_path / "survey.xlsx"
    _workbook(path)
    items = read(path, "excel", sheet="Other")
    assert rows_of(items) == [{"id": 7, "x": "y"}]
    assert items[0].position == "survey.xlsx sheet 'Other' row 2"
    (missing,) = read(path, "excel", sheet="Nope")
    assert missing.row is None and "'Export', 'Other'" in (missing.error or "")
    zipped = write(tmp_path / "survey.xlsx.gz", gzip.compress(path.read_bytes()))
    assert rows_of(read(zipped, "excel", sheet="Other")) == [{"id": 7, "x": "y"}]


def test_not_an_xlsx_file(tmp_path: Path) -> None:
    (item,) = read(write(tmp_path / "survey.xlsx", b"id,text\n1,a\n"), "excel")
    assert item.row is None and "not a readable .xlsx" in (item.error or "")


# ---------------------------------------------------------------------------------------
# Caps: what one file may hold (ingest.max_file_bytes, max_columns, max_field_chars)


def _caps(**caps: int) -> object:
    """A ``data.raw_rows.Caps`` (imported here, so the tests above run without it)."""
    from data.raw_rows import Caps

    return Caps(**caps)


def test_parquet_wider_than_max_columns_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "wide.parquet"
    pq.write_table(pa.table({f"c{i}": [1, 2] for i in range(12)}), path)
    [item] = read(path, "parquet", caps=_caps(max_columns=10))
    assert item.reason == "too_many_columns" and "12 columns, more than 10" in (item.error or "")
    assert len(rows_of(read(path, "parquet", caps=_caps(max_columns=12)))) == 2


def test_parquet_whose_data_is_bigger_than_max_bytes_is_refused_by_its_metadata(
        tmp_path: Path) -> None:
    path = tmp_path / "zeros.parquet"
    pq.write_table(pa.table({"n": pa.array([0] * 500_000, type=pa.int64())}), path,
                   compression="zstd", use_dictionary=False)
    assert path.stat().st_size < 50_000  # 4 MB of data, compressed
    [item] = read(path, "parquet", caps=_caps(max_bytes=1_000_000))
    assert item.reason == "file_too_large" and "its metadata gives" in (item.error or "")
    zipped = write(tmp_path / "zeros.parquet.gz", gzip.compress(path.read_bytes()))
    [item] = read(zipped, "parquet", caps=_caps(max_bytes=1_000))
    assert item.reason == "file_too_large" and "decompresses to more" in (item.error or "")


def test_parquet_value_longer_than_max_field_chars(tmp_path: Path) -> None:
    path = tmp_path / "long.parquet"
    pq.write_table(pa.table({"id": [1, 2], "text": ["fine", "x" * 100]}), path)
    items = read(path, "parquet", caps=_caps(max_field_chars=50))
    assert items[0].row == {"id": 1, "text": "fine"} and items[1].reason == "field_too_long"


def test_excel_whose_zip_unpacks_to_more_than_max_bytes_is_refused(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    for i in range(3000):
        sheet.append([i, "the same comment, over and over again"])
    path = tmp_path / "big.xlsx"
    book.save(path)
    size = path.stat().st_size
    [item] = read(path, "excel", caps=_caps(max_bytes=size * 2))
    assert item.reason == "file_too_large" and "its zip directory gives" in (item.error or "")
    assert len(read(path, "excel", caps=_caps(max_bytes=size * 100))) == 2999


def test_excel_rows_wider_than_max_columns(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "text"])
    sheet.append([1, "fine"])
    sheet.append(list(range(12)))
    sheet.append([2, "x" * 60])
    path = tmp_path / "r.xlsx"
    book.save(path)
    items = read(path, "excel", caps=_caps(max_columns=10, max_field_chars=50))
    assert items[0].row == {"id": 1, "text": "fine"}
    assert [i.reason for i in items[1:]] == ["too_many_columns", "field_too_long"]
    wide = openpyxl.Workbook()
    wide.active.append([f"c{i}" for i in range(12)])
    wide.active.append([1, 2])
    wide.save(tmp_path / "wide.xlsx")
    items = read(tmp_path / "wide.xlsx", "excel", caps=_caps(max_columns=10))
    assert [i.reason for i in items] == ["too_many_columns"] * 2
    assert "no usable header" in (items[1].error or "")
