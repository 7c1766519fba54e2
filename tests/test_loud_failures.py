"""Runs that look green when they are not: a missing file or a mostly quarantined source
fails the run, loudly, and changes nothing; runs queue instead of failing each other.

Only the ingest stage runs before the failure, so no model is loaded.
"""

from __future__ import annotations

import csv
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from data.warehouse import WarehouseBusy, publishing, run_lock
from flows.config import VocConfig
from flows.request import preflight
from flows.run import SourcesRejected, is_transient, open_run, run_pipeline
from flows.stages import ingest

HEADER = ["review_id", "submitted_at", "stars", "body"]


def _reviews(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _config(root: Path, *paths: str, **ingest: Any) -> VocConfig:
    return VocConfig.model_validate({
        "warehouse": {"path": str(root / "wh" / "voc.duckdb")},
        "ingest": ingest,
        "sources": [{"name": f"reviews_{i}", "channel": "review", "path": p, "format": "csv",
                     "columns": {"id": "review_id", "created_at": "submitted_at",
                                 "rating": "stars", "body": "body"}}
                    for i, p in enumerate(paths)],
        "root": root,
    })


def _good(i: int) -> list[Any]:
    return [f"G{i}", "2026-09-01T10:00:00Z", 4, f"Parcel {i} came on time, thank you"]


def _runs(root: Path) -> list[tuple]:
    with duckdb.connect(str(root / "wh" / "voc.duckdb"), read_only=True) as con:
        return con.execute("SELECT status, error FROM runs ORDER BY started_at").fetchall()


def test_a_mostly_quarantined_source_fails_the_run_and_changes_nothing(tmp_path: Path) -> None:
    _reviews(tmp_path / "good.csv", [_good(i) for i in range(10)])
    _reviews(tmp_path / "bad.csv", [_good(100)] + [
        [f"B{i}", "gestern", 5, "Die Lieferung war zu spät"] for i in range(6)]
        + [[f"S{i}", "2026-09-02T10:00:00Z", 9, "Neun von fünf Sternen"] for i in range(2)])
    config = _config(tmp_path, "good.csv", "bad.csv")
    with pytest.raises(SourcesRejected) as failed:
        run_pipeline(preflight(config))
    message = str(failed.value)
    assert "reviews_1" in message and "reviews_0" not in message
    assert "8 of 9 records quarantined (89%" in message
    assert "unparseable_date 6, score_out_of_range 2" in message
    assert "gestern" in message  # one (redacted) example record
    # Nothing of the night was published: not even the good source's rows.
    with duckdb.connect(str(tmp_path / "wh" / "voc.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM feedback").fetchall()[0][0] == 0
        assert con.execute("SELECT count(*) FROM source_files").fetchall()[0][0] == 0
    [(status, error)] = _runs(tmp_path)
    assert status == "failed" and "reviews_1" in error and "unparseable_date 6" in error


def test_a_missing_file_fails_the_run_naming_the_path_tried(tmp_path: Path) -> None:
    _reviews(tmp_path / "good.csv", [_good(i) for i in range(3)])
    config = _config(tmp_path, "good.csv", "exports/nightly-*.csv")
    with pytest.raises(SourcesRejected, match="reviews_1': its file is missing") as failed:
        run_pipeline(preflight(config))
    assert str(tmp_path / "exports" / "nightly-*.csv") in str(failed.value)
    assert _runs(tmp_path)[0][0] == "failed"


def test_the_share_is_a_setting(tmp_path: Path) -> None:
    _reviews(tmp_path / "bad.csv", [_good(1)] + [[f"B{i}", "gestern", 5, "x y"] for i in (1, 2)])
    lenient = _config(tmp_path, "bad.csv", max_quarantine_share=1.0)
    with open_run(lenient, "r1") as ctx:
        account = ingest.checked_source(ctx, "reviews_0", None, None)
    assert (account.loaded, account.quarantined) == (1, 2)


def test_a_second_run_waits_for_the_first_instead_of_failing(tmp_path: Path) -> None:
    published = tmp_path / "voc.duckdb"
    released = threading.Event()

    def first_run() -> None:
        with run_lock(published):
            time.sleep(1.5)
        released.set()

    holder = threading.Thread(target=first_run)
    holder.start()
    time.sleep(0.3)
    with pytest.raises(WarehouseBusy, match="after waiting"), \
            publishing(published, wait_seconds=0.2):
        pass
    with publishing(published, wait_seconds=30) as wh:  # queues, then runs
        assert released.is_set()
        wh.start_run("second", datetime.now(UTC), {}, None)
    holder.join()


def test_only_transient_failures_are_retried() -> None:
    from data.api_source import ApiError

    assert is_transient(ApiError("GET /r failed after 4 attempts", transient=True))
    assert not is_transient(ApiError("401 Unauthorized: the token was refused"))
    assert not is_transient(ValueError("bad config"))


@pytest.mark.slow
def test_the_prefect_run_fails_and_shows_which_source(tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.sorting import TaskRunSort
    from prefect.testing.utilities import prefect_test_harness

    from flows.pipeline import voc_pipeline

    _reviews(tmp_path / "good.csv", [_good(i) for i in range(3)])
    config = tmp_path / "voc.toml"
    config.write_text(f'''project_root = "{tmp_path}"
[warehouse]
path = "wh/voc.duckdb"
[[sources]]
name = "good_reviews"
channel = "review"
path = "good.csv"
format = "csv"
columns = {{ id = "review_id", created_at = "submitted_at", body = "body" }}
[[sources]]
name = "lost_reviews"
channel = "review"
path = "missing.csv"
format = "csv"
columns = {{ id = "review_id", created_at = "submitted_at", body = "body" }}
''', encoding="utf-8")
    with prefect_test_harness(server_startup_timeout=120):
        state = voc_pipeline(config_path=str(config), return_state=True)
        assert state.is_failed()
        flow_run_id = state.state_details.flow_run_id

        async def task_states() -> dict[str, str]:
            async with get_client() as client:
                runs = await client.read_task_runs(
                    flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])),
                    sort=TaskRunSort.EXPECTED_START_TIME_DESC, limit=50)
            return {r.name.rsplit("-", 1)[0]: r.state.type.value for r in runs}

        import asyncio

        states = asyncio.run(task_states())
    assert states["ingest-good_reviews"] == "COMPLETED"
    assert states["ingest-lost_reviews"] == "FAILED"
    assert "enrich" not in states
    assert _runs(tmp_path)[0][0] == "failed"
