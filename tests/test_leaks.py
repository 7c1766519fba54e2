"""Nothing leaks by a side door.

- The report: customer text is data in every format. In the Markdown (report.md, and the
  Prefect artifact, which is the same text) it makes no link, image, HTML, code or emphasis
  in any viewer; the HTML page has no element made of it, and a real browser fetches
  nothing for it.
- The ingest: a record id that is personal data (an e-mail, a phone, a handle) is stored as
  a keyed pseudonym; the quarantine keeps only the fields a source maps, redacted, and the
  customer as their customer_key.
- The report's files are readable by their owner only.
"""

from __future__ import annotations

import csv
import http.server
import json
import os
import shutil
import stat
import subprocess
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from data.warehouse import Warehouse
from flows import customer_keys
from flows.config import VocConfig
from flows.report import Report, build_markdown, markdown_to_html, write_report
from flows.run import open_run
from flows.stages import ingest
from nlp.redact import Redactor
from tests.test_report_figures import RUN_ID, TITLE, doc, make_warehouse

SECRET = "unit-test-secret-for-customer-keys-only"


# ---- the report: customer text is data -----------------------------------------------------
def hostile(host: str = "evil.example") -> list[str]:
    """Customer text that is Markdown or HTML, one marker word each (to find it again)."""
    return [
        f"![p](//{host}/t.gif) imagemarker the refund never came.",
        f"[x](//{host}/page) linkmarker refund link broken.",
        "<img src=x onerror=alert(1)> imgtagmarker refund broken.",
        "<script>alert(1)</script> scriptmarker refund script.",
        "[click](javascript:alert(1)) jsmarker refund page.",
        "**bold** boldmarker refund claim.",
        "```\nfencemarker\n``` refund fence.",
        "<javascript:alert(1)> <https://evil.example/a> autolinkmarker refund.",
        "`tick` a | pipe ~~gone~~ _under_ tickmarker refund.",
    ]


LABEL = "![l](//{host}/label.gif) [y](//{host}) **Refund** <script>s</script> `c`"
MARKERS = ["imagemarker", "linkmarker", "imgtagmarker", "scriptmarker", "jsmarker",
           "boldmarker", "fencemarker", "autolinkmarker", "tickmarker"]


