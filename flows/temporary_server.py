"""A temporary Prefect server for one `voc run`, that dies with it.

Without ``PREFECT_API_URL``, Prefect starts a temporary server of its own for a flow run and
stops it at exit; but a run that is killed (``kill -9``, the OOM killer) never gets to stop
it, and the server lingers. This starts the same server (the same uvicorn command Prefect
uses), asks the kernel to end it when its parent dies (``PR_SET_PDEATHSIG``), and points
``PREFECT_API_URL`` at it.
"""

from __future__ import annotations

import atexit
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

log = logging.getLogger("voc")
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # runs in the child, between fork and exec
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(timeout: float = 90.0) -> subprocess.Popen[bytes]:
    """Start a temporary Prefect API on loopback for this process; returns the server.

    Raises:
        RuntimeError: the server did not answer within ``timeout`` seconds.
    """
    import prefect

    port = _free_port()
    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
           "PREFECT__SERVER_FINAL": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(prefect.__file__).parent.parent),
         "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "error", "--lifespan", "on"],
        env=env, preexec_fn=_die_with_parent if sys.platform == "linux" else None)
    atexit.register(stop, server)
    api = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the temporary Prefect server exited ({server.returncode})")
        try:
            with urllib.request.urlopen(f"{api}/health", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            time.sleep(0.2)
    else:
        stop(server)
        raise RuntimeError(f"the temporary Prefect server did not answer within {timeout:.0f} s")
    os.environ["PREFECT_API_URL"] = api
    log.info("temporary Prefect server (pid %d) on %s", server.pid, api)
    return server


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
