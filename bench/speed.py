r"""Speed and memory of the whole pipeline on real labelled text, at several sizes.

For each size N this builds a real review export (a CSV the ``review`` connector reads)
of N documents drawn from the public labelled sets, and a config in the shape of
``configs/voc.toml`` that reads it. Then, each in a fresh subprocess so that peak memory
is per run:

1. the first run: exactly what the flow does, without Prefect's orchestration
   (``load_config``, ``publishing``, ``RunContext``, the four stages, ``finish_run``,
   ``write_report``), with the stage timings the run records and its peak RSS;
2. embedding alone: ``SentenceTransformerEmbedder(...).encode`` on the sentences that
   run embedded (read back from its warehouse, with placeholders stripped and repeats
   dropped exactly as ``flows.stages`` does), same model and batch size; the overhead
   ratio is the first run's total over this (model load + encode);
3. the nightly run: 1% new documents (new ids, texts not in the first run) appended to
   the export, run again on the same warehouse; its cost ratio is its total over the
   first run's.

Numbers are only ever measured: a size not run, or a run that failed, says so.

    python -m bench.speed --datasets ../shared/datasets --sizes 1000 10000 \
        --workdir /tmp/voc-bench --out bench/speed.json
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
MODEL_CACHE = ROOT / "data" / "models"
DEFAULT_DATASETS = ROOT.parent / "shared" / "datasets"
TEMPLATE_CONFIG = ROOT / "configs" / "voc.toml"

# The labelled sets the inputs are drawn from (those present are used, in this order).
DATASET_FILES = (
    "umsab_tweets_train_val.parquet",
    "greek_skroutz_reviews.parquet",
    "banking77_intents.parquet",
    "drugscom_reviews_subset.parquet",
    "cfpb_complaints_sample.parquet",
)
SOURCE_NAME = "bench_reviews"
CSV_COLUMNS = ("review_id", "submitted_at", "stars", "title", "body")
# Feedback dates: 10 weeks ending on a fixed day in the past, so runs are reproducible.
END_DATE = datetime(2026, 9, 28, tzinfo=UTC)
WEEKS = 10
SEED = 20260928
NIGHTLY_FRACTION = 0.01
STANDARD_SIZES = (1000, 10000, 50000)
STAGES = ("ingest", "language", "embed", "sentiment", "themes", "pain_points", "report")

# The goals, each measured at one size (None: at every size of the benchmark).
GOALS: tuple[dict[str, Any], ...] = (
    {"key": "overhead", "title": "whole run / embedding alone", "metric": "overhead_ratio",
     "size": 10000, "limit": 1.3, "unit": "x"},
    {"key": "nightly", "title": "nightly +1% run / first run", "metric": "nightly_ratio",
     "size": None, "limit": 0.15, "unit": "x"},
    {"key": "peak_memory", "title": "peak RSS of a run", "metric": "peak_rss_gib",
     "size": 50000, "limit": 4.0, "unit": "GiB"},
)


# ---- inputs ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class BenchInputs:
    """One size's inputs: the first run's export and the nightly run's new rows."""

    size: int
    reviews_csv: Path
    nightly_csv: Path
    n_docs: int
    n_nightly: int
    pool_size: int
    with_replacement: bool


def load_pool(datasets: Path) -> pl.DataFrame:
    """Every distinct non-empty text of the labelled sets: text, lang, label, dataset."""
    frames = []
    for name in DATASET_FILES:
        path = datasets / name
        if not path.exists():
            continue
        frame = pl.read_parquet(path)
        if "text" not in frame.columns:
            raise ValueError(f"{path}: no 'text' column")
        frames.append(frame.select(
            pl.col("text").cast(pl.String),
            (pl.col("lang").cast(pl.String) if "lang" in frame.columns
             else pl.lit(None, pl.String)).alias("lang"),
            (pl.col("label").cast(pl.String) if "label" in frame.columns
             else pl.lit(None, pl.String)).alias("label"),
            pl.lit(name.removesuffix(".parquet")).alias("dataset"),
        ))
    if not frames:
        raise FileNotFoundError(f"none of {list(DATASET_FILES)} found in {datasets}")
    pool = pl.concat(frames).with_columns(pl.col("text").str.strip_chars())
    pool = pool.filter(pl.col("text").is_not_null() & (pl.col("text") != ""))
    return pool.unique("text", keep="first", maintain_order=True)


