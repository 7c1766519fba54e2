"""Pull feedback records from an HTTP JSON API, page by page (the ingestion stage's API source).

:func:`iter_api_records` streams one :class:`ApiRecord` per item of each page's records list,
page after page; it never holds more than one page.

Pagination
    * next links: ``next_key`` (a dotted path such as ``"links.next"``) gives the next page's
      URL, absolute or relative to the page just read. Missing, ``null`` or ``""`` ends the pull.
      Next links are followed as given (the server puts its cursor and filters in them).
    * page numbers: with ``page_param`` set, ``?<page_param>=1, 2, 3...`` is sent (with the fixed
      ``params`` and the ``since`` cursor) while a page gives no next link, until a page has
      no records.
    * safety stops: a next link to a page already read, a page-numbered page that repeats the
      previous one (the server ignores ``page_param``), and more than ``max_pages`` pages all
      raise :class:`ApiError` (fail loudly rather than loop or truncate silently).

Failures
    Timeouts, connection errors, 5xx and 429 are retried ``max_retries`` times with exponential
    back-off (``backoff * 2**attempt``, at most 60 s); a numeric or HTTP-date ``Retry-After`` on
    429/503 is honoured instead (at most 60 s). Any other non-2xx status fails at once. A page
    whose shape is not what the settings describe fails: the API changed, and guessing would
    load garbage. Items that are not JSON objects come back as error records to quarantine.

Secrets
    The bearer token is read from the environment variable named by ``token_env`` and sent only
    to the origin (scheme, host, port) of ``settings.url``; it is replaced by ``***`` in every
    error message, log line and ``raw`` text, as are URL passwords and secret-looking query
    parameters (``api_key=``, ``token=``, ...).
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

log = logging.getLogger("voc.api")

MAX_WAIT = 60.0        # seconds: cap of any back-off or Retry-After wait
TEXT_LIMIT = 300       # characters of a server's text shown in an error
_MISSING = object()
_SECRET_PARAM = re.compile(
    r"token|secret|passw|api[_-]?key|access[_-]?key|^key$|^sig$|signature|credential|^auth",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ApiSettings:
    """Where the API is and how it pages, authenticates and is retried."""

    url: str                               # first page, e.g. "http://host/api/reviews"
    token_env: str | None = None           # env var holding a bearer token
    records_key: str = "data"              # dotted path to the records list ("result.items")
    next_key: str | None = "next"          # dotted path to the next page's URL
    page_param: str | None = None          # ?page=1,2,3... when next_key gives nothing
    since_param: str | None = None         # query parameter carrying the `since` cursor
    params: dict[str, str] = field(default_factory=dict)   # extra fixed query params
    timeout: float = 30.0                  # seconds, per request (connect, read, write)
    max_retries: int = 4                   # retries per request after the first attempt
    backoff: float = 1.0                   # seconds; wait backoff * 2**attempt (cap 60 s)
    max_pages: int = 100_000               # safety stop against a server that loops

    def __post_init__(self) -> None:
        """Reject settings that cannot work, naming the field."""
        if not self.url or not self.url.strip():
            raise ValueError("ApiSettings.url is empty: give the URL of the API's first page")
        if not self.records_key:
            raise ValueError("ApiSettings.records_key is empty")
        if not self.timeout > 0:
            raise ValueError(f"ApiSettings.timeout must be > 0 seconds, got {self.timeout!r}")
        if self.max_retries < 0:
            raise ValueError(f"ApiSettings.max_retries must be >= 0, got {self.max_retries!r}")
        if self.backoff < 0:
            raise ValueError(f"ApiSettings.backoff must be >= 0, got {self.backoff!r}")
        if self.max_pages < 1:
            raise ValueError(f"ApiSettings.max_pages must be >= 1, got {self.max_pages!r}")


class ApiError(RuntimeError):
    """The API could not be read; the message says what happened, where, and what to do.

    ``url`` (secrets masked) and ``status`` (None when no HTTP response came) are kept for
    callers that want to branch on them.
    """

    def __init__(self, message: str, *, url: str | None = None,
                 status: int | None = None, transient: bool = False) -> None:
        super().__init__(message)
        # True when the API was down or overloaded (timeouts, 5xx, 429 after every retry):
        # the same request may well work later. False for what a retry cannot fix (a bad
        # URL, a refused token, a malformed answer).
        self.transient = transient
        self.url = url
        self.status = status


@dataclass(frozen=True)
class ApiRecord:
    """One item of a page's records list."""

    row: dict[str, Any] | None   # None when the item is not a JSON object
    raw: str                     # the item as JSON text (token masked)
    error: str | None            # why the item is not usable (None when row is not None)
    position: str                # "page 3 item 17" (both 1-based)


