"""The sentiment head's lexical part: hashed character n-grams blended with the embedding part."""

from __future__ import annotations

import numpy as np
import pytest

from nlp.sentiment import LABELS, LexicalPart, SentimentHead, load_sentiment_head
from training.sentiment import _lexical_part

_TRAIN = {
    "negative": ["awful, broken again", "soooo bad, broken", "awful awful refund never came"],
    "neutral": ["the parcel is a box", "order placed on monday", "a box with a lid"],
    "positive": ["love it, great!!", "great great service", "love the quick help, great"],
}


@pytest.fixture(scope="module")
def lexical() -> LexicalPart:
    texts = [t for label in LABELS for t in _TRAIN[label]]
    y = np.array([label for label in LABELS for _ in _TRAIN[label]])
    return _lexical_part(texts, y, C=10.0)


def _head(lexical: LexicalPart | None, weight: float) -> SentimentHead:
    # An embedding part that always leans neutral, so any other answer is the lexical part's.
    coef = np.zeros((3, 4), np.float32)
    intercept = np.array([0.0, 1.0, 0.0], np.float32)
    return SentimentHead(coef, intercept, name="t", embedding_model="m", lexical=lexical,
                         lexical_weight=weight)


def test_lexical_part_outvotes_a_neutral_embedding_part(lexical: LexicalPart) -> None:
    vectors = np.zeros((2, 4), np.float32)
    texts = ["so awful, broken", "GREAT, love it"]
    assert _head(None, 0.0).predict(vectors).labels == ["neutral", "neutral"]
    blended = _head(lexical, 0.8).predict(vectors, texts)
    assert blended.labels == ["negative", "positive"]
    assert blended.scores[0] < 0 < blended.scores[1]
    assert np.allclose(blended.probabilities.sum(axis=1), 1.0)


def test_blend_weight_moves_the_answer(lexical: LexicalPart) -> None:
    vectors, texts = np.zeros((1, 4), np.float32), ["great"]
    low = _head(lexical, 0.1).predict(vectors, texts).probabilities[0, 2]
    high = _head(lexical, 0.9).predict(vectors, texts).probabilities[0, 2]
    assert high > low


def test_a_lexical_head_needs_the_texts(lexical: LexicalPart) -> None:
    with pytest.raises(ValueError, match="reads the texts"):
        _head(lexical, 0.5).predict(np.zeros((2, 4), np.float32))
    with pytest.raises(ValueError, match="reads the texts"):
        _head(lexical, 0.5).predict(np.zeros((2, 4), np.float32), ["only one"])
    with pytest.raises(ValueError, match="lexical_weight"):
        _head(None, 0.5)


def test_save_and_load_keep_the_lexical_part(lexical: LexicalPart, tmp_path) -> None:
    head = _head(lexical, 0.6)
    head.save(tmp_path / "h", {"note": "test"})
    loaded = load_sentiment_head(path=tmp_path / "h.npz")
    assert loaded.lexical is not None and loaded.lexical_weight == 0.6
    assert loaded.lexical.ngram_range == lexical.ngram_range
    vectors, texts = np.zeros((3, 4), np.float32), ["awful", "a box", "love it"]
    # Stored as float16: the probabilities agree to a few decimals.
    assert np.allclose(loaded.predict(vectors, texts).probabilities,
                       head.predict(vectors, texts).probabilities, atol=2e-3)


def test_shipped_head_blends_a_lexical_part() -> None:
    head = load_sentiment_head()
    assert head.lexical is not None and 0 < head.lexical_weight < 1
    assert head.lexical.idf.shape == (2**18,)