def stars_for(label: str | None, rng: np.random.Generator) -> int:
    """1-5 stars from a sentiment label; 3 when the label is not a sentiment (or none)."""
    if label == "positive":
        return int(rng.choice([4, 5]))
    if label == "negative":
        return int(rng.choice([1, 2]))
    return 3


def _timestamps(count: int, start: datetime, span: timedelta,
                rng: np.random.Generator) -> list[str]:
    offsets = np.sort(rng.uniform(0, span.total_seconds(), size=count))
    return [(start + timedelta(seconds=int(s))).strftime("%Y-%m-%dT%H:%M:%SZ") for s in offsets]


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def build_inputs(datasets: Path, size: int, out_dir: Path, *, seed: int = SEED,
                 nightly_fraction: float = NIGHTLY_FRACTION) -> BenchInputs:
    """Write ``reviews.csv`` (``size`` documents) and ``nightly.csv`` (the 1% new ones).

    The pool is shuffled with ``seed``; the nightly texts are set aside first so that they
    are new to the warehouse, and the rest is drawn without replacement while it lasts,
    with replacement beyond that. Every row has its own ``review_id``; the nightly ids
    continue the numbering. Dates spread over the 10 weeks before ``END_DATE`` (the new
    rows over its last day).
    """
    if size < 1:
        raise ValueError(f"size must be at least 1, got {size}")
    pool = load_pool(datasets)
    n_nightly = max(1, math.ceil(size * nightly_fraction))
    if pool.height < n_nightly + 1:
        raise ValueError(f"{datasets}: only {pool.height} distinct texts, need more than "
                         f"{n_nightly}")
    rng = np.random.default_rng([seed, size])
    order = rng.permutation(pool.height)
    nightly_idx, rest = order[:n_nightly], order[n_nightly:]
    with_replacement = size > len(rest)
    if with_replacement:
        extra = rng.choice(rest, size=size - len(rest), replace=True)
        main_idx = rng.permutation(np.concatenate([rest, extra]))
    else:
        main_idx = rest[:size]
    texts, labels = pool["text"].to_list(), pool["label"].to_list()

    def rows(indices: np.ndarray, first_id: int, dates: list[str]) -> list[dict[str, Any]]:
        return [{"review_id": f"R-{first_id + i:07d}", "submitted_at": dates[i],
                 "stars": stars_for(labels[j], rng), "title": "", "body": texts[j]}
                for i, j in enumerate(indices.tolist())]

    span = timedelta(weeks=WEEKS)
    main_dates = _timestamps(size, END_DATE - span, span, rng)
    new_dates = _timestamps(n_nightly, END_DATE - timedelta(days=1), timedelta(days=1), rng)
    out_dir.mkdir(parents=True, exist_ok=True)
    reviews, nightly = out_dir / "reviews.csv", out_dir / "nightly.csv"
    _write_csv(reviews, rows(main_idx, 1, main_dates))
    _write_csv(nightly, rows(nightly_idx, size + 1, new_dates))
    return BenchInputs(size=size, reviews_csv=reviews, nightly_csv=nightly, n_docs=size,
                       n_nightly=n_nightly, pool_size=pool.height,
                       with_replacement=with_replacement)


