"""Train the sentiment branch (tuned top layers of the encoder) and record held-out scores.

Reproduces ``nlp/weights/branch/<name>.{safetensors,json}``::

    .venv/bin/python -m training.sentiment_branch --datasets ../shared/datasets

Training data (never shipped; see the datasets' README for licences), every text as the
pipeline reads it (cleaned, redacted, split into sentences; a document's trunk states are
its sentences' one after another, see :mod:`nlp.sentiment_branch`):
- UMSAB tweets ``train`` (ar en fr de hi it pt es), the Greek Skroutz reviews' fixed 80%,
  drugs.com ``train`` (as ``training/sentiment.py``);
- SemEval-2016 task 5 review sentences (en es fr nl ru tr restaurants, ar hotels), the
  reviews outside a fixed 20% (:func:`semeval_part`); sentence polarity positive, negative,
  neutral, and "none" (no opinion stated) as neutral; "mixed" left out.
Corpora are balanced (each weighs by the square root of its size) and classes too.
Chosen on a 10% slice of the training part: the epoch kept. Held out and reported:
UMSAB ``val`` per language, the Greek 20%, drugs.com ``test``, the SemEval 20% per language.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl
import torch

from nlp.builtin_model import BUILTIN_MODEL_NAME
from nlp.embedding import model_pieces
from nlp.metrics import macro_f1
from nlp.sentiment_branch import (
    LABELS,
    SentimentBranch,
    branch_log_probabilities,
    document_states,
    encode_with_trunk,
    pad,
    save_branch,
)
from training.common import builtin_embedder, training_args
from training.sentiment import load_corpus as load_sentiment_corpus

_SEED = 23
_EPOCHS = 3
_BATCH = 32
_LR_LAYERS = 4e-5
_LR_CLASSIFIER = 1e-3


def semeval_part(lang: str, review_id: str) -> str:
    """'heldout' for a fixed 20% of SemEval-2016 reviews (by a hash of lang and review id),
    else 'train'."""
    digest = hashlib.sha1(f"sentiment:{lang}:{review_id}".encode()).hexdigest()
    return "heldout" if int(digest[-2:], 16) % 5 == 0 else "train"


def load_corpus(datasets: Path) -> pl.DataFrame:
    """text, label, lang, corpus, part (train|heldout)."""
    semeval = pl.read_parquet(datasets / "semeval16_absa_train.parquet").filter(
        pl.col("label") != "mixed")
    semeval = semeval.select(
        "text",
        pl.when(pl.col("label") == "none").then(pl.lit("neutral")).otherwise(pl.col("label"))
        .alias("label"),
        "lang", pl.lit("semeval").alias("corpus"),
        pl.struct("lang", "review_id").map_elements(
            lambda r: semeval_part(r["lang"], str(r["review_id"])), return_dtype=pl.String
        ).alias("part"))
    return pl.concat([load_sentiment_corpus(datasets), semeval])


def trunk_states(texts: list[str], depth: int, cache: Path, cache_dir: Path) -> list[np.ndarray]:
    """Each text's document trunk states, computed once into ``cache``."""
    digest = hashlib.sha256(("\x00".join(texts) + f"|{depth}").encode()).hexdigest()[:20]
    path = cache / f"trunk-{digest}.npz"
    pieces = model_pieces(texts)
    if not path.exists():
        embedder = builtin_embedder(cache_dir)
        flat = [embedder.prefix + p for parts in pieces for p in parts]
        started = time.perf_counter()
        _, states = encode_with_trunk(embedder._model, flat, depth)
        print(f"trunk states of {len(flat)} sentences: {time.perf_counter() - started:.0f} s")
        lengths = np.array([len(s) for s in states])
        cache.mkdir(parents=True, exist_ok=True)
        np.savez(path, states=np.concatenate(states), lengths=lengths)
    data = np.load(path)
    flat_states = np.split(data["states"], np.cumsum(data["lengths"])[:-1])
    out, start = [], 0
    for parts in pieces:
        out.append(document_states(flat_states[start : start + len(parts)]))
        start += len(parts)
    return out


def _weights(frame: pl.DataFrame) -> np.ndarray:
    corpus = frame["corpus"].to_numpy()
    labels = frame["label"].to_numpy()
    w = np.ones(len(frame))
    for name in np.unique(corpus):
        in_corpus = corpus == name
        w[in_corpus] = np.sqrt(in_corpus.sum()) / in_corpus.sum()
        for label in LABELS:
            cell = in_corpus & (labels == label)
            if cell.any():
                w[cell] *= in_corpus.sum() / (len(LABELS) * cell.sum())
    return w / w.mean()


def _predict(branch: SentimentBranch, states: list[np.ndarray]) -> list[str]:
    return [LABELS[i] for i in branch_log_probabilities(branch, states).argmax(axis=1)]


def _score(frame: pl.DataFrame, predicted: list[str]) -> float:
    labels = [lab for lab in LABELS if lab in set(frame["label"].to_list())]
    return round(macro_f1(frame["label"].to_list(), predicted, labels), 1)


