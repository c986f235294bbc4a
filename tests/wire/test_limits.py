"""The size limits, exactly where docs/wire.md puts them, each answered as AWS would.

Each limit is probed on both sides: the largest request it allows is answered,
one byte (or one field) more is refused with an AWS error a client can read,
whether the refusal comes from aiohttp's parser (a request target, one header
field, the count of fields) or from the handler (the header section as a whole,
the body). The parser's limits are those of its compiled version, the one
installed; docs/wire.md says how the pure-Python fallback differs.
"""

from __future__ import annotations

import json
import socket

import pytest

from backend.wire.server import MAX_BODY, MAX_HEADER_BYTES, MAX_HEADER_FIELDS, MAX_REQUEST_TARGET
from tests.wire.live import Live
from tests.wire.rawhttp import Reply, connect, raw, read_answer
from tests.wire.test_bad_input import aws_error, still_answering

LIST_QUEUES = [
    ("Host", "127.0.0.1"),
    ("Content-Type", "application/x-amz-json-1.0"),
    ("X-Amz-Target", "AmazonSQS.ListQueues"),
    ("Content-Length", "2"),
]


def head(fields: list[tuple[str, str]], target: str = "/", method: str = "POST") -> bytes:
    lines = [f"{method} {target} HTTP/1.1", *(f"{name}: {value}" for name, value in fields)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def parse(answer: bytes) -> Reply:
    """An answer read off a socket as a `Reply` (one answer, Content-Length framed)."""
    top, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = top.decode().split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Reply(int(status_line.split()[1]), headers, body)


def send_list_queues(live: Live, fields: list[tuple[str, str]], target: str = "/") -> Reply:
    return parse(raw(live.url, head(fields, target) + b"{}"))


def padded(total: int) -> list[tuple[str, str]]:
    """ListQueues's fields plus padding, so that names and values come to `total` bytes."""
    used = sum(len(name) + len(value) for name, value in LIST_QUEUES)
    fields = list(LIST_QUEUES)
    left, n = total - used, 0
    while left > 0:
        name = f"X-Pad-{n}"
        value = "p" * min(left - len(name), 16_000)
        fields.append((name, value))
        left -= len(name) + len(value)
        n += 1
    assert sum(len(name) + len(value) for name, value in fields) == total
    return fields


def test_the_header_section_up_to_its_limit_together(live: Live) -> None:
    assert send_list_queues(live, padded(MAX_HEADER_BYTES)).status == 200
    refused = send_list_queues(live, padded(MAX_HEADER_BYTES + 1))
    assert aws_error(refused) == (400, "RequestHeaderSectionTooLarge")
    assert refused.headers["content-type"] == "application/x-amz-json-1.0", "JSON, as asked"
    assert str(MAX_HEADER_BYTES) in refused.json()["message"]
    still_answering(live)


@pytest.mark.parametrize("size", [MAX_HEADER_BYTES + 1, 1024 * 1024 + 1])
def test_one_huge_header_value_is_refused_as_it_is_read(live: Live, size: int) -> None:
    refused = send_list_queues(live, [*LIST_QUEUES, ("X-Huge", "h" * size)])
    assert aws_error(refused) == (400, "RequestHeaderSectionTooLarge")
    assert refused.headers["content-type"] == "text/xml", "its headers were never read"
    assert refused.headers["connection"] == "close"
    still_answering(live)


def test_the_count_of_header_fields(live: Live) -> None:
    def fields(count: int) -> list[tuple[str, str]]:
        return [*LIST_QUEUES, *((f"X-Field-{i}", "f") for i in range(count - len(LIST_QUEUES)))]

    assert send_list_queues(live, fields(MAX_HEADER_FIELDS)).status == 200
    refused = send_list_queues(live, fields(MAX_HEADER_FIELDS + 1))
    assert aws_error(refused) == (400, "RequestHeaderSectionTooLarge")
    assert f"more than {MAX_HEADER_FIELDS} header fields" in refused.xml().findtext(
        "Error/Message", ""
    )
    still_answering(live)


def test_the_request_target(live: Live) -> None:
    def target(length: int) -> str:
        start = "/?Action=ListQueues&Version=2012-11-05&Pad="
        return start + "t" * (length - len(start))

    fields = [("Host", "127.0.0.1")]
    answered = parse(raw(live.url, head(fields, target(MAX_REQUEST_TARGET), "GET")))
    assert answered.status == 200
    assert b"ListQueuesResponse" in answered.body
    refused = parse(raw(live.url, head(fields, target(MAX_REQUEST_TARGET + 1), "GET")))
    assert aws_error(refused) == (414, "RequestURITooLong")
    still_answering(live)


def test_a_body_over_the_limit_reaches_a_client_still_sending_it(live: Live) -> None:
    """A client that reads only after sending its whole body reads the 413, not a reset."""
    size = MAX_BODY + 1024 * 1024
    fields = [*LIST_QUEUES[:3], ("Content-Length", str(size))]
    with connect(live.url) as sock:
        sock.sendall(head(fields))
        chunk = b"x" * (1024 * 1024)
        for _ in range(size // len(chunk)):
            sock.sendall(chunk)
        refused = parse(read_answer(sock))
        assert sock.recv(1) == b"", "the server closes once the body is drained"
    assert aws_error(refused) == (413, "RequestEntityTooLarge")
    assert refused.headers["connection"] == "close"
    assert str(MAX_BODY) in refused.json()["message"]
    still_answering(live)


def test_expect_100_continue_gets_a_go_ahead_or_the_refusal_at_once(live: Live) -> None:
    expecting = [*LIST_QUEUES[:3], ("Expect", "100-continue")]
    with connect(live.url) as sock:
        sock.sendall(head([*expecting, ("Content-Length", str(MAX_BODY + 1))]))
        refused = read_answer(sock)
    assert refused.startswith(b"HTTP/1.1 413"), "no 100 Continue before a refusal"
    assert aws_error(parse(refused)) == (413, "RequestEntityTooLarge")

    body = json.dumps({"QueueNamePrefix": "none"}).encode()
    with connect(live.url) as sock:
        sock.sendall(head([*expecting, ("Content-Length", str(len(body)))]))
        assert interim(sock) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(body)
        answered = parse(read_answer(sock))
    assert answered.status == 200
    assert answered.json() == {}
    still_answering(live)


def interim(sock: socket.socket) -> bytes:
    """Read one interim (1xx) answer, which has a head and no body."""
    data = b""
    while not data.endswith(b"\r\n\r\n"):
        chunk = sock.recv(1)
        assert chunk, "closed before an interim answer"
        data += chunk
    return data