def hostile_warehouse(path: Path, host: str = "evil.example") -> Warehouse:
    """Three negative themes of three hostile quotes each, their labels (and so their
    keywords, the label's first word) hostile too."""
    texts = hostile(host)
    docs = [doc(f"h{i}", i // 3, text=text) for i, text in enumerate(texts)]
    labels = {t: f"{LABEL.format(host=host)} {t}" for t in range(3)}
    return make_warehouse(path, docs, labels)


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside each open tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text_in: dict[str, str] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in ("meta", "br", "hr", "img", "link", "input"):
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            while self._open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        for tag in self._open:
            self.text_in[tag] = self.text_in.get(tag, "") + data


def elements(page: str) -> _Elements:
    parser = _Elements()
    parser.feed(page)
    parser.close()
    return parser


def assert_inert(page: str) -> None:
    """No element that loads, links or runs anything; customer text in no element of its
    own (code, emphasis)."""
    found = elements(page)
    tags = {tag for tag, _ in found.tags}
    assert not tags & {"img", "a", "script", "iframe", "object", "embed", "svg", "video",
                       "audio", "source", "link", "form", "input", "base"}, tags
    for tag, attrs in found.tags:
        assert not {"src", "href", "srcset", "action", "style"} & set(attrs), (tag, attrs)
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
    # Code, emphasis and strikethrough are the report's own ("**Volume:**", the run id),
    # never the customer's "**bold**", "`tick`", "_under_", "~~gone~~" or fence.
    for tag, planted in (("strong", "bold"), ("em", "under"), ("code", "tick"),
                         ("code", "fencemarker"), ("pre", "fencemarker"), ("del", "gone"),
                         ("s", "gone")):
        assert planted not in found.text_in.get(tag, ""), (tag, found.text_in.get(tag))


class TestReportEscapesCustomerText:
    @pytest.fixture
    def markdown(self, tmp_path: Path) -> Iterator[str]:
        with hostile_warehouse(tmp_path / "voc.duckdb") as wh:
            yield build_markdown(wh, RUN_ID, TITLE, top_themes=8)

    def test_every_planted_text_is_in_the_report(self, markdown: str) -> None:
        assert [m for m in MARKERS if m not in markdown] == []
        assert markdown.count("Refund") >= 3  # the labels
        assert "- **Keywords:** en: !\\[l\\](//evil.example/label.gif)" in markdown

    def test_markdown_makes_no_link_image_html_or_code(self, markdown: str) -> None:
        """As a Markdown viewer that allows raw HTML reads it (the artifact, report.md)."""
        viewer = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
        tokens = viewer.parse(markdown)
        inline = [t for block in tokens for t in [block, *(block.children or [])]]
        kinds = {t.type for t in inline}
        assert not kinds & {"image", "link_open", "html_inline", "html_block", "fence",
                            "s_open"}, kinds
        for token in inline:
            if token.type in ("code_inline", "code_block"):
                assert not [m for m in MARKERS if m in token.content], token.content
        assert_inert(viewer.render(markdown))

    def test_quotes_stay_one_isolated_line(self, markdown: str) -> None:
        for marker in MARKERS:
            line = next(line for line in markdown.splitlines() if marker in line)
            assert line.startswith(("> [en] \u2068", "Also heard in: ", "### ", "| ")), line
        assert "\u2068fencemarker" not in markdown  # the fence's lines were joined

    def test_html_page_has_no_element_from_customer_text(self, markdown: str) -> None:
        page = markdown_to_html(markdown, TITLE)
        assert_inert(page)
        # Shown as written, as text.
        text = "".join(elements(page).text_in.get("body", ""))
        for planted in ("![p](//evil.example/t.gif)", "<img src=x onerror=alert(1)>",
                        "<script>alert(1)</script>", "[click](javascript:alert(1))",
                        "**bold**", "```", "<https://evil.example/a>"):
            assert planted in text, planted

    def test_rtl_isolation_is_kept(self, tmp_path: Path) -> None:
        fa = "![p](//evil.example/t.gif) بازپرداخت من نرسید."
        with make_warehouse(tmp_path / "voc.duckdb", [doc("f1", 0, lang="fa", text=fa)],
                            {0: "Refund delays"}) as wh:
            markdown = build_markdown(wh, RUN_ID, TITLE, top_themes=8)
        assert "[fa] \u2068!\\[p\\](//evil.example/t.gif) بازپرداخت من نرسید.\u2069" in markdown
        page = markdown_to_html(markdown, TITLE)
        assert '<bdi dir="rtl" lang="fa">![p](//evil.example/t.gif) بازپرداخت' in page
        assert_inert(page)


class _Recorder(http.server.SimpleHTTPRequestHandler):
    requested: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        type(self).requested.append(self.path)
        super().do_GET()

    def log_message(self, *args: Any) -> None:
        pass


def test_a_browser_fetches_nothing_for_customer_text(tmp_path: Path) -> None:
    """The report served over HTTP, opened in headless Chromium: it asks for the page only
    (before, a quote's image was fetched, with the report's address as Referer)."""
    browser = next((shutil.which(b) for b in ("chromium", "chromium-browser",
                                              "google-chrome") if shutil.which(b)), None)
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("no Chromium on this CI machine; .ci/run should have installed it")
        pytest.skip("no Chromium installed (apt-get install chromium)")
    site = tmp_path / "site"
    site.mkdir()
    handler = type("Handler", (_Recorder,), {"requested": []})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), lambda *a: handler(*a, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host = f"127.0.0.1:{server.server_address[1]}"
        with hostile_warehouse(tmp_path / "voc.duckdb", host=host) as wh:
            run_dir, _ = write_report(wh, RUN_ID, tmp_path / "reports", title=TITLE,
                                      top_themes=8)
        shutil.copy(run_dir / "report.html", site / "report.html")
        result = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
             f"http://{host}/report.html"],
            capture_output=True, text=True, timeout=120, check=False)
    finally:
        server.shutdown()
        server.server_close()
    assert "imagemarker" in result.stdout, result.stderr[-2000:]
    assert [p for p in handler.requested if p not in ("/report.html", "/favicon.ico")] == []
    assert_inert(result.stdout)


# ---- the report's files ------------------------------------------------------------------
def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