def append_nightly(reviews_csv: Path, nightly_csv: Path) -> int:
    """Append the nightly rows (without their header) to the export; returns how many."""
    with nightly_csv.open(encoding="utf-8", newline="") as handle:
        new_rows = list(csv.DictReader(handle))
    with reviews_csv.open("a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=CSV_COLUMNS).writerows(new_rows)
    return len(new_rows)


def _toml_str(value: Path | str) -> str:
    return json.dumps(str(value), ensure_ascii=False)


def write_config(project: Path, reviews_csv: Path, *, model_cache: Path = MODEL_CACHE) -> Path:
    """``project/configs/voc.toml``: the shipped config's settings, one review source.

    The warehouse and reports go under ``project/data``; the model cache is the repo's
    absolute ``data/models`` so the model built there is reused.
    """
    text = TEMPLATE_CONFIG.read_text(encoding="utf-8")
    replacements = {
        'path = "data/warehouse/voc.duckdb"':
            f"path = {_toml_str(project / 'data' / 'warehouse' / 'voc.duckdb')}",
        'cache_dir = "data/models"': f"cache_dir = {_toml_str(model_cache)}",
        'output_dir = "data/reports"':
            f"output_dir = {_toml_str(project / 'data' / 'reports')}",
    }
    for old, new in replacements.items():
        if old not in text:
            raise ValueError(f"{TEMPLATE_CONFIG}: expected {old!r} in the shipped config")
        text = text.replace(old, new, 1)
    cut = text.find("# ---- Sources")
    if cut < 0:
        cut = text.find("[[sources]]")
    text = text[:cut].rstrip() + "\n\n" + "\n".join([
        "[[sources]]",
        f'name = "{SOURCE_NAME}"',
        'channel = "review"',
        f"path = {_toml_str(reviews_csv)}",
        'format = "csv"',
        "rating_scale = 5",
        'columns = { id = "review_id", created_at = "submitted_at", title = "title", '
        'body = "body", rating = "stars" }',
    ]) + "\n"
    config = project / "configs" / "voc.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text, encoding="utf-8")
    return config


# ---- the child processes --------------------------------------------------------------------
def _peak_rss_mib() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def _cpu_seconds() -> float:
    """User + system CPU time of this process so far, every thread included."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child_logging() -> None:
    import logging

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")


def child_run(config_path: Path) -> dict[str, Any]:
    """One pipeline run as the flow does it, minus Prefect; returns timings, counts, peak."""
    import secrets

    from data.warehouse import publishing
    from flows import stages
    from flows.config import load_config
    from flows.report import write_report

    process_start = time.perf_counter()
    config = load_config(config_path)
    cpu_start = _cpu_seconds()
    started = datetime.now(UTC)
    run_id = f"{started:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
    params = {"config_path": str(config_path), "source": None, "since": None, "until": None,
              "refit": False, "benchmark": "bench.speed"}
    wh_path = config.resolve(config.warehouse.path)
    with publishing(wh_path) as wh:
        ctx = stages.RunContext(run_id=run_id, config=config, warehouse=wh, started_at=started)
        wh.start_run(run_id, started, params, None)
        stages.ingest(ctx, None, None, None)
        stages.enrich(ctx)
        stages.themes(ctx)
        stages.pain_points(ctx)
        report_start = time.perf_counter()
        wh.finish_run(run_id, status="completed", stage_counts=ctx.counts,
                      timings=ctx.timings, models=ctx.models, finished_at=datetime.now(UTC))
        write_report(wh, run_id, config.resolve(config.report.output_dir),
                     title=config.report.title, top_themes=config.report.top_themes,
                     min_negative_share=config.report.min_negative_share)
        ctx.timings["report"] = round(time.perf_counter() - report_start, 2)
        ctx.timings["total"] = round((datetime.now(UTC) - started).total_seconds(), 2)
        cpu_seconds = round(_cpu_seconds() - cpu_start, 2)
        wh.finish_run(run_id, status="completed", stage_counts=ctx.counts,
                      timings=ctx.timings, models=ctx.models, finished_at=datetime.now(UTC))
    import torch

    return {
        "run_id": run_id,
        "timings": dict(ctx.timings),
        "counts": ctx.counts,
        "models": ctx.models,
        # From load_config to the published warehouse (the flow's total stops before the swap).
        "process_seconds": round(time.perf_counter() - process_start, 2),
        # CPU time over the same span as timings["total"]: less sensitive to other load.
        "cpu_seconds": cpu_seconds,
        "peak_rss_mib": _peak_rss_mib(),
        "torch_threads": torch.get_num_threads(),
    }


def embedded_texts(warehouse_path: Path) -> list[str]:
    """The texts a run gave the encoder: its sentences, placeholders stripped, repeats once."""
    from data.warehouse import Warehouse
    from nlp.normalize import text_hash
    from nlp.redact import strip_placeholders

    with Warehouse(warehouse_path, read_only=True) as wh:
        frame = wh.query("SELECT text FROM sentences ORDER BY doc_id, sentence_idx")
    by_hash: dict[str, str] = {}
    for text in frame["text"].to_list():
        model_text = strip_placeholders(text)
        by_hash.setdefault(text_hash(model_text), model_text)
    return list(by_hash.values())


def child_embed_only(config_path: Path) -> dict[str, Any]:
    """Time the embedder alone (load + encode) on the sentences the run embedded."""
    from flows.config import load_config
    from nlp.embedding import SentenceTransformerEmbedder

    config = load_config(config_path)
    texts = embedded_texts(config.resolve(config.warehouse.path))
    cfg = config.models
    cpu_start = _cpu_seconds()
    start = time.perf_counter()
    embedder = SentenceTransformerEmbedder(cfg.embedding, cache_dir=config.resolve(cfg.cache_dir),
                                           batch_size=cfg.batch_size, show_progress=False)
    loaded = time.perf_counter()
    vectors = embedder.encode(texts)
    done = time.perf_counter()
    cpu_seconds = round(_cpu_seconds() - cpu_start, 2)
    import torch

    return {
        "texts": len(texts),
        "dim": int(vectors.shape[1]) if vectors.ndim == 2 else 0,
        "batch_size": cfg.batch_size,
        "load_seconds": round(loaded - start, 2),
        "encode_seconds": round(done - loaded, 2),
        "seconds": round(done - start, 2),
        "cpu_seconds": cpu_seconds,
        "peak_rss_mib": _peak_rss_mib(),
        "torch_threads": torch.get_num_threads(),
    }


def _child_main(mode: str, config: Path, out: Path) -> int:
    _child_logging()
    try:
        result = child_run(config) if mode == "run" else child_embed_only(config)
    except Exception as exc:
        out.write_text(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), encoding="utf-8")
        raise
    out.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    return 0


class ChildFailed(RuntimeError):
    """A benchmark subprocess failed or ran out of time; the message says which and why."""


def _spawn(mode: str, config: Path, out: Path, log: Path, timeout: float) -> dict[str, Any]:
    """Run ``python -m bench.speed --<mode> config --out out`` in a fresh process."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    # customer_key needs a secret; the benchmark's data has no real customers.
    env.setdefault("VOC_CUSTOMER_KEY_SECRET", "benchmark-only-customer-key-secret")
    flag = "--run" if mode == "run" else "--embed-only"
    cmd = [sys.executable, "-m", "bench.speed", flag, str(config), "--out", str(out)]
    out.unlink(missing_ok=True)
    start = time.perf_counter()
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"\n$ {' '.join(cmd)}\n")
        handle.flush()
        try:
            proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=handle, stderr=handle,
                                  timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise ChildFailed(f"{mode} timed out after {timeout:.0f} s (log: {log})") from None
    wall = round(time.perf_counter() - start, 2)
    result = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    if proc.returncode != 0 or "error" in result or not result:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        raise ChildFailed(f"{mode} exited {proc.returncode}: {result.get('error', '')} "
                          f"(log: {log}) {' | '.join(tail)}")
    result["wall_seconds"] = wall  # interpreter start and imports included
    return result


