"""Train the shipped sentiment head and record its held-out scores.

Reproduces the shipped head in ``nlp/weights/`` (``e5-small-<kind>[-lex]-v3.{npz,json}``)::

    .venv/bin/python -m training.sentiment --datasets ../shared/datasets

Run from the repository's root (the default paths are relative to it); ``training`` is
not installed with the pipeline.

Training data (never shipped; see the datasets' README for licences):
- UMSAB tweets, ``train`` split (ar en fr de hi it pt es, 3 classes);
- Greek Skroutz reviews, a fixed 80% (positive/negative);
- drugs.com reviews, ``train`` split (en, 3 classes).
Held out and reported: UMSAB ``val`` per language, the other 20% of the Greek
reviews, drugs.com ``test``. Features are what the pipeline computes for a document
(mean of its sentence embeddings), plus, for the lexical part, hashed character n-grams
of the same cleaned text. The kind of head (linear or one hidden layer), the lexical
part's strength and its blend weight are chosen on a 10% slice of the training part,
the embedding part's regularisation by cross-validation on the training part: nothing
is tuned on the held-out sets.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from nlp.builtin_model import BUILTIN_MODEL_NAME
from nlp.embedding import document_model_texts, document_vectors
from nlp.metrics import macro_f1
from nlp.sentiment import LABELS, LexicalPart, SentimentHead
from training.common import builtin_embedder, training_args

_SEED = 13
# Hashed character n-grams: 2**18 buckets keep the shipped part near a megabyte.
_LEXICAL_FEATURES = 2**18
_LEXICAL_NGRAMS = (2, 5)


def _labelled(frame: pl.DataFrame, corpus: str, part: pl.Expr) -> pl.DataFrame:
    return frame.select("text", "label", "lang", pl.lit(corpus).alias("corpus"),
                        part.alias("part"))


def load_corpus(datasets: Path) -> pl.DataFrame:
    """All labelled rows with columns text, label, lang, corpus, part (train|heldout)."""
    by_split = pl.when(pl.col("split") == "train").then(pl.lit("train")).otherwise(
        pl.lit("heldout"))
    umsab = _labelled(pl.read_parquet(datasets / "umsab_tweets_train_val.parquet"), "umsab",
                      by_split)
    drugs = _labelled(pl.read_parquet(datasets / "drugscom_reviews_subset.parquet"),
                      "drugscom", by_split)
    # The Greek set has no split: a fixed, seeded 20% is held out.
    greek = pl.read_parquet(datasets / "greek_skroutz_reviews.parquet").with_row_index("i")
    rng = np.random.default_rng(_SEED)
    heldout = set(rng.choice(greek.height, size=greek.height // 5, replace=False).tolist())
    greek = _labelled(greek, "skroutz", pl.col("i").map_elements(
        lambda i: "heldout" if i in heldout else "train", return_dtype=pl.String))
    corpus = pl.concat([umsab, greek, drugs]).filter(pl.col("label").is_in(LABELS))
    return corpus


def _linear_head(X: np.ndarray, y: np.ndarray, name: str) -> tuple[SentimentHead, dict]:
    search = GridSearchCV(
        LogisticRegression(max_iter=3000, class_weight="balanced"),
        {"C": [0.5, 1.0, 2.0, 4.0, 8.0]},
        scoring="f1_macro",
        cv=3,
        n_jobs=2,
    )
    search.fit(X, y)
    clf: LogisticRegression = search.best_estimator_
    order = [list(clf.classes_).index(lab) for lab in LABELS]
    head = SentimentHead(clf.coef_[order], clf.intercept_[order], name=name,
                         embedding_model=BUILTIN_MODEL_NAME)
    return head, {"classifier": "multinomial logistic regression, class_weight=balanced",
                  "C": float(search.best_params_["C"])}


def _mlp_head(X: np.ndarray, y: np.ndarray, name: str) -> tuple[SentimentHead, dict]:
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=(256,), alpha=1e-3, early_stopping=True,
                        random_state=_SEED, max_iter=300)
    clf.fit(X, y)
    order = [list(clf.classes_).index(lab) for lab in LABELS]
    head = SentimentHead(
        clf.coefs_[1].T[order], clf.intercepts_[1][order], name=name,
        embedding_model=BUILTIN_MODEL_NAME,
        hidden_w=clf.coefs_[0].T, hidden_b=clf.intercepts_[0],
    )
    return head, {"classifier": "one hidden ReLU layer of 256, alpha=1e-3, early stopping"}


def _lexical_part(texts: list[str], y: np.ndarray, C: float) -> LexicalPart:
    counts = LexicalPart.counts(texts, _LEXICAL_FEATURES, _LEXICAL_NGRAMS)
    df = np.bincount(counts.indices, minlength=_LEXICAL_FEATURES)
    idf = (np.log((1 + counts.shape[0]) / (1 + df)) + 1).astype(np.float32)
    clf = LogisticRegression(max_iter=3000, class_weight="balanced", C=C)
    clf.fit(LexicalPart.weigh(counts, idf), y)
    order = [list(clf.classes_).index(lab) for lab in LABELS]
    return LexicalPart(clf.coef_[order], clf.intercept_[order], idf, ngram_range=_LEXICAL_NGRAMS)


def _with_lexical(head: SentimentHead, lexical: LexicalPart, weight: float) -> SentimentHead:
    return SentimentHead(head.coef, head.intercept, name=head.name,
                         embedding_model=head.embedding_model, hidden_w=head.hidden_w,
                         hidden_b=head.hidden_b, lexical=lexical, lexical_weight=weight)


def main(argv: list[str] | None = None) -> None:
    args = training_args(__doc__.splitlines()[0], "nlp/weights", "v3", argv)

    started = time.perf_counter()
    corpus = load_corpus(args.datasets)
    embedder = builtin_embedder(args.cache_dir)
    X = document_vectors(corpus["text"].to_list(), embedder, args.cache_dir)
    texts = np.array(document_model_texts(corpus["text"].to_list()), dtype=object)
    y = np.array(corpus["label"].to_list())
    train = np.array(corpus["part"].to_list()) == "train"
    print(f"train: {int(train.sum())} texts, held out: {int((~train).sum())}")

    # Choose the kind of head on a slice of the training part; the held-out sets stay unseen.
    rng = np.random.default_rng(_SEED)
    train_idx = np.where(train)[0]
    val_idx = rng.choice(train_idx, size=len(train_idx) // 10, replace=False)
    fit_idx = np.setdiff1d(train_idx, val_idx)
    scores: dict[str, float] = {}
    candidates: dict[str, SentimentHead] = {}
    for kind, fit in (("logreg", _linear_head), ("mlp", _mlp_head)):
        candidates[kind], _ = fit(X[fit_idx], y[fit_idx], kind)
        scores[kind] = macro_f1(list(y[val_idx]), candidates[kind].predict(X[val_idx]).labels,
                                LABELS, present_only=True)
        print(f"{kind}: macro-F1 {scores[kind]} on the validation slice of the training part")
    kind = max(scores, key=scores.get)
    candidate = candidates[kind]

    # The lexical part's strength and its share of the blend, chosen on the same slice.
    lexical_scores: dict[str, float] = {}
    best = (scores[kind], 0.0, 1.0)
    for C in (1.0, 2.0, 4.0):
        lexical = _lexical_part(list(texts[fit_idx]), y[fit_idx], C)
        for weight in np.round(np.arange(0.1, 1.0, 0.1), 1):
            blended = _with_lexical(candidate, lexical, float(weight))
            pred = blended.predict(X[val_idx], list(texts[val_idx])).labels
            f1 = macro_f1(list(y[val_idx]), pred, LABELS, present_only=True)
            lexical_scores[f"C={C},weight={weight}"] = f1
            if f1 > best[0]:
                best = (f1, float(weight), C)
    print(f"lexical part: best macro-F1 {best[0]} at weight {best[1]}, C {best[2]} "
          f"(embedding part alone {scores[kind]})")
    name = f"e5-small-{kind}{'-lex' if best[1] > 0 else ''}-{args.version}"
    head, details = (_linear_head if kind == "logreg" else _mlp_head)(X[train], y[train], name)
    if best[1] > 0:
        head = _with_lexical(head, _lexical_part(list(texts[train]), y[train], best[2]), best[1])
        details |= {"lexical": f"logistic regression over {_LEXICAL_FEATURES} hashed character "
                    f"{_LEXICAL_NGRAMS[0]}-{_LEXICAL_NGRAMS[1]}-grams within words, sublinear "
                    f"tf-idf, C={best[2]}; blend weight {best[1]}",
                    "lexical_choice_validation_macro_f1": lexical_scores}

    pred = np.array(head.predict(X, list(texts)).labels)
    heldout = corpus.with_columns(pl.Series("pred", pred)).filter(~pl.Series(train))
    results: dict[str, dict[str, float | int]] = {}
    for (corpus_name, lang), group in heldout.group_by(["corpus", "lang"], maintain_order=True):
        labels = ("negative", "positive") if corpus_name == "skroutz" else LABELS
        results[f"{corpus_name}/{lang}"] = {
            "macro_f1": macro_f1(group["label"].to_list(), group["pred"].to_list(), labels,
                                 present_only=True),
            "n": group.height,
        }
    umsab = heldout.filter(pl.col("corpus") == "umsab")
    results["umsab/all"] = {
        "macro_f1": macro_f1(umsab["label"].to_list(), umsab["pred"].to_list(), LABELS,
                             present_only=True),
        "n": umsab.height,
    }
    for key in sorted(results):
        print(f"{key:16s} macro-F1 {results[key]['macro_f1']:5.1f}  (n={results[key]['n']})")

    args.out_dir.mkdir(parents=True, exist_ok=True)
    out = args.out_dir / name
    head.save(
        out,
        {
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "embedding_version": embedder.version,
            **details,
            "features": "mean of the sentence embeddings of the cleaned, redacted text "
            "(as the pipeline computes them); the lexical part reads that text, placeholders "
            "removed",
            "head_choice_validation_macro_f1": scores,
            "training_data": {
                "umsab": "UMSAB tweets train split (cardiffnlp/xlm-t), ar en fr de hi it pt es",
                "skroutz": "Greek Skroutz reviews, 80% (seed 13)",
                "drugscom": "drugs.com reviews train split (UCI, CC BY 4.0)",
                "n_train": int(train.sum()),
            },
            "heldout_macro_f1": results,
            "seconds": round(time.perf_counter() - started, 1),
        },
    )
    print(f"wrote {out.with_suffix('.npz')} and .json")


if __name__ == "__main__":
    main()
