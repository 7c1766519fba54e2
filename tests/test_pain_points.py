"""Tests for nlp.pain_points: ranking themes by negative volume, with trend, mix and quotes."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from nlp.pain_points import SENTENCE_COLUMNS, rank_pain_points

MONDAY = datetime(2026, 8, 3, 10, 0)  # weeks start on Mondays: 08-03, 08-10, ... 09-07

SCHEMA: dict[str, Any] = {
    "doc_id": pl.String, "text": pl.String, "lang": pl.String, "sentiment": pl.String,
    "topic_id": pl.Int32, "channel": pl.String, "created_at": pl.Datetime("us"),
    "rating": pl.Float64, "rating_scale": pl.Int32, "nps": pl.Float64, "csat": pl.Float64,
    "centrality": pl.Float64, "source": pl.String, "source_record_id": pl.String,
    "ces": pl.Float64,
}
assert tuple(SCHEMA) == SENTENCE_COLUMNS

TOPICS = pl.DataFrame(
    {
        "topic_id": [0, 1, 2],
        "label": ["Refund delays", "Fast delivery", "App crashes at checkout"],
        "keywords": [["refund", "Erstattung"], ["delivery", "schnell"], ["app", "crash"]],
    },
    schema={"topic_id": pl.Int32, "label": pl.String, "keywords": pl.List(pl.String)},
)


def sentence(doc_id: str, topic_id: int | None, sentiment: str = "negative", *,
             text: str = "The refund still has not arrived.", lang: str = "en",
             channel: str = "review", week: int = 0, rating: float | None = None,
             rating_scale: int | None = None, nps: float | None = None,
             csat: float | None = None, centrality: float = 0.5, source: str = "shop_reviews",
             record: str | None = None, ces: float | None = None,
             hours: float = 0) -> dict[str, Any]:
    """A sentence of document ``doc_id``; ``record`` is its record's id in ``source`` (a
    survey respondent's answers are several documents of one record)."""
    return {
        "doc_id": doc_id, "text": text, "lang": lang, "sentiment": sentiment,
        "topic_id": topic_id, "channel": channel,
        "created_at": MONDAY + timedelta(weeks=week, hours=hours), "rating": rating,
        "rating_scale": rating_scale, "nps": nps, "csat": csat, "centrality": centrality,
        "source": source, "source_record_id": record or doc_id, "ces": ces,
    }


def frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA)


def by_topic(ranked: pl.DataFrame) -> dict[int, dict[str, Any]]:
    return {row["topic_id"]: row for row in ranked.iter_rows(named=True)}


class TestRanking:
    @pytest.fixture
    def ranked(self) -> pl.DataFrame:
        rows = [
            # Refunds: 3 documents, 4 sentences, 3 of them negative.
            sentence("d1", 0, text="Die Erstattung dauert schon drei Wochen."),
            sentence("d2", 0, text="بازپرداخت پول من هنوز انجام نشده است."),
            sentence("d3", 0, text="I am still waiting for my refund."),
            sentence("d3", 0, "neutral", text="I sent the parcel back on Monday."),
            # Fast delivery: the biggest theme, but only one negative sentence.
            *[sentence(f"p{i}", 1, "positive", text="Delivery was fast and friendly.")
              for i in range(5)],
            sentence("p5", 1, text="Fast delivery but the box was crushed."),
            # App crashes: 2 negative sentences.
            sentence("c1", 2, text="Η εφαρμογή κρασάρει στην πληρωμή."),
            sentence("c2", 2, text="האפליקציה נתקעת במסך התשלום."),
            # A sentence in no theme is ignored.
            sentence("x1", None, text="Everything else was terrible, honestly."),
        ]
        return rank_pain_points(frame(rows), TOPICS)

    def test_most_negative_theme_ranks_first(self, ranked: pl.DataFrame) -> None:
        assert ranked["topic_id"].to_list() == [0, 2, 1]
        assert ranked["rank"].to_list() == [1, 2, 3]
        assert ranked["label"].to_list() == [
            "Refund delays", "App crashes at checkout", "Fast delivery"
        ]
        assert ranked["keywords"][0].to_list() == ["refund", "Erstattung"]

    def test_volumes_and_negative_share(self, ranked: pl.DataFrame) -> None:
        rows = by_topic(ranked)
        assert (rows[0]["volume"], rows[0]["sentence_count"], rows[0]["negative_volume"]) == (
            3, 4, 3
        )
        assert rows[0]["negative_share"] == 0.75
        assert rows[1]["volume"] == 6
        assert rows[1]["negative_share"] == round(1 / 6, 3)
        assert rows[2]["negative_share"] == 1.0

    def test_ties_in_negative_volume_broken_by_volume(self) -> None:
        rows = [
            sentence("a1", 0), sentence("a2", 0, "positive"),
            sentence("b1", 2), sentence("b2", 2, "neutral"), sentence("b3", 2, "positive"),
        ]
        ranked = rank_pain_points(frame(rows), TOPICS)
        assert ranked["topic_id"].to_list() == [2, 0]

    def test_empty_input(self) -> None:
        assert rank_pain_points(frame([]), TOPICS).is_empty()

    def test_no_themed_sentences(self) -> None:
        assert rank_pain_points(frame([sentence("x", None)]), TOPICS).is_empty()


