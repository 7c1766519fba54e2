"""The speed benchmark's goals and its results as Markdown (see :mod:`bench.speed`)."""

from __future__ import annotations

from typing import Any

STANDARD_SIZES = (1000, 10000, 50000)
# The run's timings shown per stage (``RunResult.timings`` keys; ``total`` is apart).
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
        f"end to end in a fresh process (`run_pipeline`: the flow without Prefect). Figures are "
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


