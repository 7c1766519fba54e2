r"""Speed and memory of the whole pipeline on real labelled text, at several sizes.

For each size N this builds a real review export (a CSV the ``review`` connector reads)
of N documents drawn from the public labelled sets, and a config in the shape of
``configs/voc.toml`` that reads it (:mod:`bench.speed_inputs`). Then, each in a fresh
subprocess so that peak memory is per run:

1. the first run: :func:`flows.run.run_pipeline`, the one way through the pipeline (the
   flow without Prefect's orchestration), with the stage timings the run records, its CPU
   time and its peak RSS;
2. embedding alone: ``SentenceTransformerEmbedder(...).encode`` on the sentences that
   run embedded (read back from its warehouse, placeholders removed and repeats dropped
   as the enrich stage does), same model and batch size; the overhead ratio is the first
   run's total over this (model load + encode);
3. the nightly run: 1% new documents (new ids, texts not in the first run) appended to
   the export, run again on the same warehouse; its cost ratio is its total over the
   first run's.

Numbers are only ever measured: a size not run, or a run that failed, says so. The goals
and the Markdown are :mod:`bench.speed_report`'s.

    python -m bench.speed --datasets ../shared/datasets --sizes 1000 10000 \
        --workdir /tmp/voc-bench --out bench/speed.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.common import (
    DEFAULT_DATASETS,
    ROOT,
    child_env,
    load_average,
    machine_info,
    peak_rss_mib,
)
from bench.speed_inputs import (
    END_DATE,
    NIGHTLY_FRACTION,
    SEED,
    WEEKS,
    BenchInputs,
    append_nightly,
    build_inputs,
    write_config,
)
from bench.speed_report import STAGES, evaluate_goals, render_speed_markdown


# ---- the child processes --------------------------------------------------------------------
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
    """One pipeline run (:func:`flows.run.run_pipeline`); returns timings, counts, peak."""
    from flows.config import load_config
    from flows.request import preflight
    from flows.run import run_pipeline

    process_start = time.perf_counter()
    config = load_config(config_path)
    request = preflight(config, parameters={
        "config_path": str(config_path), "source": None, "since": None, "until": None,
        "refit": False, "benchmark": "bench.speed"})
    cpu_start = _cpu_seconds()
    result = run_pipeline(request)
    cpu_seconds = round(_cpu_seconds() - cpu_start, 2)
    import torch

    return {
        "run_id": result.run_id,
        # total: the run's start to its report written (set by the publish stage).
        "timings": dict(result.timings),
        "counts": result.counts,
        "models": result.models,
        # From load_config to the published warehouse (the flow's total stops before the swap).
        "process_seconds": round(time.perf_counter() - process_start, 2),
        # CPU time of the whole run_pipeline call: less sensitive to other load than wall
        # time; its span is timings["total"] plus the run's last bookkeeping and the swap.
        "cpu_seconds": cpu_seconds,
        "peak_rss_mib": peak_rss_mib(),
        "torch_threads": torch.get_num_threads(),
    }


def embedded_texts(warehouse_path: Path) -> list[str]:
    """The texts a run gave the encoder: its sentences as models read them, repeats once."""
    from data.warehouse import Warehouse
    from nlp.normalize import text_hash
    from nlp.text_prep import model_text

    with Warehouse(warehouse_path, read_only=True) as wh:
        stored = wh.sentence_texts()
    by_hash: dict[str, str] = {}
    for text in stored:
        read = model_text(text)
        by_hash.setdefault(text_hash(read), read)
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
        "peak_rss_mib": peak_rss_mib(),
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
    env = child_env()
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


def default_timeout(size: int) -> float:
    """Seconds one subprocess may take at a size: generous, but bounded."""
    return 900.0 + 0.3 * size


def _progress(message: str) -> None:
    print(f"[bench.speed {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def _run_size(datasets: Path, size: int, workdir: Path, repeats: int,
              timeout: float) -> dict[str, Any]:
    load_before = load_average()
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
    entry["load_average"] = {"before": load_before, "after": load_average()}
    return entry


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
