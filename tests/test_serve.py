"""End to end: `voc serve` against a real Prefect server, with an ad-hoc run like a user's.

Starts `prefect server start` on a free loopback port and `voc serve` against it, both in
their own process groups and with every Prefect file under a temporary folder. It checks the
served deployment's cron schedule, triggers a run with
`prefect deployment run 'voc-pipeline/nightly' --param source=shop_reviews`, waits for it to
finish, and checks the temporary warehouse and report. Offline; takes a few minutes.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import httpx
import pytest

from flows.config import VocConfig, load_config

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FLOW = "voc-pipeline"
DEPLOYMENT = "nightly"
SOURCE = "shop_reviews"
TIMEZONE = "Europe/Berlin"

SERVER_TIMEOUT = 90.0  # s until the server answers /api/health
DEPLOYMENT_TIMEOUT = 120.0  # s until `voc serve` has registered the deployment
RUN_TIMEOUT = 480.0  # s for the flow run to reach a terminal state
TERMINAL_STATES = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def _cron() -> str:
    """Nightly at 03:00 Berlin time, unless that is close to now.

    A scheduled run starting while the test runs would race the ad-hoc run for the
    warehouse, so near 03:00 the schedule moves to 15:00.
    """
    hour = datetime.now(ZoneInfo(TIMEZONE)).hour
    return "0 15 * * *" if 1 <= hour <= 3 else "0 3 * * *"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _toml_str(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def _write_config(root: Path, cron: str) -> Path:
    """``configs/voc.toml`` under ``root``: outputs in ``root``, inputs and models in the repo."""
    text = (REPO / "configs" / "voc.toml").read_text(encoding="utf-8")
    replacements: dict[str, Callable[[re.Match[str]], str]] = {
        r'^path = "(data/samples/[^"]+)"': lambda m: f"path = {_toml_str(str(REPO / m[1]))}",
        r"^cache_dir = .*$": lambda m: f"cache_dir = {_toml_str(str(REPO / 'data' / 'models'))}",
        r"^allowed_roots = .*$":
            lambda m: f"allowed_roots = [{_toml_str(str(REPO / 'data' / 'samples'))}]",
        r"^cron = .*$": lambda m: f"cron = {_toml_str(cron)}",
        r"^timezone = .*$": lambda m: f"timezone = {_toml_str(TIMEZONE)}",
    }
    for pattern, new in replacements.items():
        text, n = re.subn(pattern, new, text, flags=re.MULTILINE)
        assert n >= 1, f"configs/voc.toml no longer has a line matching {pattern!r}"
    path = root / "configs" / "voc.toml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Service:
    """A child process in its own process group, its output going to a log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def output(self, limit: int = 30_000) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return text if len(text) <= limit else "...\n" + text[-limit:]

    def describe(self) -> str:
        return f"\n----- {self.name} output ({self.log}) -----\n{self.output()}\n----- end -----"

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM the whole group, SIGKILL whatever is left after ``grace`` seconds."""
        pgid = self.popen.pid  # start_new_session: the child leads its own group
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=grace)
        # Also reaches grandchildren (uvicorn, flow-run processes) that outlive the leader.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5)


@pytest.fixture
def start_service(tmp_path: Path) -> Iterator[Callable[..., Service]]:
    """Start processes that are stopped (services started last, stopped first) at teardown."""
    started: list[Service] = []

    def start(name: str, cmd: list[str], env: dict[str, str], cwd: Path) -> Service:
        log = tmp_path / f"{name}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                     stdout=out, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        service = Service(name, popen, log)
        started.append(service)
        return service

    yield start
    for service in reversed(started):
        service.stop()


def _child_env(tmp_path: Path) -> dict[str, str]:
    """This environment without any PREFECT_* setting, plus an isolated, offline Prefect."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
        "PREFECT_SERVER_DATABASE_CONNECTION_URL":
            f"sqlite+aiosqlite:///{tmp_path / 'prefect.db'}",
        "PREFECT_CLI_PROMPT": "false",
        # The scheduler creates upcoming runs every few seconds instead of every minute.
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "3",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "PYTHONUNBUFFERED": "1",
        "NO_COLOR": "1",
        "COLUMNS": "200",
    })
    return env


