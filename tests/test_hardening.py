"""Attacks that once broke a run or leaked, kept here so they stay fixed: paths that are SQL
to a careless statement, an analyst's read-write connection, reports that told of runs that
were never published."""

from __future__ import annotations

import csv
import subprocess
import sys
import time
from pathlib import Path

import pytest

from data.warehouse import Warehouse, WarehouseBusy
from flows.config import VocConfig
from flows.request import preflight
from flows.run import run_pipeline


def test_a_quote_in_the_warehouse_path_is_data_not_sql(tmp_path: Path) -> None:
    folder = tmp_path / "it's"
    folder.mkdir()
    published, working = folder / "voc.duckdb", folder / "copy.duckdb"
    with Warehouse(published) as wh:
        wh.curate(3, label="Parcels arrive late")
    with Warehouse(working) as wh:
        wh.carry_over_curation(published)  # once: ATTACH '<path>' broke on the quote
        assert wh.query("SELECT topic_id, label FROM theme_curation").rows() == [
            (3, "Parcels arrive late")]


@pytest.fixture
def writer_elsewhere(tmp_path: Path):
    """Another process holding a read-write connection to a published warehouse."""
    published = tmp_path / "wh" / "voc.duckdb"
    Warehouse(published).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time\n"
         f"con = duckdb.connect({str(published)!r})\nprint('ready', flush=True)\n"
         "time.sleep(120)\n"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
    yield published
    holder.kill()
    holder.wait()


def test_an_analysts_read_write_connection_stops_the_run_at_once(
        tmp_path: Path, writer_elsewhere: Path) -> None:
    with (tmp_path / "reviews.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["id", "at", "body"],
                                      ["1", "2026-09-01T10:00:00Z", "The parcel was late."]])
    latest = tmp_path / "reports" / "latest"
    latest.mkdir(parents=True)
    (latest / "report.md").write_text("yesterday's report", encoding="utf-8")
    config = VocConfig.model_validate({
        "warehouse": {"path": str(writer_elsewhere), "wait_minutes": 0},
        "report": {"output_dir": str(tmp_path / "reports")},
        "sources": [{"name": "reviews", "channel": "review", "path": "reviews.csv",
                     "format": "csv",
                     "columns": {"id": "id", "created_at": "at", "body": "body"}}],
        "root": tmp_path,
    })
    started = time.monotonic()
    with pytest.raises(WarehouseBusy, match="read-write connection.*-readonly"):
        run_pipeline(preflight(config))
    assert time.monotonic() - started < 10  # at the start, not after the whole run
    assert (latest / "report.md").read_text(encoding="utf-8") == "yesterday's report"
    assert [p.name for p in (tmp_path / "reports").iterdir()] == ["latest"]


def test_curation_is_not_lost_to_a_writer_that_appears_mid_run(
        tmp_path: Path, writer_elsewhere: Path) -> None:
    from data.curation_store import CurationUnreadable

    with Warehouse(tmp_path / "copy.duckdb") as wh, pytest.raises(CurationUnreadable):
        wh.carry_over_curation(writer_elsewhere)
    assert issubclass(CurationUnreadable, WarehouseBusy)  # exit code 3, like a busy run


def _one_theme(tmp_path: Path) -> tuple[Path, Path]:
    """A project whose published warehouse holds one theme, 4 "late parcels"; its config
    and warehouse."""
    config = tmp_path / "configs" / "voc.toml"
    config.parent.mkdir()
    config.write_text('project_root = ".."\n[[sources]]\nname = "r"\nchannel = "review"\n'
                      'path = "r.csv"\nformat = "csv"\n'
                      'columns = { created_at = "at", body = "body" }\n', encoding="utf-8")
    published = tmp_path / "data" / "warehouse" / "voc.duckdb"
    with Warehouse(published) as wh:
        wh.ensure_theme_row(4, "late parcels", "run1")
    return config, published