class TestReportFileModes:
    def test_private_by_default(self, tmp_path: Path) -> None:
        out = tmp_path / "reports"
        run_dir = Report("run-1", TITLE, "# t\n\n> a quote\n").save(out)
        for folder in (out, run_dir, out / "latest"):
            assert _mode(folder) == 0o700, folder
        for name in ("report.md", "report.html"):
            assert _mode(run_dir / name) == 0o600, name
            assert _mode(out / "latest" / name) == 0o600, name

    def test_an_older_world_readable_report_is_made_private(self, tmp_path: Path) -> None:
        out = tmp_path / "reports"
        Report("run-1", TITLE, "# t\n").save(out, private=False)
        assert _mode(out / "run-1" / "report.md") == 0o644
        assert _mode(out / "latest") == 0o755
        Report("run-1", TITLE, "# t\n").save(out)
        assert _mode(out / "run-1" / "report.md") == 0o600
        assert _mode(out / "run-1") == 0o700
        assert _mode(out / "latest" / "report.html") == 0o600


# ---- the ingest: identity stays in the raw layer -----------------------------------------
EMAIL_ID = "maria.schmidt@example.com"
PHONE_ID = "+49 151 23456789"
HANDLE_ID = "@maria_s"
IDENTITY_VALUES = [EMAIL_ID, PHONE_ID, HANDLE_ID, "Maria Schmidt", "Hauptstraße 5",
                   "maria.schmidt", "23456789", "maria_s", "Agent Jonas Weber",
                   "jonas@shop.example", "4111 1111 1111 1111"]


@pytest.fixture
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOC_CUSTOMER_KEY_SECRET", SECRET)


def _leak_sources(root: Path) -> VocConfig:
    """Reviews whose ids are e-mails, phones and handles, with columns the source does not
    map (full_name, street), one with a bad date (quarantined); a chat with the same words as
    a review (a cross-channel duplicate), a chat whose agent turn names the agent
    (quarantined: no customer turn), and a line that is not JSON."""
    with (root / "reviews.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["review_id", "submitted_at", "stars", "body", "customer",
                         "full_name", "street"])
        writer.writerow([EMAIL_ID, "2026-09-05T10:00:00Z", 2, "My refund never arrived",
                         EMAIL_ID, "Maria Schmidt", "Hauptstraße 5"])
        writer.writerow([PHONE_ID, "2026-09-05T11:00:00Z", 3, "The parcel was late",
                         PHONE_ID, "Maria Schmidt", "Hauptstraße 5"])
        writer.writerow([HANDLE_ID, "not a date", 1, "Card 4111 1111 1111 1111 charged twice",
                         "Maria Schmidt", "Maria Schmidt", "Hauptstraße 5"])
        writer.writerow(["R-4", "2026-09-05T12:00:00Z", 4, "Fine", "", "Maria Schmidt",
                         "Hauptstraße 5"])
    chats = [
        {"id": "+49 151 98765432", "at": "2026-09-05T12:00:00Z", "email": EMAIL_ID,
         "agent_name": "Agent Jonas Weber",
         "turns": [{"role": "customer", "text": "My refund never arrived",
                    "display_name": "Maria Schmidt"}]},
        {"id": "chat-2", "at": "2026-09-05T13:00:00Z", "email": "Maria Schmidt",
         "turns": [{"role": "agent", "text": "Hi, Jonas here: jonas@shop.example",
                    "display_name": "Agent Jonas Weber"}]},
    ]
    broken = f'{{"id": "chat-3", "email": "{EMAIL_ID}", "name": "Maria Schmidt", "turns": ['
    (root / "chats.jsonl").write_text(
        "\n".join([*(json.dumps(c) for c in chats), broken]) + "\n", encoding="utf-8")
    return VocConfig.model_validate({
        "warehouse": {"path": str(root / "wh" / "voc.duckdb")}, "root": root,
        "ingest": {"cross_channel_window_hours": 48, "max_quarantine_share": 1.0},
        "sources": [
            {"name": "shop_reviews", "channel": "review", "path": "reviews.csv",
             "format": "csv",
             "columns": {"id": "review_id", "created_at": "submitted_at", "rating": "stars",
                         "body": "body", "customer": "customer"}},
            {"name": "support_chats", "channel": "chat", "path": "chats.jsonl",
             "format": "jsonl",
             "columns": {"id": "id", "created_at": "at", "turns": "turns", "role": "role",
                         "text": "text", "customer": "email"}},
        ]})