# ---- the benchmark --------------------------------------------------------------------------
def _stat(values: list[float]) -> dict[str, Any]:
    return {"median": round(statistics.median(values), 3), "values": values}


def machine_info() -> dict[str, Any]:
    """CPU, RAM, Python, torch, date and the repo's commit."""
    from importlib import metadata

    cpu = None
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gib = None
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                ram_gib = round(int(line.split()[1]) / 1024**2, 1)
                break
    except OSError:
        pass
    try:
        torch_version = metadata.version("torch")
    except metadata.PackageNotFoundError:
        torch_version = None
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True, timeout=10, check=True
                                ).stdout.strip() or None
        # Code changed since that commit makes the figures not that commit's: say so.
        changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--",
                                  "flows", "nlp", "data", "bench", "configs"],
                                 cwd=ROOT, capture_output=True, text=True, timeout=10,
                                 check=True).stdout
        if commit and any(not line.endswith("results.json") for line in changed.splitlines()):
            commit += "+uncommitted"
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu or platform.processor() or None,
        "ram_gib": ram_gib,
        "python": platform.python_version(),
        "torch": torch_version,
        "platform": platform.platform(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": _load_average(),
        "git_commit": commit,
    }


def default_timeout(size: int) -> float:
    """Seconds one subprocess may take at a size: generous, but bounded."""
    return 900.0 + 0.3 * size


def _progress(message: str) -> None:
    print(f"[bench.speed {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def _run_size(datasets: Path, size: int, workdir: Path, repeats: int,
              timeout: float) -> dict[str, Any]:
    load_before = _load_average()
    size_dir = workdir / f"n{size}"
    shutil.rmtree(size_dir, ignore_errors=True)
    inputs = build_inputs(datasets, size, size_dir / "input")
    first_runs, embeds, nightlies = [], [], []
    for rep in range(repeats):
        project = size_dir / f"rep{rep + 1}"
        reviews = project / "input" / "reviews.csv"
        reviews.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(inputs.reviews_csv, reviews)
        config = write_config(project, reviews)
        log = project / "bench.log"
        tag = f"n={size:,} repeat {rep + 1}/{repeats}"
        _progress(f"{tag}: first run")
        first = _spawn("run", config, project / "run1.json", log, timeout)
        _progress(f"{tag}: first run {first['timings']['total']} s, peak "
                  f"{first['peak_rss_mib']:.0f} MiB; embedding alone")
        embed = _spawn("embed", config, project / "embed.json", log, timeout)
        _progress(f"{tag}: embedding alone {embed['seconds']} s "
                  f"({embed['texts']:,} texts); nightly +1%")
        append_nightly(reviews, inputs.nightly_csv)
        nightly = _spawn("run", config, project / "run2.json", log, timeout)
        _progress(f"{tag}: nightly {nightly['timings']['total']} s")
        first_runs.append(first)
        embeds.append(embed)
        nightlies.append(nightly)
    entry = _summarise(inputs, first_runs, embeds, nightlies)
    entry["load_average"] = {"before": load_before, "after": _load_average()}
    return entry


