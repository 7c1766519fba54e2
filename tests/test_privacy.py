"""Personal data never leaves ingestion: planted in every channel, in several languages and
scripts, it must not appear in any warehouse table (other than the optional raw table),
nor in the report, nor in Prefect's artifacts, after a real run of the flow.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import MODEL_CACHE

# Every kind of personal data the redactor promises to catch, as planted.
PII: dict[str, list[str]] = {
    "email": ["sara.karimi@example.com", "yossi.levi@mail.co.il", "nikos.p@example.gr"],
    "phone": ["+49 151 23456789", "0912 345 6789", "+۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹", "٠٥٠١٢٣٤٥٦٧",
              "+972-52-765-4321", "(030) 8765-4321", "+30 210 7654321"],
    "card": ["4111 1111 1111 1111", "5500-0000-0000-0004"],
    "iban": ["DE89 3704 0044 0532 0130 00", "GR1601101250000000012300695"],
    "ip": ["192.168.10.25", "2001:db8:85a3::8a2e:370:7334"],
    "url_token": ["https://shop.example.com/reset?token=abc123SECRETxyz"],
    "handle": ["@sara_k", "@yossi_l"],
    "order": ["ORD-2026-123456"],
}
# Identities in customer columns (hashed into customer_key, never stored).
IDENTITIES = ["maryam.h@example.com", "@greek_buyer", "+98 935 111 2233"]

TEMPLATES = [
    ("en", "My refund never arrived, email me at {email} or call {phone}."),
    ("en", "You charged my card {card} twice! Order {order}."),
    ("de", "Bitte überweisen Sie das Geld auf {iban}, Telefon {phone}."),
    ("fa", "بسته من دیر رسید. با {phone} تماس بگیرید یا به {email} ایمیل بزنید."),
    ("ar", "تأخر الطلب كثيرا، رقمي {phone} والبريد {email}."),
    ("he", "המשלוח איחר שבועיים, תתקשרו אליי {phone} או {handle}."),
    ("el", "Η παράδοση άργησε, στείλτε μου στο {email} ή τηλ. {phone}."),
    ("en", "The app logs me out, my IP is {ip}, reset link {url_token} fails, {handle}."),
]


def planted_texts() -> list[str]:
    """Every template filled with every value of every kind, round robin."""
    texts = []
    counters: dict[str, int] = {}
    for round_ in range(3):
        for _lang, template in TEMPLATES:
            values = {}
            for kind in re.findall(r"{(\w+)}", template):
                i = counters.get(kind, round_)
                values[kind] = PII[kind][i % len(PII[kind])]
                counters[kind] = i + 1
            texts.append(template.format(**values))
    return texts


def needles() -> list[str]:
    """What must not be found: each value as written, and long digit runs as ASCII digits."""
    out = []
    for value in [v for values in PII.values() for v in values] + IDENTITIES:
        out.append(value.lower())
        digits = "".join(str(unicodedata.digit(c)) for c in value if c.isdigit())
        if len(digits) >= 8:
            out.append(digits)
        for part in re.split(r"[@\s]", value):
            if len(part) >= 6 and not part.isdigit() and "." in part:
                out.append(part.lower())  # e.g. the e-mail's domain-bearing local part
    return sorted(set(out))


def write_sources(root: Path) -> str:
    """One export per channel, each full of personal data; returns the [[sources]] TOML."""
    texts = planted_texts()
    with (root / "reviews.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "at", "stars", "title", "body", "customer"])
        for i, text in enumerate(texts):
            writer.writerow([f"R{i}", f"2026-09-{1 + i % 20:02d}", 1 + i % 5,
                             f"Contact {PII['email'][i % 3]}", text, IDENTITIES[i % 3]])
    with (root / "social.jsonl").open("w", encoding="utf-8") as handle:
        for i, text in enumerate(texts):
            handle.write(json.dumps({"id": f"S{i}", "at": f"2026-09-{1 + i % 20:02d}T10:00:00Z",
                                     "text": f"{PII['handle'][i % 2]} {text}",
                                     "author": IDENTITIES[(i + 1) % 3]},
                                    ensure_ascii=False) + "\n")
    chats = [{"id": f"C{i}", "at": f"2026-09-{1 + i % 20:02d}T11:00:00Z",
              "email": IDENTITIES[i % 3], "turns": [
                  {"role": "agent", "text": "Hello, how can I help?"},
                  {"role": "customer", "text": text}]} for i, text in enumerate(texts)]
    (root / "chats.json").write_text(json.dumps(chats, ensure_ascii=False), encoding="utf-8")
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Responses"
    sheet.append(["id", "submitted", "nps", "phone", "What should we improve?"])
    for i, text in enumerate(texts):
        sheet.append([f"Q{i}", f"2026-09-{1 + i % 20:02d}", i % 11, IDENTITIES[2], text])
    book.save(root / "survey.xlsx")
    # A broken record in each file type is quarantined with its personal data redacted.
    with (root / "reviews.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerow(["Rbad", "not a date", 3, "", f"Mail {PII['email'][0]}",
                                     ""])
    return f'''
[[sources]]
name = "reviews"
channel = "review"
path = "{root / 'reviews.csv'}"
format = "csv"
columns.id = "id"
columns.created_at = "at"
columns.rating = "stars"
columns.title = "title"
columns.body = "body"
columns.customer = "customer"

[[sources]]
name = "social"
channel = "social"
path = "{root / 'social.jsonl'}"
format = "jsonl"
columns = {{ id = "id", created_at = "at", text = "text", author = "author" }}

[[sources]]
name = "chats"
channel = "chat"
path = "{root / 'chats.json'}"
format = "json"
columns.id = "id"
columns.created_at = "at"
columns.turns = "turns"
columns.role = "role"
columns.text = "text"
columns.customer = "email"

[[sources]]
name = "survey"
channel = "survey"
path = "{root / 'survey.xlsx'}"
format = "excel"
sheet = "Responses"
columns = {{ id = "id", created_at = "submitted", nps = "nps", customer = "phone" }}
text_columns = ["What should we improve?"]
'''


@pytest.fixture(scope="module")
def planted_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from prefect.testing.utilities import prefect_test_harness

    from flows.pipeline import voc_pipeline

    root = tmp_path_factory.mktemp("pii")
    config = root / "configs" / "voc.toml"
    config.parent.mkdir()
    config.write_text(f'''
[warehouse]
path = "{root / 'warehouse' / 'voc.duckdb'}"
[models]
cache_dir = "{MODEL_CACHE}"
[themes]
min_theme_size = 5
[privacy]
id_patterns = ['\\bORD-\\d{{4}}-\\d{{4,6}}\\b']
store_raw_text = true
[ingest]
allowed_roots = ["{root}"]
[report]
output_dir = "{root / 'reports'}"
''' + write_sources(root), encoding="utf-8")
    with prefect_test_harness(server_startup_timeout=120):
        result = voc_pipeline(config_path=str(config))
        import httpx
        from prefect.settings import PREFECT_API_URL

        response = httpx.post(f"{PREFECT_API_URL.value()}/artifacts/filter",
                              json={"limit": 200, "offset": 0})
        response.raise_for_status()
        artifacts = response.json()
    con = duckdb.connect(str(root / "warehouse" / "voc.duckdb"), read_only=True)
    tables = {name: json.dumps(con.execute(f"SELECT * FROM {name}").fetchall(),
                               default=str, ensure_ascii=False).lower()
              for (name,) in con.execute("SELECT table_name FROM information_schema.tables "
                                         "WHERE table_type = 'BASE TABLE'").fetchall()}
    raw = con.execute("SELECT raw_text FROM raw_feedback").fetchall()
    con.close()
    reports = {p.name: p.read_text(encoding="utf-8").lower()
               for p in Path(result["report_dir"]).iterdir() if p.is_file()}
    return {"tables": tables, "raw": raw, "reports": reports, "artifacts": artifacts,
            "result": result}


def _found(haystack: str) -> list[str]:
    return [n for n in needles() if n in haystack]


def test_the_run_loaded_every_channel(planted_run: dict[str, Any]) -> None:
    feedback = planted_run["tables"]["feedback"]
    for channel in ("review", "social", "chat", "survey"):
        assert f'"{channel}"' in feedback
    assert "[email]" in feedback and "[phone]" in feedback and "[card]" in feedback
    assert "[iban]" in feedback and "[ip]" in feedback and "[url]" in feedback
    assert "[handle]" in feedback and "[order]" in feedback


@pytest.mark.parametrize("table", ["feedback", "sentences", "topics", "pain_points",
                                   "quarantine", "runs", "feedback_duplicates",
                                   "source_files", "theme_fits"])
def test_no_personal_data_in_tables(planted_run: dict[str, Any], table: str) -> None:
    assert table in planted_run["tables"]
    assert _found(planted_run["tables"][table]) == []


def test_no_table_but_the_raw_one_holds_personal_data(planted_run: dict[str, Any]) -> None:
    leaks = {name: _found(text) for name, text in planted_run["tables"].items()
             if name != "raw_feedback"}
    assert {k: v for k, v in leaks.items() if v} == {}
    # The raw table, asked for in this config, does hold the original text.
    raw = " ".join(r[0] for r in planted_run["raw"]).lower()
    assert "sara.karimi@example.com" in raw and "4111 1111 1111 1111" in raw


def test_no_personal_data_in_report_or_artifacts(planted_run: dict[str, Any]) -> None:
    assert set(planted_run["reports"]) >= {"report.md", "report.html"}
    for name, text in planted_run["reports"].items():
        assert _found(text) == [], name
    assert planted_run["artifacts"], "the flow published no artifact"
    artifacts = json.dumps(planted_run["artifacts"], ensure_ascii=False).lower()
    assert _found(artifacts) == []


def test_the_search_would_find_a_leak(planted_run: dict[str, Any]) -> None:
    """Every planted value is in the raw table as written, so the searches above can fail."""
    raw = " ".join(r[0] for r in planted_run["raw"]).lower()
    planted = [v.lower() for values in PII.values() for v in values]
    assert [v for v in planted if v not in raw] == []
    assert all(_found(v) for v in planted)
