"""Who may call the endpoint: the policy's pure judgements, then the server applying them.

A web page in the user's browser must not be able to drive the endpoint: not by
DNS rebinding (a foreign Host), not by a form post or a no-cors fetch (a foreign
Origin), not by a cross-site GET (no Origin, `Sec-Fetch-Site: cross-site`).
Tools, which send neither Origin nor Sec-Fetch-Site, are unaffected, and pages
served from localhost may call it and read the answers (CORS).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from backend.services.sqs import SqsService
from backend.wire.access import (
    Access,
    browser_refusal,
    host_allowed,
    host_pattern,
    host_refusal,
    is_local_origin,
    origin_allowed,
    origin_pattern,
    preflight_headers,
)
from tests.wire.live import ACCOUNT, Live, start_live
from tests.wire.rawhttp import Reply, amz_json, raw, request
from tests.wire.test_bad_input import aws_error

NOBODY = Access()
EVIL = "http://evil.example"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

# -- the policy ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "LOCALHOST:4566",
        "127.0.0.1",
        "127.0.0.1:4566",
        "127.1.2.3:80",
        "[::1]",
        "[::1]:4566",
        "[0:0:0:0:0:0:0:1]:4566",
        "bucket.localhost",
        "my-bucket.s3.localhost:4566",
    ],
)
def test_loopback_hosts_are_answered(host: str) -> None:
    assert host_allowed(NOBODY, host)


@pytest.mark.parametrize(
    "host",
    [
        "",
        "rebind.evil.example",
        "rebind.evil.example:4566",
        "localhost.evil.example",
        "evil-localhost",
        "127.0.0.1.evil.example",
        "128.0.0.1",
        "0.0.0.0:4566",
        "192.168.1.20",
        "[::2]",
        "[::ffff:127.0.0.1]",
        "::1",
        "[::1",
        "[::1]x",
        "localhost:",
        "localhost:port",
        "localhost.",
        ".localhost",
        "a..localhost",
        "local host",
    ],
)
def test_other_hosts_are_refused(host: str) -> None:
    assert not host_allowed(NOBODY, host)


def test_allowed_hosts_are_exact_names_or_suffix_patterns() -> None:
    access = Access(
        allowed_hosts=("skydeck.internal", "*.dev.example", "192.168.1.20", "[fd00::5]")
    )
    for host in ("skydeck.internal:4566", "SKYDECK.internal", "q.dev.example", "a.b.dev.example:1"):
        assert host_allowed(access, host), host
    for host in ("192.168.1.20:4566", "[fd00::5]:4566"):
        assert host_allowed(access, host), host
    for host in ("dev.example", "xdev.example", "skydeck.internal.evil", "192.168.1.21"):
        assert not host_allowed(access, host), host


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("Skydeck.Internal", "skydeck.internal"),
        ("*.Dev.Example", "*.dev.example"),
        ("192.168.1.20", "192.168.1.20"),
        ("fd00::5", "[fd00::5]"),
        ("[fd00::5]", "[fd00::5]"),
    ],
)
def test_host_patterns_are_normalised(text: str, pattern: str) -> None:
    assert host_pattern(text) == pattern


@pytest.mark.parametrize("text", ["", "*", "*.", "evil.example:80", "http://x", "a b", "[zz]"])
def test_bad_host_patterns_say_what_is_wrong(text: str) -> None:
    with pytest.raises(ValueError, match="not a host name"):
        host_pattern(text)


@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost",
        "http://localhost:3000",
        "https://127.0.0.1",
        "http://127.0.0.1:8080",
        "http://[::1]:5173",
        "http://app.localhost:3000",
        "HTTP://LOCALHOST:3000",
    ],
)
def test_local_origins_are_answered(origin: str) -> None:
    assert is_local_origin(origin)
    assert origin_allowed(NOBODY, origin)


@pytest.mark.parametrize(
    "origin",
    [
        "null",
        EVIL,
        "https://localhost.evil.example",
        "http://localhost:3000/app",
        "http://localhost:",
        "file://",
        "ws://localhost:3000",
        "chrome-extension://abcdefghijklmnop",
        "",
    ],
)
def test_other_origins_are_refused(origin: str) -> None:
    assert not origin_allowed(NOBODY, origin)
    assert browser_refusal(NOBODY, origin, "cross-site") is not None


def test_opened_origins_are_exact_or_any() -> None:
    app = Access(cors_origins=(origin_pattern("https://App.Example.com/"),))
    assert origin_allowed(app, "https://app.example.com")
    assert not origin_allowed(app, "https://app.example.com:8443")
    assert not origin_allowed(app, "http://app.example.com")
    anyone = Access(cors_origins=(origin_pattern("*"),))
    assert origin_allowed(anyone, EVIL)
    assert origin_allowed(anyone, "null")


@pytest.mark.parametrize("text", ["", "localhost:3000", "https://x/path", "https://", "*.example"])
def test_bad_origin_patterns_say_what_is_wrong(text: str) -> None:
    with pytest.raises(ValueError, match="not an origin"):
        origin_pattern(text)


def test_tools_are_never_refused_as_browsers() -> None:
    assert browser_refusal(NOBODY, None, None) is None
    assert browser_refusal(NOBODY, None, "same-origin") is None
    assert browser_refusal(NOBODY, None, "none") is None
    assert browser_refusal(NOBODY, "http://localhost:3000", "cross-site") is None
    cross = browser_refusal(NOBODY, None, "cross-site")
    assert cross is not None
    assert "without an Origin" in cross


def test_refusals_say_why_and_how_to_allow() -> None:
    rebind = host_refusal("rebind.evil.example:4566")
    assert "DNS rebinding" in rebind
    assert "--allow-host rebind.evil.example." in rebind
    assert "no Host header" in host_refusal("")
    page = browser_refusal(NOBODY, EVIL, None)
    assert page is not None
    assert f"--cors-origin {EVIL}." in page


def test_preflight_grants_what_was_asked() -> None:
    headers = preflight_headers(
        "http://localhost:3000", "POST", "authorization, content-type, x-amz-date", False
    )
    assert headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert headers["Access-Control-Allow-Methods"] == "POST"
    assert headers["Access-Control-Allow-Headers"] == "authorization, content-type, x-amz-date"
    assert "Origin" in headers["Vary"]
    assert "Access-Control-Allow-Private-Network" not in headers
    odd = preflight_headers("http://localhost:3000", "PO ST", "a\x7fb", True)
    assert "Access-Control-Allow-Methods" not in odd
    assert "Access-Control-Allow-Headers" not in odd
    assert odd["Access-Control-Allow-Private-Network"] == "true"


# -- the server applying it ---------------------------------------------------------------


def queues(live: Live) -> list[str]:
    return sorted(name for _, name in live.cloud.service(SqsService).queues)


def test_a_form_post_from_another_site_creates_nothing(
    live: Live, caplog: pytest.LogCaptureFixture
) -> None:
    body = urlencode({"Action": "CreateQueue", "QueueName": "pwned"}).encode()
    reply = request(live.url, "POST", "/", body, {**FORM, "Origin": EVIL})
    assert aws_error(reply) == (403, "AccessDenied")
    message = reply.xml().findtext("Error/Message", "")
    assert f"--cors-origin {EVIL}" in message
    assert "access-control-allow-origin" not in reply.headers
    assert queues(live) == []
    assert any(EVIL in line for line in caplog.messages), "one log line names the origin"


def test_a_no_cors_post_from_another_site_does_not_reset(live: Live) -> None:
    live.client("sqs").create_queue(QueueName="kept")
    headers = {"Content-Type": "text/plain", "Origin": EVIL}
    reply = request(live.url, "POST", "/_skydeck/reset", b"", headers)
    assert reply.status == 403
    assert queues(live) == ["kept"]
    assert request(live.url, "POST", "/_skydeck/reset", b"", {"Origin": "null"}).status == 403
    assert queues(live) == ["kept"]


def test_a_rebound_host_is_refused_and_never_echoed(
    live: Live, caplog: pytest.LogCaptureFixture
) -> None:
    target = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.CreateQueue"}
    headers = {**target, "Host": "rebind.evil.example:4566"}
    reply = request(live.url, "POST", "/", b'{"QueueName": "rebound"}', headers)
    assert aws_error(reply) == (403, "AccessDeniedException")
    assert "--allow-host rebind.evil.example" in reply.json()["message"]
    assert b"rebind.evil.example:4566/" not in reply.body
    assert queues(live) == []
    assert any("rebind.evil.example" in line for line in caplog.messages)
    health = request(live.url, "GET", "/_skydeck/health", headers={"Host": "evil.example"})
    assert health.status == 403


def test_a_request_without_a_host_is_refused(live: Live) -> None:
    answer = raw(live.url, b"GET /_skydeck/health HTTP/1.0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.0 403")
    assert b"no Host header" in answer


def test_a_cross_site_get_without_an_origin_is_refused(live: Live) -> None:
    path = "/?" + urlencode({"Action": "CreateQueue", "QueueName": "pwned"})
    reply = request(live.url, "GET", path, headers={"Sec-Fetch-Site": "cross-site"})
    assert aws_error(reply) == (403, "AccessDenied")
    assert queues(live) == []
    assert request(live.url, "GET", path, headers={"Sec-Fetch-Site": "none"}).status == 200
    assert queues(live) == ["pwned"]


def test_loopback_names_are_answered(live: Live) -> None:
    port = live.endpoint.port
    target = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.CreateQueue"}
    for host in (f"localhost:{port}", f"bucket.localhost:{port}", "127.0.0.2"):
        body = b'{"QueueName": "named"}'
        reply = request(live.url, "POST", "/", body, {**target, "Host": host})
        assert reply.json()["QueueUrl"] == f"http://{host}/{ACCOUNT}/named"


def test_a_local_page_may_call_and_read_the_answer(live: Live) -> None:
    origin = "http://localhost:3000"
    preflight = request(
        live.url,
        "OPTIONS",
        "/",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,x-amz-date,x-amz-target",
        },
    )
    assert preflight.status == 200
    assert preflight.headers["access-control-allow-origin"] == origin
    assert preflight.headers["access-control-allow-methods"] == "POST"
    assert preflight.headers["access-control-allow-headers"] == (
        "authorization,content-type,x-amz-date,x-amz-target"
    )
    assert "Origin" in preflight.headers["vary"]
    assert preflight.body == b""

    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "AmazonSQS.ListQueues",
        "Origin": origin,
    }
    reply = request(live.url, "POST", "/", b"{}", headers)
    assert reply.status == 200
    assert reply.headers["access-control-allow-origin"] == origin
    assert reply.headers["vary"] == "Origin"
    exposed = reply.headers["access-control-expose-headers"].lower()
    assert "x-amzn-requestid" in exposed
    assert "x-amzn-query-error" in exposed
    failed = request(live.url, "POST", "/", b"{", headers)
    assert aws_error(failed) == (400, "SerializationException")
    assert failed.headers["access-control-allow-origin"] == origin, "errors are readable too"


def test_a_local_page_may_read_an_object_sent_from_disk(live: Live) -> None:
    """GetObject streams the file after its headers: the CORS ones must be among them."""
    origin = "http://localhost:3000"
    headers = {"Origin": origin}
    assert request(live.url, "PUT", "/pictures", b"", headers).status == 200
    put = request(live.url, "PUT", "/pictures/cat.txt", b"meow", headers)
    assert put.status == 200
    assert put.headers["access-control-allow-origin"] == origin
    got = request(live.url, "GET", "/pictures/cat.txt", b"", headers)
    assert (got.status, got.body) == (200, b"meow")
    assert got.headers["access-control-allow-origin"] == origin
    assert "etag" in got.headers["access-control-expose-headers"].lower()


def test_a_preflight_from_another_site_is_refused(live: Live) -> None:
    headers = {"Origin": EVIL, "Access-Control-Request-Method": "POST"}
    reply = request(live.url, "OPTIONS", "/", headers=headers)
    assert reply.status == 403
    assert "access-control-allow-origin" not in reply.headers


@pytest.fixture
def opened(loop: asyncio.AbstractEventLoop, boto_session: Any) -> Iterator[Live]:
    """An endpoint opened to `*.example.test` hosts and one outside page."""
    access = Access(allowed_hosts=("*.example.test",), cors_origins=("https://app.example.test",))
    served = start_live(loop, boto_session, access=access)
    yield served
    served.run(served.endpoint.close())


def test_opened_hosts_and_origins_are_answered(opened: Live) -> None:
    host = f"sqs.example.test:{opened.endpoint.port}"
    target = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.CreateQueue"}
    reply = request(opened.url, "POST", "/", b'{"QueueName": "opened"}', {**target, "Host": host})
    assert reply.json()["QueueUrl"] == f"http://{host}/{ACCOUNT}/opened"
    assert (
        request(opened.url, "GET", "/_skydeck/health", headers={"Host": "example.test"}).status
        == 403
    )

    page = "https://app.example.test"
    preflight = request(
        opened.url,
        "OPTIONS",
        "/",
        headers={
            "Origin": page,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Private-Network": "true",
        },
    )
    assert preflight.headers["access-control-allow-origin"] == page
    assert preflight.headers["access-control-allow-private-network"] == "true"
    listed = request(
        opened.url,
        "POST",
        "/",
        b"{}",
        {**target, "X-Amz-Target": "AmazonSQS.ListQueues", "Origin": page},
    )
    assert listed.headers["access-control-allow-origin"] == page
    assert amz_json(opened.url, "AmazonSQS.ListQueues", {}).status == 200
    refused: Reply = request(opened.url, "GET", "/_skydeck/health", headers={"Origin": EVIL})
    assert refused.status == 403