def test_curation_while_an_analyst_reads_says_why_it_cannot_write(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from flows.cli import app
    from flows.cli import themes as themes_cli

    config, published = _one_theme(tmp_path)
    reader = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, time\n"
         f"con = duckdb.connect({str(published)!r}, read_only=True)\n"
         "print('ready', flush=True)\ntime.sleep(120)\n"], stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "ready"
        monkeypatch.setattr(themes_cli, "WAIT_SECONDS", 1.0)
        result = CliRunner().invoke(app, ["themes", "rename", "4", "Parcels late",
                                          "--config", str(config)])
    finally:
        reader.kill()
        reader.wait()
    assert result.exit_code == 3, result.output
    assert "is open in another process" in result.output and "Nothing was changed" in result.output
    assert "Traceback" not in result.output
    # Once the reader has gone, the same command goes through.
    done = CliRunner().invoke(app, ["themes", "rename", "4", "Parcels late",
                                    "--config", str(config)])
    assert done.exit_code == 0, done.output


def test_three_reviews_give_a_small_report_night_after_night(tmp_path: Path) -> None:
    # A first input of three reviews once crashed every run (KeyError: '*').
    rows = [["id", "at", "stars", "body"],
            ["1", "2026-09-01T10:00:00Z", "1", "The parcel came two weeks late."],
            ["2", "2026-09-02T10:00:00Z", "2", "Refund still not received."],
            ["3", "2026-09-03T10:00:00Z", "5", "Great app, fast delivery."]]
    with (tmp_path / "reviews-1.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    config = VocConfig.model_validate({
        "warehouse": {"path": str(tmp_path / "wh" / "voc.duckdb")},
        "models": {"cache_dir": str(Path(__file__).resolve().parents[1] / "data" / "models")},
        "report": {"output_dir": str(tmp_path / "reports")},
        "sources": [{"name": "reviews", "channel": "review", "path": "reviews-*.csv",
                     "format": "csv", "columns": {"id": "id", "created_at": "at",
                                                  "rating": "stars", "body": "body"}}],
        "root": tmp_path,
    })
    first = run_pipeline(preflight(config))
    assert first.counts["ingest"]["loaded"] == 3
    assert "Feedback in the warehouse | 3 |" in first.markdown
    with (tmp_path / "reviews-2.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([rows[0], ["4", "2026-09-04T10:00:00Z", "1",
                                                "Still waiting for my refund."]])
    second = run_pipeline(preflight(config))  # an assignment night on no themes
    assert second.counts["ingest"]["loaded"] == 1
    assert "Feedback in the warehouse | 4 |" in second.markdown


def _project(tmp_path: Path, *paths: str, name: str = "voc.toml") -> Path:
    """A project with three reviews and a config whose sources read ``paths``."""
    with (tmp_path / "reviews.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([
            ["id", "at", "body"], ["1", "2026-09-01T10:00:00Z", "The parcel came late."],
            ["2", "2026-09-02T10:00:00Z", "Refund still not received."],
            ["3", "2026-09-03T10:00:00Z", "Great app."]])
    models = Path(__file__).resolve().parents[1] / "data" / "models"
    config = tmp_path / name
    config.write_text(f'project_root = "{tmp_path}"\n[models]\ncache_dir = "{models}"\n'
                      + "".join(f'[[sources]]\nname = "s{i}"\nchannel = "review"\n'
                                f'path = "{p}"\nformat = "csv"\ncolumns = {{ id = "id", '
                                'created_at = "at", body = "body" }\n'
                                for i, p in enumerate(paths)), encoding="utf-8")
    return config


