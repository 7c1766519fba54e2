"""Tone is not a theme: sentences that only voice a feeling follow their document's cause."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from flows.config import VocConfig
from flows.request import preflight
from flows.run import run_pipeline
from flows.stages.themes import GENERAL_THEME_LABEL
from nlp.theme_identity import follow_documents
from nlp.themes import cause_sentences, find_themes
from nlp.tone import ToneHead, load_tone_head

ROOT = Path(__file__).resolve().parents[1]

# Written for these tests. Two causes, each said in many ways, and tone said the same few ways.
LATE = [f"My parcel arrived {n} days after the promised delivery date." for n in range(2, 9)] + [
    f"The courier delivered the package {w} late." for w in ("a week", "two weeks", "ten days")
] + [f"Die Lieferung kam {n} Tage zu spät an." for n in range(3, 7)] + [
    f"El paquete llegó con {n} días de retraso." for n in range(3, 7)]
REFUND = [f"I returned the {item} but the refund never reached my account."
          for item in ("jacket", "shoes", "lamp", "phone case", "blender", "headphones",
                       "backpack")] + [
    f"Still no refund for the {item} I sent back last month."
    for item in ("kettle", "dress", "charger")] + [
    f"Ich warte immer noch auf die Erstattung für {x}." for x in ("die Jacke", "den Mixer",
                                                                  "die Schuhe", "die Lampe")] + [
    f"Nunca me devolvieron el dinero de {x}." for x in ("la chaqueta", "los zapatos",
                                                        "la lámpara", "el cargador")]
TONE = ["Unacceptable!", "This is ridiculous.", "Never again.", "So disappointed.",
        "Absolutely terrible.", "Seriously?"]


def test_shipped_tone_head_reads_tone_and_causes_apart(embedder) -> None:
    head = load_tone_head()
    tone = ["Unacceptable!", "Never again.", "Thanks a lot.", "Ridiculous.", "Ужасно.",
            "Nunca más."]
    causes = ["The parcel arrived two weeks late.", "I was charged twice for one order.",
              "The app crashes when I open my basket.", "Die Rückerstattung fehlt noch.",
              "Η παραγγελία μου δεν έφτασε ποτέ.", "The soup was cold and salty."]
    p_tone = head.cause_probability(embedder.encode(tone))
    p_cause = head.cause_probability(embedder.encode(causes))
    assert (p_tone < head.threshold).sum() >= 5, p_tone
    assert (p_cause >= head.threshold).sum() >= 5, p_cause
    assert p_cause.mean() > p_tone.mean() + 0.3


def test_tone_head_refuses_vectors_of_another_size() -> None:
    head = ToneHead(np.ones(4), 0.0, threshold=0.5, name="t", embedding_model="m")
    with pytest.raises(ValueError, match="4-dimensional"):
        head.cause_probability(np.ones((2, 3)))
    with pytest.raises(ValueError, match="threshold"):
        ToneHead(np.ones(4), 0.0, threshold=1.0, name="t", embedding_model="m")


def test_a_sentence_beside_a_clearer_cause_needs_more_to_state_one() -> None:
    # P(cause) = sigmoid(x): rows read 0.88, 0.45, 0.45, 0.55.
    head = ToneHead(np.array([1.0, 0.0]), 0.0, threshold=0.4, name="t", embedding_model="m")
    vectors = np.array([[2.0, 0], [-0.2, 0], [-0.2, 0], [0.2, 0]])
    assert head.states_cause(vectors).tolist() == [True, True, True, True]
    # "Not happy." (0.45) after a clear question (0.88) is tone; alone in its document it
    # is the clearest it says, and stays a cause; 0.55 is enough beside a clearer one.
    doc_ids = ["q", "q", "alone", "q"]
    assert head.states_cause(vectors, doc_ids).tolist() == [True, False, True, True]


def test_tone_sentences_move_no_language_centre() -> None:
    rng = np.random.default_rng(1)
    vectors = rng.standard_normal((60, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    states = np.array([True] * 40 + [False] * 20)
    result = find_themes(vectors, ["parcel late"] * 60, ["en"] * 60, min_theme_size=5,
                         states_cause=states)
    assert np.allclose(result.means["en"], vectors[:40].mean(axis=0), atol=1e-6)


def test_sentences_without_content_words_never_state_a_cause() -> None:
    documents = ["parcel late", "", "   ", "refund"]
    assert cause_sentences(documents, None).tolist() == [True, False, False, True]
    assert cause_sentences(documents, np.array([True, True, True, False])).tolist() == [
        True, False, False, False]


def test_tone_follows_its_document_or_goes_to_the_general_theme() -> None:
    doc_ids = ["a", "a", "a", "b", "c", "c"]
    themes = np.array([3, -1, 5, -1, -1, -1])
    causes = np.array([True, False, True, False, True, False])
    # a: its most negative cause sentence (theme 5) is its cause; b states no cause;
    # c states one that fits no theme, so its tone has no cause to follow either.
    scores = [-0.2, -0.9, -0.7, -0.8, -0.5, -0.6]
    assert follow_documents(doc_ids, themes, causes, scores, 9).tolist() == [
        3, 5, 5, 9, -1, 9]


def test_tone_sentences_do_not_shape_themes() -> None:
    rng = np.random.default_rng(0)
    axes = np.eye(8, dtype=np.float32)
    groups = [axes[0], axes[1], axes[2]]  # two causes, and tone (the same few words)
    vectors = np.concatenate([g + 0.05 * rng.standard_normal((30, 8)).astype(np.float32)
                              for g in groups])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    texts = ["parcel late"] * 30 + ["refund missing"] * 30 + ["ridiculous unacceptable"] * 30
    states = np.array([True] * 60 + [False] * 30)
    result = find_themes(vectors, texts, ["en"] * 90, min_theme_size=5, states_cause=states)
    assert (result.assignments[60:] == -1).all()
    assert result.causes.tolist() == states.tolist()
    assert {t.label for t in result.themes} <= {"parcel late", "refund missing"}
    words = {w for t in result.themes for w in t.keywords}
    assert words and not words & {"ridiculous", "unacceptable"}
    # The same data without the tone rule: tone makes a theme of its own.
    without = find_themes(vectors, texts, ["en"] * 90, min_theme_size=5)
    assert (without.assignments[60:] >= 0).any()
    assert "ridiculous unacceptable" in {t.label for t in without.themes}


def _reviews(path: Path) -> None:
    tone = itertools.cycle(TONE)
    rows = [["id", "at", "stars", "body"]]
    day = itertools.count()
    for cause in (LATE, REFUND):
        for i, sentence in enumerate(cause):
            body = f"{next(tone)} {sentence}" if i % 2 else f"{sentence} {next(tone)}"
            rows.append([f"r{len(rows)}", f"2026-09-{1 + next(day) % 28:02d}T10:00:00Z", "1",
                         body])
    for i in range(12):  # feedback that states no cause at all
        rows.append([f"r{len(rows)}", f"2026-09-{1 + i:02d}T12:00:00Z", "1",
                     f"{TONE[i % len(TONE)]} {TONE[(i + 1) % len(TONE)]}"])
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


@pytest.mark.slow
def test_a_tone_only_sentence_is_no_theme_of_its_own_and_counts_towards_its_cause(
        tmp_path: Path) -> None:
    from data.warehouse import Warehouse

    _reviews(tmp_path / "reviews.csv")
    config = VocConfig.model_validate({
        "warehouse": {"path": str(tmp_path / "wh" / "voc.duckdb")},
        "models": {"cache_dir": str(ROOT / "data" / "models")},
        "report": {"output_dir": str(tmp_path / "reports")},
        "themes": {"min_theme_size": 6},
        "sources": [{"name": "reviews", "channel": "review", "path": "reviews.csv",
                     "format": "csv", "columns": {"id": "id", "created_at": "at",
                                                  "rating": "stars", "body": "body"}}],
        "root": tmp_path,
    })
    result = run_pipeline(preflight(config))
    with Warehouse(config.resolve(config.warehouse.path), read_only=True) as wh:
        sentences = wh.themed_sentences().join(
            wh.query("SELECT doc_id, sentence_idx, states_cause FROM sentences"),
            on=["doc_id", "sentence_idx"])
        themes = wh.query("SELECT topic_id, label, kind FROM topics")
        ranked = wh.pain_points_of_run(result.run_id)
    tone = sentences.filter(pl.col("text").is_in(TONE))
    assert tone.height == len(LATE) + len(REFUND) + 24
    assert not tone["states_cause"].any()
    assert sentences.filter(~pl.col("text").is_in(TONE))["states_cause"].all()
    # No theme is made of tone: a cause theme's tone sentences all come with a sentence of
    # their own review that states the theme's cause.
    cause_ids = themes.filter(pl.col("kind") == "cause")["topic_id"].to_list()
    assert cause_ids
    for (theme_id,), members in sentences.filter(pl.col("topic_id").is_in(cause_ids)).group_by(
            "topic_id"):
        stating = set(members.filter(pl.col("states_cause"))["doc_id"].to_list())
        assert stating, (theme_id, members["text"].to_list())
        assert set(members["doc_id"].to_list()) == stating, (theme_id, members["text"].to_list())
    # Each tone sentence with a cause in its review counts towards that cause's theme.
    causes = sentences.filter(pl.col("states_cause") & pl.col("topic_id").is_not_null())
    joined = tone.join(causes.select("doc_id", pl.col("topic_id").alias("cause_theme")),
                       on="doc_id")
    assert joined.height >= 30
    assert (joined["topic_id"] == joined["cause_theme"]).all()
    # Reviews that state no cause sit in the general theme, which is never ranked.
    general = themes.filter(pl.col("kind") == "general")
    assert general["label"].to_list() == [GENERAL_THEME_LABEL]
    only_tone = tone.filter(~pl.col("doc_id").is_in(joined["doc_id"].implode()))
    assert only_tone.height == 24
    assert (only_tone["topic_id"] == general["topic_id"][0]).all()
    assert general["topic_id"][0] not in [p["topic_id"] for p in ranked]
    report = (tmp_path / "reports" / "latest" / "report.md").read_text(encoding="utf-8")
    assert "## Feedback that states no cause" in report
