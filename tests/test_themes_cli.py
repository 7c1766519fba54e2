"""`voc themes split` takes a new theme id, so it waits for no run: it refuses while one writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from data.warehouse import Warehouse, run_lock
from flows.cli import app

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    text = (ROOT / "configs" / "voc.toml").read_text(encoding="utf-8")
    config = tmp_path / "configs" / "voc.toml"
    config.parent.mkdir()
    config.write_text(text, encoding="utf-8")
    warehouse = tmp_path / "data" / "warehouse" / "voc.duckdb"
    with Warehouse(warehouse) as wh:
        wh.con.execute(
            "INSERT INTO topics (topic_id, label, generated_label, keywords, keywords_by_lang, "
            "size, status, first_seen_run, last_seen_run, centroid) VALUES "
            "(4, 'delivery / days', 'delivery / days', ['delivery'], '{}', 30, 'active', "
            "'r1', 'r1', NULL)").fetchall()
    return tmp_path


def _split(config: Path) -> object:
    return CliRunner().invoke(app, ["themes", "split", "4", "--label", "Customs delays",
                                    "--phrase", "stuck in customs", "--config", str(config)])


def _seeds(project: Path) -> list[tuple]:
    with Warehouse(project / "data/warehouse/voc.duckdb", read_only=True) as wh:
        return wh.con.execute("SELECT topic_id, label, parent_topic_id FROM theme_seeds"
                              ).fetchall()


def test_split_is_refused_while_a_run_writes(project: Path) -> None:
    with run_lock(project / "data/warehouse/voc.duckdb"):
        refused = _split(project / "configs/voc.toml")
    assert refused.exit_code == 2
    assert "a run is writing" in refused.output and "nothing was changed" in refused.output
    assert _seeds(project) == []
    done = _split(project / "configs/voc.toml")
    assert done.exit_code == 0, done.output
    assert _seeds(project) == [(5, "Customs delays", 4)]
