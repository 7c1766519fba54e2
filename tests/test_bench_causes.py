"""The causes benchmark's harness on tiny in-memory data (no datasets, no pipeline run)."""

from __future__ import annotations

import polars as pl
import pytest

import bench.causes as causes
from bench.causes import (
    TONE_PHRASES,
    aspect_theme,
    goals,
    inject_tone,
    largest_themes,
    majority,
    map_document,
    measure_banking,
    measure_semeval,
    render_causes_markdown,
    text_key,
    tone_themes,
)
from nlp.text_prep import sentences


def test_tone_phrases_are_sentences_of_their_own() -> None:
    assert len(TONE_PHRASES) >= 8 and sum(map(len, TONE_PHRASES.values())) >= 60
    for body, phrase in inject_tone(["how do I top up my card", "Where is my card?"] * 40):
        pieces = [s.text for s in sentences(body)]
        assert len(pieces) == (1 if phrase is None else 2)
        if phrase:
            assert phrase in (pieces[0], pieces[-1])


def test_injection_is_seeded_and_partial() -> None:
    queries = [f"query {i}" for i in range(500)]
    first, again = inject_tone(queries), inject_tone(queries)
    assert first == again
    assert 0.5 < sum(p is not None for _, p in first) / len(first) < 0.7


def test_majority_tone_and_largest_themes() -> None:
    assert majority([-1, 3, 2, 3]) == 3 and majority([-1, -1]) == -1 and majority([5, 4]) == 5
    themes, added = [1, 1, 1, 2, 2, -1], [True, True, False, False, True, True]
    assert tone_themes(themes, added) == {1}
    assert largest_themes([1, 1, 2, 2, 2, 3, -1], exclude={2}, top=1) == [1]


def test_map_document_exact_split_merged_and_unmapped() -> None:
    rows = ["The food was great!", "Service, however, was slow. Very slow", "Bye."]
    pipeline = ["the food was  GREAT !", "Service, however, was slow.", "Very slow",
                "Bye. Something else entirely", "nothing like it"]
    assert map_document(pipeline, rows) == [
        (0, "exact"), (1, "part"), (1, "part"), (2, "merged"), (None, "unmapped")]
    assert text_key("  Ça  va?!") == "ça va"


def test_aspect_theme_picks_the_theme_holding_most_of_the_aspect(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(causes, "MIN_ASPECT_SENTENCES", 1)
    frame = pl.DataFrame({
        "theme": [1, 1, 1, 1, 2, 2, 3, -1],
        "aspect": ["FOOD", "FOOD", "FOOD", "SERVICE", "FOOD", "FOOD", None, "FOOD"],
        "semeval_lang": ["en", "es", "es", "fr", "en", "en", "ru", "en"],
        "general_only": [False, False, False, False, False, False, True, False],
    })
    best = aspect_theme(frame, "FOOD")
    assert (best["theme"], best["purity"], best["of_aspect"], best["recall"]) == (
        1, 0.75, 3, 0.5)
    assert best["languages"] == 0 and best["by_language"] == {"es": 2, "en": 1, "fr": 1}
    assert aspect_theme(frame, "PRICES")["theme"] is None


def _banking_frame() -> pl.DataFrame:
    return pl.DataFrame({
        "id": ["a", "a", "b", "c", "c", "d"],
        "sentence_idx": [0, 1, 0, 0, 1, 0],
        "topic_id": [1, 1, 1, 2, 9, None],
        "kind": ["cause", "cause", "cause", "cause", "general", None],
        "states_cause": [True, False, True, True, False, True],
        "added": [False, True, False, False, True, False],
    })


def test_measure_banking() -> None:
    intents = {"a": "card", "b": "card", "c": "top_up", "d": "top_up"}
    out = measure_banking(_banking_frame(), intents, ranked=[1, 2])
    assert out["added_went"]["own_query_theme"] == 0.5 and out["added_went"]["general"] == 0.5
    assert out["unthemed_share"] == round(1 / 6, 3) and out["purity"] == 1.0
    assert out["tone_themes"] == 1 and out["tone_themes_in_ranked"] == 0  # 9: general
    assert out["read_tone_only"] == {"added": 1.0, "queries": 0.0}
    assert 0 < out["query_nmi"] <= 1


def test_measure_semeval_and_the_report(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(causes, "MIN_ASPECT_SENTENCES", 1)
    general, food, service = ["RESTAURANT#GENERAL"], ["FOOD#QUALITY"], ["SERVICE#GENERAL"]
    mapped = pl.DataFrame({
        "id": ["r1", "r1", "r2", "r2", "r3", "r3"],
        "sentence_idx": [0, 1, 0, 1, 0, 1],
        "topic_id": [1, 1, 2, 7, 2, None],
        "kind": ["cause", "cause", "cause", "general", "cause", None],
        "states_cause": [True, False, True, False, True, True],
        "aspects": [food, general, service, general, service, None],
        "semeval_lang": ["en", "en", "es", "es", "ru", None],
    }, schema_overrides={"aspects": pl.List(pl.String)})
    out = measure_semeval(mapped, ["SERVICE#GENERAL", "FOOD#QUALITY"], ranked=[2, 1])
    assert out["general_kept_out_share"] == 1.0 and out["ranked_mostly_general"] == 0
    assert out["aspects"]["SERVICE#GENERAL"]["theme"] == 2
    assert out["unthemed_share"] == round(1 / 6, 3)
    result = {"limit": 6, "semeval": {
        "reviews": 3, "languages": {"en": 2}, "mapping": {"exact": 5, "unmapped": 1},
        "ours": out, "bertopic_default": out}}
    result["goals"] = goals(result)
    assert result["goals"]["semeval_general_not_ranked"]["met"]
    assert "SERVICE#GENERAL" in render_causes_markdown(result)
