"""Scores of a model's answers against labelled truth, one definition for every caller
(training, the benchmarks, and later the run-time guard on a sentiment model)."""

from __future__ import annotations

from collections.abc import Sequence

from sklearn.metrics import f1_score


def macro_f1(truth: Sequence[str], pred: Sequence[str], labels: Sequence[str], *,
             present_only: bool = False) -> float:
    """Macro-averaged F1 in percent, rounded to one decimal.

    Args:
        truth: the true label of each item.
        pred: the predicted label of each item.
        labels: the classes averaged over, each with the same weight; a label the truth
            never has still counts, with an F1 of 0. A predicted label not among them is a
            miss of the true class: ``("negative", "positive")`` on a two-class set scores a
            ``neutral`` answer that way (what the benchmarks do).
        present_only: average only over the ``labels`` that occur in ``truth`` (what
            training does, so that a slice without some class is not scored 0 on it).

    Example:
        >>> macro_f1(["a", "b"], ["a", "a"], ("a", "b"))
        33.3
    """
    if present_only:
        seen = set(truth)
        labels = [label for label in labels if label in seen]
    return round(100 * float(f1_score(truth, pred, labels=list(labels), average="macro",
                                      zero_division=0)), 1)
