"""Tests for what the report's figures say: scores once per respondent, trends on complete
weeks, right-to-left quotes, and analysts' curation shown without a new run."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from data.warehouse import Warehouse
from flows.report import build_markdown, markdown_to_html, write_report
from nlp.pain_points import rank_pain_points

RUN_ID = "20261116T023000Z-cd34ef"
TITLE = "Voice of the customer: pain points"
MONDAY = datetime(2026, 9, 7, 10, 0, tzinfo=UTC)
FA_QUOTE = "سه هفته است منتظر بازپرداخت پولم هستم."
AR_QUOTE = "لم يتم استرداد المبلغ حتى الآن."
HE_QUOTE = "ההחזר לוקח יותר מחודש, אף אחד לא עונה."

FEEDBACK_SCHEMA: dict[str, Any] = {
    "doc_id": pl.String, "source": pl.String, "source_record_id": pl.String,
    "channel": pl.String, "created_at": pl.Datetime("us", "UTC"), "question": pl.String,
    "text": pl.String, "lang": pl.String, "sentiment": pl.String, "rating": pl.Float64,
    "rating_scale": pl.Int32, "nps": pl.Float64, "csat": pl.Float64, "ces": pl.Float64,
    "ingested_run_id": pl.String,
}


def doc(doc_id: str, topic_id: int | None, *, source: str = "shop_reviews",
        record: str | None = None, week: int = 0, text: str | None = None, lang: str = "en",
        sentiment: str = "negative", **scores: Any) -> dict[str, Any]:
    """One piece of feedback of one sentence in theme ``topic_id``."""
    channel = {"shop_reviews": "review", "support_chats": "chat"}.get(source, "survey")
    return {
        "doc_id": doc_id, "source": source, "source_record_id": record or doc_id,
        "channel": channel, "created_at": MONDAY + timedelta(weeks=week),
        "question": "q_improve" if channel == "survey" else None,
        "text": text or f"The refund for order {doc_id} still has not arrived.", "lang": lang,
        "sentiment": sentiment, "rating": scores.get("rating"),
        "rating_scale": 5 if scores.get("rating") is not None else None,
        "nps": scores.get("nps"), "csat": scores.get("csat"), "ces": scores.get("ces"),
        "ingested_run_id": RUN_ID, "topic_id": topic_id,
    }


def make_warehouse(path: Path, docs: list[dict[str, Any]], labels: dict[int, str]) -> Warehouse:
    """A warehouse with one completed run whose pain points the pipeline's own stage
    queries and ranking made: ``docs`` (see :func:`doc`), themes ``labels``."""
    wh = Warehouse(path)
    wh.start_run(RUN_ID, datetime(2026, 11, 16, 2, 30, tzinfo=UTC), {"source": None}, None)
    feedback = pl.DataFrame([{k: d[k] for k in FEEDBACK_SCHEMA} for d in docs],
                            schema=FEEDBACK_SCHEMA)
    assert wh.insert_feedback(feedback) == len(docs)
    wh.save_themes(pl.DataFrame(
        {"topic_id": list(labels), "label": list(labels.values()),
         "keywords": [[label.split()[0].lower()] for label in labels.values()],
         "keywords_by_lang": [json.dumps({"en": [label.split()[0].lower()]})
                              for label in labels.values()],
         "size": [sum(d["topic_id"] == t for d in docs) for t in labels],
         "centroid": [[float(t), 1.0] for t in labels]},
        schema_overrides={"topic_id": pl.Int32, "size": pl.Int32,
                          "centroid": pl.List(pl.Float32)}), RUN_ID)
    wh.save_enrichment(
        pl.DataFrame({"doc_id": [d["doc_id"] for d in docs],
                      "lang": [d["lang"] for d in docs], "lang_confidence": [1.0] * len(docs),
                      "sentiment": [d["sentiment"] for d in docs],
                      "sentiment_score": [0.0] * len(docs),
                      "text_hash": [d["doc_id"] for d in docs],
                      "enriched_run_id": [RUN_ID] * len(docs)}),
        pl.DataFrame({"doc_id": [d["doc_id"] for d in docs], "sentence_idx": [0] * len(docs),
                      "text": [d["text"] for d in docs], "lang": [d["lang"] for d in docs],
                      "sentiment": [d["sentiment"] for d in docs],
                      "sentiment_score": [0.0] * len(docs),
                      "topic_id": [d["topic_id"] for d in docs],
                      "topic_similarity": [0.8] * len(docs),
                      "text_hash": [d["doc_id"] for d in docs]},
                     schema_overrides={"topic_id": pl.Int32, "sentence_idx": pl.Int32}))
    # What the pain-points stage does.
    ranked = rank_pain_points(wh.themed_sentences(), wh.themes_to_rank(), quotes_per_theme=3)
    wh.save_pain_points(ranked.with_columns(run_id=pl.lit(RUN_ID)))
    wh.finish_run(RUN_ID, status="completed", stage_counts={}, timings={}, models={},
                  finished_at=datetime(2026, 11, 16, 2, 40, tzinfo=UTC))
    return wh


def theme_block(markdown: str, label: str) -> str:
    """The section of the pain point titled ``label``."""
    match = re.search(rf"^### \d+\. {re.escape(label)} .*?(?=^### |^## )", markdown,
                      re.MULTILINE | re.DOTALL)
    assert match, f"no section for {label!r}"
    return match.group(0)


# ---- 9: scores --------------------------------------------------------------------------
class TestScores:
    """NPS is % promoters (9-10) minus % detractors (0-6), one vote per respondent; CSAT and
    CES are shares; only the star rating is an average, and says so."""

    @pytest.fixture
    def markdown(self, tmp_path: Path) -> str:
        docs = [
            # nps_survey respondent V-1 answered two questions, both about refunds.
            doc("v1-improve", 0, source="nps_survey", record="V-1", nps=10, csat=5, ces=7),
            doc("v1-like", 0, source="nps_survey", record="V-1", nps=10, csat=5, ces=7),
            doc("v2-improve", 0, source="nps_survey", record="V-2", nps=0, csat=1, ces=2),
            doc("v3-improve", 0, source="nps_survey", record="V-3", nps=5, csat=2, ces=6),
            # Another survey's V-2: another respondent, although the record ids match.
            doc("p2-improve", 0, source="pulse_survey", record="V-2", nps=0),
            doc("r1", 0, rating=2.0),
            doc("v4-like", 1, source="nps_survey", record="V-4", nps=9, csat=4, ces=5,
                sentiment="positive", text="Delivery was quick and the driver friendly."),
            doc("r2", 2, rating=1.0, text="The app crashes every time I open the basket."),
        ]
        labels = {0: "Refund delays", 1: "Fast delivery", 2: "App crashes"}
        with make_warehouse(tmp_path / "voc.duckdb", docs, labels) as wh:
            return build_markdown(wh, RUN_ID, TITLE, top_themes=8)

    def test_overall_nps_counts_each_respondent_once(self, markdown: str) -> None:
        # Promoters: nps_survey V-1, V-4; detractors: nps_survey V-2, V-3, pulse_survey V-2.
        assert ("| NPS (% promoters 9-10 minus % detractors 0-6, one answer per respondent) "
                "| -20 (5 respondents) |") in markdown
        assert "| CSAT: satisfied, 4-5 of 5 | 50% (4 respondents) |" in markdown
        assert "| CES: low effort, 5-7 of 7 (7 = very easy) | 75% (4 respondents) |" in markdown
        assert "| Average rating (1-5) | 1.50 |" in markdown

    def test_theme_nps_is_a_net_promoter_score(self, markdown: str) -> None:
        block = theme_block(markdown, "Refund delays")
        # 1 promoter, 3 detractors among 4 respondents; the documents' mean would be 5.0.
        assert "NPS -50 (4 respondents; overall -20)" in block
        assert "CSAT 33% satisfied (4-5 of 5; 3 respondents)" in block
        assert "CES 67% low effort (5-7 of 7; 3 respondents)" in block
        assert "average rating 2.00 of 5" in block
        assert "average NPS" not in markdown

    def test_missing_scores_read_n_a(self, markdown: str) -> None:
        block = theme_block(markdown, "App crashes")
        assert "NPS n/a (no respondents)" in block
        assert "CSAT n/a" in block
        assert "CES n/a" in block
        assert not re.search(r"\b(nan|None)\b", markdown)


# ---- 10: trends -------------------------------------------------------------------------
class TestTrendWording:
    @pytest.fixture
    def markdown(self, tmp_path: Path) -> str:
        counts = {0: [2, 2, 2, 2, 7, 7, 7, 1], 2: [4, 4, 4, 4, 4, 4, 4, 0],
                  1: [14, 14, 14, 14, 14, 14, 14, 3]}
        docs = [doc(f"t{t}-w{w}-{i}", t, week=w,
                    text=f"Theme {t} says something in week {w}, number {i}.")
                for t, weekly in counts.items() for w, n in enumerate(weekly) for i in range(n)]
        labels = {0: "Late delivery", 1: "Checkout questions", 2: "App crashes"}
        with make_warehouse(tmp_path / "voc.duckdb", docs, labels) as wh:
            return build_markdown(wh, RUN_ID, TITLE, top_themes=8)

    def test_trend_says_what_it_means(self, markdown: str) -> None:
        block = theme_block(markdown, "Late delivery")
        # Weeks 1-4: 8 of 80; weeks 5-7: 21 of 75; week 8 is unfinished and left out.
        assert re.search(r"\*\*Trend:\*\* growing: 28% of feedback in the last 3 complete "
                         r"weeks vs 10% in the 4 weeks before \(p [=<] 0\.0\d+\)", block), block
        assert "2026-10-26: unfinished, left out" in block

    def test_stable_trend_says_it_is_not_significant(self, markdown: str) -> None:
        block = theme_block(markdown, "App crashes")
        assert re.search(r"\*\*Trend:\*\* stable: 16% of feedback in the last 3 complete weeks "
                         r"vs 20% in the 4 weeks before \(p = 0\.\d+, not significant", block)


# ---- 11: right-to-left quotes -----------------------------------------------------------
class _Tree(HTMLParser):
    """Each element's tag, attributes and text content, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[dict[str, Any]] = []
        self._open: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("meta", "br", "hr", "img", "link"):
            return
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(element)
        self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop()["tag"] == tag:
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element["text"] += data