def weekly(topic_id: int, counts: list[int], prefix: str,
           sentiment: str = "negative") -> list[dict[str, Any]]:
    """``counts[w]`` documents of a theme in week ``w``, one sentence each."""
    return [sentence(f"{prefix}{w}-{i}", topic_id, sentiment, week=w)
            for w, n in enumerate(counts) for i in range(n)]


class TestTrend:
    """A trend is the theme's share of all feedback in the last three complete weeks against
    its share in the complete weeks before; only a significant change is growth."""

    # Weeks 0-6 are complete (the data's last timestamp, in week 7, is past their end); the
    # unfinished week 7 has a handful of rows. Refunds: 10% of feedback, then 21%.
    def growing_rows(self) -> list[dict[str, Any]]:
        return (weekly(0, [5, 5, 5, 5, 12, 12, 12, 1], "r")
                + weekly(1, [45, 45, 45, 45, 45, 45, 45, 4], "o", "positive"))

    def test_unfinished_week_does_not_hide_growth(self) -> None:
        row = by_topic(rank_pain_points(frame(self.growing_rows()), TOPICS))[0]
        assert row["trend"] == "growing"
        assert row["baseline_share"] == 0.1  # 20 of 200
        assert row["recent_share"] == round(36 / 171, 4)
        assert row["growth"] == round(36 / 171 / 0.1, 2)
        assert 0 < row["trend_p_value"] < 0.05

    def test_weekly_series_marks_the_unfinished_week(self) -> None:
        row = by_topic(rank_pain_points(frame(self.growing_rows()), TOPICS))[0]
        counts = json.loads(row["weekly_counts"])
        # Every week of the data, the unfinished one included.
        assert list(counts.values()) == [5, 5, 5, 5, 12, 12, 12, 1]
        assert row["partial_week"] == date(2026, 9, 21)
        shares = json.loads(row["weekly_shares"])
        assert list(shares) == list(counts)[:7]  # complete weeks only
        assert shares["2026-08-03"] == 0.1
        assert shares["2026-09-14"] == round(12 / 57, 4)

    def test_flat_share_in_growing_volume_is_stable(self) -> None:
        rows = (weekly(0, [1, 2, 3, 4, 6, 8, 10], "t")
                + weekly(1, [9, 18, 27, 36, 54, 72, 90, 2], "o", "positive"))
        row = by_topic(rank_pain_points(frame(rows), TOPICS))[0]
        assert row["trend"] == "stable"
        assert row["recent_share"] == row["baseline_share"] == 0.1
        assert row["trend_p_value"] == 1.0

    def test_only_a_significant_fall_is_shrinking(self) -> None:
        rows = (weekly(0, [10, 10, 10, 10, 2, 2, 2], "s")  # 25% of feedback, then 6%
                + weekly(2, [4, 4, 4, 4, 3, 3, 3], "c")  # 10%, then 10%
                + weekly(1, [26] * 7 + [1], "o", "positive"))
        rows_by_topic = by_topic(rank_pain_points(frame(rows), TOPICS))
        assert rows_by_topic[0]["trend"] == "shrinking"
        assert rows_by_topic[0]["trend_p_value"] < 0.05
        assert rows_by_topic[2]["trend"] == "stable"
        assert rows_by_topic[2]["trend_p_value"] >= 0.05

    def test_too_few_complete_weeks(self) -> None:
        rows = weekly(0, [1, 1, 5, 2], "a") + weekly(1, [3, 3, 3, 3], "o", "positive")
        row = by_topic(rank_pain_points(frame(rows), TOPICS))[0]
        assert (row["trend"], row["growth"], row["trend_p_value"]) == (
            "too little data", None, None)

    def test_theme_without_a_baseline_is_new(self) -> None:
        rows = (weekly(1, [5] * 7 + [1], "o", "positive")
                + weekly(0, [0, 0, 0, 0, 1, 2, 2], "n"))
        row = by_topic(rank_pain_points(frame(rows), TOPICS))[0]
        assert (row["trend"], row["growth"], row["baseline_share"]) == ("new", None, 0.0)