def _load_average() -> list[float] | None:
    """1, 5 and 15 minute load averages: other work on the machine slows the runs."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _summarise(inputs: BenchInputs, first_runs: list[dict], embeds: list[dict],
               nightlies: list[dict]) -> dict[str, Any]:
    totals = [r["timings"]["total"] for r in first_runs]
    embed_secs = [e["seconds"] for e in embeds]
    nightly_totals = [r["timings"]["total"] for r in nightlies]
    counts = first_runs[0]["counts"]
    first_embed = counts.get("embed", {})
    night_counts = nightlies[0]["counts"]
    night_embed = night_counts.get("embed", {})
    cpu = [r.get("cpu_seconds") for r in first_runs]
    embed_cpu = [e.get("cpu_seconds") for e in embeds]
    have_cpu = None not in cpu and None not in embed_cpu
    in_run = [round(r["timings"]["total"] / r["timings"]["embed"], 3)
              for r in first_runs if r["timings"].get("embed")]
    return {
        "size": inputs.size,
        "status": "ok",
        "docs": inputs.n_docs,
        "docs_loaded": counts["ingest"]["loaded"],
        "docs_quarantined": counts["ingest"]["quarantined"],
        "distinct_texts_in_pool": inputs.pool_size,
        "sampled_with_replacement": inputs.with_replacement,
        "sentences": counts.get("language", {}).get("sentences", 0),
        "sentences_embedded": first_embed.get("sentences", 0) - first_embed.get("from_cache", 0),
        "themes": counts.get("themes", {}).get("themes"),
        "themes_mode": counts.get("themes", {}).get("mode"),
        "stages": {s: _stat([r["timings"].get(s, 0.0) for r in first_runs]) for s in STAGES},
        "total_seconds": _stat(totals),
        "docs_per_second": _stat([round(inputs.n_docs / t, 1) for t in totals]),
        "peak_rss_mib": _stat([r["peak_rss_mib"] for r in first_runs]),
        "cpu_seconds": _stat(cpu) if have_cpu else None,
        "process_wall_seconds": _stat([r["wall_seconds"] for r in first_runs]),
        "embed_only": {
            "texts": embeds[0]["texts"],
            "batch_size": embeds[0]["batch_size"],
            "seconds": _stat(embed_secs),
            "load_seconds": _stat([e["load_seconds"] for e in embeds]),
            "encode_seconds": _stat([e["encode_seconds"] for e in embeds]),
            "cpu_seconds": _stat(embed_cpu) if have_cpu else None,
            # CPU time over wall time: about the thread count when the machine is otherwise
            # idle, lower when other work competes for the cores.
            "cpu_per_wall": _stat([round(c / max(e["seconds"], 1e-9), 2)
                                   for c, e in zip(embed_cpu, embeds, strict=True)])
            if have_cpu else None,
            "peak_rss_mib": _stat([e["peak_rss_mib"] for e in embeds]),
        },
        "overhead_ratio": _stat([round(t / e, 3) for t, e in zip(totals, embed_secs,
                                                                 strict=True)]),
        # Cross-checks less sensitive to other load: the same ratio in CPU time, and the
        # run's total over its own embed stage (same process, same moment).
        "overhead_ratio_cpu": _stat([round(c / e, 3) for c, e in zip(cpu, embed_cpu,
                                                                     strict=True)])
        if have_cpu else None,
        "overhead_ratio_in_run": _stat(in_run) if in_run else None,
        "cpu_per_wall": _stat([round(c / max(t, 1e-9), 2) for c, t in zip(cpu, totals,
                                                                         strict=True)])
        if have_cpu else None,
        "nightly": {
            "new_docs": inputs.n_nightly,
            "docs_loaded": night_counts["ingest"]["loaded"],
            "sentences_embedded": night_embed.get("sentences", 0)
            - night_embed.get("from_cache", 0),
            "themes_mode": night_counts.get("themes", {}).get("mode"),
            "themes_reason": night_counts.get("themes", {}).get("reason"),
            "total_seconds": _stat(nightly_totals),
            "stages": {s: _stat([r["timings"].get(s, 0.0) for r in nightlies]) for s in STAGES},
            "peak_rss_mib": _stat([r["peak_rss_mib"] for r in nightlies]),
        },
        "nightly_ratio": _stat([round(n / t, 3) for n, t in zip(nightly_totals, totals,
                                                                strict=True)]),
        "torch_threads": first_runs[0].get("torch_threads"),
    }


def _metric(entry: dict[str, Any] | None, metric: str) -> float | None:
    """A goal's measured value from one size's results (None when not measured)."""
    if not entry or entry.get("status") != "ok":
        return None
    if metric == "peak_rss_gib":
        peaks = [entry["peak_rss_mib"]["median"]]
        if entry.get("nightly"):
            peaks.append(entry["nightly"]["peak_rss_mib"]["median"])
        return round(max(peaks) / 1024, 2)
    value = entry.get(metric)
    return value["median"] if isinstance(value, dict) else value


def evaluate_goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each goal at its size with the measured value and 'pass', 'fail', 'not run' or 'error'.

    The nightly goal is evaluated at every size run and at the standard sizes.
    """
    by_size = {int(e["size"]): e for e in results.get("sizes", [])}
    rows = []
    for goal in GOALS:
        sizes = [goal["size"]] if goal["size"] else sorted(set(STANDARD_SIZES) | set(by_size))
        for size in sizes:
            entry = by_size.get(size)
            value = _metric(entry, goal["metric"])
            if entry is None:
                status = "not run"
            elif value is None:
                status = "error"
            else:
                status = "pass" if value <= goal["limit"] else "fail"
            rows.append({"goal": goal["key"], "title": goal["title"], "size": size,
                         "metric": goal["metric"], "limit": goal["limit"], "unit": goal["unit"],
                         "measured": value, "status": status})
    return rows