def directed(page: str) -> list[dict[str, Any]]:
    """Elements that set their own direction: <bdi>, or dir="rtl"/"auto"."""
    tree = _Tree()
    tree.feed(page)
    return [e for e in tree.elements
            if e["tag"] == "bdi" or e["attrs"].get("dir") in ("rtl", "auto")]


class TestRightToLeftQuotes:
    @pytest.fixture
    def wh(self, tmp_path: Path) -> Any:
        docs = [
            doc("f1", 0, lang="fa", text=FA_QUOTE, source="support_chats"),
            doc("h1", 0, lang="he", text=HE_QUOTE),
            doc("g1", 0, lang="de", text="Die Erstattung dauert ewig, <img src=x "
                "onerror=alert(1)> wirklich."),
            # An isolate in customer text must not end ours early.
            doc("a1", 0, lang="ar", text=AR_QUOTE + "\u2069 <b>[en]</b>"),
        ]
        with make_warehouse(tmp_path / "voc.duckdb", docs, {0: "Refund delays"}) as wh:
            yield wh

    def test_markdown_keeps_the_tag_outside_the_quote(self, wh: Warehouse) -> None:
        markdown = build_markdown(wh, RUN_ID, TITLE, top_themes=8)
        # Wrapped in first-strong isolates (U+2068 ... U+2069) after the tag.
        assert f"[fa] \u2068{FA_QUOTE}\u2069" in markdown
        assert f"[he] \u2068{HE_QUOTE}\u2069" in markdown
        # The customer's own isolate is dropped, so ours closes the quote; their markup is
        # escaped, so it stays text.
        assert f"[ar] \u2068{AR_QUOTE} &lt;b&gt;\\[en\\]&lt;/b&gt;\u2069" in markdown
        assert re.search(r"^> \[\w+\] \u2068[^\u2068\u2069]+\u2069  $", markdown, re.MULTILINE)

    def test_each_rtl_quote_in_its_own_rtl_element(self, wh: Warehouse) -> None:
        page = markdown_to_html(build_markdown(wh, RUN_ID, TITLE, top_themes=8), TITLE)
        elements = directed(page)
        for lang, quote in (("fa", FA_QUOTE), ("he", HE_QUOTE), ("ar", f"{AR_QUOTE} <b>[en]</b>")):
            own = [e for e in elements if e["text"] == quote]
            assert own, f"no element holds only the {lang} quote"
            assert own[0]["attrs"].get("dir") == "rtl"
            assert own[0]["attrs"].get("lang") == lang
            # The tag is outside it, just before it in the enclosing paragraph.
            outer = [e for e in elements if quote in e["text"] and e["text"] != quote]
            assert any(e["text"].split(quote)[0].endswith(f"[{lang}] ") for e in outer)
        # Customer text stays text.
        assert "<img" not in page and "<b>" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page
        assert "\u2068" not in page and "\u2069" not in page

    def test_in_a_browser_rtl_quotes_end_on_the_left(self, wh: Warehouse,
                                                     tmp_path: Path) -> None:
        """Chromium lays the page out: each RTL quote's full stop is left of its first word."""
        browser = next((shutil.which(b) for b in ("chromium", "chromium-browser",
                                                  "google-chrome") if shutil.which(b)), None)
        if browser is None:
            if os.environ.get("CI"):  # .ci/run installs it: in CI the check must run
                pytest.fail("no Chromium on this CI machine; .ci/run should have installed it")
            pytest.skip("no Chromium installed (apt-get install chromium)")
        run_dir, _ = write_report(wh, RUN_ID, tmp_path / "reports", title=TITLE, top_themes=8)
        page = (run_dir / "report.html").read_text(encoding="utf-8")
        # The report has no script; this copy measures where the first and last letters are.
        probe = """<pre id="probe"></pre><script>
        const out = [];
        for (const el of document.querySelectorAll('[dir=rtl]')) {
          const text = el.firstChild, range = document.createRange();
          range.setStart(text, 0); range.setEnd(text, 1);
          const first = range.getBoundingClientRect();
          range.setStart(text, text.length - 1); range.setEnd(text, text.length);
          const last = range.getBoundingClientRect();
          out.push({text: el.textContent, rtl: last.right <= first.left + 1});
        }
        document.getElementById('probe').textContent = JSON.stringify(out);
        </script></body>"""
        measured = tmp_path / "probe.html"
        measured.write_text(page.replace("</body>", probe), encoding="utf-8")
        result = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
             measured.as_uri()], capture_output=True, text=True, timeout=120, check=False)
        found = re.search(r'<pre id="probe">(.*?)</pre>', result.stdout, re.DOTALL)
        assert found, result.stderr[-2000:]
        quotes = json.loads(html.unescape(found.group(1)))
        assert {q["text"] for q in quotes} >= {FA_QUOTE, HE_QUOTE}
        assert all(q["rtl"] for q in quotes), quotes