@pytest.mark.usefixtures("_secret")
class TestIdentityStaysInTheRawLayer:
    @pytest.fixture
    def tables(self, tmp_path: Path) -> dict[str, list[dict[str, Any]]]:
        config = _leak_sources(tmp_path)
        with open_run(config, "run1") as ctx:
            counts = ingest.run(ctx, None, None, None)
        assert counts["read"] == 7 and counts["loaded"] == 3, counts
        assert counts["cross_channel_duplicates"] == 1, counts
        assert counts["quarantined"] == 3, counts
        with Warehouse(config.resolve(config.warehouse.path), read_only=True) as wh:
            out = {}
            for name in ("feedback", "feedback_duplicates", "quarantine"):
                cursor = wh.con.execute(f"SELECT * FROM {name}")
                columns = [c[0] for c in cursor.description]
                out[name] = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        return out

    def test_personal_record_ids_are_pseudonyms(self, tables: dict[str, Any]) -> None:
        key = customer_keys.record_id_key
        secret = SECRET.encode()
        ids = {r["source_record_id"] for r in tables["feedback"]}
        assert ids == {key(EMAIL_ID, secret), key(PHONE_ID, secret), "R-4"}
        [duplicate] = tables["feedback_duplicates"]
        assert duplicate["source_record_id"] == key("+49 151 98765432", secret)
        quarantined = {r["reason"]: r["source_record_id"] for r in tables["quarantine"]}
        assert quarantined == {"unparseable_date": key(HANDLE_ID, secret),
                               "no_customer_turns": "chat-2", "not_parseable": ""}

    def test_quarantine_keeps_mapped_fields_redacted(self, tables: dict[str, Any]) -> None:
        raw = {r["reason"]: r["raw_record"] for r in tables["quarantine"]}
        bad_date = json.loads(raw["unparseable_date"])
        assert set(bad_date) == {"review_id", "submitted_at", "stars", "body", "customer"}
        assert bad_date["review_id"] == customer_keys.record_id_key(HANDLE_ID, SECRET.encode())
        assert bad_date["customer"] == customer_keys.customer_key("Maria Schmidt",
                                                                  SECRET.encode())
        assert bad_date["body"] == "Card [CARD] charged twice"
        chat = json.loads(raw["no_customer_turns"])
        assert set(chat) == {"id", "at", "email", "turns"}
        assert chat["turns"] == [{"role": "agent", "text": "Hi, Jonas here: [EMAIL]"}]
        # A line that could not be parsed stays text, redacted.
        assert raw["not_parseable"] == ('{"id": "chat-3", "email": "[EMAIL]", '
                                         '"name": "Maria Schmidt", "turns": [')

    def test_no_identity_in_any_ingest_table(self, tables: dict[str, Any]) -> None:
        dumped = json.dumps(tables, default=str, ensure_ascii=False).lower()
        assert [v for v in IDENTITY_VALUES if v.lower() in dumped] == [
            "Maria Schmidt"]  # only in the unparseable line, which stays text (see README)


def test_the_record_id_rule() -> None:
    """Personal-looking ids become ``pid-<hex>``, the same for the same id and secret; other
    ids, and the content ids connectors make, stay as written."""
    redactor, secret = Redactor(), SECRET.encode()
    stored = [customer_keys.stored_record_id(i, redactor, secret)
              for i in (EMAIL_ID, PHONE_ID, HANDLE_ID, "0151 / 2345 / 6789", "R-10001",
                        "S-20001", "content-0123456789abcdef-2", "12345")]
    assert all(s.startswith("pid-") and len(s) == 28 for s in stored[:4]), stored
    assert stored[4:] == ["R-10001", "S-20001", "content-0123456789abcdef-2", "12345"]
    assert customer_keys.stored_record_id(EMAIL_ID, redactor, secret) == stored[0]
    assert customer_keys.stored_record_id(EMAIL_ID, redactor, b"another" * 8) != stored[0]
    # Not the customer_key of the same e-mail: a record id and a customer stay apart.
    assert stored[0][4:] != customer_keys.customer_key(EMAIL_ID, secret)
