"""The speed benchmark's inputs and its Markdown, offline, on a tiny fake datasets folder.

The pipeline itself is not run here (``python -m bench.speed`` does that).
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from bench.common import load_pool
from bench.speed_inputs import SOURCE_NAME, append_nightly, build_inputs, write_config
from bench.speed_report import GOALS, evaluate_goals, render_speed_markdown
from data.sources import read_source
from flows.config import load_config
from tests.conftest import MODEL_CACHE


@pytest.fixture()
def datasets(tmp_path: Path) -> Path:
    folder = tmp_path / "datasets"
    folder.mkdir()
    langs = ["en", "fr", "de", "es"]
    labels = ["positive", "negative", "neutral"]
    pl.DataFrame({
        "text": [f"Tweet number {i}: the delivery was late, again, and nobody answered."
                 for i in range(24)] + ["", "   "],
        "label": [labels[i % 3] for i in range(26)],
        "lang": [langs[i % 4] for i in range(26)],
    }).write_parquet(folder / "umsab_tweets_train_val.parquet")
    pl.DataFrame({
        "text": [f'How do I top up my card, "quickly"? Case {i},\nsecond line.' for i in range(10)]
        + ["Tweet number 0: the delivery was late, again, and nobody answered."],  # a repeat
        "label": ["top_up"] * 11,
        "lang": ["en"] * 11,
    }).write_parquet(folder / "banking77_intents.parquet")
    return folder


def _read(tmp_path: Path, reviews: Path):
    config = load_config(write_config(tmp_path / "project", reviews))
    return config, read_source(config.sources[0], config.root)


def test_pool_drops_empty_and_repeated_texts(datasets: Path) -> None:
    pool = load_pool(datasets)
    assert pool.height == 34
    assert pool["text"].n_unique() == 34
    assert set(pool["dataset"]) == {"umsab_tweets_train_val", "banking77_intents"}


@pytest.mark.parametrize("size", [20, 100])  # within the pool, and beyond it (replacement)
def test_inputs_are_a_review_export_the_connector_reads(datasets: Path, tmp_path: Path,
                                                        size: int) -> None:
    inputs = build_inputs(datasets, size, tmp_path / "input")
    assert inputs.n_docs == size and inputs.n_nightly == max(1, -(-size // 100))
    assert inputs.with_replacement == (size > 34 - inputs.n_nightly)
    with inputs.reviews_csv.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == size
    assert list(rows[0]) == ["review_id", "submitted_at", "stars", "title", "body"]
    assert len({r["review_id"] for r in rows}) == size
    assert {r["stars"] for r in rows} <= {"1", "2", "3", "4", "5"}
    assert all(r["title"] == "" and r["body"] for r in rows)
    # The intents carry no sentiment: 3 stars.
    assert {r["stars"] for r in rows if r["body"].startswith("How do I")} <= {"3"}

    config, batch = _read(tmp_path, inputs.reviews_csv)
    assert config.sources[0].name == SOURCE_NAME and config.sources[0].channel == "review"
    assert batch.read == size and not batch.quarantined
    assert len({r["doc_id"] for r in batch.records}) == size
    assert {r["raw_text"] for r in batch.records} == {r["body"] for r in rows}
    dates = sorted(r["created_at"] for r in batch.records)
    assert (dates[-1] - dates[0]).days <= 70

    # The nightly rows: new ids and texts the first run never saw; the connector reads all.
    with inputs.nightly_csv.open(encoding="utf-8", newline="") as handle:
        new = list(csv.DictReader(handle))
    assert len(new) == inputs.n_nightly
    assert not {r["review_id"] for r in new} & {r["review_id"] for r in rows}
    assert not {r["body"] for r in new} & {r["body"] for r in rows}
    assert append_nightly(inputs.reviews_csv, inputs.nightly_csv) == inputs.n_nightly
    _, again = _read(tmp_path, inputs.reviews_csv)
    assert again.read == size + inputs.n_nightly and not again.quarantined
    assert len({r["doc_id"] for r in again.records}) == size + inputs.n_nightly


def test_inputs_are_deterministic(datasets: Path, tmp_path: Path) -> None:
    a = build_inputs(datasets, 50, tmp_path / "a")
    b = build_inputs(datasets, 50, tmp_path / "b")
    assert a.reviews_csv.read_bytes() == b.reviews_csv.read_bytes()
    assert a.nightly_csv.read_bytes() == b.nightly_csv.read_bytes()


def test_config_keeps_the_shipped_settings_and_an_absolute_model_cache(
        datasets: Path, tmp_path: Path) -> None:
    inputs = build_inputs(datasets, 10, tmp_path / "input")
    config = load_config(write_config(tmp_path / "project", inputs.reviews_csv))
    shipped = load_config(Path(__file__).resolve().parents[1] / "configs" / "voc.toml")
    assert Path(config.models.cache_dir) == MODEL_CACHE
    assert Path(config.models.cache_dir).is_absolute()
    assert config.resolve(config.warehouse.path) == (
        tmp_path / "project" / "data" / "warehouse" / "voc.duckdb")
    assert config.resolve(config.report.output_dir) == tmp_path / "project" / "data" / "reports"
    assert config.models.embedding == shipped.models.embedding
    assert config.models.batch_size == shipped.models.batch_size
    assert config.themes == shipped.themes and config.privacy == shipped.privacy
    assert len(config.sources) == 1


def _size_entry(size: int, total: float, embed: float, nightly: float, peak: float) -> dict:
    stat = lambda v: {"median": v, "values": [v]}  # noqa: E731
    stages = {"ingest": 1.0, "language": 0.5, "embed": embed * 0.9, "sentiment": 0.2,
              "themes": 3.0, "pain_points": 0.3, "report": 0.2}
    return {
        "size": size, "status": "ok", "docs": size, "sentences": size * 2,
        "sentences_embedded": size * 2 - 5,
        "stages": {k: stat(v) for k, v in stages.items()},
        "total_seconds": stat(total), "docs_per_second": stat(round(size / total, 1)),
        "peak_rss_mib": stat(peak),
        "embed_only": {"seconds": stat(embed), "cpu_per_wall": stat(1.95)},
        "overhead_ratio": stat(round(total / embed, 3)),
        "nightly": {"total_seconds": stat(nightly), "peak_rss_mib": stat(peak - 10),
                    "themes_mode": "assigned",
                    "stages": {k: stat(v / 10) for k, v in stages.items()}},
        "nightly_ratio": stat(round(nightly / total, 3)),
        "overhead_ratio_cpu": stat(1.2), "overhead_ratio_in_run": stat(1.4),
        "cpu_per_wall": stat(1.9),
        "benchmark_wall_seconds": total * 3,
    }


def test_markdown_shows_goals_measured_values_and_sizes_not_run() -> None:
    results = {
        "machine": {"cpu_count": 2, "cpu_model": "Test CPU", "ram_gib": 24.0,
                    "python": "3.11.7", "torch": "2.13.0", "date": "2026-11-23",
                    "git_commit": "abc1234"},
        "settings": {"repeats": 1},
        # 10k: overhead 1.25 passes, nightly 0.2 fails; 50k and 1k not run.
        "sizes": [_size_entry(10000, 125.0, 100.0, 25.0, 2048.0),
                  {"size": 3000, "status": "error", "error": "run timed out after 900 s"}],
    }
    goals = {(g["goal"], g["size"]): g for g in evaluate_goals(results)}
    assert goals[("overhead", 10000)]["status"] == "pass"
    assert goals[("overhead", 10000)]["measured"] == 1.25
    assert goals[("nightly", 10000)]["status"] == "fail"
    assert goals[("nightly", 1000)]["status"] == "not run"
    assert goals[("nightly", 3000)]["status"] == "error"
    assert goals[("peak_memory", 50000)]["status"] == "not run"

    md = render_speed_markdown(results)
    assert "Test CPU" in md and "abc1234" in md
    for goal in GOALS:
        assert goal["title"] in md
    assert "| whole run / embedding alone | 10,000 docs | ≤ 1.3 x | 1.25 x | **pass** |" in md
    assert "| nightly +1% run / first run | 10,000 docs | ≤ 0.15 x | 0.20 x | **FAIL** |" in md
    assert "| peak RSS of a run | 50,000 docs | ≤ 4.0 GiB | — | not run |" in md
    assert "| 1,000 | not run |" in md and "| 50,000 | not run |" in md
    assert "| 3,000 | error: run timed out after 900 s |" in md
    assert "| 10,000 | 20,000 (19,995) | 125.0 | 80.0 | 2,048 | 100.0 | 1.25 | 25.0 | 0.200 |" in md
    assert "| 10,000 | 1.25 | 1.20 | 1.40 | 1.90 | 1.95 | assigned |" in md
    for stage in ("ingest", "language", "embed", "sentiment", "themes", "pain_points"):
        assert stage in md


def test_peak_goal_uses_the_larger_of_both_runs_in_gib() -> None:
    results = {"sizes": [_size_entry(50000, 600.0, 500.0, 60.0, 5120.0)]}
    goal = next(g for g in evaluate_goals(results) if g["goal"] == "peak_memory")
    assert goal["measured"] == 5.0 and goal["status"] == "fail"
    assert "| peak RSS of a run | 50,000 docs | ≤ 4.0 GiB | 5.00 GiB | **FAIL** |" in (
        render_speed_markdown(results))


def test_markdown_flags_a_contended_embedding_measurement() -> None:
    quiet = _size_entry(1000, 60.0, 35.0, 6.0, 1600.0)
    busy = _size_entry(10000, 350.0, 400.0, 18.0, 2500.0)
    for entry in (quiet, busy):
        entry["torch_threads"] = 2
    busy["embed_only"]["cpu_per_wall"] = {"median": 1.05, "values": [1.05]}
    md = render_speed_markdown({"sizes": [quiet, busy]})
    assert "**Other work shared the cores** at 10,000 (embedding alone used 1.05 of 2" in md
    assert "at 1,000" not in md
