"""Cause words: the frequent content words of sentences that state a cause pull sentences
towards what went wrong, so causes the encoder blurs still part."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import adjusted_rand_score

from nlp.cause_words import choose_cause_words, embed_cause_words, with_cause_words
from nlp.themes import find_themes, unit


def test_cause_words_are_frequent_words_of_cause_sentences_without_tone() -> None:
    documents = ["portions small", "portions tiny", "portions small", "awful portions",
                 "awful", "awful", "awful", "cold food"]
    causes = np.array([True, True, True, True, False, False, False, True])
    words = choose_cause_words(documents, causes, frozenset({"awful"}), min_count=2)
    # "awful" is tone; "cold" and "food" are too rare; tone-only sentences count for nothing.
    assert words == ["portions", "small"]
    assert choose_cause_words(documents, causes, frozenset(), min_count=2, limit=1) == [
        "portions"]
    # Ties fall to the word itself, whatever order the sentences came in.
    assert choose_cause_words(["b a", "a b"], np.array([True, True]), frozenset(),
                              min_count=1) == ["a", "b"]


def test_a_sentence_moves_towards_its_cause_words_and_others_stay() -> None:
    rng = np.random.default_rng(0)
    sentence = unit(rng.normal(size=(2, 16))).astype(np.float32)
    portions = unit(rng.normal(size=16)).astype(np.float32)
    words = {"portions": portions}
    moved = with_cause_words(sentence, ["portions tiny", "tiny"], words, 0.5)
    assert np.allclose(np.linalg.norm(moved, axis=1), 1.0, atol=1e-5)
    assert moved[0] @ portions > sentence[0] @ portions + 0.1
    assert np.allclose(moved[1], sentence[1])  # no cause word: its own vector
    assert with_cause_words(sentence, ["portions", "x"], words, 0.0) is sentence
    assert embed_cause_words([], lambda w: np.zeros((len(w), 16))) == {}


def _blurred(n: int = 40, seed: int = 3) -> tuple[np.ndarray, list[str], list[int]]:
    """Two causes whose sentence vectors the encoder blurred into one cloud; only their
    words ("portions" / "cold") tell them apart."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=32)
    vectors, texts, truth = [], [], []
    for cause, text in enumerate(("the portions were tiny", "the soup was cold")):
        for _ in range(n):
            vectors.append(unit(base + 0.35 * rng.normal(size=32)))
            texts.append(text)
            truth.append(cause)
    return np.asarray(vectors, dtype=np.float32), texts, truth


def _word_encoder(words: list[str]) -> np.ndarray:
    """A fixed unit vector per word (the same word always gets the same one)."""
    return np.stack([unit(np.random.default_rng(sum(map(ord, w))).normal(size=32))
                     for w in words]).astype(np.float32)


def test_words_part_causes_the_sentence_vectors_blur() -> None:
    vectors, texts, truth = _blurred()
    langs = ["en"] * len(texts)
    alone = find_themes(vectors, texts, langs, min_theme_size=8, max_theme_share=1.0)
    placed = find_themes(vectors, texts, langs, min_theme_size=8, max_theme_share=1.0,
                         encode_words=_word_encoder, word_weight=1.0)
    assert set(placed.words) >= {"portions", "cold"}
    assert adjusted_rand_score(truth, placed.assignments) >= 0.9
    assert adjusted_rand_score(truth, alone.assignments) < 0.5