def run_speed(datasets: Path, sizes: list[int], workdir: Path, *, repeats: int = 1,
              timeout: float | None = None, out: Path | None = None,
              previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """Benchmark the pipeline at each size; returns the results (see module docstring).

    Args:
        datasets: folder of the labelled parquet files.
        sizes: documents per run, e.g. [1000, 10000, 50000].
        workdir: scratch folder (inputs, warehouses, reports, logs per size).
        repeats: measurements per size; medians are reported, with every value.
        timeout: seconds one subprocess may take (default grows with the size).
        out: when given, the results so far are written there after each size.
        previous: earlier results; their sizes not run now are kept, each entry still
            carrying the date and commit it was measured at.
    """
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    datasets, workdir = Path(datasets).resolve(), Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "benchmark": "speed",
        "machine": machine_info(),
        "settings": {
            "datasets": str(datasets), "sizes": list(sizes), "repeats": repeats, "seed": SEED,
            "nightly_fraction": NIGHTLY_FRACTION, "feedback_dates":
                f"{WEEKS} weeks to {END_DATE:%Y-%m-%d}", "workdir": str(workdir),
            "config_template": "configs/voc.toml (one review source)",
            "total": "the run's own timings['total']: load of models and every stage to the "
                     "report written (process start and imports not included)",
            "embed_only": "SentenceTransformerEmbedder load + encode of the run's distinct "
                          "sentence texts, same batch size, fresh process",
        },
        "sizes": [],
        "goals": [],
    }
    machine_now = results["machine"]
    for kept in (previous or {}).get("sizes", []):
        if int(kept["size"]) not in set(sizes):
            kept.setdefault("measured", _measured(previous["machine"]))
            results["sizes"].append(kept)
    for size in sizes:
        started = time.perf_counter()
        try:
            entry = _run_size(datasets, size, workdir,
                              repeats, timeout or default_timeout(size))
        except ChildFailed as exc:
            _progress(f"n={size:,}: FAILED: {exc}")
            entry = {"size": size, "status": "error", "error": str(exc)}
        entry["benchmark_wall_seconds"] = round(time.perf_counter() - started, 1)
        entry["measured"] = _measured(machine_now)
        results["sizes"].append(entry)
        results["sizes"].sort(key=lambda e: int(e["size"]))
        results["goals"] = evaluate_goals(results)
        if out is not None:
            write_json(results, out)
    results["goals"] = evaluate_goals(results)
    return results