# ---- 12: curation -----------------------------------------------------------------------
class TestCurationWithoutARun:
    @pytest.fixture
    def wh(self, tmp_path: Path) -> Any:
        docs = [doc(f"r{i}", 0) for i in range(3)]
        docs += [doc(f"d{i}", 1, sentiment="positive", text=f"Fast delivery, number {i}.")
                 for i in range(2)]
        docs += [doc(f"l{i}", 2, text=f"The parcel {i} came two weeks late.") for i in range(2)]
        docs += [doc(f"c{i}", 3, text=f"The app crashes at checkout, try {i}.") for i in range(2)]
        labels = {0: "Refund delays", 1: "Fast delivery", 2: "Parcel late",
                  3: "App crashes"}
        with make_warehouse(tmp_path / "voc.duckdb", docs, labels) as wh:
            yield wh

    def test_renamed_label_shows(self, wh: Warehouse, tmp_path: Path) -> None:
        wh.curate(0, label="Refunds take weeks")
        _, markdown = write_report(wh, RUN_ID, tmp_path / "reports", title=TITLE,
                                   top_themes=8)
        assert "### 1. Refunds take weeks  (theme 0)" in markdown
        assert "Refund delays" not in markdown

    def test_hidden_theme_left_out(self, wh: Warehouse) -> None:
        wh.curate(1, hidden=True)
        wh.curate(3, hidden=True)
        markdown = build_markdown(wh, RUN_ID, TITLE, top_themes=8)
        assert "Fast delivery" not in markdown
        assert "App crashes" not in markdown
        assert "(theme 3)" not in markdown
        assert "## Other themes" not in markdown

    def test_merged_theme_listed_under_its_target(self, wh: Warehouse) -> None:
        wh.curate(2, merged_into=3)
        wh.curate(3, merged_into=0, label="Refund and crash trouble")
        markdown = build_markdown(wh, RUN_ID, TITLE, top_themes=8)
        assert not re.search(r"^### .*(Parcel late|App crashes|Refund and crash)", markdown,
                             re.MULTILINE)
        block = theme_block(markdown, "Refund delays")
        # A merge chain (2 into 3 into 0) ends at theme 0.
        assert "Merged into this theme since the run:" in block
        assert "theme 2 (Parcel late, 2 pieces of feedback)" in block
        assert "theme 3 (Refund and crash trouble, 2 pieces of feedback)" in block
        assert "| 2 | Parcel late" not in markdown
