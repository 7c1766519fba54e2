"""Tests for data.sources: connectors map each channel's export to the feedback schema.

Long because it mirrors its module case by case; each class is one concern.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from data.sources import (
    BAD_DATE,
    FUTURE_DATE,
    MISSING_FILE,
    MISSING_ID,
    NO_CUSTOMER_TURNS,
    NO_TEXT,
    NOT_PARSEABLE,
    SCORE_OUT_OF_RANGE,
    BadRecord,
    SourceBatch,
    make_doc_id,
    parse_timestamp,
    read_source,
)
from flows.config import SourceConfig

NOW = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)

REVIEW_COLUMNS = {
    "id": "review_id", "created_at": "submitted_at", "title": "title", "body": "body",
    "rating": "stars", "product": "product", "country": "country",
}
REVIEW_HEADER = ["review_id", "submitted_at", "stars", "title", "body", "product", "country"]
SOCIAL_COLUMNS = {
    "id": "post_id", "created_at": "posted_at", "text": "text", "author": "author",
    "platform": "platform", "reach": "reach",
}
CHAT_COLUMNS = {
    "id": "conversation_id", "created_at": "started_at", "turns": "turns", "role": "role",
    "text": "text", "csat": "csat", "customer": "customer_email",
}
SURVEY_COLUMNS = {
    "id": "respondent_id", "created_at": "submitted", "nps": "nps", "csat": "csat", "ces": "ces",
}
SURVEY_HEADER = ["respondent_id", "submitted", "nps", "csat", "ces", "q_improve", "q_like"]


def review_source(path: str = "reviews.csv", **overrides: Any) -> SourceConfig:
    fields: dict[str, Any] = {"name": "shop_reviews", "channel": "review", "path": path,
                              "format": "csv", "columns": REVIEW_COLUMNS}
    return SourceConfig(**{**fields, **overrides})


def social_source(path: str = "social.jsonl") -> SourceConfig:
    return SourceConfig(name="social_posts", channel="social", path=path, format="jsonl",
                        columns=SOCIAL_COLUMNS)


def chat_source(path: str = "chats.json") -> SourceConfig:
    return SourceConfig(name="support_chats", channel="chat", path=path, format="json",
                        columns=CHAT_COLUMNS, customer_roles=["customer"])


def survey_source(path: str = "survey.csv") -> SourceConfig:
    return SourceConfig(name="nps_survey", channel="survey", path=path, format="csv",
                        columns=SURVEY_COLUMNS, text_columns=["q_improve", "q_like"])


def write_csv(path: Path, header: list[str], rows: list[list[str]], *, bom: bool = False) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, lines: list[dict[str, Any] | str]) -> Path:
    text = "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def write_json(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(items, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def reasons(batch: SourceBatch) -> dict[str, str]:
    """source_record_id -> quarantine reason."""
    return {q["source_record_id"]: q["reason"] for q in batch.quarantined}


def assert_accounted(batch: SourceBatch, row_ids: list[str]) -> None:
    """Every row read is either loaded (one or more records) or quarantined, never both, and
    ``read`` counts records: the loaded ones (a survey row may give several) and the rest."""
    assert batch.read == len(batch.records) + len(batch.quarantined)
    loaded = {r["source_record_id"] for r in batch.records}
    quarantined = [q["source_record_id"] for q in batch.quarantined]
    assert not loaded & set(quarantined)
    assert len(loaded) + len(quarantined) == len(row_ids)
    assert loaded | set(quarantined) == set(row_ids)


# ---- helpers -------------------------------------------------------------------------------


class TestDocId:
    def test_stable_and_distinct(self) -> None:
        assert make_doc_id("shop_reviews", "R-1") == make_doc_id("shop_reviews", "R-1")
        assert make_doc_id("shop_reviews", "R-1") != make_doc_id("shop_reviews", "R-2")
        assert make_doc_id("shop_reviews", "R-1") != make_doc_id("social_posts", "R-1")
        assert make_doc_id("nps_survey", "V-1", "q_like") != make_doc_id(
            "nps_survey", "V-1", "q_improve"
        )
        assert make_doc_id("nps_survey", "V-1", "q_like") != make_doc_id("nps_survey", "V-1")

    def test_fields_cannot_bleed_into_each_other(self) -> None:
        assert make_doc_id("ab", "c") != make_doc_id("a", "bc")


class TestParseTimestamp:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2026-09-14T10:22:00Z", datetime(2026, 9, 14, 10, 22, tzinfo=UTC)),
            ("2026-09-14 10:22:00", datetime(2026, 9, 14, 10, 22, tzinfo=UTC)),
            ("2026-09-14", datetime(2026, 9, 14, tzinfo=UTC)),
            ("2026-09-14T13:52:00+03:30", datetime(2026, 9, 14, 10, 22, tzinfo=UTC)),
        ],
    )
    def test_iso_forms_become_aware_utc(self, text: str, expected: datetime) -> None:
        parsed = parse_timestamp(text, NOW)
        assert parsed == expected
        assert parsed.utcoffset() == timedelta(0)

    @pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "", None, "   "])
    def test_unreadable(self, text: str | None) -> None:
        with pytest.raises(BadRecord) as info:
            parse_timestamp(text, NOW)
        assert info.value.reason == BAD_DATE

    @pytest.mark.parametrize("text", ["14.09.2026", "03/04/2026", "24/02/2015 11:35"])
    def test_day_month_dates_are_ambiguous_unless_a_format_is_given(self, text: str) -> None:
        with pytest.raises(BadRecord) as info:
            parse_timestamp(text, NOW, source="shop_reviews")
        assert info.value.reason == "ambiguous_date"
        assert "shop_reviews" in info.value.detail and "date_format" in info.value.detail
        assert parse_timestamp(text, NOW, date_format=["%d.%m.%Y", "%d/%m/%Y",
                                                       "%d/%m/%Y %H:%M"]) < NOW

    def test_future(self) -> None:
        with pytest.raises(BadRecord) as info:
            parse_timestamp("2026-10-02T00:00:00Z", NOW)
        assert info.value.reason == FUTURE_DATE


# ---- channels ------------------------------------------------------------------------------


class TestReview:
    def test_fields_mapped(self, tmp_path: Path) -> None:
        write_csv(tmp_path / "reviews.csv", REVIEW_HEADER, [
            ["R-10001", "2026-09-14T10:22:00Z", "2", "Lieferung zu spät",
             "Das Paket kam zwei Wochen zu spät an.", "Aero Running Shoes", "DE"],
            ["R-10002", "2026-09-15T08:00:00Z", "", "", "پشتیبانی هیچ جوابی نداد.", "", ""],
        ])
        batch = read_source(review_source(), tmp_path, now=NOW)
        assert batch.quarantined == []
        assert batch.read == 2
        assert batch.files == [str(tmp_path / "reviews.csv")]
        first, second = batch.records
        assert first["doc_id"] == make_doc_id("shop_reviews", "R-10001")
        assert first["source"] == "shop_reviews"
        assert first["channel"] == "review"
        assert first["source_record_id"] == "R-10001"
        assert first["created_at"] == datetime(2026, 9, 14, 10, 22, tzinfo=UTC)
        assert first["raw_text"] == "Lieferung zu spät. Das Paket kam zwei Wochen zu spät an."
        assert first["title"] == "Lieferung zu spät"
        assert first["rating"] == 2.0
        assert first["rating_scale"] == 5
        assert first["product"] == "Aero Running Shoes"
        assert first["country"] == "DE"
        assert first["question"] is None
        # Empty optional cells become None, and a body alone is the text.
        assert second["raw_text"] == "پشتیبانی هیچ جوابی نداد."
        assert second["title"] is None
        assert second["rating"] is None
        assert second["product"] is None

    def test_doc_ids_identical_across_reads(self, tmp_path: Path) -> None:
        write_csv(tmp_path / "reviews.csv", REVIEW_HEADER, [
            ["R-1", "2026-09-14", "5", "", "Πολύ γρήγορη παράδοση, ευχαριστώ!", "", "GR"],
            ["R-2", "2026-09-14", "1", "", "التطبيق يتعطل عند الدفع.", "", "JO"],
        ])
        first = read_source(review_source(), tmp_path, now=NOW)
        second = read_source(review_source(), tmp_path, now=NOW)
        ids = [r["doc_id"] for r in first.records]
        assert ids == [r["doc_id"] for r in second.records]
        assert len(set(ids)) == 2

    def test_rating_scale_10(self, tmp_path: Path) -> None:
        write_csv(tmp_path / "reviews.csv", REVIEW_HEADER, [
            ["R-1", "2026-09-14", "9", "", "Great value for money.", "", ""],
        ])
        batch = read_source(review_source(rating_scale=10), tmp_path, now=NOW)
        assert batch.records[0]["rating"] == 9.0
        assert batch.records[0]["rating_scale"] == 10

    def test_quarantine_reasons(self, tmp_path: Path) -> None:
        future = (NOW + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
        write_csv(tmp_path / "reviews.csv", REVIEW_HEADER, [
            ["R-ok", "2026-09-14T10:00:00Z", "4", "Gut", "Schnelle Lieferung.", "", "DE"],
            ["R-empty", "2026-09-14T10:00:00Z", "3", "", "  ", "", "DE"],
            ["R-date", "yesterday", "2", "", "The parcel never arrived.", "", "GB"],
            ["R-future", future, "2", "", "Η παραγγελία δεν ήρθε ποτέ.", "", "GR"],
            ["R-stars", "2026-09-14T10:00:00Z", "9", "", "ההחזר לוקח יותר מדי זמן.", "", "IL"],
            ["R-text", "2026-09-14T10:00:00Z", "five", "", "Refund took a month.", "", "GB"],
            ["", "2026-09-14T10:00:00Z", "3", "", "No id on this row.", "", "GB"],
        ])
        batch = read_source(review_source(), tmp_path, now=NOW)
        assert reasons(batch) == {
            "R-empty": NO_TEXT,
            "R-date": BAD_DATE,
            "R-future": FUTURE_DATE,
            "R-stars": SCORE_OUT_OF_RANGE,
            "R-text": SCORE_OUT_OF_RANGE,
            "": MISSING_ID,
        }
        assert [r["source_record_id"] for r in batch.records] == ["R-ok"]
        assert batch.read == 7
        assert len(batch.records) + len(batch.quarantined) == batch.read
        q = next(q for q in batch.quarantined if q["source_record_id"] == "R-stars")
        assert q["source"] == "shop_reviews"
        assert q["channel"] == "review"
        assert "ההחזר" in q["raw_record"]  # the raw row is kept, unescaped
        assert "9" in q["detail"]

    def test_row_with_extra_cells_is_not_parseable(self, tmp_path: Path) -> None:
        path = tmp_path / "reviews.csv"
        path.write_text(
            ",".join(REVIEW_HEADER) + "\n"
            "R-1,2026-09-14,4,,Fine.,,DE\n"
            "R-2,2026-09-14,4,,Too,many,cells,here\n",
            encoding="utf-8",
        )
        batch = read_source(review_source(), tmp_path, now=NOW)
        assert batch.read == 2
        assert [q["reason"] for q in batch.quarantined] == [NOT_PARSEABLE]
        assert [r["source_record_id"] for r in batch.records] == ["R-1"]

    def test_bom_and_quoted_newlines(self, tmp_path: Path) -> None:
        body = 'Erstens: "zu teuer".\nZweitens, die Lieferung dauerte ewig.'
        write_csv(tmp_path / "reviews.csv", REVIEW_HEADER, [
            ["R-1", "2026-09-14T10:22:00Z", "2", "Enttäuscht, leider", body, "Blender", "DE"],
            ["R-2", "2026-09-15T10:22:00Z", "5", "", "Alles bestens.", "", "AT"],
        ], bom=True)
        assert (tmp_path / "reviews.csv").read_bytes().startswith(b"\xef\xbb\xbf")
        batch = read_source(review_source(), tmp_path, now=NOW)
        assert batch.quarantined == []
        assert batch.read == 2
        assert batch.records[0]["source_record_id"] == "R-1"  # header not polluted by the BOM
        assert batch.records[0]["raw_text"] == f"Enttäuscht, leider. {body}"
        assert batch.records[1]["country"] == "AT"

    def test_glob_reads_every_file(self, tmp_path: Path) -> None:
        (tmp_path / "exports").mkdir()
        for n in (1, 2):
            write_csv(tmp_path / "exports" / f"reviews-{n}.csv", REVIEW_HEADER,
                      [[f"R-{n}", "2026-09-14", "3", "", "Okay product.", "", ""]])
        batch = read_source(review_source(path="exports/reviews-*.csv"), tmp_path, now=NOW)
        assert batch.read == 2
        assert len(batch.files) == 2
        assert {r["source_record_id"] for r in batch.records} == {"R-1", "R-2"}


class TestSocial:
    def test_fields_mapped_and_malformed_line(self, tmp_path: Path) -> None:
        write_jsonl(tmp_path / "social.jsonl", [
            {"post_id": "S-1", "author": "@maria_k", "platform": "instagram",
             "posted_at": "2026-09-20T18:00:00Z",
             "text": "Η εφαρμογή κρασάρει κάθε φορά στην πληρωμή 😡", "reach": "1520"},
            '{"post_id": "S-2", "text": "broken',
            {"post_id": "S-3", "author": "@dana", "platform": "twitter",
             "posted_at": "2026-09-21T09:00:00Z", "text": "   ", "reach": 3},
            '["not", "an", "object"]',
        ])
        batch = read_source(social_source(), tmp_path, now=NOW)
        assert batch.read == 4
        assert len(batch.records) == 1
        record = batch.records[0]
        assert record["raw_text"] == "Η εφαρμογή κρασάρει κάθε φορά στην πληρωμή 😡"
        assert record["customer"] == "@maria_k"
        assert record["platform"] == "instagram"
        assert record["reach"] == 1520
        assert record["channel"] == "social"
        assert sorted(q["reason"] for q in batch.quarantined) == [
            NO_TEXT, NOT_PARSEABLE, NOT_PARSEABLE
        ]
        broken = next(q for q in batch.quarantined if "broken" in q["raw_record"])
        assert broken["reason"] == NOT_PARSEABLE
        assert broken["raw_record"] == '{"post_id": "S-2", "text": "broken'


class TestChat:
    def transcripts(self) -> list[dict[str, Any]]:
        return [
            {"conversation_id": "C-1", "started_at": "2026-09-07T13:38:17Z",
             "customer_email": "hhosseini@mail.example.com", "csat": 1,
             "turns": [
                 {"role": "bot", "text": "به پشتیبانی ShopNova خوش آمدید."},
                 {"role": "customer", "text": "هنوز هر ماه برای اشتراک لغو شده پول می‌دهم."},
                 {"role": "agent", "text": "Let me check that for you."},
                 {"role": "Customer", "text": "Please refund the last two months."},
                 {"role": "customer", "text": "  "},
             ]},
            {"conversation_id": "C-2", "started_at": "2026-09-08T09:00:00Z", "csat": "",
             "turns": [{"role": "bot", "text": "Willkommen!"},
                       {"role": "agent", "text": "Wie kann ich helfen?"}]},
            {"conversation_id": "C-3", "started_at": "2026-09-08T10:00:00Z", "csat": 7,
             "turns": [{"role": "customer", "text": "Wo ist mein Paket?"}]},
            {"conversation_id": "C-4", "started_at": "2026-09-08T11:00:00Z",
             "turns": "customer: hello"},
            {"conversation_id": "C-5", "started_at": "2026-09-09T11:00:00Z", "csat": "",
             "turns": [{"role": "customer", "text": "الطلب وصل ناقصاً."}]},
        ]

    def test_only_customer_turns_are_text(self, tmp_path: Path) -> None:
        write_json(tmp_path / "chats.json", self.transcripts())
        batch = read_source(chat_source(), tmp_path, now=NOW)
        assert_accounted(batch, ["C-1", "C-2", "C-3", "C-4", "C-5"])
        by_id = {r["source_record_id"]: r for r in batch.records}
        text = by_id["C-1"]["raw_text"]
        assert text == (
            "هنوز هر ماه برای اشتراک لغو شده پول می‌دهم.\n"
            "Please refund the last two months."
        )
        assert "خوش آمدید" not in text
        assert "Let me check" not in text
        assert by_id["C-1"]["csat"] == 1.0
        assert by_id["C-1"]["customer"] == "hhosseini@mail.example.com"
        assert by_id["C-5"]["csat"] is None
        assert reasons(batch) == {
            "C-2": NO_CUSTOMER_TURNS, "C-3": SCORE_OUT_OF_RANGE, "C-4": NOT_PARSEABLE
        }

    def test_agent_and_bot_text_never_appears(self, tmp_path: Path) -> None:
        write_json(tmp_path / "chats.json", self.transcripts())
        batch = read_source(chat_source(), tmp_path, now=NOW)
        agent_words = ("ShopNova", "check that", "Willkommen", "helfen")
        for record in batch.records:
            for word in agent_words:
                assert word not in record["raw_text"]

    def test_not_json_at_all(self, tmp_path: Path) -> None:
        (tmp_path / "chats.json").write_text("[{oops", encoding="utf-8")
        batch = read_source(chat_source(), tmp_path, now=NOW)
        assert batch.records == []
        assert [q["reason"] for q in batch.quarantined] == [NOT_PARSEABLE]


class TestSurvey:
    def test_one_record_per_answer_with_scores(self, tmp_path: Path) -> None:
        write_csv(tmp_path / "survey.csv", SURVEY_HEADER, [
            ["V-1", "2026-09-07T00:16:00Z", "4", "1", "6",
             "Πάνω από τρεις εβδομάδες περιμένω την επιστροφή χρημάτων.", "Καλές τιμές."],
            ["V-2", "2026-09-09T17:10:00Z", "9", "5", "2", "", "משלוח מהיר."],
            ["V-3", "2026-09-10T17:10:00Z", "7", "", "", "", ""],
            ["V-4", "2026-09-10T17:10:00Z", "14", "3", "3", "Die App stürzt ab.", ""],
            ["V-5", "2026-09-11T17:10:00Z", "8", "0", "3", "Too slow.", ""],
            ["V-6", "2026-09-11T17:10:00Z", "8", "3", "9", "Checkout is confusing.", ""],
        ])
        batch = read_source(survey_source(), tmp_path, now=NOW)
        # Records: V-1's two answers, V-2's one, and the four rows quarantined.
        assert batch.read == len(batch.records) + len(batch.quarantined) == 7
        v1 = [r for r in batch.records if r["source_record_id"] == "V-1"]
        assert [r["question"] for r in v1] == ["q_improve", "q_like"]
        assert [r["raw_text"] for r in v1] == [
            "Πάνω από τρεις εβδομάδες περιμένω την επιστροφή χρημάτων.", "Καλές τιμές."
        ]
        for record in v1:
            assert (record["nps"], record["csat"], record["ces"]) == (4.0, 1.0, 6.0)
            assert record["channel"] == "survey"
        assert v1[0]["doc_id"] != v1[1]["doc_id"]
        assert v1[0]["doc_id"] == make_doc_id("nps_survey", "V-1", "q_improve")
        v2 = [r for r in batch.records if r["source_record_id"] == "V-2"]
        assert [(r["question"], r["nps"]) for r in v2] == [("q_like", 9.0)]
        assert reasons(batch) == {
            "V-3": NO_TEXT,
            "V-4": SCORE_OUT_OF_RANGE,
            "V-5": SCORE_OUT_OF_RANGE,
            "V-6": SCORE_OUT_OF_RANGE,
        }
        assert_accounted(batch, ["V-1", "V-2", "V-3", "V-4", "V-5", "V-6"])
        assert len(batch.records) <= batch.read * 2

    def test_scores_only_row_with_bad_date_is_a_date_problem(self, tmp_path: Path) -> None:
        write_csv(tmp_path / "survey.csv", SURVEY_HEADER,
                  [["V-1", "gestern", "7", "", "", "", ""]])
        batch = read_source(survey_source(), tmp_path, now=NOW)
        assert reasons(batch) == {"V-1": BAD_DATE}

    def test_doc_ids_stable_across_reads(self, tmp_path: Path) -> None:
        write_csv(tmp_path / "survey.csv", SURVEY_HEADER, [
            ["V-1", "2026-09-07", "3", "2", "5", "أسعار الشحن مرتفعة جداً.", "جودة جيدة."],
        ])
        first = read_source(survey_source(), tmp_path, now=NOW)
        second = read_source(survey_source(), tmp_path, now=NOW)
        assert [r["doc_id"] for r in first.records] == [r["doc_id"] for r in second.records]


class TestMissingFileAndWindow:
    def test_missing_file(self, tmp_path: Path) -> None:
        batch = read_source(review_source(path="exports/nothing-*.csv"), tmp_path, now=NOW)
        assert batch.read == 1  # the missing file is one quarantined record: it is counted
        assert batch.records == []
        assert [q["reason"] for q in batch.quarantined] == [MISSING_FILE]
        assert "nothing-*.csv" in batch.quarantined[0]["raw_record"]

    def test_since_until_skip_outside_window(self, tmp_path: Path) -> None:
        write_csv(tmp_path / "reviews.csv", REVIEW_HEADER, [
            ["R-early", "2026-08-31T23:59:59Z", "3", "", "Too early.", "", ""],
            ["R-start", "2026-09-01T00:00:00Z", "3", "", "On the first day.", "", ""],
            ["R-mid", "2026-09-15T12:00:00Z", "3", "", "In the middle.", "", ""],
            ["R-end", "2026-09-30T00:00:00Z", "3", "", "Until is exclusive.", "", ""],
        ])
        batch = read_source(
            review_source(), tmp_path,
            since=datetime(2026, 9, 1, tzinfo=UTC), until=datetime(2026, 9, 30, tzinfo=UTC),
            now=NOW,
        )
        assert [r["source_record_id"] for r in batch.records] == ["R-start", "R-mid"]
        assert batch.outside_window == 2  # R-early, and R-end (until is exclusive)
        assert batch.read == 2
        assert batch.quarantined == []

    def test_now_defaults_to_current_time(self, tmp_path: Path) -> None:
        tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        write_csv(tmp_path / "reviews.csv", REVIEW_HEADER,
                  [["R-1", tomorrow, "3", "", "From the future.", "", ""]])
        batch = read_source(review_source(), tmp_path)
        assert reasons(batch) == {"R-1": FUTURE_DATE}


# ---- dates of real exports, and exports without an id column -------------------------------


def social_csv_source(**overrides: Any) -> SourceConfig:
    fields: dict[str, Any] = {"name": "tweets", "channel": "social", "path": "tweets.csv",
                              "format": "csv",
                              "columns": {"id": "tweet_id", "created_at": "tweet_created",
                                          "text": "text"}}
    return SourceConfig(**{**fields, **overrides})


class TestExportDates:
    def test_space_before_the_offset_is_read(self, tmp_path: Path) -> None:
        # A real social export: "ISO date, space, time, space, numeric offset".
        write_csv(tmp_path / "tweets.csv", ["tweet_id", "text", "tweet_created"], [
            ["1", "Flight delayed again", "2015-02-24 11:35:52 -0800"],
            ["2", "Lost my bag", "2015-02-24 11:35:52.400 -0800"],
            ["3", "Great crew", "2015-02-24 11:35:52 UTC"],
            ["4", "Seat was broken", "2015-02-24 11:35:52  +0530"],
        ])
        batch = read_source(social_csv_source(), tmp_path, now=NOW)
        assert batch.quarantined == []
        got = {r["source_record_id"]: r["created_at"] for r in batch.records}
        assert got == {
            "1": datetime(2015, 2, 24, 19, 35, 52, tzinfo=UTC),
            "2": datetime(2015, 2, 24, 19, 35, 52, 400000, tzinfo=UTC),
            "3": datetime(2015, 2, 24, 11, 35, 52, tzinfo=UTC),
            "4": datetime(2015, 2, 24, 6, 5, 52, tzinfo=UTC),
        }

    def test_epoch_seconds_and_milliseconds(self, tmp_path: Path) -> None:
        write_jsonl(tmp_path / "social.jsonl", [
            {"post_id": "s", "posted_at": 1424807752, "text": "seconds"},
            {"post_id": "ms", "posted_at": 1424807752000, "text": "milliseconds"},
            {"post_id": "f", "posted_at": 1424807752.5, "text": "float seconds"},
            {"post_id": "str", "posted_at": "1424807752000", "text": "numeric text"},
        ])
        batch = read_source(social_source(), tmp_path, now=NOW)
        assert batch.quarantined == []
        at = datetime(2015, 2, 24, 19, 55, 52, tzinfo=UTC)
        assert {r["source_record_id"]: r["created_at"] for r in batch.records} == {
            "s": at, "ms": at, "f": at + timedelta(milliseconds=500), "str": at}

    def test_day_first_dates_with_date_format(self, tmp_path: Path) -> None:
        write_csv(tmp_path / "reviews.csv", REVIEW_HEADER, [
            ["R-1", "24/02/2015", "4", "", "Good.", "", ""],
            ["R-2", "03/04/2026", "2", "", "Late.", "", ""],
            ["R-3", "2026-04-05T10:00:00Z", "2", "", "ISO still read.", "", ""],
        ])
        batch = read_source(review_source(date_format="%d/%m/%Y"), tmp_path, now=NOW)
        assert batch.quarantined == []
        assert [r["created_at"] for r in batch.records] == [
            datetime(2015, 2, 24, tzinfo=UTC), datetime(2026, 4, 3, tzinfo=UTC),
            datetime(2026, 4, 5, 10, tzinfo=UTC)]

    def test_formats_tried_in_order_in_the_source_timezone(self, tmp_path: Path) -> None:
        write_csv(tmp_path / "reviews.csv", REVIEW_HEADER, [
            ["R-1", "24.02.2015 18:30", "4", "", "With a time.", "", ""],
            ["R-2", "01.07.2026", "2", "", "A date alone.", "", ""],
            ["R-3", "2026-07-01 12:00:00", "2", "", "Naive ISO.", "", ""],
            ["R-4", "2026-07-01T12:00:00+00:00", "2", "", "With an offset.", "", ""],
        ])
        source = review_source(date_format=["%d.%m.%Y %H:%M", "%d.%m.%Y"],
                               timezone="Europe/Berlin")
        batch = read_source(source, tmp_path, now=NOW)
        assert batch.quarantined == []
        assert [r["created_at"] for r in batch.records] == [
            datetime(2015, 2, 24, 17, 30, tzinfo=UTC),   # CET, UTC+1
            datetime(2026, 6, 30, 22, 0, tzinfo=UTC),    # midnight CEST, UTC+2
            datetime(2026, 7, 1, 10, 0, tzinfo=UTC),
            datetime(2026, 7, 1, 12, 0, tzinfo=UTC)]     # an offset wins over the zone

    def test_ambiguous_dates_are_not_guessed(self, tmp_path: Path) -> None:
        write_csv(tmp_path / "reviews.csv", REVIEW_HEADER, [
            ["R-1", "03/04/2026", "4", "", "Which day?", "", ""],
            ["R-2", "24/02/2015", "4", "", "Day first, still not guessed.", "", ""],
            ["R-3", "24.02.2015 11:35", "4", "", "Dots too.", "", ""],
            ["R-4", "yesterday", "4", "", "Garbage stays unparseable.", "", ""],
        ])
        batch = read_source(review_source(), tmp_path, now=NOW)
        assert batch.records == []
        assert reasons(batch) == {"R-1": "ambiguous_date", "R-2": "ambiguous_date",
                                  "R-3": "ambiguous_date", "R-4": BAD_DATE}
        detail = next(q["detail"] for q in batch.quarantined if q["source_record_id"] == "R-1")
        assert "shop_reviews" in detail and "'03/04/2026'" in detail
        assert 'date_format = "%d/%m/%Y"' in detail
        dots = next(q["detail"] for q in batch.quarantined if q["source_record_id"] == "R-3")
        assert "%d.%m.%Y %H:%M" in dots

    def test_value_not_matching_date_format_is_unparseable(self, tmp_path: Path) -> None:
        write_csv(tmp_path / "reviews.csv", REVIEW_HEADER, [
            ["R-1", "2015/24/02", "4", "", "Typo in the export.", "", ""],
        ])
        batch = read_source(review_source(date_format="%d/%m/%Y"), tmp_path, now=NOW)
        assert reasons(batch) == {"R-1": BAD_DATE}
        assert "%d/%m/%Y" in batch.quarantined[0]["detail"]

    def test_parquet_datetimes_and_dates_in_the_source_timezone(self, tmp_path: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({
            "review_id": ["R-1", "R-2"],
            "submitted_at": [datetime(2026, 7, 1, 12, 0), datetime(2026, 7, 2, 8, 0)],
            "day": [date(2026, 7, 1), date(2026, 7, 2)],
            "body": ["Naive timestamp.", "Another."],
        }), tmp_path / "reviews.parquet")
        columns = {"id": "review_id", "created_at": "submitted_at", "body": "body"}
        source = review_source("reviews.parquet", format="parquet", columns=columns,
                               timezone="Europe/Berlin")
        batch = read_source(source, tmp_path, now=NOW)
        assert [r["created_at"] for r in batch.records] == [
            datetime(2026, 7, 1, 10, 0, tzinfo=UTC), datetime(2026, 7, 2, 6, 0, tzinfo=UTC)]
        by_day = read_source(review_source("reviews.parquet", format="parquet",
                                           columns={**columns, "created_at": "day"}),
                             tmp_path, now=NOW)
        assert [r["created_at"] for r in by_day.records] == [
            datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 7, 2, tzinfo=UTC)]

    @pytest.mark.parametrize(("overrides", "words"), [
        ({"timezone": "Europe/Berln"}, ["timezone", "Europe/Berln"]),
        ({"date_format": "dd/mm/yyyy"}, ["date_format", "dd/mm/yyyy", "%d/%m/%Y"]),
        ({"date_format": "%d/%m/%Q"}, ["date_format", "%d/%m/%Q"]),
        ({"date_format": []}, ["date_format"]),
    ])
    def test_bad_date_settings_are_config_errors(self, overrides: dict[str, Any],
                                                 words: list[str]) -> None:
        from pydantic import ValidationError

        with pytest.raises(ValidationError) as info:
            review_source(**overrides)
        for word in words:
            assert word in str(info.value)


class TestExportWithoutId:
    COLUMNS = {"created_at": "submitted_at", "title": "title", "body": "body", "rating": "stars",
               "product": "product", "country": "country"}

    def test_rows_get_a_stable_content_id(self, tmp_path: Path) -> None:
        write_csv(tmp_path / "reviews.csv", REVIEW_HEADER[1:], [
            ["2026-09-14", "5", "", "Fast delivery.", "Blender", "DE"],
            ["2026-09-14", "1", "", "Fast delivery.", "Blender", "DE"],   # same text, day
            ["2026-09-14", "5", "", "Fast delivery.", "Kettle", "DE"],    # other product
            ["2026-09-14", "5", "", "Fast delivery.", "Blender", "DE"],   # identical to 1st
        ])
        source = review_source(columns=self.COLUMNS)
        first = read_source(source, tmp_path, now=NOW)
        assert first.quarantined == [] and len(first.records) == 4
        ids = [r["source_record_id"] for r in first.records]
        assert len(set(ids)) == 4
        assert all(i.startswith("content-") for i in ids)
        assert len(ids[0]) == len("content-") + 16
        assert ids[3] == ids[0] + "-2"  # the second identical row of the file
        assert [r["doc_id"] for r in first.records] == [
            make_doc_id("shop_reviews", i) for i in ids]
        again = read_source(source, tmp_path, now=NOW)
        assert [r["source_record_id"] for r in again.records] == ids

    def test_content_id_ignores_the_file_and_column_order(self, tmp_path: Path) -> None:
        write_csv(tmp_path / "a.csv", ["submitted_at", "body"], [["2026-09-14", "Slow."]])
        write_csv(tmp_path / "b.csv", ["body", "submitted_at"], [["Slow.", "2026-09-14"]])
        columns = {"created_at": "submitted_at", "body": "body"}
        a = read_source(review_source("a.csv", columns=columns), tmp_path, now=NOW)
        b = read_source(review_source("b.csv", columns=columns), tmp_path, now=NOW)
        assert a.records[0]["doc_id"] == b.records[0]["doc_id"]

    def test_quarantined_rows_keep_their_content_id(self, tmp_path: Path) -> None:
        write_csv(tmp_path / "reviews.csv", REVIEW_HEADER[1:], [
            ["someday", "5", "", "Fast delivery.", "", ""]])
        batch = read_source(review_source(columns=self.COLUMNS), tmp_path, now=NOW)
        assert [q["reason"] for q in batch.quarantined] == [BAD_DATE]
        assert batch.quarantined[0]["source_record_id"].startswith("content-")

    def test_survey_without_id(self, tmp_path: Path) -> None:
        write_csv(tmp_path / "survey.csv", SURVEY_HEADER[1:], [
            ["2026-09-07", "3", "2", "5", "Shipping costs.", "Quality."]])
        columns = {k: v for k, v in SURVEY_COLUMNS.items() if k != "id"}
        source = SourceConfig(name="nps_survey", channel="survey", path="survey.csv",
                              format="csv", columns=columns, text_columns=["q_improve", "q_like"])
        records = read_source(source, tmp_path, now=NOW).records
        assert len({r["source_record_id"] for r in records}) == 1
        assert len({r["doc_id"] for r in records}) == 2

    def test_chat_still_needs_the_conversation_id(self) -> None:
        from pydantic import ValidationError

        columns = {k: v for k, v in CHAT_COLUMNS.items() if k != "id"}
        with pytest.raises(ValidationError) as info:
            SourceConfig(name="support_chats", channel="chat", path="c.json", format="json",
                         columns=columns)
        assert "'id'" in str(info.value) and "conversation" in str(info.value)


# ---- hostile values, implausible dates, caps --------------------------------------------


class TestHostileValues:
    @pytest.mark.parametrize(("value", "expected"), [
        (None, None), ("", None), ("  ", None), (7, 7), ("1520", 1520), (" 12 ", 12),
        (12.9, 12), ("3.7", 3), (2**63 - 1, 2**63 - 1)])
    def test_counts_that_fit(self, value: Any, expected: int | None) -> None:
        from data.sources import parse_count

        assert parse_count(value, "reach") == expected

    @pytest.mark.parametrize("value", [
        float("inf"), float("-inf"), float("nan"), "1e30", "1e999", 10**30, 2**63, -1, "-5",
        True, False, [1], {"n": 1}, "lots", "9" * 5000])
    def test_counts_that_do_not_fit_are_bad_values(self, value: Any) -> None:
        from data.sources import parse_count

        with pytest.raises(BadRecord) as info:
            parse_count(value, "reach")
        assert info.value.reason == "bad_value" and info.value.detail.startswith("reach")

    @pytest.mark.parametrize(("value", "reason"), [
        (float("nan"), "bad_value"), ("inf", "bad_value"), ("NaN", "bad_value"),
        (True, "bad_value"), ([4], "bad_value"), ({"v": 4}, "bad_value"),
        (10**30, SCORE_OUT_OF_RANGE), ("1e30", SCORE_OUT_OF_RANGE),
        ("five", SCORE_OUT_OF_RANGE), (0, SCORE_OUT_OF_RANGE)])
    def test_scores_that_cannot_be_mapped(self, value: Any, reason: str) -> None:
        from data.sources import parse_score

        with pytest.raises(BadRecord) as info:
            parse_score(value, "rating", 1, 5)
        assert info.value.reason == reason

    def test_scores_are_finite_floats(self) -> None:
        from data.sources import parse_score

        assert [parse_score(v, "csat", 1, 5) for v in (4, "4.5", 1.0, None, " ")] == [
            4.0, 4.5, 1.0, None, None]
        assert isinstance(parse_score(4, "csat", 1, 5), float)

    def test_text_fields_take_scalars_only(self, tmp_path: Path) -> None:
        write_jsonl(tmp_path / "social.jsonl", [
            {"post_id": 17, "posted_at": "2026-09-20T18:00:00Z", "text": "Late again",
             "platform": None, "author": float("nan")},
            {"post_id": "S-2", "posted_at": "2026-09-20T18:00:00Z", "text": ["Late"]},
            {"post_id": "S-3", "posted_at": "2026-09-20T18:00:00Z", "text": "Late",
             "platform": True},
            {"post_id": {"id": 4}, "posted_at": "2026-09-20T18:00:00Z", "text": "Late"},
            '{"post_id": "S-5", "posted_at": "2026-09-20T18:00:00Z", "text": "Late \\udc00"}',
        ])
        batch = read_source(social_source(), tmp_path, now=NOW)
        assert [(r["source_record_id"], r["customer"], r["platform"]) for r in batch.records] \
            == [("17", "", None)]
        assert reasons(batch) == {"S-2": "bad_value", "S-3": "bad_value", "": "bad_value",
                                  "S-5": "bad_value"}
        details = sorted(q["detail"] for q in batch.quarantined)
        assert details[0] == "column 'platform' is a boolean (True), not text"
        assert any("invalid Unicode" in d for d in details)
        assert all("\udc00" not in q["raw_record"] for q in batch.quarantined)


class TestImplausibleDates:
    @pytest.mark.parametrize("text", ["0001-01-01", "1900-01-01", "1999-12-31T23:59:59Z",
                                      "1970-01-01T00:00:00+00:00", "946684799"])
    def test_before_the_earliest_date(self, text: str) -> None:
        with pytest.raises(BadRecord) as info:
            parse_timestamp(text, NOW, earliest=date(2000, 1, 1))
        assert info.value.reason == "implausible_date"
        assert repr(text) in info.value.detail and "ingest.earliest_date 2000-01-01" in (
            info.value.detail)

    def test_from_the_earliest_date_on(self) -> None:
        assert parse_timestamp("2000-01-01", NOW, earliest=date(2000, 1, 1)) == datetime(
            2000, 1, 1, tzinfo=UTC)
        assert parse_timestamp("1900-01-01", NOW) == datetime(1900, 1, 1, tzinfo=UTC)  # unset

    def test_read_source_quarantines_them_by_default(self, tmp_path: Path) -> None:
        from data.sources import Limits

        write_csv(tmp_path / "reviews.csv", REVIEW_HEADER, [
            ["R-1", "0001-01-01", "4", "", "Fine.", "", ""],
            ["R-2", "1900-01-01T00:00:00Z", "4", "", "Fine.", "", ""],
            ["R-3", "2026-09-14", "4", "", "Fine.", "", ""]])
        batch = read_source(review_source(), tmp_path, now=NOW)
        assert reasons(batch) == {"R-1": "implausible_date", "R-2": "implausible_date"}
        older = read_source(review_source(), tmp_path, now=NOW,
                            limits=Limits(earliest_date=date(1900, 1, 1)))
        assert reasons(older) == {"R-1": "implausible_date"}


class TestCaps:
    def test_refusals_by_a_reader_keep_their_reason(self, tmp_path: Path) -> None:
        from data.sources import Limits

        write_jsonl(tmp_path / "social.jsonl", [
            {"post_id": "S-1", "posted_at": "2026-09-20T18:00:00Z", "text": "Late"},
            {"post_id": "S-2", "posted_at": "2026-09-20T18:00:00Z", "text": "x" * 200},
            {"post_id": "S-3", "posted_at": "2026-09-20T18:00:00Z", "text": "Late",
             **{f"extra_{i}": i for i in range(10)}},
            "not json",
        ])
        limits = Limits(max_columns=8, max_field_chars=100)
        batch = read_source(social_source(), tmp_path, now=NOW, limits=limits)
        assert [r["source_record_id"] for r in batch.records] == ["S-1"]
        assert sorted(q["reason"] for q in batch.quarantined) == [
            "field_too_long", NOT_PARSEABLE, "too_many_columns"]
        too_big = read_source(social_source(), tmp_path, now=NOW,
                              limits=Limits(max_file_bytes=100))
        assert [q["reason"] for q in too_big.quarantined] == ["file_too_large"]
        assert too_big.records == [] and too_big.read == 1

    def test_limits_of_the_config(self) -> None:
        from data.sources import Limits
        from flows.config import IngestConfig

        limits = Limits.of(IngestConfig(earliest_date="1990-05-01", max_columns=50,
                                        max_file_bytes=4096, max_field_chars=300,
                                        allowed_roots=["../exports"], max_text_chars=500))
        assert limits == Limits(max_text_chars=500, earliest_date=date(1990, 5, 1),
                                max_file_bytes=4096, max_columns=50, max_field_chars=300,
                                allowed_roots=("../exports",))
        assert Limits().allowed_roots is None  # a library caller's paths are not checked
