"""Themes: BERTopic over sentence embeddings, multilingual by design.

Three things make themes follow meaning rather than language:

1. *Language centring.* Multilingual embeddings carry a language component: two
   sentences in one language sit closer than a sentence and its translation.
   Subtracting each language's mean vector removes most of it, so a Persian and a
   Greek complaint about late delivery fall into one cluster.
2. *Keywords per language.* Each theme's keywords are computed separately for each
   language with that language's stop words (spaCy), so no theme is named by stop
   words and a reader sees the theme's words in every language it covers.
3. *Sentences read in context, causes only.* Each sentence is clustered on its own
   vector plus ``context_weight`` times the mean of its document's sentences that state a
   cause, which keeps a short "The parcel." with its review while mixed reviews still
   split. Sentences that state no cause ("Very disappointed.", see :mod:`nlp.tone`) are
   not clustered at all: they would gather into themes of tone; callers give them their
   document's cause (:func:`nlp.theme_identity.follow_documents`).
4. *Words name causes.* Each sentence vector is moved towards the mean vector of its
   frequent content words (:mod:`nlp.cause_words`, weight ``word_weight``): the encoder
   alone blurs "portions" into "food"; the words keep them apart, in every language.
5. *One space for everything.* Clusters, centroids, outlier assignment and the
   matching of themes across runs all use the language-centred vectors. In the raw
   e5 space every centroid sits within 0.91-0.97 cosine of every other (measured on
   the sample data), which leaves no room for a threshold; centred, different themes
   sit below about 0.45 and a theme re-found on the next night above 0.9.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from nlp.cause_words import (
    WordEncoder,
    choose_cause_words,
    embed_cause_words,
    with_cause_words,
)
from nlp.keywords import keyword_documents

# Languages with fewer sentences than this share the global mean for centring:
# their own mean would be mostly noise.
_MIN_SENTENCES_FOR_LANG_MEAN = 10
_LABEL_LANG_PREFERENCE = ("en",)
# A theme is labelled in a preferred language only with at least this many sentences in it.
_MIN_LABEL_SENTENCES = 5
# A label word is used by at least this share of the theme's sentences in the label's
# language (and at least twice).
_LABEL_WORD_SHARE = 0.05


@dataclass
class Theme:
    """One theme found in a batch of sentences (cluster index local to the batch)."""

    index: int
    size: int
    centroid: np.ndarray
    keywords: list[str]
    keywords_by_lang: dict[str, list[str]] = field(default_factory=dict)
    # How many of the theme's sentences in each language use each keyword.
    keyword_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    label: str = ""


@dataclass
class ThemeResult:
    """Cluster index per sentence (-1 = no theme), the themes, and each sentence's cosine
    similarity to its theme's centroid (0 for sentences without a theme)."""

    assignments: np.ndarray
    themes: list[Theme]
    similarity: np.ndarray
    # The language means the themes were found with: new sentences are centred with
    # these, so that they land in the same space as the themes' centroids.
    means: dict[str, np.ndarray] = field(default_factory=dict)
    # Which sentences stated a cause and could shape a theme (see ``cause_sentences``);
    # the others are left without a theme here, for their document's cause to take.
    causes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    # The cause words sentences were placed with (:mod:`nlp.cause_words`), and their
    # vectors: new sentences are placed with these too.
    words: dict[str, np.ndarray] = field(default_factory=dict)
    # Every sentence where the themes were found: placed by its cause words, read in
    # context and language-centred (rows of unit length).
    centred: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))


