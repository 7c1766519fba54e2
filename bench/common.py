"""What more than one benchmark uses: paths, the labelled texts, the machine, child processes."""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
MODEL_CACHE = ROOT / "data" / "models"
DEFAULT_DATASETS = ROOT.parent / "shared" / "datasets"
# customer_key needs a secret; the benchmarks' data has no real customers.
BENCH_SECRET = "benchmark-only-customer-key-secret"

# The labelled sets benchmark inputs are drawn from (those present are used, in this order).
DATASET_FILES = (
    "umsab_tweets_train_val.parquet",
    "greek_skroutz_reviews.parquet",
    "banking77_intents.parquet",
    "drugscom_reviews_subset.parquet",
    "cfpb_complaints_sample.parquet",
)


def semeval_half(lang: str, review_id: str) -> str:
    """'train' or 'test': a fixed half of SemEval-2016 reviews by a hash of (lang, review_id).
    The tone head trains on one half (training/tone.py), the themes benchmark measures on
    the other."""
    digest = hashlib.sha1(f"{lang}:{review_id}".encode()).hexdigest()
    return "train" if int(digest[-1], 16) % 2 == 0 else "test"


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


def child_env() -> dict[str, str]:
    """The environment of a benchmark's child process: this repo importable, models offline,
    a customer_key secret when none is set."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    env.setdefault("VOC_CUSTOMER_KEY_SECRET", BENCH_SECRET)
    return env


def peak_rss_mib() -> float:
    """This process's peak resident memory so far, in MiB."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def load_average() -> list[float] | None:
    """1, 5 and 15 minute load averages: other work on the machine slows the runs."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def machine_info() -> dict[str, Any]:
    """CPU, RAM, Python, torch, date and the repo's commit (``+uncommitted`` when the code
    differs from it)."""
    from importlib import metadata

    cpu = _proc_field("/proc/cpuinfo", "model name", lambda v: v)
    ram_gib = _proc_field("/proc/meminfo", "MemTotal",
                          lambda v: round(int(v.split()[0]) / 1024**2, 1))
    try:
        torch_version = metadata.version("torch")
    except metadata.PackageNotFoundError:
        torch_version = None
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu or platform.processor() or None,
        "ram_gib": ram_gib,
        "python": platform.python_version(),
        "torch": torch_version,
        "platform": platform.platform(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": load_average(),
        "git_commit": _git_commit(),
    }


def _proc_field(path: str, key: str, convert: Any) -> Any:
    """The value of the first ``key: value`` line of a /proc file (None when unreadable)."""
    try:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.startswith(key):
                return convert(line.split(":", 1)[1].strip())
    except OSError:
        pass
    return None


def _git_commit() -> str | None:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True, timeout=10, check=True
                                ).stdout.strip() or None
        # Code changed since that commit makes the figures not that commit's: say so.
        changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--",
                                  "flows", "nlp", "data", "bench", "configs", "training"],
                                 cwd=ROOT, capture_output=True, text=True, timeout=10,
                                 check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    if commit and any(not line.endswith("results.json") for line in changed.splitlines()):
        commit += "+uncommitted"
    return commit