def train(branch: SentimentBranch, states: list[np.ndarray], y: np.ndarray, w: np.ndarray,
          check_states: list[np.ndarray], check: pl.DataFrame) -> dict:
    """Fine-tune; keep the epoch that scores best on the check slice."""
    torch.manual_seed(_SEED)
    rng = np.random.default_rng(_SEED)
    params = [{"params": branch.layers.parameters(), "lr": _LR_LAYERS},
              {"params": branch.classifier.parameters(), "lr": _LR_CLASSIFIER}]
    optimiser = torch.optim.AdamW(params, weight_decay=0.01)
    steps = _EPOCHS * int(np.ceil(len(states) / _BATCH))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: max(0.0, 1 - s / steps))
    target = torch.from_numpy(y)
    weight = torch.from_numpy(w.astype(np.float32))
    lengths = np.array([len(s) for s in states])
    best, history, best_state = -1.0, [], None
    for epoch in range(_EPOCHS):
        branch.train()
        started = time.perf_counter()
        # Batches of similar length, in random order.
        order = np.argsort(lengths + rng.random(len(lengths)) * 8, kind="stable")
        batches = [order[i : i + _BATCH] for i in range(0, len(order), _BATCH)]
        rng.shuffle(batches)
        total = 0.0
        for step, rows in enumerate(batches):
            if step % 200 == 0:
                print(f"epoch {epoch + 1}: batch {step} of {len(batches)}, "
                      f"{time.perf_counter() - started:.0f} s", flush=True)
            batch, mask = pad([states[i].astype(np.float32) for i in rows])
            logits = branch(batch, mask)
            loss = (torch.nn.functional.cross_entropy(logits, target[rows], reduction="none")
                    * weight[rows]).mean()
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(branch.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            total += float(loss.detach()) * len(rows)
        score = _score(check, _predict(branch, check_states))
        history.append({"epoch": epoch + 1, "loss": round(total / len(states), 4),
                        "check_macro_f1": score,
                        "seconds": round(time.perf_counter() - started)})
        print(history[-1], flush=True)
        if score > best:
            best = score
            best_state = {k: v.detach().clone() for k, v in branch.state_dict().items()}
    if best_state is not None:
        branch.load_state_dict(best_state)
    return {"epochs": history, "kept_epoch_check_macro_f1": best}


def heldout_scores(branch: SentimentBranch, frame: pl.DataFrame,
                   states: list[np.ndarray]) -> dict[str, dict]:
    """Macro-F1 per held-out corpus and language."""
    predicted = np.array(_predict(branch, states), dtype=object)
    out: dict[str, dict] = {}
    keys = frame.select("corpus", "lang").unique().sort("corpus", "lang").rows()
    for corpus, lang in keys:
        rows = np.flatnonzero((frame["corpus"] == corpus).to_numpy()
                              & (frame["lang"] == lang).to_numpy())
        part = frame[rows]
        out[f"{corpus}/{lang}"] = {"macro_f1": _score(part, predicted[rows].tolist()),
                                   "n": len(rows)}
    for corpus in sorted(set(frame["corpus"].to_list())):
        rows = np.flatnonzero((frame["corpus"] == corpus).to_numpy())
        out[f"{corpus}/all"] = {"macro_f1": _score(frame[rows], predicted[rows].tolist()),
                                "n": len(rows)}
    return out


def main(argv: list[str] | None = None) -> None:
    args = training_args(__doc__.splitlines()[0], "nlp/weights/branch", "v1", argv)
    depth = 2
    torch.set_num_threads(max(1, torch.get_num_threads()))
    corpus = load_corpus(args.datasets).filter(pl.col("label").is_in(LABELS))
    states = trunk_states(corpus["text"].to_list(), depth, args.cache_dir / "trunk",
                          args.cache_dir)
    is_train = (corpus["part"] == "train").to_numpy()
    rng = np.random.default_rng(_SEED)
    check = is_train & (rng.random(len(corpus)) < 0.1)
    fit = is_train & ~check
    embedder = builtin_embedder(args.cache_dir)
    bert = embedder._model[0].auto_model
    branch = SentimentBranch(bert.encoder.layer[-depth:], bert.config.hidden_size)
    y = np.array([LABELS.index(lab) for lab in corpus["label"]])
    fit_rows = np.flatnonzero(fit)
    check_rows = np.flatnonzero(check)
    started = time.perf_counter()
    history = train(branch, [states[i] for i in fit_rows], y[fit_rows],
                    _weights(corpus[fit_rows]), [states[i] for i in check_rows],
                    corpus[check_rows])
    heldout_rows = np.flatnonzero(~is_train)
    scores = heldout_scores(branch, corpus[heldout_rows], [states[i] for i in heldout_rows])
    for key, value in scores.items():
        print(key, value)
    name = f"e5-small-branch{depth}-{args.version}"
    save_branch(branch, args.out_dir / name, {
        "name": name, "embedding_model": BUILTIN_MODEL_NAME,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "training": history | {"seconds": round(time.perf_counter() - started),
                               "n_train": int(fit.sum()), "n_check": int(check.sum()),
                               "epochs_run": _EPOCHS, "batch": _BATCH,
                               "lr_layers": _LR_LAYERS, "lr_classifier": _LR_CLASSIFIER},
        "heldout_macro_f1": scores,
    })
    print("wrote", args.out_dir / name)


if __name__ == "__main__":
    main()
