r"""Faster inference: the embedder with int8 dynamic quantisation, against float32.

Embedding is most of a run's time. PyTorch's dynamic quantisation turns the encoder's
linear layers into int8 matrix products (weights int8, activations quantised on the fly),
which needs no calibration data. This measures, in one process:

- speed: texts per second encoding the same sentences, float32 and int8 alternately,
  ``repeats`` times each (medians);
- what it costs: the cosine between each text's float32 and int8 vector, and the shipped
  sentiment head's macro-F1 on UMSAB val and the Greek reviews with int8 vectors (the head
  was trained on float32 vectors), next to the float32 figures.

    python -m bench.int8 --datasets ../shared/datasets
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from bench.common import DEFAULT_DATASETS, MODEL_CACHE, machine_info

SPEED_TEXTS = 1000


def quantised(embedder: Any) -> Any:
    """A copy of ``embedder`` whose linear layers run in int8 (dynamic quantisation)."""
    import copy

    import torch

    fast = copy.copy(embedder)
    fast._model = torch.ao.quantization.quantize_dynamic(
        copy.deepcopy(embedder._model), {torch.nn.Linear}, dtype=torch.qint8)
    fast.version = embedder.version + "-int8-dynamic"
    return fast


def run_int8(datasets: Path, cache: Path, *, repeats: int = 3) -> dict[str, Any]:
    from nlp.embedding import (
        SentenceTransformerEmbedder,
        document_model_texts,
        document_vectors,
    )
    from nlp.metrics import macro_f1
    from nlp.sentiment import LABELS, load_sentiment_head
    from training.sentiment import load_corpus

    fp32 = SentenceTransformerEmbedder(cache_dir=MODEL_CACHE)
    int8 = quantised(fp32)
    heldout = load_corpus(datasets).filter(pl.col("part") == "heldout")
    umsab = heldout.filter(pl.col("corpus") == "umsab")
    greek = heldout.filter(pl.col("corpus") == "skroutz")
    texts = umsab["text"].to_list()
    rng = np.random.default_rng(7)
    sample = [texts[i] for i in rng.choice(len(texts), size=min(SPEED_TEXTS, len(texts)),
                                           replace=False)]
    fp32.encode(sample[:64])  # warm-up, both
    int8.encode(sample[:64])
    timings: dict[str, list[float]] = {"float32": [], "int8": []}
    for _ in range(repeats):
        for name, model in (("float32", fp32), ("int8", int8)):
            start = time.perf_counter()
            model.encode(sample)
            timings[name].append(round(time.perf_counter() - start, 2))
    a, b = fp32.encode(sample), int8.encode(sample)
    cosine = (a * b).sum(axis=1)
    head = load_sentiment_head()
    out: dict[str, Any] = {
        "texts": len(sample), "repeats": repeats,
        "seconds": timings,
        "texts_per_second": {k: round(len(sample) / statistics.median(v), 1)
                             for k, v in timings.items()},
        "cosine_float32_int8": {"median": round(float(np.median(cosine)), 4),
                                "p5": round(float(np.percentile(cosine, 5)), 4)},
        "sentiment": {},
    }
    out["speedup"] = round(statistics.median(timings["float32"]) /
                           statistics.median(timings["int8"]), 2)
    for name, model in (("float32", fp32), ("int8", int8)):
        pred = head.predict(document_vectors(texts, model, cache),
                            document_model_texts(texts)).labels
        scores = {"umsab_all": macro_f1(umsab["label"].to_list(), pred, LABELS)}
        frame = umsab.with_columns(pred=pl.Series(pred))
        for (lang,), group in frame.group_by(["lang"], maintain_order=True):
            scores[f"umsab_{lang}"] = macro_f1(group["label"].to_list(),
                                               group["pred"].to_list(), LABELS)
        gtexts = greek["text"].to_list()
        gpred = head.predict(document_vectors(gtexts, model, cache),
                             document_model_texts(gtexts)).labels
        scores["skroutz_el"] = macro_f1(greek["label"].to_list(), gpred, ("negative", "positive"))
        out["sentiment"][name] = scores
    out["sentiment_change"] = {k: round(out["sentiment"]["int8"][k] -
                                        out["sentiment"]["float32"][k], 1)
                               for k in out["sentiment"]["float32"]}
    return {"benchmark": "int8", "machine": machine_info(), **out}


def render_int8_markdown(r: dict[str, Any]) -> str:
    m = r.get("machine", {})
    s = r["sentiment"]
    rows = [f"| {k.replace('_', ' ')} | {s['float32'][k]} | {s['int8'][k]} | "
            f"{r['sentiment_change'][k]:+.1f} |" for k in s["float32"]]
    return "\n".join([
        "## Faster inference: int8 embedder",
        "",
        f"PyTorch dynamic int8 quantisation of the encoder's linear layers, against float32, "
        f"in one process (commit {m.get('git_commit')}, {m.get('date')}, load average "
        f"{m.get('load_average')}). {r['texts']:,} UMSAB sentences, medians of "
        f"{r['repeats']} alternating runs.",
        "",
        "| | float32 | int8 |",
        "|---|---|---|",
        f"| texts per second | {r['texts_per_second']['float32']} | "
        f"{r['texts_per_second']['int8']} |",
        f"| speed-up | | ×{r['speedup']} |",
        f"| cosine to the float32 vector (median / 5th percentile) | 1 | "
        f"{r['cosine_float32_int8']['median']} / {r['cosine_float32_int8']['p5']} |",
        "",
        "Sentiment macro-F1 with the shipped head (trained on float32 vectors):",
        "",
        "| set | float32 | int8 | change |",
        "|---|---|---|---|",
        *rows,
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="int8 embedder: speed and quality")
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/voc-bench/embeddings"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    result = run_int8(args.datasets, args.cache, repeats=args.repeats)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))
    print(render_int8_markdown(result))
    print(json.dumps(result["speedup"]), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