def test_a_killed_run_is_marked_interrupted_by_the_next_one(tmp_path: Path) -> None:
    from flows.config import load_config

    config = _project(tmp_path, "reviews.csv")
    victim = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\nfrom pathlib import Path\n"
         "from flows.stages import enrich\n"
         "def stuck(ctx):\n    print('enriching', flush=True)\n    time.sleep(120)\n"
         "enrich.run = stuck\n"
         "from flows.config import load_config\nfrom flows.request import preflight\n"
         "from flows.run import run_pipeline\n"
         f"run_pipeline(preflight(load_config(Path({str(config)!r}))))\n"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1])
    assert victim.stdout is not None and victim.stdout.readline().strip() == "enriching"
    victim.kill()  # kill -9: no except, no finally, no atexit
    victim.wait()
    result = run_pipeline(preflight(load_config(config)))
    with Warehouse(tmp_path / "data" / "warehouse" / "voc.duckdb", read_only=True) as wh:
        rows = wh.query("SELECT run_id, status, error FROM runs ORDER BY started_at").rows()
    assert [r[1] for r in rows] == ["interrupted", "completed"]
    assert rows[1][0] == result.run_id and "without finishing" in rows[0][2]
    journal = tmp_path / "data" / "warehouse" / "voc.duckdb.journal"
    assert journal.read_text(encoding="utf-8") == ""  # folded, then forgotten


def test_a_failure_is_recorded_even_while_an_analyst_reads(tmp_path: Path) -> None:
    from flows.config import load_config
    from flows.run import SourcesRejected

    good = _project(tmp_path, "reviews.csv")
    run_pipeline(preflight(load_config(good)))
    published = tmp_path / "data" / "warehouse" / "voc.duckdb"
    reader = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, time\n"
         f"con = duckdb.connect({str(published)!r}, read_only=True)\n"
         "print('ready', flush=True)\ntime.sleep(120)\n"], stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "ready"
        broken = _project(tmp_path, "reviews.csv", "missing.csv", name="broken.toml")
        with pytest.raises(SourcesRejected):
            run_pipeline(preflight(load_config(broken)))
    finally:
        reader.kill()
        reader.wait()
    run_pipeline(preflight(load_config(good)))
    with Warehouse(published, read_only=True) as wh:
        statuses = [r[0] for r in wh.query("SELECT status, error FROM runs "
                                           "ORDER BY started_at").rows()]
        error = wh.query("SELECT error FROM runs WHERE status = 'failed'").rows()
    assert statuses == ["completed", "failed", "completed"]
    assert "missing.csv" in error[0][0]


def test_the_warehouse_and_its_files_are_private(tmp_path: Path) -> None:
    import stat

    from flows.config import load_config

    run_pipeline(preflight(load_config(_project(tmp_path, "reviews.csv"))))
    folder = tmp_path / "data" / "warehouse"
    for name in ("voc.duckdb", "voc.duckdb.lock", "voc.duckdb.journal"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


@pytest.mark.slow
def test_a_killed_voc_run_takes_its_temporary_prefect_server_with_it(tmp_path: Path) -> None:
    import os
    import re
    import signal

    config = _project(tmp_path, "reviews.csv")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    voc = Path(sys.executable).with_name("voc")
    run = subprocess.Popen([str(voc), "run", "--config", str(config)], env=env,
                           stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    server_pid = None
    assert run.stderr is not None
    for line in run.stderr:
        found = re.search(r"temporary Prefect server \(pid (\d+)\) on http://127\.0\.0\.1:",
                          line)  # on loopback only
        if found:
            server_pid = int(found.group(1))
            break
    assert server_pid is not None, "voc run did not start its temporary server"
    os.kill(server_pid, 0)  # alive while the run is
    run.send_signal(signal.SIGKILL)
    run.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(server_pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        os.kill(server_pid, signal.SIGKILL)
        pytest.fail("the temporary Prefect server outlived its killed run")


def test_sql_in_a_label_is_stored_as_text(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from flows.cli import app

    config, published = _one_theme(tmp_path)
    evil = "x'); DROP TABLE feedback; --"
    done = CliRunner().invoke(app, ["themes", "rename", "4", evil, "--config", str(config)])
    assert done.exit_code == 0, done.output
    with Warehouse(published, read_only=True) as wh:
        assert wh.query("SELECT label FROM theme_curation WHERE topic_id = 4").rows() == [
            (evil,)]
        assert wh.count("feedback") == 0  # the table is still there