class TestMixAndScores:
    def test_languages_and_channels_count_documents(self) -> None:
        rows = [
            sentence("d1", 0, lang="en", channel="review"),
            sentence("d1", 0, lang="en", channel="review", text="Second sentence, same doc."),
            sentence("d2", 0, lang="fa", channel="chat", text="پولم را پس ندادند."),
            sentence("d3", 0, lang="en", channel="chat"),
            sentence("d4", 0, lang="ar", channel="social", text="لم يتم رد المبلغ حتى الآن."),
        ]
        row = rank_pain_points(frame(rows), TOPICS).row(0, named=True)
        assert json.loads(row["languages"]) == {"en": 2, "fa": 1, "ar": 1}
        assert json.loads(row["channels"]) == {"chat": 2, "review": 1, "social": 1}

    def test_avg_rating_on_five_point_scale(self) -> None:
        rows = [
            sentence("d1", 0, rating=8, rating_scale=10, nps=3, csat=2),
            sentence("d1", 0, rating=8, rating_scale=10, nps=3, csat=2, text="Still waiting."),
            sentence("d2", 1, "positive", rating=2, rating_scale=5, nps=9, csat=5),
        ]
        rows_by_topic = by_topic(rank_pain_points(frame(rows), TOPICS))
        refunds = rows_by_topic[0]
        assert refunds["avg_rating"] == 4.0
        assert refunds["avg_nps"] == 3.0
        assert refunds["avg_csat"] == 2.0
        assert refunds["rating_delta"] == 1.0  # 4.0 against an overall 3.0
        assert refunds["nps_delta"] == -3.0  # 3 against an overall 6
        assert refunds["score_impact"] == -1.0  # without it the average is 2.0
        assert rows_by_topic[1]["avg_rating"] == 2.0

    def test_no_scores_gives_none(self) -> None:
        row = rank_pain_points(frame([sentence("d1", 0)]), TOPICS).row(0, named=True)
        assert row["avg_rating"] is None
        assert row["avg_nps"] is None
        assert row["rating_delta"] is None
        assert (row["nps"], row["nps_respondents"]) == (None, 0)
        assert (row["csat_satisfied_share"], row["csat_respondents"]) == (None, 0)
        assert (row["ces_low_effort_share"], row["ces_respondents"]) == (None, 0)

    def test_nps_counts_each_respondent_once(self) -> None:
        """A survey answer is one document per question: a respondent who answered two
        questions in a theme is one vote. Records of two sources may share an id."""
        rows = [
            # Respondent V-1 of nps_survey answered two questions: a promoter, once.
            sentence("v1-improve", 0, record="V-1", source="nps_survey", nps=10, csat=5, ces=7),
            sentence("v1-like", 0, record="V-1", source="nps_survey", nps=10, csat=5, ces=7,
                     text="The refund came back after I asked twice."),
            sentence("v2-improve", 0, record="V-2", source="nps_survey", nps=0, csat=1, ces=2),
            # Another survey's V-1 is another respondent: a detractor.
            sentence("p1-improve", 0, record="V-1", source="pulse_survey", nps=5, csat=4),
            # Scores of feedback in other themes do not count here.
            sentence("v3-improve", 1, "positive", record="V-3", source="nps_survey", nps=9,
                     csat=5, ces=6),
        ]
        refunds = by_topic(rank_pain_points(frame(rows), TOPICS))[0]
        # 1 promoter and 2 detractors of 3 respondents.
        assert (refunds["nps"], refunds["nps_respondents"]) == (-33.3, 3)
        assert (refunds["csat_satisfied_share"], refunds["csat_respondents"]) == (0.667, 3)
        # CES 1-7, 7 = very easy: low effort is 5-7.
        assert (refunds["ces_low_effort_share"], refunds["ces_respondents"]) == (0.5, 2)
        # The analysts' mean of the documents' scores stays as it was.
        assert refunds["avg_nps"] == 6.25