def unit(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length."""
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(norms == 0, 1.0, norms)


GLOBAL_MEAN = "*"  # key of the mean used for languages too rare to have their own


def language_means(vectors: np.ndarray, langs: Sequence[str]) -> dict[str, np.ndarray]:
    """Each language's mean vector, and the global one under ``GLOBAL_MEAN``."""
    langs_arr = np.asarray(langs)
    means = {GLOBAL_MEAN: vectors.mean(axis=0)}
    for lang in sorted(set(langs_arr.tolist())):
        mask = langs_arr == lang
        if mask.sum() >= _MIN_SENTENCES_FOR_LANG_MEAN:
            means[lang] = vectors[mask].mean(axis=0)
    return means


def centre(vectors: np.ndarray, langs: Sequence[str], means: dict[str, np.ndarray]) -> np.ndarray:
    """Subtract each sentence's language mean (the global mean for rare languages)."""
    langs_arr = np.asarray(langs)
    centred = np.empty_like(vectors)
    # No means at all (no fit has seen a sentence yet): nothing to subtract.
    fallback = means.get(GLOBAL_MEAN, np.zeros(vectors.shape[1:], dtype=vectors.dtype))
    for lang in set(langs_arr.tolist()):
        mask = langs_arr == lang
        centred[mask] = vectors[mask] - means.get(lang, fallback)
    return unit(centred)


def centre_by_language(vectors: np.ndarray, langs: Sequence[str]) -> np.ndarray:
    """Subtract each language's own mean vector (the global mean for rare languages)."""
    return centre(vectors, langs, language_means(vectors, langs))


def in_context(vectors: np.ndarray, doc_ids: Sequence[str], weight: float,
               causes: np.ndarray | None = None) -> np.ndarray:
    """Each sentence vector plus ``weight`` times its document's mean vector, unit length.

    With ``causes``, the document's vector is the mean of its sentences that state a cause
    (all of them when none does): "Unacceptable!" in a review should not pull the review's
    complaint towards every other angry review.
    """
    if weight == 0:
        return vectors
    groups: dict[str, list[int]] = {}
    for i, doc in enumerate(doc_ids):
        groups.setdefault(doc, []).append(i)
    context = np.empty_like(vectors)
    for rows in groups.values():
        stating = [r for r in rows if causes is None or causes[r]] or rows
        context[rows] = unit(vectors[stating].mean(axis=0))
    return unit(vectors + weight * context)


def cause_sentences(documents: Sequence[str], states_cause: np.ndarray | None) -> np.ndarray:
    """Sentences that may shape a theme: those with content words (``documents`` holds each
    sentence's keyword tokens; a sentence of placeholders, emoji or stop words has none)
    that state a cause (``states_cause``, from :class:`nlp.tone.ToneHead`; None: all)."""
    has_words = np.array([bool(d.strip()) for d in documents], dtype=bool)
    return has_words if states_cause is None else has_words & np.asarray(states_cause, bool)


def find_themes(
    vectors: np.ndarray,
    texts: Sequence[str],
    langs: Sequence[str],
    *,
    doc_ids: Sequence[str] | None = None,
    context_weight: float = 1.0,
    min_theme_size: int = 12,
    max_theme_share: float = 0.15,
    seed: int = 42,
    merge_similarity: float = 0.6,
    outlier_similarity: float = 0.4,
    n_keywords: int = 8,
    max_fit_sentences: int | None = 10_000,
    states_cause: np.ndarray | None = None,
    documents: Sequence[str] | None = None,
    encode_words: WordEncoder | None = None,
    word_weight: float = 0.5,
) -> ThemeResult:
    """Cluster sentences into themes.

    Only sentences that state a cause (:func:`cause_sentences`) are clustered and shape
    the themes' centroids and keywords; the others get no theme here.

    Args:
        vectors: unit-length sentence embeddings, one row per sentence.
        texts: the sentences (normalised, redacted).
        langs: ISO 639-1 code per sentence (``und`` allowed).
        doc_ids: the document of each sentence, for reading sentences in context.
        context_weight: how much of the document's vector joins each sentence's.
        min_theme_size: smallest cluster HDBSCAN may form.
        max_theme_share: a theme holding more than this share of all sentences is
            clustered again on its own (once): a giant theme hides distinct problems.
        seed: random seed for UMAP; the same input gives the same themes.
        merge_similarity: clusters whose centroids (language-centred) are at least
            this cosine-similar become one theme.
        outlier_similarity: an unclustered sentence joins its nearest theme when at
            least this similar to its (centred) centroid; otherwise it has no theme.
        n_keywords: keywords kept per theme and language.
        max_fit_sentences: above this many sentences, themes are found on a seeded sample
            of this size and the other sentences join their nearest theme (by
            ``outlier_similarity``); None clusters them all.
        states_cause: per sentence, whether it states a cause (None: all do).
        documents: each sentence's keyword tokens (:func:`nlp.keywords.keyword_documents`
            with ``own_tokenizer_from=min_theme_size``), when the caller has them already.
        encode_words: embeds words with the sentences' encoder; None places sentences by
            their own vectors alone.
        word_weight: how far each sentence moves towards its cause words' mean vector.
    """
    n = len(texts)
    # Each sentence's keyword tokens, worked out once: the clustering and the keywords of
    # every theme read them. A language too rare to make a theme of its own is not worth
    # building its tokenizer for.
    if documents is None:
        documents = keyword_documents(texts, langs, own_tokenizer_from=min_theme_size)
    causes = cause_sentences(documents, states_cause)
    tone = tone_words(documents, causes)
    words: dict[str, np.ndarray] = {}
    if encode_words is not None and word_weight > 0:
        chosen = choose_cause_words(documents, causes, tone,
                                    min_count=max(3, min_theme_size // 2))
        words = embed_cause_words(chosen, encode_words)
        vectors = with_cause_words(vectors, documents, words, word_weight)
    if doc_ids is not None and n:
        vectors = in_context(vectors, doc_ids, context_weight, causes)
    candidates = np.flatnonzero(causes)
    # Centred on what the themes are made of: a night of "Thanks!" moves no centre.
    shaping = candidates if len(candidates) else np.arange(n)
    means = language_means(vectors[shaping], [langs[i] for i in shaping]) if n else {}
    centred = centre(vectors, langs, means)
    if len(candidates) < max(2 * min_theme_size, 10):
        # Too little to cluster; the means still let later nights centre new sentences.
        return ThemeResult(assignments=np.full(n, -1), themes=[], similarity=np.zeros(n),
                           means=means, causes=causes, words=words, centred=centred)
    if max_fit_sentences is not None and len(candidates) > max_fit_sentences:
        # Cluster a fixed sample (the same for the same sentences, in whatever order they
        # came, as callers pass them in a canonical order), then put every other sentence
        # into its nearest theme: time and memory stop growing with the warehouse.
        rng = np.random.default_rng(seed)
        fit = np.sort(candidates[rng.choice(len(candidates), size=max_fit_sentences,
                                            replace=False)])
    else:
        fit = candidates
    fit_documents = [documents[i] for i in fit]
    fit_centred = centred[fit]
    fit_clusters = _cluster(fit_centred, fit_documents, min_theme_size, seed)
    fit_clusters = _merge_close(fit_clusters, fit_centred, merge_similarity)
    fit_clusters = _absorb_outliers(fit_clusters, fit_centred, outlier_similarity)
    fit_clusters = _split_giants(fit_clusters, fit_centred, fit_documents,
                                 min_theme_size, seed, max_theme_share, outlier_similarity)
    clusters = np.full(n, -1, dtype=fit_clusters.dtype)
    clusters[fit] = fit_clusters
    if len(fit) < len(candidates):
        labels = sorted(set(fit_clusters.tolist()) - {-1})
        if labels:
            fit_centroids = unit(np.stack([fit_centred[fit_clusters == k].mean(axis=0)
                                           for k in labels]))
            rest = np.setdiff1d(candidates, fit)
            rows, _ = assign_to_centroids(centred[rest], fit_centroids, outlier_similarity)
            clusters[rest] = np.where(rows >= 0, np.asarray(labels)[np.maximum(rows, 0)], -1)
    themes = []
    similarity = np.zeros(n, dtype=np.float32)
    for index in sorted(set(clusters.tolist()) - {-1}):
        mask = clusters == index
        centroid = unit(centred[mask].mean(axis=0))
        similarity[mask] = centred[mask] @ centroid
        themes.append(Theme(index=index, size=int(mask.sum()), centroid=centroid, keywords=[]))
    _describe(themes, clusters, documents, langs, n_keywords, tone)
    return ThemeResult(assignments=clusters, themes=themes, similarity=similarity, means=means,
                       causes=causes, words=words, centred=centred)


def assign_new(
    vectors: np.ndarray,
    langs: Sequence[str],
    doc_ids: Sequence[str],
    centroids: np.ndarray,
    means: dict[str, np.ndarray],
    *,
    context_weight: float = 1.0,
    threshold: float = 0.35,
    causes: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Put new sentences into existing themes without refitting.

    The sentences are read in context and centred exactly as at the last fit; each that
    states a cause (``causes``; None: all) joins its nearest theme when at least
    ``threshold`` similar to the theme's centroid.

    Returns:
        Row index into ``centroids`` per sentence (-1: fits no theme) and the similarity.
    """
    if len(vectors) == 0:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=np.float32)
    centred = centre(in_context(vectors, doc_ids, context_weight, causes), langs, means)
    rows, sims = assign_to_centroids(centred, centroids, threshold)
    if causes is not None:
        rows = np.where(causes, rows, -1)
        sims = np.where(causes, sims, 0.0)
    return rows, sims


def nearest_neighbours(vectors: np.ndarray, k: int, block: int = 2048
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours by cosine distance (unit vectors), each row's own first.

    Returns (indices, distances), both (n, k). A few matrix products: for the sentence
    counts a fit clusters (up to ``themes.max_fit_sentences``) this takes seconds, where
    UMAP's approximate search spends a minute compiling itself in every new process. Ties
    go to the lower index, so the same vectors in the same order give the same graph.
    """
    n = len(vectors)
    k = min(k, n)
    x = vectors.astype(np.float32, copy=False)
    indices = np.empty((n, k), dtype=np.int32)
    distances = np.empty((n, k), dtype=np.float32)
    for start in range(0, n, block):
        stop = min(start + block, n)
        dist = 1.0 - x[start:stop] @ x.T
        rows = np.arange(stop - start)
        dist[rows, rows + start] = -1.0  # itself first, whatever rounding says
        part = np.argpartition(dist, k - 1, axis=1)[:, :k]
        part_dist = np.take_along_axis(dist, part, axis=1)
        order = np.lexsort((part, part_dist), axis=1)
        indices[start:stop] = np.take_along_axis(part, order, axis=1)
        distances[start:stop] = np.maximum(np.take_along_axis(part_dist, order, axis=1), 0.0)
    return indices, distances


def _cluster(centred: np.ndarray, documents: Sequence[str], min_size: int, seed: int
             ) -> np.ndarray:
    import warnings

    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from sklearn.feature_extraction.text import CountVectorizer
    from umap import UMAP

    n_neighbors = min(15, len(documents) - 1)
    knn = nearest_neighbours(unit(centred), n_neighbors)
    model = BERTopic(
        embedding_model=None,
        umap_model=UMAP(
            n_neighbors=n_neighbors,
            n_components=5,
            min_dist=0.0,
            metric="cosine",
            random_state=seed,
            n_jobs=1,  # a seed makes UMAP single-threaded anyway; say so to keep logs quiet
            precomputed_knn=knn,
        ),
        hdbscan_model=HDBSCAN(
            min_cluster_size=min_size,
            min_samples=max(2, min_size // 2),
            metric="euclidean",
            cluster_selection_method="eom",
            prediction_data=True,
        ),
        vectorizer_model=CountVectorizer(tokenizer=str.split, token_pattern=None,
                                         lowercase=False),
        calculate_probabilities=False,
        # Our keyword documents are in every language: "english" would strip all but ASCII.
        language="multilingual",
        verbose=False,
    )
    with warnings.catch_warnings():
        # Without a search index UMAP cannot transform new data; we never ask it to.
        warnings.filterwarnings("ignore", message=".*knn_search_index.*")
        # BERTopic describes its clusters too, and fails on a one-word vocabulary; we do not
        # read its description, so one constant word more keeps it from failing.
        topics, _ = model.fit_transform([f"{d} _" for d in documents], embeddings=centred)
    return np.asarray(topics, dtype=int)


def _split_giants(
    clusters: np.ndarray,
    centred: np.ndarray,
    documents: Sequence[str],
    min_size: int,
    seed: int,
    max_share: float,
    outlier_similarity: float,
) -> np.ndarray:
    out = clusters.copy()
    next_index = int(out.max()) + 1
    for index in sorted(set(clusters.tolist()) - {-1}):
        rows = np.where(clusters == index)[0]
        if len(rows) <= max_share * len(clusters) or len(rows) < 4 * min_size:
            continue
        sub = _cluster(centred[rows], [documents[r] for r in rows], min_size, seed)
        sub = _absorb_outliers(sub, centred[rows], outlier_similarity)
        if len(set(sub.tolist()) - {-1}) < 2:
            continue  # one coherent theme after all
        for sub_index in sorted(set(sub.tolist()) - {-1}):
            out[rows[sub == sub_index]] = next_index
            next_index += 1
        out[rows[sub == -1]] = -1
    return out


def _centroids(clusters: np.ndarray, vectors: np.ndarray) -> dict[int, np.ndarray]:
    return {
        int(c): unit(vectors[clusters == c].mean(axis=0))
        for c in sorted(set(clusters.tolist()) - {-1})
    }


def _merge_close(clusters: np.ndarray, vectors: np.ndarray, threshold: float) -> np.ndarray:
    """Merge clusters pairwise, most similar first, while centroids are >= threshold."""
    clusters = clusters.copy()
    while True:
        cents = _centroids(clusters, vectors)
        ids = list(cents)
        if len(ids) < 2:
            return clusters
        matrix = np.stack([cents[i] for i in ids])
        sims = matrix @ matrix.T
        np.fill_diagonal(sims, -1.0)
        a, b = np.unravel_index(int(np.argmax(sims)), sims.shape)
        if sims[a, b] < threshold:
            return clusters
        keep, drop = sorted((ids[a], ids[b]))
        clusters[clusters == drop] = keep


def _absorb_outliers(clusters: np.ndarray, vectors: np.ndarray, threshold: float) -> np.ndarray:
    cents = _centroids(clusters, vectors)
    if not cents:
        return clusters
    ids = np.array(list(cents))
    matrix = np.stack([cents[i] for i in ids])
    out = clusters.copy()
    outliers = np.where(clusters == -1)[0]
    if len(outliers):
        sims = vectors[outliers] @ matrix.T
        best = sims.argmax(axis=1)
        ok = sims[np.arange(len(outliers)), best] >= threshold
        out[outliers[ok]] = ids[best[ok]]
    return out


def assign_to_centroids(
    vectors: np.ndarray, centroids: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest centroid per vector, or -1 below ``threshold``; also the similarities."""
    if len(centroids) == 0:
        return np.full(len(vectors), -1), np.zeros(len(vectors))
    sims = vectors @ centroids.T
    best = sims.argmax(axis=1)
    top = sims[np.arange(len(vectors)), best]
    return np.where(top >= threshold, best, -1), top


def tone_words(documents: Sequence[str], causes: np.ndarray, min_count: int = 3,
               min_rate_ratio: float = 0.5) -> frozenset[str]:
    """Words used at least ``min_count`` times in sentences that state no cause, and at a
    rate there at least ``min_rate_ratio`` times their rate in sentences that do
    ("ridiculous", "thanks", and "great", "terrible" although customers also write "great
    food", "terrible service"; a cause word such as "service" or "staff" is used at a
    tenth of its cause rate or less): they tell how customers feel, not what went wrong,
    so they never name a theme."""
    in_tone: Counter[str] = Counter()
    in_causes: Counter[str] = Counter()
    for document, cause in zip(documents, causes.tolist(), strict=True):
        (in_causes if cause else in_tone).update(set(document.split()))
    n_tone = max(int((~np.asarray(causes, bool)).sum()), 1)
    n_causes = max(int(np.asarray(causes, bool).sum()), 1)
    return frozenset(w for w, n in in_tone.items()
                     if n >= min_count and n / n_tone >= min_rate_ratio * in_causes[w] / n_causes)


def _describe(
    themes: list[Theme],
    clusters: np.ndarray,
    documents: Sequence[str],
    langs: Sequence[str],
    n_keywords: int,
    skip: frozenset[str] = frozenset(),
) -> None:
    """Keywords per theme and language (class-based TF-IDF within each language) and a label.

    ``documents`` holds each sentence's keyword tokens (:func:`keyword_document`); words in
    ``skip`` (and word pairs holding one) are left out.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    if not themes:
        return
    langs_arr = np.asarray(langs)
    index_of = {t.index: i for i, t in enumerate(themes)}
    for lang in sorted(set(langs_arr.tolist())):
        if lang == "und":
            continue
        rows = np.flatnonzero((langs_arr == lang) & (clusters != -1))
        if len(rows) == 0:
            continue
        # One "class document" per theme: all of the theme's sentences in this language.
        parts: list[list[str]] = [[] for _ in themes]
        for r in rows:
            parts[index_of[int(clusters[r])]].append(documents[r])
        class_docs = [" ".join(p) for p in parts]
        if not any(set(d.split()) - skip for d in class_docs):
            continue  # no word here that may name a theme
        vectorizer = CountVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False,
                                     ngram_range=(1, 2), stop_words=sorted(skip) or None)
        counts = vectorizer.fit_transform(class_docs).tocsr().astype(np.float64)
        vocab = vectorizer.get_feature_names_out()
        # c-TF-IDF (as in BERTopic): term frequency in the class times log(1 + A / f_t).
        # Kept sparse: themes x (words and word pairs) is mostly zeros.
        row_sums = np.asarray(counts.sum(axis=1)).ravel()
        avg_words = row_sums.sum() / len(themes)
        idf = np.log(1 + avg_words / np.maximum(np.asarray(counts.sum(axis=0)).ravel(), 1))
        for i, theme in enumerate(themes):
            start, stop = counts.indptr[i], counts.indptr[i + 1]
            if start == stop:
                continue
            cols = counts.indices[start:stop]
            values = counts.data[start:stop]
            scores = values / max(row_sums[i], 1) * idf[cols]
            # Best first; ties in vocabulary order, as a dense argsort would give them.
            order = np.lexsort((cols, -scores))
            ranked = [str(vocab[cols[j]]) for j in order]
            theme.keywords_by_lang[lang] = _dedupe_ngrams(ranked, n_keywords)
            theme.keyword_counts[lang] = {
                str(vocab[cols[j]]): int(values[j]) for j in order[: 4 * n_keywords]
            }
    for theme in themes:
        theme_langs = Counter(
            langs_arr[(clusters == theme.index) & (langs_arr != "und")].tolist()
        )
        theme.keywords = _merged_keywords(theme.keywords_by_lang, theme_langs, 10)
        theme.label = _label(theme.keywords_by_lang, theme.keyword_counts, theme_langs)


def _dedupe_ngrams(words: list[str], limit: int | None = None) -> list[str]:
    """Drop a unigram that a higher-ranked bigram already shows, and vice versa; stop at
    ``limit`` words."""
    kept: list[str] = []
    for word in words:
        if limit is not None and len(kept) >= limit:
            break
        parts = word.split()
        if any(word in k.split() or (len(parts) > 1 and all(p in k.split() for p in parts))
               for k in kept):
            continue
        if len(parts) > 1 and all(p in kept for p in parts):
            continue
        kept.append(word)
    return kept


def _merged_keywords(by_lang: dict[str, list[str]], counts: Counter, n: int) -> list[str]:
    """Round-robin over languages, biggest first, so every language shows its words."""
    ordered = [lang for lang, _ in counts.most_common() if lang in by_lang]
    out: list[str] = []
    for rank in range(max((len(v) for v in by_lang.values()), default=0)):
        for lang in ordered:
            words = by_lang[lang]
            if rank < len(words) and words[rank] not in out:
                out.append(words[rank])
            if len(out) >= n:
                return out
    return out


def label_language(by_lang: dict[str, list[str]], counts: Counter) -> str | None:
    """The language a theme is labelled in: English when English has at least half as
    many of the theme's sentences as its main language (an English reader is served
    without labelling a Russian theme by its three English sentences), else the main
    language."""
    ranked = [(lang, n) for lang, n in counts.most_common() if by_lang.get(lang)]
    if not ranked:
        return None
    main, most = ranked[0]
    for lang in _LABEL_LANG_PREFERENCE:
        if by_lang.get(lang) and counts[lang] >= max(_MIN_LABEL_SENTENCES, most / 2):
            return lang
    return main


def _label(
    by_lang: dict[str, list[str]], keyword_counts: dict[str, dict[str, int]], counts: Counter
) -> str:
    """A short label, in the language :func:`label_language` picks.

    The theme's two most used words, as a phrase when the theme's sentences use them
    together ("late delivery", "app crashes"), else the phrase around its most used word
    that a fair share of sentences use ("customer service"), else both words. A word a
    few sentences use (a dish, a street) names no theme.
    """
    choice = label_language(by_lang, counts)
    if choice is None:
        return "unlabelled theme"
    used = keyword_counts.get(choice) or {w: 1 for w in by_lang[choice]}
    ranked = sorted(used.items(), key=lambda kv: -kv[1])  # stable: ties keep c-TF-IDF order
    floor = max(2, _LABEL_WORD_SHARE * counts[choice])
    words = [w for w, c in ranked if " " not in w and c >= floor][:2] or [ranked[0][0]]
    phrases = [(w, c) for w, c in ranked if " " in w and len(set(w.split())) == 2 and c >= 2]
    if len(words) == 2:
        pair = next((w for w, _ in phrases if set(w.split()) == set(words)), None)
        if pair:
            return pair
    top = used[words[0]]
    near = next((w for w, c in phrases if words[0] in w.split() and c >= top / 2), None)
    if near:
        return near
    return " / ".join(words)
