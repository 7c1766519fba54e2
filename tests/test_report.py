"""Tests for flows.report: sparklines, the standalone HTML page, and the Markdown report."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from data.warehouse import Warehouse
from flows.report import build_markdown, markdown_to_html, sparkline, write_report
from nlp.pain_points import rank_pain_points

RUN_ID = "20260915T023000Z-ab12cd"
TITLE = "Voice of the customer: pain points"
FA_QUOTE = "سه هفته است منتظر بازپرداخت پولم هستم."
HE_QUOTE = "ההחזר לוקח יותר מחודש, אף אחד לא עונה."


class TestSparkline:
    def test_scales_to_the_maximum(self) -> None:
        assert sparkline([0, 7]) == "▁█"
        assert sparkline([1, 2, 3, 4, 5, 6, 7, 8]) == "▂▃▄▅▅▆▇█"

    def test_one_character_per_week(self) -> None:
        values = [3, 0, 12, 5, 5]
        line = sparkline(values)
        assert len(line) == len(values)
        assert line[2] == "█"
        assert line[1] == "▁"
        assert line[3] == line[4]

    def test_empty_and_all_zero(self) -> None:
        assert sparkline([]) == ""
        assert sparkline([0, 0, 0]) == "▁▁▁"


class TestHtml:
    MARKDOWN = "\n".join([
        f"# {TITLE}",
        "",
        "| | |",
        "|---|---|",
        "| Feedback in the warehouse | 3 |",
        "",
        "### 1. Refund delays  (theme 0)",
        "",
        "- **Volume:** 3 pieces of feedback",
        "- **Languages:** fa 1, he 1, de 1",
        "",
        f"> [fa] {FA_QUOTE}  \n> — chat",
        "",
        f"> [he] {HE_QUOTE}  \n> — review",
        "",
        "> [de] Die Erstattung dauert ewig, <img src=x onerror=alert(1)> wirklich.  \n> — social",
        "",
    ])

    @pytest.fixture
    def page(self) -> str:
        return markdown_to_html(self.MARKDOWN, "Pain points <Q3> & more")

    def test_standalone_page(self, page: str) -> None:
        assert page.startswith("<!DOCTYPE html>")
        assert '<meta charset="utf-8">' in page
        assert re.search(r"<style>[^<]*blockquote\{", page)
        assert "<title>Pain points &lt;Q3&gt; &amp; more</title>" in page
        assert "http://" not in page
        assert "https://" not in page
        assert "<link" not in page
        assert "<script" not in page
        assert page.rstrip().endswith("</html>")

    def test_rtl_quotes_and_list_items_get_dir_auto(self, page: str) -> None:
        quotes = re.findall(r"<blockquote([^>]*)>\s*<p([^>]*)>(.*?)</p>", page, re.DOTALL)
        assert len(quotes) == 3
        for block_attrs, _, _ in quotes:
            assert 'dir="auto"' in block_attrs
        assert any(FA_QUOTE in body for _, _, body in quotes)
        assert any(HE_QUOTE in body for _, _, body in quotes)
        items = re.findall(r"<li([^>]*)>", page)
        assert len(items) == 2
        assert all('dir="auto"' in attrs for attrs in items)
        assert '<td dir="auto">3</td>' in page
        assert "<blockquote>" not in page
        assert "<li>" not in page

    def test_customer_html_is_escaped(self, page: str) -> None:
        assert "<img" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    """One completed run over three pieces of feedback in one theme, plus a positive theme."""
    wh = Warehouse(tmp_path / "voc.duckdb")
    wh.start_run(RUN_ID, datetime(2026, 9, 15, 2, 30, tzinfo=UTC), {"source": None}, None)
    feedback = pl.DataFrame(
        {
            "doc_id": ["d1", "d2", "d3", "d4"],
            "source": ["support_chats", "shop_reviews", "shop_reviews", "nps_survey"],
            "source_record_id": ["C-1", "R-1", "R-2", "V-1"],
            "channel": ["chat", "review", "review", "survey"],
            "created_at": [datetime(2026, 9, 7, 9, 0, tzinfo=UTC),
                           datetime(2026, 9, 9, 9, 0, tzinfo=UTC),
                           datetime(2026, 9, 14, 9, 0, tzinfo=UTC),
                           datetime(2026, 9, 14, 18, 0, tzinfo=UTC)],
            "text": [FA_QUOTE, HE_QUOTE, "Die Erstattung dauert ewig und niemand antwortet.",
                     "Delivery was quick and the driver friendly."],
            "lang": ["fa", "he", "de", "en"],
            "sentiment": ["negative", "negative", "negative", "positive"],
            "rating": [None, 8.0, 2.0, None],
            "rating_scale": [None, 10, 5, None],
            "nps": [2.0, None, None, 10.0],
            "csat": [1.0, None, None, None],
            "ingested_run_id": [RUN_ID] * 4,
        },
        schema_overrides={"created_at": pl.Datetime("us", "UTC"), "rating_scale": pl.Int32},
    )
    assert wh.insert_feedback(feedback) == 4
    quarantine = pl.DataFrame({
        "quarantine_id": ["q1", "q2"], "source": ["shop_reviews"] * 2,
        "channel": ["review"] * 2, "source_record_id": ["R-8", "R-9"],
        "raw_record": ["{}", "{}"], "reason": ["future_date", "no_text"], "detail": ["", ""],
    })
    wh.record_quarantine(quarantine, RUN_ID)
    wh.save_themes(
        pl.DataFrame(
            {
                "topic_id": [0, 1],
                "label": ["Refund delays", "Fast delivery"],
                "keywords": [["refund", "Erstattung"], ["delivery"]],
                "keywords_by_lang": [json.dumps({"de": ["Erstattung"], "fa": ["بازپرداخت"]}),
                                     json.dumps({"en": ["delivery"]})],
                "size": [3, 1],
                "centroid": [[1.0, 0.0], [0.0, 1.0]],
            },
            schema_overrides={"topic_id": pl.Int32, "size": pl.Int32,
                              "centroid": pl.List(pl.Float32)},
        ),
        RUN_ID,
    )
    sentences = wh.query(
        "SELECT doc_id, text, lang, sentiment, CASE WHEN sentiment = 'negative' THEN 0 ELSE 1 END"
        " AS topic_id, channel, created_at, rating, rating_scale, nps, csat, 0.8 AS centrality, "
        "source, source_record_id, ces FROM feedback ORDER BY doc_id"
    )
    topics = wh.query("SELECT topic_id, label, keywords FROM topics")
    ranked = rank_pain_points(sentences, topics, quotes_per_theme=2)
    wh.save_pain_points(ranked.with_columns(run_id=pl.lit(RUN_ID)))
    wh.finish_run(
        RUN_ID, status="completed",
        stage_counts={"ingest": {"read": 12, "loaded": 4, "duplicates": 3, "quarantined": 2},
                      "language": {"documents": 4, "sentences": 4},
                      "embed": {"from_cache": 1},
                      "themes": {"themes": 2, "without_theme": 0, "sentences": 4}},
        timings={"ingest": 0.5, "themes": 2.25},
        models={"embedding": "builtin:multilingual-e5-small"},
        finished_at=datetime(2026, 9, 15, 2, 40, tzinfo=UTC),
    )
    yield wh
    wh.close()


class TestBuildMarkdown:
    @pytest.fixture
    def markdown(self, warehouse: Warehouse) -> str:
        return build_markdown(warehouse, RUN_ID, TITLE, top_themes=8)

    def test_header_counts(self, markdown: str) -> None:
        assert markdown.startswith(f"# {TITLE}\n")
        assert f"Run `{RUN_ID}`" in markdown
        assert "feedback from 2026-09-07 to 2026-09-14" in markdown
        assert "| Feedback in the warehouse | 4 |" in markdown
        assert "| 12 / 4 / 3 / 2 |" in markdown
        assert "| 4 / 4 / 1 |" in markdown
        assert "3 negative · 1 positive · 0 neutral" in markdown
        # Ratings on 1-5: 8/10 -> 4.0 and 2/5 -> 2.0; NPS: one promoter, one detractor.
        assert "| Average rating (1-5) | 3.00 |" in markdown
        assert "one answer per respondent) | 0 (2 respondents) |" in markdown
        assert "| CSAT: satisfied, 4-5 of 5 | 0% (1 respondent) |" in markdown
        assert "| CES: low effort, 5-7 of 7 (7 = very easy) | n/a (no respondents) |" in markdown
        assert "| Languages | de 1, en 1, fa 1, he 1 |" in markdown
        assert "| Channels | review 2, chat 1, survey 1 |" in markdown
        assert "future_date 1, no_text 1" in markdown

    def test_pain_point_section(self, markdown: str) -> None:
        assert "### 1. Refund delays  (theme 0)" in markdown
        assert "**100% negative** (3 negative sentences)" in markdown
        assert "- **Keywords:** de: Erstattung; fa: بازپرداخت" in markdown
        quotes = re.findall(r"^> \[(\w+)\] (.+?)  $", markdown, re.MULTILINE)
        assert len(quotes) == 2  # quotes_per_theme representative quotes
        assert len({lang for lang, _ in quotes}) == 2
        assert "Also heard in: [" in markdown  # the third language
        for text in (FA_QUOTE, HE_QUOTE, "Die Erstattung dauert ewig"):
            assert text in markdown

    def test_theme_without_negative_feedback_listed_apart(self, markdown: str) -> None:
        assert "## Other themes" in markdown
        # Two weeks of data, one of them unfinished: no trend yet.
        assert "| 1 | Fast delivery | 1 | 0% | too little data |" in markdown
        assert "### 2." not in markdown

    def test_top_themes_limits_sections(self, warehouse: Warehouse) -> None:
        assert "No theme carries negative" not in build_markdown(warehouse, RUN_ID, TITLE, 1)
        with pytest.raises(KeyError):
            build_markdown(warehouse, "no-such-run", TITLE, 8)

    def test_models_and_timings(self, markdown: str) -> None:
        assert "embedding: builtin:multilingual-e5-small" in markdown
        assert "ingest 0.5, themes 2.25" in markdown


class TestWriteReport:
    def test_files_and_latest(self, warehouse: Warehouse, tmp_path: Path) -> None:
        out = tmp_path / "reports"
        run_dir, markdown = write_report(warehouse, RUN_ID, out, title=TITLE, top_themes=8)
        assert run_dir == out / RUN_ID
        assert (run_dir / "report.md").read_text(encoding="utf-8") == markdown
        page = (run_dir / "report.html").read_text(encoding="utf-8")
        assert '<blockquote dir="auto">' in page
        assert FA_QUOTE in page
        assert (out / "latest" / "report.md").read_text(encoding="utf-8") == markdown
        # Writing again refreshes "latest" and leaves no staging folder behind.
        write_report(warehouse, RUN_ID, out, title="Second title", top_themes=8)
        assert (out / "latest" / "report.md").read_text(encoding="utf-8").startswith(
            "# Second title"
        )
        assert sorted(p.name for p in out.iterdir()) == [RUN_ID, "latest"]
