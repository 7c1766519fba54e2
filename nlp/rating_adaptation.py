"""Sentiment learnt from the customer's own scores, guarded.

Most feedback arrives with a star rating, an NPS or a CSAT score. A clear score is a weak
label for the feedback's sentiment: 1-2 of 5 stars (1-4 of 10), NPS 0-4 or CSAT 1-2 say
negative; 5 of 5 stars (9-10 of 10), NPS 9-10 or CSAT 5 say positive; the middle says
nothing sure. :func:`adapt` moves the shipped head's embedding weights towards what the
deployment's clearly scored documents say, held to the shipped weights by an L2 pull (the
lexical part is kept as it is: weak labels cover two classes, and the pull keeps neutral).

:func:`judge` is the guard: the adapted head is adopted only when it scores at least as
well as the shipped one on every check (a held-out slice of the user's own scored
feedback, and the shipped validation sentences) and better on the user's slice.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import NamedTuple

import numpy as np
from scipy.optimize import minimize

from nlp.metrics import macro_f1
from nlp.sentiment import LABELS, SentimentHead, _log_softmax
from nlp.text_prep import model_text

WEAK_LABELS = ("negative", "positive")


def weak_label(rating: float | None = None, rating_scale: int | None = None,
               nps: float | None = None, csat: float | None = None) -> str | None:
    """The sentiment a clear score says, or None when no score is clear; scores that
    disagree (5 stars with NPS 2) say nothing."""
    said = set()
    if rating is not None and rating_scale in (5, 10):
        stars = rating if rating_scale == 5 else rating / 2
        said.add("negative" if stars <= 2 else "positive" if stars >= 4.5 else None)
    if nps is not None:
        said.add("negative" if nps <= 4 else "positive" if nps >= 9 else None)
    if csat is not None:
        said.add("negative" if csat <= 2 else "positive" if csat >= 5 else None)
    said.discard(None)
    return said.pop() if len(said) == 1 else None


def shipped_checks() -> list[tuple[str, str, str]]:
    """The shipped validation sentences (lang, label, text): customer sentences written
    for this project, three per class in each of eight languages, neutral ones included,
    so that an adaptation from two-class weak labels cannot quietly lose neutral."""
    path = resources.files("nlp").joinpath("checks", "sentiment_checks.tsv")
    with path.open(encoding="utf-8", newline="") as handle:
        return [(r["lang"], r["label"], r["text"])
                for r in csv.DictReader(handle, delimiter="\t")]


def shipped_check(encode: Callable[[list[str]], np.ndarray]) -> Check:
    """The shipped validation sentences as a check, embedded by ``encode``."""
    rows = shipped_checks()
    texts = [model_text(t) for _, _, t in rows]
    return Check("shipped checks", np.asarray(encode(texts)), texts,
                 [label for _, label, _ in rows])


def held_out(key: str, share: float = 0.2) -> bool:
    """Whether a document (by its id) belongs to the held-out slice: a fixed hash, so the
    same documents are held out every time."""
    digest = hashlib.sha1(f"adaptation:{key}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


def adapt(head: SentimentHead, vectors: np.ndarray, texts: Sequence[str],
          labels: Sequence[str], *, pull: float = 1.0, name: str | None = None
          ) -> SentimentHead:
    """The head with its embedding weights fitted to ``labels`` (weak labels, one per
    vector and text), each class weighted to the same total, held to the shipped weights
    by ``pull`` (the L2 strength on their difference)."""
    targets = np.array([LABELS.index(x) for x in labels])
    features = _features(head, vectors)
    lexical = (head.lexical.log_probabilities(texts) * head.lexical_weight
               if head.lexical is not None and head.lexical_weight > 0 else 0.0)
    keep = 1.0 - (head.lexical_weight if head.lexical is not None else 0.0)
    counts = np.bincount(targets, minlength=len(LABELS)).astype(np.float64)
    weights = (len(targets) / (np.count_nonzero(counts) * np.maximum(counts, 1)))[targets]
    weights /= weights.sum()
    start = np.concatenate([head.coef.ravel(), head.intercept]).astype(np.float64)
    onehot = np.eye(len(LABELS))[targets]
    shape = head.coef.shape

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        coef, intercept = theta[:-len(LABELS)].reshape(shape), theta[-len(LABELS):]
        log_probs = _log_softmax(keep * _log_softmax(features @ coef.T + intercept) + lexical)
        gap = (np.exp(log_probs) - onehot) * weights[:, None] * keep
        drift = theta - start
        value = -float((weights * log_probs[np.arange(len(targets)), targets]).sum())
        grad = np.concatenate([(gap.T @ features).ravel(), gap.sum(axis=0)])
        return value + 0.5 * pull * float(drift @ drift), grad + pull * drift

    theta = minimize(loss, start, jac=True, method="L-BFGS-B",
                     options={"maxiter": 200}).x
    return SentimentHead(
        theta[:-len(LABELS)].reshape(shape), theta[-len(LABELS):],
        name=name or f"{head.name}+adapted", embedding_model=head.embedding_model,
        hidden_w=head.hidden_w, hidden_b=head.hidden_b, lexical=head.lexical,
        lexical_weight=head.lexical_weight)


def _features(head: SentimentHead, vectors: np.ndarray) -> np.ndarray:
    features = vectors.astype(np.float64)
    if head.hidden_w is not None:
        features = np.maximum(features @ head.hidden_w.T + head.hidden_b, 0.0)
    return features


class Check(NamedTuple):
    """A labelled set the guard scores both heads on."""

    name: str
    vectors: np.ndarray
    texts: list[str]
    labels: list[str]


@dataclass(frozen=True)
class Verdict:
    adopted: bool
    reason: str
    # check name -> {"shipped": macro-F1, "adapted": macro-F1}
    scores: dict[str, dict[str, float]]


def judge(shipped: SentimentHead, adapted: SentimentHead, user_slice: Check,
          validation: Sequence[Check]) -> Verdict:
    """Adopt ``adapted`` only if it beats ``shipped`` on the user's held-out slice and is
    no worse on any shipped validation set (macro-F1 over the classes each set has)."""
    scores = {}
    for check in (user_slice, *validation):
        scores[check.name] = {
            which: macro_f1(check.labels, head.predict(check.vectors, check.texts).labels,
                            LABELS, present_only=True)
            for which, head in (("shipped", shipped), ("adapted", adapted))}
    own = scores[user_slice.name]
    if own["adapted"] <= own["shipped"]:
        return Verdict(False, f"no gain on the held-out slice of {len(user_slice.labels)} "
                              f"scored documents ({own['adapted']} vs {own['shipped']})", scores)
    worse = [n for n, s in scores.items() if n != user_slice.name and s["adapted"] < s["shipped"]]
    if worse:
        return Verdict(False, "worse on " + ", ".join(worse), scores)
    return Verdict(True, f"{own['adapted']} vs {own['shipped']} on the held-out slice of "
                         f"{len(user_slice.labels)} scored documents", scores)


@dataclass(frozen=True)
class Adaptation:
    """An adapted head, the guard's verdict on it, and how many documents it learnt from
    and was judged on."""

    head: SentimentHead
    verdict: Verdict
    examples: int
    held_out: int


def adapt_and_judge(shipped: SentimentHead, keys: Sequence[str], vectors: np.ndarray,
                    texts: Sequence[str], labels: Sequence[str], validation: Sequence[Check],
                    *, name: str | None = None) -> Adaptation:
    """Adapt on the documents outside the held-out slice (:func:`held_out` of each key),
    then let :func:`judge` weigh it on that slice and on ``validation``."""
    kept = np.array([held_out(k) for k in keys], dtype=bool)
    fit, judged = np.flatnonzero(~kept), np.flatnonzero(kept)
    adapted = adapt(shipped, vectors[fit], [texts[i] for i in fit], [labels[i] for i in fit],
                    name=name)
    user_slice = Check("held-out slice", vectors[judged], [texts[i] for i in judged],
                       [labels[i] for i in judged])
    return Adaptation(adapted, judge(shipped, adapted, user_slice, validation),
                      len(fit), len(judged))
