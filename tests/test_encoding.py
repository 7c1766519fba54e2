"""Tests of data.encoding, and of the readers of data.formats on exports in other encodings.

Every input is built in the test's temporary directory; nothing touches the network.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from data import formats
from data.encoding import detect_encoding
from tests.format_helpers import ARABIC, FRENCH, read, rows_of, write

# ---------------------------------------------------------------------------------------
# Encoding detection


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xef\xbb\xbfid,text\n", "utf-8-sig"),
        ("id,text\n1,Café\n".encode("utf-16"), "utf-16"),
        ("id,text\n1,Cafe\n".encode("utf-16-le"), "utf-16-le"),
        (b"id,text\n1,plain\n", "utf-8"),
        ("id,text\n1,déçu 日本".encode()[:-1], "utf-8"),  # sample cut inside a character
        (f"id,text\n1,{FRENCH}\n".encode("cp1252"), "cp1252"),
        ("Très déçu : colis abîmé, aucune réponse.".encode("latin-1"), "cp1252"),
        ("Příliš žluťoučký kůň úpěl ďábelské ódy.".encode("cp1250"), "cp1250"),
        ("Очень плохое качество, не рекомендую.".encode("cp1251"), "cp1251"),
        (ARABIC[0].encode("cp1256"), "cp1256"),
        ("Ürün çok geç geldi, kargo hasarlıydı.".encode("cp1254"), "cp1254"),
    ],
)
def test_detect_encoding(data: bytes, expected: str) -> None:
    assert detect_encoding(data) == expected


# ---------------------------------------------------------------------------------------
# Reading exports in other encodings


def test_csv_utf8_bom_is_stripped(tmp_path: Path) -> None:
    path = write(tmp_path / "reviews.csv", b"\xef\xbb\xbf" + "id,texte\n1,Très bien\n".encode())
    assert rows_of(read(path, "csv")) == [{"id": "1", "texte": "Très bien"}]
    # A BOM is removed from the header even when the encoding is given as plain UTF-8.
    assert rows_of(read(path, "csv", encoding="utf-8")) == [{"id": "1", "texte": "Très bien"}]


def test_csv_utf16_with_bom(tmp_path: Path) -> None:
    text = f'id,text\r\n1,"{FRENCH}"\r\n2,{ARABIC[0]}\r\n'
    path = write(tmp_path / "reviews.csv", text.encode("utf-16"))
    assert rows_of(read(path, "csv")) == [{"id": "1", "text": FRENCH},
                                          {"id": "2", "text": ARABIC[0]}]


def test_csv_cp1252_export(tmp_path: Path) -> None:
    text = (f'id,text\n1,"{FRENCH}"\n2,"Où est ma commande ? Ça fait 3 semaines…"\n'
            "3,Remboursé 0 € – honteux\n")
    data = text.encode("cp1252")
    assert detect_encoding(data) == "cp1252"
    rows = rows_of(read(write(tmp_path / "avis.csv", data), "csv"))
    assert [row["text"] for row in rows] == [
        FRENCH, "Où est ma commande ? Ça fait 3 semaines…", "Remboursé 0 € – honteux"]


def test_csv_windows1256_arabic(tmp_path: Path) -> None:
    text = "id,text\n" + "".join(f"{i},{line}\n" for i, line in enumerate(ARABIC, start=1))
    data = text.encode("cp1256")
    assert detect_encoding(data) == "cp1256"
    rows = rows_of(read(write(tmp_path / "ar.csv", data), "csv"))
    assert [row["text"] for row in rows] == ARABIC


def test_csv_undecodable_bytes_after_the_sample_are_replaced(tmp_path: Path) -> None:
    lines = b"".join(b"%d,plain ascii text for the sample\n" % i for i in range(3000))
    assert len(lines) > formats.SAMPLE_BYTES
    path = write(tmp_path / "reviews.csv", b"id,text\n" + lines + b"9999,caf\xe9 \xff\n")
    rows = rows_of(read(path, "csv"))
    assert len(rows) == 3001
    assert rows[-1] == {"id": "9999", "text": "caf\ufffd \ufffd"}


def test_jsonl_encodings_bom_and_crlf(tmp_path: Path) -> None:
    cp1252 = write(tmp_path / "a.jsonl", f'{{"text": "{FRENCH}"}}\r\n'.encode("cp1252"))
    assert rows_of(read(cp1252, "jsonl")) == [{"text": FRENCH}]
    bom = write(tmp_path / "b.jsonl", b'\xef\xbb\xbf{"a": 1}\n{"a": 2}')
    assert rows_of(read(bom, "jsonl", encoding="utf-8")) == [{"a": 1}, {"a": 2}]
