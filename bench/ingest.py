r"""Ingest at scale: a one-million-row CSV export through the real ingest stage.

Builds a review export of N rows from the public labelled sets' texts (drawn with
replacement, every row its own id; one row in ten carries an e-mail address, one in ten
a phone number, so redaction and customer keys do real work), then runs the ingest stage
(``flows.stages.ingest.run`` in :func:`flows.run.open_run`, on a working copy of the
warehouse published at the end) in a fresh process, and records wall time, records per
second and peak RSS. Runs at several
sizes show whether memory stays flat as the file grows (it is read in chunks of
``ingest.chunk_size`` records).

    python -m bench.ingest --datasets ../shared/datasets --rows 100000 1000000
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from bench.common import DEFAULT_DATASETS, ROOT, child_env, load_pool, machine_info, peak_rss_mib

SEED = 20261123


def build_export(datasets: Path, rows: int, out: Path, *, seed: int = SEED) -> Path:
    """Write a CSV of ``rows`` reviews (texts from the labelled sets) to ``out``."""
    pool = load_pool(datasets)["text"]
    rng = np.random.default_rng([seed, rows])
    picks = rng.integers(0, pool.len(), size=rows)
    ids = np.arange(rows)
    frame = pl.DataFrame({
        "review_id": [f"R-{i:08d}" for i in ids.tolist()],
        "submitted_at": pl.datetime_range(
            datetime(2026, 6, 1), datetime(2026, 9, 28), interval="1m", eager=True
        ).sample(rows, with_replacement=True, seed=seed).sort().dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "stars": rng.integers(1, 6, size=rows),
        "body": pool.gather(picks),
        "customer": [f"user{i % 50_000}@example.com" if i % 10 == 0 else
                     (f"+49 151 {i % 10_000_000:08d}" if i % 10 == 1 else "")
                     for i in ids.tolist()],
    })
    # Personal data in the text too, for the redactor to find.
    frame = frame.with_columns(
        pl.when(pl.col("review_id").str.ends_with("3"))
        .then(pl.col("body") + " Write to me: " + pl.lit("someone@example.org"))
        .otherwise(pl.col("body")).alias("body"))
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(out)
    return out


def _config(workdir: Path, export: Path, chunk_size: int) -> Any:
    from flows.config import VocConfig

    return VocConfig.model_validate({
        "warehouse": {"path": str(workdir / "warehouse" / "voc.duckdb")},
        "ingest": {"chunk_size": chunk_size, "allowed_roots": [str(export.parent)]},
        "privacy": {"id_patterns": [r"\bORD-\d{4}-\d{4,6}\b"]},
        "sources": [{"name": "bench_export", "channel": "review", "path": str(export),
                     "format": "csv", "columns": {"id": "review_id",
                                                  "created_at": "submitted_at",
                                                  "rating": "stars", "body": "body",
                                                  "customer": "customer"}}],
        "root": workdir,
    })


def child(workdir: Path, export: Path, chunk_size: int) -> dict[str, Any]:
    """The ingest stage once, in this process; returns counts, seconds and peak RSS."""
    from flows.run import open_run
    from flows.stages import ingest

    config = _config(workdir, export, chunk_size)
    started = time.perf_counter()
    with open_run(config, "bench-ingest") as ctx:
        ingest.run(ctx, None, None, None)
    seconds = time.perf_counter() - started
    counts = {k: v for k, v in ctx.counts["ingest"].items() if k != "sources"}
    return {"seconds": round(seconds, 2), "peak_rss_mib": peak_rss_mib(), "counts": counts,
            "records_per_second": round(counts["read"] / seconds, 1)}


def run_rows(datasets: Path, rows: int, workdir: Path, repeats: int,
             chunk_size: int) -> dict[str, Any]:
    size_dir = workdir / f"rows{rows}"
    export = build_export(datasets, rows, size_dir / "export.csv")
    runs = []
    for rep in range(repeats):
        run_dir = size_dir / f"rep{rep + 1}"
        if run_dir.exists():
            import shutil

            shutil.rmtree(run_dir)
        out = run_dir / "result.json"
        run_dir.mkdir(parents=True)
        cmd = [sys.executable, "-m", "bench.ingest", "--child", str(run_dir), str(export),
               str(chunk_size), str(out)]
        proc = subprocess.run(cmd, cwd=ROOT, env=child_env(), capture_output=True, text=True,
                              check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"ingest child failed: {proc.stderr[-2000:]}")
        runs.append(json.loads(out.read_text()))
        print(f"[bench.ingest] {rows:,} rows, repeat {rep + 1}: {runs[-1]}", file=sys.stderr,
              flush=True)

    def med(key: str) -> float:
        return round(statistics.median(r[key] for r in runs), 1)

    return {"rows": rows, "file_mib": round(export.stat().st_size / 2**20, 1),
            "chunk_size": chunk_size, "repeats": repeats,
            "seconds": med("seconds"), "records_per_second": med("records_per_second"),
            "peak_rss_mib": med("peak_rss_mib"), "counts": runs[0]["counts"],
            "values": runs}


def run_ingest_bench(datasets: Path, rows: list[int], workdir: Path, *, repeats: int = 1,
                     chunk_size: int = 20_000) -> dict[str, Any]:
    return {"benchmark": "ingest", "machine": machine_info(),
            "sizes": [run_rows(datasets, n, workdir, repeats, chunk_size) for n in rows]}


def render_ingest_markdown(results: dict[str, Any]) -> str:
    m = results.get("machine", {})
    lines = [
        "## Ingest at scale",
        "",
        f"A CSV review export from the labelled sets' texts (one row in ten with an e-mail "
        f"customer, one in ten with a phone; an e-mail address planted in a tenth of the "
        f"texts), through the real ingest stage (parse, map, repair, redact, key customers, "
        f"load into DuckDB) in a fresh process. Commit {m.get('git_commit')}, "
        f"{m.get('date')}, {m.get('cpu_count')} × {m.get('cpu_model')}.",
        "",
        "| rows | file | chunk | seconds | records/s | peak RSS | loaded | quarantined |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in results.get("sizes", []):
        lines.append(f"| {s['rows']:,} | {s['file_mib']} MiB | {s['chunk_size']:,} | "
                     f"{s['seconds']} | {s['records_per_second']:,} | "
                     f"{s['peak_rss_mib']:,} MiB | {s['counts']['loaded']:,} | "
                     f"{s['counts']['quarantined']:,} |")
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        workdir, export, chunk, out = argv[1:5]
        result = child(Path(workdir), Path(export), int(chunk))
        Path(out).write_text(json.dumps(result))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--chunk-size", type=int, default=20_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/voc-bench/ingest"))
    args = parser.parse_args(argv)
    results = run_ingest_bench(args.datasets, args.rows, args.workdir, repeats=args.repeats,
                               chunk_size=args.chunk_size)
    print(render_ingest_markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