class TestQuotes:
    def quotes(self, rows: list[dict[str, Any]], n: int = 3) -> list[dict[str, Any]]:
        ranked = rank_pain_points(frame(rows), TOPICS, quotes_per_theme=n)
        return json.loads(by_topic(ranked)[0]["example_quotes"])

    def theme_rows(self) -> list[dict[str, Any]]:
        return [
            sentence("e1", 0, text="My refund has been pending for a month.", centrality=0.90),
            sentence("e2", 0, text="Nobody answers about my refund request.", centrality=0.80),
            sentence("f1", 0, lang="fa", text="سه هفته است منتظر بازپرداخت هستم.",
                     channel="chat", centrality=0.85),
            sentence("f2", 0, lang="fa", text="پول من را هنوز برنگرداندند.", centrality=0.60),
            sentence("g1", 0, lang="de", text="Die Rückerstattung dauert viel zu lange.",
                     centrality=0.70),
            sentence("a1", 0, lang="ar", text="لم يتم استرداد المبلغ حتى الآن.",
                     channel="social", centrality=0.65),
            # Most central of all, but too short to say anything.
            sentence("s1", 0, lang="de", text="Sehr enttäuscht.", centrality=0.99),
            sentence("s2", 0, text="Call [PHONE] [EMAIL] now", centrality=0.98),
            # Central, but positive: the theme is a complaint, so these are not quoted.
            sentence("p1", 0, "positive", text="The refund itself was easy to request.",
                     centrality=0.97),
            sentence("p2", 0, "positive", lang="he", text="ההחזר עצמו היה פשוט לבקש.",
                     centrality=0.96),
        ]

    def test_prefer_negative_and_skip_short(self) -> None:
        quotes = self.quotes(self.theme_rows())
        texts = [q["text"] for q in quotes]
        assert all(q["sentiment"] == "negative" for q in quotes)
        assert "Sehr enttäuscht." not in texts
        assert "Call [PHONE] [EMAIL] now" not in texts
        assert "The refund itself was easy to request." not in texts
        assert all(len(t.split()) >= 3 for t in texts)

    def test_representative_quotes_cover_several_languages(self) -> None:
        quotes = self.quotes(self.theme_rows())
        flags = [q["representative"] for q in quotes]
        assert flags == [True, True, True, False]
        representative = [q for q in quotes if q["representative"]]
        assert len({q["lang"] for q in representative}) == 3
        # Every language of the theme is heard, the rest as extra quotes.
        assert {q["lang"] for q in quotes} == {"en", "fa", "de", "ar"}
        # Within a language the most central sentence comes first.
        english = [q["text"] for q in quotes if q["lang"] == "en"]
        assert english[0] == "My refund has been pending for a month."
        for q in quotes:
            assert set(q) >= {"text", "lang", "channel", "doc_id", "sentiment"}
        assert {q["doc_id"] for q in quotes} <= {"e1", "e2", "f1", "f2", "g1", "a1"}

    def test_one_quote_per_document(self) -> None:
        rows = [
            sentence("e1", 0, text="My refund has been pending for a month.", centrality=0.9),
            sentence("e1", 0, text="I wrote to support four times already.", centrality=0.8),
            sentence("e2", 0, text="Nobody answers about my refund request.", centrality=0.7),
        ]
        quotes = self.quotes(rows, n=2)
        assert sorted(q["doc_id"] for q in quotes) == ["e1", "e2"]

    def test_mostly_positive_theme_quotes_positive(self) -> None:
        rows = [
            sentence(f"p{i}", 0, "positive", text=f"Refund number {i} came back quickly.",
                     centrality=0.9 - i / 10)
            for i in range(4)
        ]
        rows.append(sentence("n1", 0, text="Refund was late this one time.", centrality=0.1))
        quotes = self.quotes(rows, n=2)
        assert [q["doc_id"] for q in quotes] == ["p0", "p1"]

    def test_only_short_sentences_still_quoted(self) -> None:
        rows = [sentence("s1", 0, text="Too slow."), sentence("s2", 0, text="Very bad.")]
        quotes = self.quotes(rows, n=3)
        assert sorted(q["text"] for q in quotes) == ["Too slow.", "Very bad."]
