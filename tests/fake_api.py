"""A scripted JSON API on a real local HTTP server, for tests of API sources.

A test plans the replies per path (a queue, or a function of the request), points the
client at :attr:`FakeApi.base`, and reads back what the server received (path, query,
headers). No mocking of httpx: requests go over a real socket to 127.0.0.1.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    """One planned response."""

    status: int = 200
    doc: Any = None                        # sent as JSON when body is None
    body: str | None = None                # sent verbatim
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0                     # seconds to wait before answering


@dataclass
class Seen:
    """One request the server received."""

    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]                # lower-case names


Responder = Callable[[Seen], Reply]


class FakeApi:
    """A scripted JSON API on 127.0.0.1 (a ThreadingHTTPServer in a background thread)."""

    def __init__(self) -> None:
        self.queues: dict[str, list[Reply]] = {}
        self.responders: dict[str, Responder] = {}
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.api = self
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def plan(self, path: str, *replies: Reply) -> None:
        """Answer the next requests to ``path`` with these replies, in order."""
        self.queues.setdefault(path, []).extend(replies)

    def always(self, path: str, responder: Responder) -> None:
        """Answer every request to ``path`` with ``responder(request)``."""
        self.responders[path] = responder

    def reply_to(self, seen: Seen) -> Reply:
        with self.lock:
            self.seen.append(seen)
            if seen.path in self.responders:
                return self.responders[seen.path](seen)
            queue = self.queues.get(seen.path)
            if queue:
                return queue.pop(0)
        return Reply(418, body=f"test server: no reply planned for {seen.path}")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: FakeApi

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client that timed out closes the socket under a slow handler."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        seen = Seen(parts.path, parse_qs(parts.query, keep_blank_values=True),
                    {name.lower(): value for name, value in self.headers.items()})
        reply = self.server.api.reply_to(seen)
        if reply.delay:
            time.sleep(reply.delay)
        body = (reply.body if reply.body is not None else json.dumps(reply.doc)).encode()
        try:
            self.send_response(reply.status)
            content_type = "text/plain" if reply.body is not None else "application/json"
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""
