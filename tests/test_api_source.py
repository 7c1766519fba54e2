"""Tests for data.api_source against a real local HTTP server (no mocking of httpx).

Each test scripts the server (tests/fake_api.py): a queue of planned replies per path (or a
function of the request), and reads back what the server received (path, query, headers).
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from data.api_source import ApiError, ApiRecord, ApiSettings, iter_api_records
from tests.fake_api import FakeApi, Reply, Seen  # test_ingestion.py imports these from here

TOKEN = "s3cr3t-T0ken-value-42"
FAST_SETTINGS: dict[str, Any] = {"backoff": 1.0, "timeout": 5.0}


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx honours proxy variables; the local server must be reached directly."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def make_api() -> Iterator[Callable[[], FakeApi]]:
    """Start as many fake APIs as a test needs; all are stopped at the end."""
    started: list[FakeApi] = []

    def start() -> FakeApi:
        started.append(FakeApi())
        return started[-1]

    yield start
    for api in started:
        api.close()


@pytest.fixture
def api(make_api: Callable[[], FakeApi]) -> FakeApi:
    return make_api()


@pytest.fixture
def sleeps() -> list[float]:
    """The waits asked for, recorded instead of slept."""
    return []


def pull(settings: ApiSettings, sleeps: list[float], **kwargs: Any) -> list[ApiRecord]:
    return list(iter_api_records(settings, sleep=sleeps.append, **kwargs))


def ids(records: list[ApiRecord]) -> list[Any]:
    return [record.row["id"] for record in records if record.row is not None]


def page(*numbers: int, next: str | None = None) -> Reply:
    return Reply(doc={"data": [{"id": i, "text": f"review {i}"} for i in numbers], "next": next})


# --- pagination --------------------------------------------------------------------------


def test_next_links_relative_and_absolute_over_three_pages(api: FakeApi,
                                                          sleeps: list[float]) -> None:
    api.plan("/api/reviews", page(1, 2, next="/api/reviews?cursor=b"))          # relative
    api.plan("/api/reviews", page(3, 4, next=api.url("/api/reviews?cursor=c")))  # absolute
    api.plan("/api/reviews", page(5, next=""))                                   # last
    records = pull(ApiSettings(api.url("/api/reviews"), params={"lang": "de"}), sleeps)
    assert ids(records) == [1, 2, 3, 4, 5]
    assert [r.position for r in records] == [
        "page 1 item 1", "page 1 item 2", "page 2 item 1", "page 2 item 2", "page 3 item 1"]
    assert all(r.error is None for r in records)
    assert json.loads(records[0].raw) == {"id": 1, "text": "review 1"}
    assert [s.query for s in api.seen] == [{"lang": ["de"]}, {"cursor": ["b"]}, {"cursor": ["c"]}]
    assert sleeps == []


def test_next_link_relative_to_the_current_page(api: FakeApi, sleeps: list[float]) -> None:
    api.plan("/v1/reviews", page(1, next="reviews?cursor=2"))
    api.plan("/v1/reviews", page(2, next="?cursor=3"))
    api.plan("/v1/reviews", page(3))
    assert ids(pull(ApiSettings(api.url("/v1/reviews")), sleeps)) == [1, 2, 3]
    assert [s.query.get("cursor") for s in api.seen] == [None, ["2"], ["3"]]


def test_streams_page_by_page(api: FakeApi, sleeps: list[float]) -> None:
    api.plan("/r", page(1, next="/r?p=2"), page(2))
    records = iter_api_records(ApiSettings(api.url("/r")), sleep=sleeps.append)
    assert api.seen == []                       # nothing requested before iterating
    assert next(records).row == {"id": 1, "text": "review 1"}
    assert len(api.seen) == 1                   # page 2 not fetched yet
    assert ids(list(records)) == [2]
    assert len(api.seen) == 2


def test_page_numbers_stop_at_the_empty_page(api: FakeApi, sleeps: list[float]) -> None:
    api.plan("/r", page(1, 2), page(3), Reply(doc={"data": [], "total": 3}))
    settings = ApiSettings(api.url("/r"), page_param="page", since_param="updated_since",
                           params={"lang": "fr"})
    since = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    assert ids(pull(settings, sleeps, since=since)) == [1, 2, 3]
    assert [s.query for s in api.seen] == [
        {"lang": ["fr"], "updated_since": ["2024-05-01T12:30:00Z"], "page": [str(n)]}
        for n in (1, 2, 3)]


def test_page_numbers_ignored_by_the_server_fail(api: FakeApi, sleeps: list[float]) -> None:
    api.always("/r", lambda seen: page(1, 2))
    with pytest.raises(ApiError, match=r"same records as page 1.*page_param") as caught:
        pull(ApiSettings(api.url("/r"), page_param="pg"), sleeps)
    assert len(api.seen) == 2
    assert "?pg=" in str(caught.value)


def test_dotted_keys(api: FakeApi, sleeps: list[float]) -> None:
    api.plan("/r", Reply(doc={"result": {"items": [{"id": 1}]}, "links": {"next": "/r?c=2"}}),
             Reply(doc={"result": {"items": [{"id": 2}]}, "links": {"next": None}}))
    settings = ApiSettings(api.url("/r"), records_key="result.items", next_key="links.next")
    assert ids(pull(settings, sleeps)) == [1, 2]


def test_top_level_list_and_null_records(api: FakeApi, sleeps: list[float]) -> None:
    api.plan("/list", Reply(doc=[{"id": 7}, {"id": 8}]))
    assert ids(pull(ApiSettings(api.url("/list")), sleeps)) == [7, 8]
    api.plan("/null", Reply(doc={"data": None, "next": None}))
    assert pull(ApiSettings(api.url("/null")), sleeps) == []


def test_self_referencing_next_link_fails(api: FakeApi, sleeps: list[float]) -> None:
    api.always("/r", lambda seen: page(1, next="/r"))
    with pytest.raises(ApiError, match="already read"):
        pull(ApiSettings(api.url("/r")), sleeps)
    assert len(api.seen) == 1


def test_max_pages_stops_an_endless_server(api: FakeApi, sleeps: list[float]) -> None:
    def endless(seen: Seen) -> Reply:
        n = int(seen.query.get("n", ["1"])[0])
        return page(n, next=f"/r?n={n + 1}")

    api.always("/r", endless)
    got: list[ApiRecord] = []
    with pytest.raises(ApiError, match="max_pages=5") as caught:
        for record in iter_api_records(ApiSettings(api.url("/r"), max_pages=5),
                                       sleep=sleeps.append):
            got.append(record)
    assert ids(got) == [1, 2, 3, 4, 5]          # the pages read were streamed
    assert len(api.seen) == 5
    assert "n=6" in str(caught.value)


# --- authentication ----------------------------------------------------------------------


def test_bearer_token_from_env(api: FakeApi, sleeps: list[float],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEWS_API_TOKEN", TOKEN)
    api.plan("/r", page(1, next="/r?c=2"), page(2))
    assert ids(pull(ApiSettings(api.url("/r"), token_env="REVIEWS_API_TOKEN"), sleeps)) == [1, 2]
    assert [s.headers["authorization"] for s in api.seen] == [f"Bearer {TOKEN}"] * 2
    assert all(s.headers["accept"] == "application/json" for s in api.seen)


@pytest.mark.parametrize("value", [None, "", "  "])
def test_missing_token_fails_before_any_request(api: FakeApi, sleeps: list[float],
                                                monkeypatch: pytest.MonkeyPatch,
                                                value: str | None) -> None:
    if value is None:
        monkeypatch.delenv("REVIEWS_API_TOKEN", raising=False)
    else:
        monkeypatch.setenv("REVIEWS_API_TOKEN", value)
    api.plan("/r", page(1))
    with pytest.raises(ApiError, match=r"set REVIEWS_API_TOKEN .*export REVIEWS_API_TOKEN="):
        iter_api_records(ApiSettings(api.url("/r"), token_env="REVIEWS_API_TOKEN"),
                         sleep=sleeps.append)
    assert api.seen == []


def test_token_is_not_sent_to_another_host(make_api: Callable[[], FakeApi],
                                           sleeps: list[float],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEWS_API_TOKEN", TOKEN)
    home, other = make_api(), make_api()
    home.plan("/r", page(1, next=other.url("/r?c=2")))
    other.plan("/r", page(2))
    assert ids(pull(ApiSettings(home.url("/r"), token_env="REVIEWS_API_TOKEN"), sleeps)) == [1, 2]
    assert home.seen[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert "authorization" not in other.seen[0].headers


# --- retries -----------------------------------------------------------------------------


def test_5xx_then_success_after_backoff(api: FakeApi, sleeps: list[float],
                                        caplog: pytest.LogCaptureFixture) -> None:
    api.plan("/r", Reply(500, body="boom"), Reply(502, body="bad gateway"), page(1, 2))
    with caplog.at_level(logging.WARNING, logger="voc.api"):
        records = pull(ApiSettings(api.url("/r"), **FAST_SETTINGS), sleeps)
    assert ids(records) == [1, 2]
    assert sleeps == [1.0, 2.0]
    assert len(api.seen) == 3
    warnings = [r.getMessage() for r in caplog.records if r.name == "voc.api"]
    assert len(warnings) == 2
    assert "HTTP 500" in warnings[0] and "retry 1/4 in 1.0 s" in warnings[0]
    assert "HTTP 502" in warnings[1] and "retry 2/4 in 2.0 s" in warnings[1]


def test_backoff_is_capped_at_60_seconds(api: FakeApi, sleeps: list[float]) -> None:
    api.plan("/r", *[Reply(500)] * 4, page(1))
    settings = ApiSettings(api.url("/r"), backoff=10.0, max_retries=4)
    assert ids(pull(settings, sleeps)) == [1]
    assert sleeps == [10.0, 20.0, 40.0, 60.0]


@pytest.mark.parametrize(("retry_after", "waited"), [("3", 3.0), ("3600", 60.0),
                                                     ("soon", 1.0)])
def test_429_honours_retry_after(api: FakeApi, sleeps: list[float], retry_after: str,
                                 waited: float) -> None:
    api.plan("/r", Reply(429, body="slow down", headers={"Retry-After": retry_after}), page(1))
    assert ids(pull(ApiSettings(api.url("/r"), **FAST_SETTINGS), sleeps)) == [1]
    assert sleeps == [waited]
    assert len(api.seen) == 2


def test_timeout_is_retried(api: FakeApi, sleeps: list[float]) -> None:
    api.plan("/r", Reply(delay=1.0, doc={"data": [{"id": "late"}]}), page(1))
    started = time.monotonic()
    records = pull(ApiSettings(api.url("/r"), timeout=0.3, backoff=0.5), sleeps)
    assert ids(records) == [1]
    assert sleeps == [0.5]
    assert len(api.seen) == 2
    assert time.monotonic() - started < 1.0      # did not wait for the slow answer


def test_persistent_503_fails_after_max_retries(api: FakeApi, sleeps: list[float]) -> None:
    api.always("/r", lambda seen: Reply(503, body="maintenance until 14:00"))
    with pytest.raises(ApiError) as caught:
        pull(ApiSettings(api.url("/r"), max_retries=3, backoff=0.5), sleeps)
    assert len(api.seen) == 4                   # 1 attempt + 3 retries
    assert sleeps == [0.5, 1.0, 2.0]
    message = str(caught.value)
    assert "4 attempts" in message and "HTTP 503" in message
    assert "maintenance until 14:00" in message and api.url("/r") in message
    assert caught.value.status == 503


def test_connection_refused_is_retried_then_fails(sleeps: list[float]) -> None:
    with socket.socket() as probe:               # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ApiError, match=r"3 attempts.*ConnectError"):
        pull(ApiSettings(f"http://127.0.0.1:{port}/r", max_retries=2, backoff=0.1), sleeps)
    assert sleeps == [0.1, 0.2]


# --- errors that are not retried -----------------------------------------------------------


@pytest.mark.parametrize(("status", "text"), [(404, "no such endpoint /r"),
                                              (400, "unknown parameter lang"),
                                              (401, "invalid bearer token"),
                                              (403, "scope reviews:read required")])
def test_4xx_fails_at_once(api: FakeApi, sleeps: list[float], monkeypatch: pytest.MonkeyPatch,
                           status: int, text: str) -> None:
    monkeypatch.setenv("REVIEWS_API_TOKEN", TOKEN)
    api.always("/r", lambda seen: Reply(status, doc={"error": text}))
    with pytest.raises(ApiError) as caught:
        pull(ApiSettings(api.url("/r"), token_env="REVIEWS_API_TOKEN"), sleeps)
    assert len(api.seen) == 1 and sleeps == []
    message = str(caught.value)
    assert f"HTTP {status}" in message and text in message
    assert caught.value.status == status
    hints_token = "token in REVIEWS_API_TOKEN" in message and "expired" in message
    assert hints_token == (status in (401, 403))


def test_401_without_token_env_says_a_token_is_needed(api: FakeApi,
                                                      sleeps: list[float]) -> None:
    api.plan("/r", Reply(401, body="authentication required"))
    with pytest.raises(ApiError, match="set token_env"):
        pull(ApiSettings(api.url("/r")), sleeps)


def test_token_never_appears_in_errors_logs_or_raw(api: FakeApi, sleeps: list[float],
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("REVIEWS_API_TOKEN", TOKEN)
    settings = ApiSettings(api.url("/r"), token_env="REVIEWS_API_TOKEN",
                           params={"api_key": "key-in-url"})
    echo = f"token {TOKEN} rejected"
    api.plan("/r", Reply(503, body=echo), Reply(doc={"data": [{"id": 1, "note": echo}, echo],
                                                     "next": f"/r?access_token={TOKEN}"}))
    api.plan("/r", Reply(401, body=echo))
    messages: list[str] = []
    records: list[ApiRecord] = []
    with caplog.at_level(logging.DEBUG, logger="voc.api"), pytest.raises(ApiError) as caught:
        records.extend(iter_api_records(settings, sleep=sleeps.append))
    messages.append(str(caught.value))
    for bad in (Reply(404, body=echo), Reply(200, body=f"<html>{echo}</html>"),
                Reply(doc={"items": [], "x": echo}), Reply(doc={"data": [], "next": {"t": echo}}),
                *[Reply(500, body=echo)] * 5):
        api.plan("/r", bad)
        with pytest.raises(ApiError) as caught:
            pull(settings, sleeps)
        messages.append(str(caught.value))
    assert [r.row["id"] for r in records if r.row] == [1]
    assert "***" in messages[0] and "***" in records[0].raw and "***" in records[1].raw
    texts = messages + [r.raw for r in records] + [r.getMessage() for r in caplog.records]
    for text in texts:
        assert TOKEN not in text and "key-in-url" not in text, text
    assert api.seen[0].query["api_key"] == ["key-in-url"]   # the real value was sent


# --- page shape --------------------------------------------------------------------------


def test_non_json_body_fails(api: FakeApi, sleeps: list[float]) -> None:
    api.plan("/r", Reply(body="<html><body>Please log in</body></html>"))
    with pytest.raises(ApiError, match=r"not JSON.*Please log in"):
        pull(ApiSettings(api.url("/r")), sleeps)


def test_missing_records_key_fails_naming_it(api: FakeApi, sleeps: list[float]) -> None:
    api.plan("/r", Reply(doc={"items": [{"id": 1}], "cursor": None}))
    with pytest.raises(ApiError) as caught:
        pull(ApiSettings(api.url("/r")), sleeps)
    message = str(caught.value)
    assert "no 'data'" in message and "'items', 'cursor'" in message
    assert "records_key" in message


@pytest.mark.parametrize("doc", [{"data": {"id": 1}}, "just text", 42])
def test_records_that_are_not_a_list_fail(api: FakeApi, sleeps: list[float], doc: Any) -> None:
    api.plan("/r", Reply(doc=doc))
    with pytest.raises(ApiError, match="not a list|expected a JSON object or list"):
        pull(ApiSettings(api.url("/r")), sleeps)


def test_next_link_that_is_not_a_url_fails(api: FakeApi, sleeps: list[float]) -> None:
    api.plan("/r", Reply(doc={"data": [{"id": 1}], "next": 2}))
    with pytest.raises(ApiError, match="page_param"):
        pull(ApiSettings(api.url("/r")), sleeps)


def test_non_object_items_become_error_records(api: FakeApi, sleeps: list[float]) -> None:
    api.plan("/r", Reply(doc={"data": [{"id": 1}, "oops"], "next": "/r?c=2"}),
             Reply(doc={"data": [3, None, [1, 2], {"id": "ü"}]}))
    records = pull(ApiSettings(api.url("/r")), sleeps)
    bad = [(r.position, r.raw, r.error) for r in records if r.row is None]
    assert bad == [("page 1 item 2", '"oops"', "item is a string, not a JSON object"),
                   ("page 2 item 1", "3", "item is a number, not a JSON object"),
                   ("page 2 item 2", "null", "item is null, not a JSON object"),
                   ("page 2 item 3", "[1, 2]", "item is an array, not a JSON object")]
    assert ids(records) == [1, "ü"]
    assert records[-1].raw == '{"id": "ü"}'      # ensure_ascii=False


def test_empty_204_page_ends_the_pull(api: FakeApi, sleeps: list[float]) -> None:
    api.plan("/r", page(1), Reply(204, body=""))
    assert ids(pull(ApiSettings(api.url("/r"), page_param="page"), sleeps)) == [1]
    assert len(api.seen) == 2


# --- incremental pulls and settings ------------------------------------------------------


def test_since_is_sent_as_utc_iso_with_z(api: FakeApi, sleeps: list[float]) -> None:
    api.plan("/r", page(1))
    since = datetime(2024, 5, 1, 12, 0, 0, 250000, tzinfo=timezone(timedelta(hours=2)))
    settings = ApiSettings(api.url("/r?lang=en"), since_param="updated_since")
    assert ids(pull(settings, sleeps, since=since)) == [1]
    assert api.seen[0].query == {"lang": ["en"], "updated_since": ["2024-05-01T10:00:00.250000Z"]}


def test_since_without_since_param_is_not_sent(api: FakeApi, sleeps: list[float],
                                               caplog: pytest.LogCaptureFixture) -> None:
    api.plan("/r", page(1))
    with caplog.at_level(logging.WARNING, logger="voc.api"):
        pull(ApiSettings(api.url("/r")), sleeps, since=datetime(2024, 1, 1, tzinfo=UTC))
    assert api.seen[0].query == {}
    assert "since_param is not set" in caplog.text


def test_a_client_given_is_used_and_left_open(api: FakeApi, sleeps: list[float]) -> None:
    import httpx

    api.plan("/r", page(1))
    with httpx.Client(headers={"X-Test": "yes"}) as client:
        assert ids(pull(ApiSettings(api.url("/r")), sleeps, client=client)) == [1]
        assert not client.is_closed
    assert api.seen[0].headers["x-test"] == "yes"


@pytest.mark.parametrize("bad", [{"timeout": 0}, {"max_retries": -1}, {"backoff": -1.0},
                                 {"max_pages": 0}, {"url": " "}])
def test_impossible_settings_are_rejected(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ApiSettings(**{"url": "http://127.0.0.1/r", **bad})


def test_a_url_that_is_not_http_fails_at_once(sleeps: list[float]) -> None:
    with pytest.raises(ApiError, match="http:// or https://"):
        pull(ApiSettings("ftp://example.org/reviews"), sleeps)
