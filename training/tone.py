"""Train the shipped tone head (does a sentence state a cause?) and record its held-out scores.

Reproduces ``nlp/weights/tone/tone-e5-small-v1.{npz,json}``::

    .venv/bin/python -m training.tone --datasets ../shared/datasets

Training data (never shipped; see the datasets' README for licences):
- SemEval-2016 task 5 review sentences, the ``train`` half of reviews
  (:func:`bench.common.semeval_half`; the ``test`` half is what the themes benchmark
  measures on), in en es fr nl ru tr (restaurants) and ar (hotels): a sentence whose only
  aspect is ``RESTAURANT#GENERAL`` or ``HOTEL#GENERAL`` ("Great place!", "Never again.")
  states no cause; a sentence with any other aspect (food, service, prices, rooms...)
  states one. Sentences without an aspect are left out: they are narrative as often as tone.
- banking77 ``train`` queries (a fixed sample): customers' questions, each about a cause.

The regularisation and the threshold are chosen on a 10% slice of the training part;
held out and reported: the SemEval ``test`` half per language, and each language when the
head is trained without it (how the head carries to a language it has not seen).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl
from sklearn.linear_model import LogisticRegression

from bench.common import semeval_half
from nlp.builtin_model import BUILTIN_MODEL_NAME
from nlp.embedding import document_vectors
from nlp.metrics import macro_f1
from nlp.tone import ToneHead
from training.common import builtin_embedder, training_args

_SEED = 17
_BANKING_SAMPLE = 1500
_GENERAL = {"RESTAURANT#GENERAL", "HOTEL#GENERAL"}


def load_corpus(datasets: Path) -> pl.DataFrame:
    """Sentences with ``cause`` (1: states a cause, 0: tone only), ``lang``, ``part``."""
    semeval = pl.read_parquet(datasets / "semeval16_absa_train.parquet")
    semeval = semeval.filter(pl.col("aspect").is_not_null() & (pl.col("aspect") != ""))
    general_only = pl.col("aspect").str.split("|").list.eval(
        pl.element().is_in(list(_GENERAL))).list.all()
    semeval = semeval.select(
        "text", "lang", general_only.not_().cast(pl.Int8).alias("cause"),
        pl.struct("lang", "review_id").map_elements(
            lambda r: semeval_half(r["lang"], str(r["review_id"])),
            return_dtype=pl.String).alias("part"),
        pl.lit("semeval").alias("source"))
    banking = (pl.read_parquet(datasets / "banking77_intents.parquet")
               .filter(pl.col("split") == "train").sample(_BANKING_SAMPLE, seed=_SEED)
               .select("text", pl.lit("en").alias("lang"), pl.lit(1, pl.Int8).alias("cause"),
                       pl.lit("train").alias("part"), pl.lit("banking77").alias("source")))
    return pl.concat([semeval, banking])


def _fit(X: np.ndarray, y: np.ndarray, C: float) -> LogisticRegression:
    return LogisticRegression(C=C, max_iter=3000, class_weight="balanced").fit(X, y)


def _scores(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, float]:
    pred = (p >= threshold).astype(int)
    tone = y == 0
    return {
        "macro_f1": round(macro_f1(y.tolist(), pred.tolist(), [0, 1]), 1),
        "tone_recall": round(100 * float((pred[tone] == 0).mean()), 1) if tone.any() else None,
        "cause_recall": round(100 * float((pred[~tone] == 1).mean()), 1)
        if (~tone).any() else None,
        "n": int(len(y)),
    }


def main(argv: list[str] | None = None) -> None:
    args = training_args(__doc__.splitlines()[0], "nlp/weights/tone", "v1", argv)

    started = time.perf_counter()
    corpus = load_corpus(args.datasets)
    embedder = builtin_embedder(args.cache_dir)
    X = document_vectors(corpus["text"].to_list(), embedder, args.cache_dir)
    y = corpus["cause"].to_numpy()
    langs = np.array(corpus["lang"].to_list())
    train = np.array(corpus["part"].to_list()) == "train"
    print(f"train: {int(train.sum())} sentences ({int((y[train] == 0).sum())} tone), "
          f"held out: {int((~train).sum())}")

    rng = np.random.default_rng(_SEED)
    train_idx = np.flatnonzero(train)
    val_idx = rng.choice(train_idx, size=len(train_idx) // 10, replace=False)
    fit_idx = np.setdiff1d(train_idx, val_idx)
    choice: dict[str, float] = {}
    for C in (0.25, 0.5, 1.0, 2.0, 4.0):
        p = _fit(X[fit_idx], y[fit_idx], C).predict_proba(X[val_idx])[:, 1]
        for threshold in (0.3, 0.4, 0.5, 0.6):
            choice[f"C={C},threshold={threshold}"] = _scores(y[val_idx], p, threshold)["macro_f1"]
    best = max(choice, key=lambda k: choice[k])
    C = float(best.split(",")[0].removeprefix("C="))
    threshold = float(best.split(",")[1].removeprefix("threshold="))
    print(f"chosen on the validation slice: {best} ({choice[best]})")

    clf = _fit(X[train_idx], y[train_idx], C)
    p_test = clf.predict_proba(X[~train])[:, 1]
    heldout = {"all": _scores(y[~train], p_test, threshold)}
    for lang in sorted(set(langs[~train].tolist())):
        rows = langs[~train] == lang
        heldout[lang] = _scores(y[~train][rows], p_test[rows], threshold)
    unseen = {}
    for lang in sorted(set(langs.tolist()) - {"en"}):
        others = train & (langs != lang)
        target = ~train & (langs == lang)
        p = _fit(X[others], y[others], C).predict_proba(X[target])[:, 1]
        unseen[lang] = _scores(y[target], p, threshold)
    for name, s in heldout.items():
        print(f"held out {name}: {s}")
    for name, s in unseen.items():
        print(f"trained without {name}: {s}")

    name = f"tone-e5-small-{args.version}"
    head = ToneHead(clf.coef_[0], float(clf.intercept_[0]), threshold=threshold, name=name,
                    embedding_model=BUILTIN_MODEL_NAME)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    head.save(args.out_dir / name, {
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "classifier": "logistic regression, class_weight=balanced",
        "C": C,
        "training": "SemEval-2016 task 5 train half of reviews (general-only verdicts against "
                    f"sentences with a specific aspect), banking77 train ({_BANKING_SAMPLE})",
        "choice_validation_macro_f1": choice,
        "heldout_semeval_test_half": heldout,
        "heldout_language_unseen_in_training": unseen,
    })
    print(f"wrote {args.out_dir / name}.npz in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