def _measured(machine: dict[str, Any]) -> dict[str, Any]:
    return {"date": machine.get("date"), "git_commit": machine.get("git_commit")}


def write_json(results: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(out)


# ---- Markdown -------------------------------------------------------------------------------
def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, dict):
        value = value.get("median")
        if value is None:
            return "n/a"
    return f"{value:,.{digits}f}"


def _med(entry: dict[str, Any], *keys: str) -> Any:
    value: Any = entry
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value.get("median") if isinstance(value, dict) else value


def _runs_per_size(by_size: dict[int, dict[str, Any]], default: int) -> str:
    counts = {size: len((e.get("total_seconds") or {}).get("values") or []) or default
              for size, e in sorted(by_size.items())}
    if len(set(counts.values())) <= 1:
        return f"{next(iter(counts.values()), default)} run(s)"
    return ", ".join(f"{n} run(s) at {size:,} docs" for size, n in counts.items())


def render_speed_markdown(results: dict[str, Any]) -> str:
    """The results as Markdown: goals, per-size throughput and memory, per-stage seconds."""
    machine = results.get("machine", {})
    settings = results.get("settings", {})
    by_size = {int(e["size"]): e for e in results.get("sizes", [])}
    sizes = sorted(set(STANDARD_SIZES) | set(by_size))
    repeats = settings.get("repeats", 1)
    lines = ["## Speed and memory", ""]
    if machine:
        lines += [
            f"Machine: {machine.get('cpu_count')} × {machine.get('cpu_model')}, "
            f"{machine.get('ram_gib')} GiB RAM, Python {machine.get('python')}, "
            f"torch {machine.get('torch')}; commit {machine.get('git_commit')}, "
            f"{machine.get('date')}.",
            "",
        ]
    earlier = [e for e in by_size.values()
               if e.get("measured", {}).get("git_commit") not in (None, machine.get("git_commit"))]
    if earlier:
        kept = "; ".join(f"{int(e['size']):,} docs at commit {e['measured']['git_commit']}, "
                         f"{e['measured']['date']}"
                         for e in sorted(earlier, key=lambda e: int(e["size"])))
        lines += [f"Kept from an earlier benchmark run: {kept}.", ""]
    lines += [
        f"Each size: a real review export of N documents from the labelled public sets, run "
        f"end to end in a fresh process (the flow's stages, without Prefect). Figures are "
        f"medians of {_runs_per_size(by_size, repeats)}. *Overhead* is the run's total over "
        f"the embedder alone (load + encode) on the same sentences; *nightly* adds 1% new "
        f"documents and runs again on the same warehouse.",
        "",
        "### Goals",
        "",
        "| goal | at | target | measured | result |",
        "|---|---|---|---|---|",
    ]
    goals = evaluate_goals(results)
    for g in goals:
        measured = "—" if g["measured"] is None else f"{g['measured']:.2f} {g['unit']}"
        result = {"pass": "**pass**", "fail": "**FAIL**"}.get(g["status"], g["status"])
        lines.append(f"| {g['title']} | {g['size']:,} docs | ≤ {g['limit']} {g['unit']} | "
                     f"{measured} | {result} |")
    lines += [
        "",
        "### Throughput, memory, overhead, nightly",
        "",
        "| docs | sentences (embedded) | total s | docs/s | peak RSS MiB | embed only s | "
        "overhead | nightly +1% s | nightly ratio | benchmark took |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size in sizes:
        entry = by_size.get(size)
        if entry is None:
            lines.append(f"| {size:,} | not run | | | | | | | | |")
            continue
        if entry.get("status") != "ok":
            error = str(entry.get("error", "")).replace("|", "/")[:160]
            lines.append(f"| {size:,} | error: {error} | | | | | | | | |")
            continue
        took = entry.get("benchmark_wall_seconds")
        lines.append(
            f"| {size:,} | {entry.get('sentences', 0):,} ({entry.get('sentences_embedded', 0):,})"
            f" | {_num(entry.get('total_seconds'))} | {_num(entry.get('docs_per_second'))}"
            f" | {_num(entry.get('peak_rss_mib'), 0)}"
            f" | {_num(_med(entry, 'embed_only', 'seconds'))}"
            f" | {_num(entry.get('overhead_ratio'), 2)}"
            f" | {_num(_med(entry, 'nightly', 'total_seconds'))}"
            f" | {_num(entry.get('nightly_ratio'), 3)}"
            f" | {'n/a' if took is None else f'{took / 60:.1f} min'} |"
        )
    lines += [
        "",
        "Cross-checks of the overhead that other work on the machine disturbs less: the same "
        "ratio in CPU time, and the run's total over its own embed stage. CPU/wall near the "
        "thread count means the cores were the benchmark's.",
        "",
        "| docs | overhead (wall) | overhead (CPU time) | total / own embed stage | "
        "CPU/wall run | CPU/wall embed only | nightly themes |",
        "|---|---|---|---|---|---|---|",
    ]
    contended = []
    for size in sizes:
        entry = by_size.get(size)
        if entry is None or entry.get("status") != "ok":
            continue
        threads = entry.get("torch_threads") or 0
        # Encoding alone keeps every torch thread busy: less CPU than that means other work.
        busy = _med(entry, "embed_only", "cpu_per_wall")
        if threads > 1 and busy is not None and busy < 0.75 * threads:
            contended.append(f"{size:,} (embedding alone used {busy:.2f} of {threads} cores)")
        nightly = entry.get("nightly") or {}
        mode = nightly.get("themes_mode") or "n/a"
        if nightly.get("themes_reason"):
            mode += f" ({nightly['themes_reason']})"
        lines.append(
            f"| {size:,} | {_num(entry.get('overhead_ratio'), 2)}"
            f" | {_num(entry.get('overhead_ratio_cpu'), 2)}"
            f" | {_num(entry.get('overhead_ratio_in_run'), 2)}"
            f" | {_num(entry.get('cpu_per_wall'), 2)}"
            f" | {_num(_med(entry, 'embed_only', 'cpu_per_wall'), 2)} | {mode} |"
        )
    if contended:
        lines += ["", "**Other work shared the cores** at " + "; ".join(contended)
                  + ": wall-clock figures there are slower than this machine alone would "
                  "give, and the overhead ratio is unreliable (see its CPU-time cross-check)."]
    loads = [f"{e['size']:,}: {e['load_average']['before'][0]} → {e['load_average']['after'][0]}"
             for e in sorted(by_size.values(), key=lambda e: int(e["size"]))
             if (e.get("load_average") or {}).get("before") and e["load_average"].get("after")]
    if loads:
        lines += ["", f"Machine load (1-minute average, {machine.get('cpu_count')} cores) before → "
                  f"after each size: {'; '.join(loads)} (the benchmark's own processes included; "
                  "more than that means other work shared the cores)."]
    lines += [
        "",
        "### Seconds per stage (first run; nightly run in brackets)",
        "",
        "| docs | " + " | ".join(STAGES) + " | other | total |",
        "|---|" + "---|" * (len(STAGES) + 2),
    ]
    for size in sizes:
        entry = by_size.get(size)
        if entry is None or entry.get("status") != "ok":
            state = "not run" if entry is None else "error"
            lines.append(f"| {size:,} | {state} |" + " |" * (len(STAGES) + 1))
            continue
        cells = []
        for stage in (*STAGES, "other", "total"):
            first = _stage_value(entry, stage)
            night = _stage_value(entry.get("nightly", {}), stage)
            cells.append(f"{_num(first)} ({_num(night)})" if night is not None else _num(first))
        lines.append(f"| {size:,} | " + " | ".join(cells) + " |")
    lines += ["", "*other*: model and detector loading outside the stages, run bookkeeping.",
              ""]
    return "\n".join(lines)


def _stage_value(entry: dict[str, Any], stage: str) -> float | None:
    if not entry:
        return None
    total = _med(entry, "total_seconds")
    if stage == "total":
        return total
    stages = entry.get("stages", {})
    if stage == "other":
        if total is None or not stages:
            return None
        return max(0.0, total - sum(_med(stages, s) or 0.0 for s in STAGES))
    return _med(stages, stage)


# ---- command line ---------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.speed", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/voc-bench"))
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds one subprocess may take (default: 900 + 0.3 per doc)")
    parser.add_argument("--out", type=Path, default=Path("bench/speed.json"))
    # Internal: the child processes.
    parser.add_argument("--run", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--embed-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run or args.embed_only:
        return _child_main("run" if args.run else "embed", args.run or args.embed_only, args.out)
    results = run_speed(args.datasets, args.sizes, args.workdir, repeats=args.repeats,
                        timeout=args.timeout, out=args.out)
    write_json(results, args.out)
    print(render_speed_markdown(results))
    return 0 if all(e.get("status") == "ok" for e in results["sizes"]) else 1


if __name__ == "__main__":
    sys.exit(main())