def _wait_for(what: str, check: Callable[[], Any], timeout: float, *services: Service,
              interval: float = 1.0) -> Any:
    """Poll ``check`` until it returns something truthy; fail on timeout or a dead service."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except httpx.HTTPError as exc:
            pytest.fail(f"{what}: {exc!r}" + "".join(s.describe() for s in services))
        if result:
            return result
        for service in services:
            if service.popen.poll() is not None:
                pytest.fail(f"{service.name} exited with code {service.popen.returncode} "
                            f"while waiting for {what}" + "".join(s.describe() for s in services))
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}"
                        + "".join(s.describe() for s in services))
        time.sleep(interval)


def _get_json(api: httpx.Client, path: str) -> Any:
    """GET an API path; None while it is not there or the server cannot answer (yet)."""
    try:
        response = api.get(path)
    except httpx.TransportError:
        return None
    if response.status_code == 404 or response.status_code >= 500:
        return None
    response.raise_for_status()
    return response.json()


@pytest.mark.slow
def test_served_deployment_runs_ad_hoc_through_prefect(
    tmp_path: Path, start_service: Callable[..., Service]
) -> None:
    cron = _cron()
    config_path = _write_config(tmp_path, cron)
    config: VocConfig = load_config(config_path)
    warehouse = config.resolve(config.warehouse.path)
    report = config.resolve(config.report.output_dir) / "latest" / "report.md"
    assert warehouse.is_relative_to(tmp_path) and report.is_relative_to(tmp_path)
    assert all(Path(s.path).is_absolute() and Path(s.path).is_file() for s in config.sources)
    assert SOURCE in {s.name for s in config.sources}
    assert config.resolve(config.models.cache_dir) == REPO / "data" / "models"
    assert (config.schedule.deployment, config.schedule.cron) == (DEPLOYMENT, cron)

    port = _free_port()
    env = _child_env(tmp_path)
    server = start_service(
        "prefect-server",
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env, tmp_path,
    )
    api_url = f"http://127.0.0.1:{port}/api"
    env["PREFECT_API_URL"] = api_url

    with httpx.Client(base_url=api_url, timeout=10.0) as api:
        _wait_for("the Prefect server's /api/health", lambda: _get_json(api, "/health"),
                  SERVER_TIMEOUT, server, interval=0.5)

        serve = start_service("voc-serve",
                              [str(BIN / "voc"), "serve", "--config", str(config_path)],
                              env, REPO)
        services = (server, serve)
        deployment = _wait_for(
            f"deployment {FLOW}/{DEPLOYMENT}",
            lambda: _get_json(api, f"/deployments/name/{FLOW}/{DEPLOYMENT}"),
            DEPLOYMENT_TIMEOUT, *services,
        )

        # The deployment runs nightly on the configured cron, in the configured zone.
        schedules = [s["schedule"] for s in deployment["schedules"]]
        assert len(schedules) == 1, schedules
        assert schedules[0]["cron"] == cron, schedules
        assert schedules[0]["timezone"] == TIMEZONE, schedules
        assert deployment["parameters"]["config_path"] == str(config_path.resolve())

        # The server's scheduler books the upcoming nightly runs for this deployment.
        def scheduled() -> list[dict[str, Any]] | None:
            response = api.post("/flow_runs/filter", json={
                "deployments": {"id": {"any_": [deployment["id"]]}},
                "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
                "limit": 5,
            })
            response.raise_for_status()
            return response.json() or None

        upcoming = _wait_for("a scheduled nightly run", scheduled, 90, *services, interval=2.0)
        assert all(r["expected_start_time"] > deployment["created"] for r in upcoming)

        # An ad-hoc run, exactly as the docs tell a user to start one.
        triggered = subprocess.run(
            [str(BIN / "prefect"), "deployment", "run", f"{FLOW}/{DEPLOYMENT}",
             "--param", f"source={SOURCE}"],
            env=env, cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=120,
        )
        cli_output = triggered.stdout + triggered.stderr
        assert triggered.returncode == 0, cli_output + serve.describe()
        found = re.search(r"UUID:\s*([0-9a-f]{8}-[0-9a-f-]{27})", cli_output)
        assert found, f"no flow-run id in the output of `prefect deployment run`:\n{cli_output}"
        flow_run_id = found.group(1)

        def finished() -> dict[str, Any] | None:
            run = _get_json(api, f"/flow_runs/{flow_run_id}")
            state = (run or {}).get("state") or {}
            return run if state.get("type") in TERMINAL_STATES else None

        flow_run = _wait_for(f"flow run {flow_run_id} to finish", finished, RUN_TIMEOUT,
                             *services, interval=2.0)

    state = flow_run["state"]
    assert state["type"] == "COMPLETED", (
        f"flow run ended {state['type']}: {state.get('message')}" + serve.describe()
    )
    assert flow_run["deployment_id"] == deployment["id"]
    assert flow_run["parameters"]["source"] == SOURCE

    # The run landed in the temporary warehouse, tagged with its Prefect flow-run id.
    with duckdb.connect(str(warehouse), read_only=True) as con:
        runs = con.execute(
            "SELECT status, parameters FROM runs WHERE flow_run_id = ?", [flow_run_id]
        ).fetchall()
        sources = con.execute(
            "SELECT source, count(*) FROM feedback GROUP BY source ORDER BY source"
        ).fetchall()
    assert len(runs) == 1, runs
    status, parameters = runs[0]
    assert status == "completed"
    assert json.loads(parameters)["source"] == SOURCE
    assert [s for s, _ in sources] == [SOURCE], sources  # only, and some, shop reviews

    assert report.is_file() and report.stat().st_size > 0, f"no report at {report}"
    # Quiet while nothing happens: the runner's polls of the API are not logged.
    assert "HTTP Request" not in serve.output(), serve.describe()