def format_since(since: datetime) -> str:
    """``since`` as ISO 8601 UTC with a ``Z`` (a naive datetime is taken to be UTC)."""
    since = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
    spec = "microseconds" if since.microsecond else "seconds"
    return since.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def iter_api_records(
    settings: ApiSettings,
    *,
    since: datetime | None = None,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[ApiRecord]:
    """Stream the records of every page of the API, in order.

    The token variable and the URL are checked here, before anything is requested, so a
    misconfigured source fails at call time. A ``client`` given is used as is (and not
    closed), except that ``settings.timeout`` applies to each request; without one, a client
    that follows redirects and honours the usual proxy variables is opened and closed.
    ``sleep`` is what waits between retries (tests pass a recorder).
    """
    token = _read_token(settings.token_env)
    try:
        first = httpx.URL(settings.url.strip())
    except httpx.InvalidURL as exc:
        raise ApiError(f"ApiSettings.url {_mask(settings.url, token)!r} is not a valid URL: "
                       f"{exc}") from None
    if first.scheme not in ("http", "https") or not first.host:
        raise ApiError(f"ApiSettings.url {_mask(settings.url, token)!r} must be an absolute "
                       "http:// or https:// URL")
    query = dict(settings.params)
    if since is not None:
        if settings.since_param:
            query[settings.since_param] = format_since(since)
        else:
            log.warning("a since cursor was given but since_param is not set for %s: "
                        "pulling every record", _show(first, token))
    base = first.copy_merge_params(query) if query else first
    return _pull(settings, base, token, client, sleep)


def _read_token(token_env: str | None) -> str | None:
    """The bearer token from the environment, or ApiError naming the variable to set."""
    if token_env is None:
        return None
    token = os.environ.get(token_env, "").strip()
    if not token:
        state = "is empty" if token_env in os.environ else "is not set"
        raise ApiError(f"the API token variable {token_env} {state}: set {token_env} to the "
                       f"API token (export {token_env}=...)")
    return token


def _pull(settings: ApiSettings, base: httpx.URL, token: str | None,
          client: httpx.Client | None, sleep: Callable[[float], None]) -> Iterator[ApiRecord]:
    """The generator behind :func:`iter_api_records`."""
    own = client is None
    http = client if client is not None else httpx.Client(
        timeout=settings.timeout, follow_redirects=True)
    fetcher = _Fetcher(settings, http, token, _origin(base), sleep)
    page_number = 1
    url = base.copy_merge_params({settings.page_param: "1"}) if settings.page_param else base
    seen: set[str] = set()
    previous: list[Any] | None = None   # items of the previous page, when paging by number
    try:
        for page in range(1, settings.max_pages + 1):
            seen.add(str(url))
            response = fetcher.get(url, page)
            where = f"GET {_show(url, token)} (page {page})"
            items, next_value = _read_page(response, settings, where, token)
            if previous is not None and items and items == previous:
                raise ApiError(
                    f"{where} returned the same records as page {page - 1}: the server seems "
                    f"to ignore ?{settings.page_param}=; check page_param "
                    f"(or set next_key if the API gives next links)",
                    url=_show(url, token), status=response.status_code)
            log.debug("%s: %d records", where, len(items))
            for index, item in enumerate(items, start=1):
                yield _record(item, f"page {page} item {index}", token)
            if next_value is not None:
                url = response.url.join(next_value)
                previous = None
                if str(url) in seen:
                    raise ApiError(
                        f"{where}: the next link {_show(url, token)} points to a page already "
                        f"read; the server's pagination loops (check next_key "
                        f"{settings.next_key!r})", url=_show(url, token))
            elif settings.page_param and items:
                page_number += 1
                url = base.copy_merge_params({settings.page_param: str(page_number)})
                previous = items
            else:
                return
        raise ApiError(
            f"stopped after max_pages={settings.max_pages} pages of {_show(base, token)}: the "
            f"server still gave a next page ({_show(url, token)}). Raise max_pages if the API "
            "really has that many pages; otherwise its pagination loops.",
            url=_show(url, token))
    finally:
        if own:
            http.close()


@dataclass
class _Fetcher:
    """GETs one page with retries; knows the token and where it may be sent."""

    settings: ApiSettings
    client: httpx.Client
    token: str | None
    origin: tuple[str, str, int | None]
    sleep: Callable[[float], None]

    def get(self, url: httpx.URL, page: int) -> httpx.Response:
        """The 2xx response for ``url``, or ApiError once retries are spent or pointless."""
        settings, shown = self.settings, _show(url, self.token)
        token_sent = self.token is not None and _origin(url) == self.origin
        headers = {"Accept": "application/json"}
        if token_sent:
            headers["Authorization"] = f"Bearer {self.token}"
        attempts = settings.max_retries + 1
        last, last_status = "", None
        for attempt in range(attempts):
            retry_after: float | None = None
            try:
                response = self.client.get(url, headers=headers, timeout=settings.timeout)
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                last = f"{type(exc).__name__}: {_mask(str(exc), self.token) or 'no detail'}"
            except httpx.HTTPError as exc:   # unsupported scheme, too many redirects, ...
                raise ApiError(f"GET {shown} (page {page}) failed: {type(exc).__name__}: "
                               f"{_mask(str(exc), self.token)}", url=shown) from None
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return response
                if status != 429 and status < 500:
                    raise self._refused(response, shown, page, token_sent)
                last_status = status
                last = f"HTTP {status} {response.reason_phrase}: {self._text(response)}"
                if status in (429, 503):
                    retry_after = _retry_after(response.headers.get("Retry-After"))
            if attempt == attempts - 1:
                break
            wait = (retry_after if retry_after is not None
                    else min(settings.backoff * 2**attempt, MAX_WAIT))
            log.warning("GET %s (page %d): %s; retry %d/%d in %.1f s", shown, page, last,
                        attempt + 1, settings.max_retries, wait)
            self.sleep(wait)
        raise ApiError(f"GET {shown} (page {page}) failed after {attempts} attempts "
                       f"({settings.max_retries} retries); last: {last}. The API is down, "
                       "overloaded or unreachable: try again later, or raise timeout/max_retries.",
                       url=shown, status=last_status, transient=True)

    def _refused(self, response: httpx.Response, shown: str, page: int,
                 token_sent: bool) -> ApiError:
        """The ApiError for a status that retrying will not fix."""
        status = response.status_code
        message = (f"GET {shown} (page {page}) -> HTTP {status} {response.reason_phrase}: "
                   f"{self._text(response)}")
        env = self.settings.token_env
        if status in (401, 403):
            if env is None:
                message += (". The API wants a token: set token_env in the source settings and "
                            "export the token in that variable.")
            elif not token_sent:
                message += (f". The token from {env} was not sent: this URL is on another host "
                            "than ApiSettings.url, and the token only goes to that one.")
            else:
                message += (f". Check the token in {env}: it is missing, wrong or expired, or "
                            "lacks access to this resource.")
        elif 300 <= status < 400:
            location = _mask(response.headers.get("Location", "?"), self.token)
            message += (f". Redirect to {location} not followed: use that URL, or a client "
                        "with follow_redirects=True.")
        return ApiError(message, url=shown, status=status)

    def _text(self, response: httpx.Response) -> str:
        """The server's text, masked, on one line, at most TEXT_LIMIT characters."""
        try:
            text = response.text
        except (UnicodeDecodeError, LookupError):
            text = response.content.decode("utf-8", errors="replace")
        return _clip(_mask(text, self.token)) or "(empty body)"


def _read_page(response: httpx.Response, settings: ApiSettings, where: str,
               token: str | None) -> tuple[list[Any], str | None]:
    """The records list and next link (None on the last page) of one page."""
    shown = _show(response.url, token)
    status = response.status_code
    if status == 204:
        return [], None
    try:
        doc = json.loads(response.content)
    except ValueError:
        text = _clip(_mask(response.content.decode("utf-8", errors="replace"), token))
        raise ApiError(
            f"{where}: the response is not JSON (HTTP {status}, content-type "
            f"{response.headers.get('Content-Type', 'none')!r}): {text or '(empty body)'}",
            url=shown, status=status) from None
    if isinstance(doc, list):
        return doc, None
    if not isinstance(doc, dict):
        raise ApiError(f"{where}: expected a JSON object or list, got {_kind(doc)}: "
                       f"{_clip(_mask(json.dumps(doc), token))}", url=shown, status=status)
    items = _lookup(doc, settings.records_key)
    if items is _MISSING:
        keys = ", ".join(repr(key) for key in list(doc)[:20]) or "none"
        raise ApiError(
            f"{where}: no {settings.records_key!r} in the response (top-level keys: {keys}). "
            "The API's response shape changed, or records_key is wrong.",
            url=shown, status=status)
    if items is None:
        items = []   # "data": null -- an empty page
    if not isinstance(items, list):
        raise ApiError(f"{where}: {settings.records_key!r} is {_kind(items)}, not a list of "
                       "records; check records_key", url=shown, status=status)
    next_value = _lookup(doc, settings.next_key) if settings.next_key else None
    if next_value is _MISSING or next_value is None:
        return items, None
    if not isinstance(next_value, str):
        raise ApiError(
            f"{where}: next link {settings.next_key!r} is {_kind(next_value)} "
            f"({_clip(_mask(json.dumps(next_value, default=str), token))}), not a URL; if it "
            "is a page number or a flag, set next_key=None and page_param instead",
            url=shown, status=status)
    return items, (next_value.strip() or None)


def _record(item: Any, position: str, token: str | None) -> ApiRecord:
    """An ApiRecord for one item of a records list."""
    raw = _mask(json.dumps(item, ensure_ascii=False, default=str), token)
    if isinstance(item, dict):
        return ApiRecord(row=item, raw=raw, error=None, position=position)
    return ApiRecord(row=None, raw=raw, position=position,
                     error=f"item is {_kind(item)}, not a JSON object")


def _lookup(doc: dict[str, Any], path: str) -> Any:
    """The value at a dotted path (a key with the dots in it wins), or _MISSING."""
    if path in doc:
        return doc[path]
    value: Any = doc
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (number or HTTP date), capped; None if bad."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value.strip())
        except (TypeError, ValueError, IndexError):
            return None
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when
        seconds = (when - datetime.now(UTC)).total_seconds()
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_WAIT)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


def _mask(text: str, token: str | None) -> str:
    """``text`` with the token replaced by ***."""
    return text.replace(token, "***") if token else text


def _show(url: httpx.URL, token: str | None) -> str:
    """A URL fit for messages: token, password and secret-looking query values masked."""
    if url.password:
        url = url.copy_with(username=url.username, password="***")
    pairs = url.params.multi_items()
    if any(_SECRET_PARAM.search(key) for key, _ in pairs):
        url = url.copy_with(params=[(key, "***" if _SECRET_PARAM.search(key) else value)
                                    for key, value in pairs])
    return _mask(str(url).replace("%2A%2A%2A", "***"), token)


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT] + "..."


def _kind(value: Any) -> str:
    """The JSON name of a value's type, with an article."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object" if isinstance(value, dict) else type(value).__name__
