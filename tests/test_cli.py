"""The `voc` command's answers to mistakes: a message and an exit code, never a traceback."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from data.warehouse import Warehouse
from flows.cli import _setup_logging, app

SOURCE = '''
[[sources]]
name = "shop_reviews"
channel = "review"
path = "reviews.csv"
format = "csv"
columns = { id = "id", created_at = "at", body = "body" }
'''


def _config(root: Path) -> Path:
    config = root / "configs" / "voc.toml"
    config.parent.mkdir(parents=True)
    config.write_text('project_root = ".."\n' + SOURCE, encoding="utf-8")
    return config


def _warehouse_with_one_run(root: Path) -> None:
    with Warehouse(root / "data" / "warehouse" / "voc.duckdb") as wh:
        now = datetime.now(UTC)
        wh.start_run("20261101T000000Z-abc123", now, {}, None)
        wh.finish_run("20261101T000000Z-abc123", status="completed", stage_counts={},
                      timings={}, models={}, finished_at=now)


def test_report_of_an_unknown_run_names_the_runs_there_are(tmp_path: Path) -> None:
    config = _config(tmp_path)
    _warehouse_with_one_run(tmp_path)
    result = CliRunner().invoke(app, ["report", "--run-id", "nope", "--config", str(config)])
    assert result.exit_code == 2
    assert "no completed run 'nope'" in result.output
    assert "20261101T000000Z-abc123" in result.output
    assert "Traceback" not in result.output


def test_since_after_until_is_refused(tmp_path: Path) -> None:
    config = _config(tmp_path)
    result = CliRunner().invoke(app, ["run", "--since", "2026-10-01", "--until", "2026-09-01",
                                      "--config", str(config)])
    assert result.exit_code == 2
    assert "--since 2026-10-01 is not before --until 2026-09-01" in result.output
    assert not (tmp_path / "data" / "warehouse").exists()


def test_serve_without_the_customer_key_secret_stops_and_warns_about_rekeying(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _config(tmp_path)
    monkeypatch.delenv("VOC_CUSTOMER_KEY_SECRET", raising=False)
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # never reached
    result = CliRunner().invoke(app, ["serve", "--config", str(config)])
    assert result.exit_code == 2
    assert "VOC_CUSTOMER_KEY_SECRET is not set" in result.output
    assert "a new secret gives every customer a new customer_key" in result.output


def test_logging_leaves_out_each_request_to_the_prefect_api() -> None:
    _setup_logging()
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    _setup_logging(verbose=True)
    assert logging.getLogger("httpx").isEnabledFor(logging.INFO)
    _setup_logging()


def test_stage_logs_fit_on_a_line() -> None:
    from flows.context import stage_summary

    ingest_counts = {"read": 12_400, "loaded": 12_000, "duplicates": 300, "quarantined": 100,
                     "balanced": True,
                     "sources": {f"source_{i}": {"read": 100, "quarantine_reasons": {
                         "unparseable_date": 3, "no_text": 1}} for i in range(20)}}
    line = stage_summary(ingest_counts)
    assert line == "read 12,400, loaded 12,000, duplicates 300, quarantined 100, balanced True"
