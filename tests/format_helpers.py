"""Helpers shared by the tests of data.formats, data.encoding and data.formats_binary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from data.formats import RawRow, iter_rows

FRENCH = "Café crème, très déçu"
ARABIC = ["المنتج سيء جدا ولم يصل في الوقت المحدد", "خدمة العملاء ممتازة وسريعة"]


def read(path: Path, fmt: str, **options: Any) -> list[RawRow]:
    """All items of ``iter_rows``, checked against the RawRow contract."""
    items = list(iter_rows(path, fmt, **options))
    for item in items:
        # Messages spelled out: pytest does not rewrite the asserts of a helper module.
        assert isinstance(item, RawRow), item
        assert (item.row is None) == (item.error is not None), item
        assert isinstance(item.raw, str), item
        assert item.position.startswith(path.name), item
        if item.error is None:
            assert item.raw == json.dumps(item.row, ensure_ascii=False, default=str), item
        else:
            assert item.error.startswith(f"{item.position}: "), item
            assert "unexpected error" not in item.error, item  # the safety net never fired
    return items


def rows_of(items: list[RawRow]) -> list[dict[str, Any]]:
    errors = [item.error for item in items if item.error]
    assert errors == [], errors
    return [item.row for item in items if item.row is not None]


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
