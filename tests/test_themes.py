"""Themes follow meaning, not language: checked on synthetic embeddings with a language bias."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from nlp.themes import (
    _label,
    assign_to_centroids,
    centre_by_language,
    find_themes,
    in_context,
    nearest_neighbours,
    tone_words,
    unit,
)

TOPIC_TEXT = {
    ("late", "en"): "the parcel delivery arrived late again",
    ("late", "de"): "die Lieferung des Pakets kam wieder zu spät",
    ("late", "fa"): "بسته دوباره با تاخیر زیاد رسید",
    ("refund", "en"): "still waiting for my refund money",
    ("refund", "de"): "ich warte immer noch auf die Rückerstattung",
    ("refund", "fa"): "هنوز منتظر بازپرداخت پولم هستم",
    ("crash", "en"): "the app crashes at checkout",
    ("crash", "de"): "die App stürzt beim Bezahlen ab",
    ("crash", "fa"): "اپلیکیشن موقع پرداخت بسته می‌شود",
}


def synthetic(per_cell: int = 20, language_bias: float = 3.0, seed: int = 0):
    """Three topics in three languages; each language adds a large shared offset, as
    multilingual models do, so raw vectors sit closer by language than by topic."""
    rng = np.random.default_rng(seed)
    dim = 64
    topics = {t: rng.normal(size=dim) for t in ("late", "refund", "crash")}
    langs = {lang: language_bias * rng.normal(size=dim) for lang in ("en", "de", "fa")}
    vectors, texts, lang_of, topic_of = [], [], [], []
    for (topic, lang), text in TOPIC_TEXT.items():
        for _ in range(per_cell):
            vectors.append(unit(topics[topic] + langs[lang] + 0.3 * rng.normal(size=dim)))
            texts.append(text)
            lang_of.append(lang)
            topic_of.append(topic)
    return np.asarray(vectors, dtype=np.float32), texts, lang_of, topic_of


def test_raw_vectors_are_closer_by_language_than_by_topic() -> None:
    vectors, _, langs, topics = synthetic()
    sims = vectors @ vectors.T
    same_lang = np.equal.outer(langs, langs) & ~np.equal.outer(topics, topics)
    same_topic = np.equal.outer(topics, topics) & ~np.equal.outer(langs, langs)
    assert sims[same_lang].mean() > sims[same_topic].mean()
    centred = centre_by_language(vectors, langs)
    csims = centred @ centred.T
    assert csims[same_topic].mean() > csims[same_lang].mean()


def test_themes_gather_one_topic_across_languages() -> None:
    vectors, texts, langs, topics = synthetic()
    result = find_themes(vectors, texts, langs, min_theme_size=8, max_theme_share=1.0)
    assigned = result.assignments
    assert (assigned == -1).mean() <= 0.1
    assert adjusted_rand_score(topics, assigned) > 0.9
    for theme in result.themes:
        members = assigned == theme.index
        assert set(np.asarray(langs)[members]) == {"en", "de", "fa"}
        # keywords per language, from that language's own words, with no stop words
        assert set(theme.keywords_by_lang) == {"en", "de", "fa"}
        assert not {"the", "die", "at", "ab", "در"} & set(theme.keywords)
    late = next(t for t in result.themes
                if Counter(np.asarray(topics)[assigned == t.index]).most_common(1)[0][0] == "late")
    assert "late" in late.label or "delivery" in late.label or "parcel" in late.label
    assert np.allclose(np.linalg.norm(late.centroid), 1.0, atol=1e-5)
    assert np.all(result.similarity[assigned >= 0] > 0)


def test_same_input_gives_the_same_themes() -> None:
    vectors, texts, langs, _ = synthetic(seed=3)
    first = find_themes(vectors, texts, langs, min_theme_size=8)
    second = find_themes(vectors, texts, langs, min_theme_size=8)
    assert np.array_equal(first.assignments, second.assignments)
    assert [t.label for t in first.themes] == [t.label for t in second.themes]


def test_too_little_text_gives_no_themes() -> None:
    vectors, texts, langs, _ = synthetic(per_cell=1)
    result = find_themes(vectors, texts, langs, min_theme_size=12)
    assert result.themes == [] and set(result.assignments) == {-1}


def test_sentences_read_in_context_move_towards_their_document() -> None:
    vectors = np.eye(3, dtype=np.float32)
    assert in_context(vectors, ["a", "a", "b"], 0.0) is vectors
    moved = in_context(vectors, ["a", "a", "b"], 1.0)
    assert moved[0] @ moved[1] > vectors[0] @ vectors[1]  # same document: closer
    assert np.isclose(moved[2] @ vectors[2], 1.0)  # a one-sentence document stays put
    assert np.allclose(np.linalg.norm(moved, axis=1), 1.0)


def test_assign_to_centroids_respects_the_threshold() -> None:
    centroids = np.eye(2, dtype=np.float32)
    vectors = unit(np.array([[1.0, 0.1], [0.7, 0.7], [0.0, 1.0]], dtype=np.float32))
    labels, sims = assign_to_centroids(vectors, centroids, threshold=0.8)
    assert labels.tolist() == [0, -1, 1]
    assert sims[1] == pytest.approx(2**-0.5, abs=1e-3)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"delivery": 8, "late": 7, "took": 4, "late delivery": 3}, "late delivery"),
        ({"app": 10, "crashes": 4, "keeps crashing": 3, "app crashes": 3}, "app crashes"),
        ({"refund": 7, "money": 6, "ago money": 3}, "refund / money"),
        ({"unacceptable": 5, "unacceptable unacceptable": 3, "disappointed": 3},
         "unacceptable / disappointed"),
    ],
)
def test_labels_are_short_phrases_customers_use(counts: dict[str, int], expected: str) -> None:
    by_lang = {"en": list(counts)}
    assert _label(by_lang, {"en": counts}, Counter({"en": 20})) == expected


def test_label_falls_back_to_the_main_language() -> None:
    by_lang = {"fa": ["تاخیر", "ارسال"]}
    label = _label(by_lang, {"fa": {"تاخیر": 5, "ارسال": 4}}, Counter({"fa": 12}))
    assert label == "تاخیر / ارسال"


def test_a_theme_mostly_in_another_language_is_not_labelled_by_its_few_english_words() -> None:
    by_lang = {"ru": ["официант", "заказ"], "en": ["chinatown", "answers"]}
    counts = {"ru": {"официант": 30, "заказ": 20}, "en": {"chinatown": 2, "answers": 2}}
    assert _label(by_lang, counts, Counter({"ru": 80, "en": 6})) == "официант / заказ"
    # With English at half the main language's size or more, the label is English.
    counts["en"] = {"waiter": 20, "order": 15}
    by_lang["en"] = ["waiter", "order"]
    assert _label(by_lang, counts, Counter({"ru": 80, "en": 40})) == "waiter / order"


def test_a_word_few_sentences_use_does_not_label_a_theme() -> None:
    # "chow" is used twice in a theme of 100 English sentences: under the 5% floor.
    counts = {"en": {"rude": 30, "chow": 2, "staff": 25}}
    assert _label({"en": list(counts["en"])}, counts, Counter({"en": 100})) == "rude / staff"


def test_tone_words_are_those_used_relatively_often_without_a_cause() -> None:
    causes = np.array([True] * 8 + [False] * 4)
    documents = ["great food"] * 3 + ["service slow"] * 5 + ["great"] * 3 + ["service"]
    # "great": 3 of 4 tone sentences against 3 of 8 cause sentences; "service" is used
    # once without a cause but mostly with one; "food" never without one.
    assert tone_words(documents, causes, min_count=1) == {"great"}
    assert "service" in tone_words(documents, causes, min_count=1, min_rate_ratio=0.3)


def test_a_refit_over_many_sentences_fits_a_sample_and_places_the_rest() -> None:
    vectors, texts, langs, topics = synthetic(per_cell=40, seed=5)
    whole = find_themes(vectors, texts, langs, min_theme_size=8, max_theme_share=1.0)
    sampled = find_themes(vectors, texts, langs, min_theme_size=8, max_theme_share=1.0,
                          max_fit_sentences=120)
    # Only 120 of 360 sentences were clustered, yet every sentence has its topic's theme.
    assert (sampled.assignments == -1).mean() <= 0.1
    assert adjusted_rand_score(topics, sampled.assignments) > 0.9
    assert adjusted_rand_score(whole.assignments, sampled.assignments) > 0.9
    assert sum(t.size for t in sampled.themes) == int((sampled.assignments >= 0).sum())
    again = find_themes(vectors, texts, langs, min_theme_size=8, max_theme_share=1.0,
                        max_fit_sentences=120)
    assert np.array_equal(sampled.assignments, again.assignments)


def test_nearest_neighbours_are_exact_and_start_with_each_row_itself() -> None:
    rng = np.random.default_rng(3)
    vectors = unit(rng.standard_normal((300, 24)).astype(np.float32))
    vectors[7] = vectors[8]  # a repeated sentence: both still list themselves first
    indices, distances = nearest_neighbours(vectors, 6, block=64)
    assert indices.shape == distances.shape == (300, 6)
    assert (indices[:, 0] == np.arange(300)).all()
    assert (distances[:, 0] == 0).all()
    # Exact: every neighbour is among each row's six nearest by a float64 brute force.
    # Which of two equally near rows is listed depends on the BLAS build's rounding, so
    # the check is on distances, not on which index won a tie.
    x = vectors.astype(np.float64)
    brute = 1 - x @ x.T
    np.fill_diagonal(brute, -1)
    sixth = np.sort(brute, axis=1)[:, 5]
    got = np.take_along_axis(brute, indices.astype(np.int64), axis=1)
    assert (got <= sixth[:, None] + 1e-5).all()
    assert all(len(set(row)) == 6 for row in indices.tolist())
    assert np.allclose(distances[:, 1:], got[:, 1:], atol=1e-5)
    assert (np.diff(distances, axis=1) >= -1e-6).all()
    assert set(indices[7, :2]) == {7, 8} and set(indices[8, :2]) == {7, 8}


def test_keywords_skip_what_a_better_ranked_phrase_shows_and_stop_at_the_limit() -> None:
    from nlp.themes import _dedupe_ngrams

    ranked = ["late delivery", "late", "delivery", "refund", "parcel", "courier", "box"]
    assert _dedupe_ngrams(ranked) == ["late delivery", "refund", "parcel", "courier", "box"]
    assert _dedupe_ngrams(ranked, 3) == ["late delivery", "refund", "parcel"]
