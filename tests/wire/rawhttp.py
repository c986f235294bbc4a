"""Raw HTTP against the endpoint, for what SDKs never send: forms, garbage, odd headers.

`http.client` sends `Host: 127.0.0.1:<port>` from the URL, as SDKs do; bytes
written by hand must name a loopback host too (`HOST`), or the endpoint
refuses them for that before anything else.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit
from xml.etree import ElementTree

from tests.wire.live import TIMEOUT

SQS_NS = "{http://queue.amazonaws.com/doc/2012-11-05/}"
#: The Host header of hand-written requests: a loopback name the endpoint answers.
HOST = "Host: 127.0.0.1\r\n"
SIGNED = (
    "AWS4-HMAC-SHA256 Credential=AKIARAWHTTP000000001/20261129/{region}/{service}/aws4_request, "
    "SignedHeaders=host, Signature=" + "0" * 64
)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def xml(self) -> ElementTree.Element:
        return ElementTree.fromstring(self.body)

    @property
    def request_id(self) -> str:
        return self.headers["x-amzn-requestid"]


def request(
    url: str, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> Reply:
    conn = send(url, method, path, body, headers)
    try:
        return answer(conn)
    finally:
        conn.close()


def send(
    url: str, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> http.client.HTTPConnection:
    """Send a request and return its open connection, without waiting for the answer."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=TIMEOUT)
    conn.request(method, path, body=body, headers=headers or {})
    return conn


def answer(conn: http.client.HTTPConnection) -> Reply:
    """The answer to the request `send` sent on `conn`."""
    response = conn.getresponse()
    return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())


def form(
    url: str,
    fields: dict[str, str],
    *,
    path: str = "/",
    service: str | None = "sqs",
    region: str = "us-east-1",
) -> Reply:
    """A query-protocol POST, signed (by name only) for `service` unless it is None."""
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    if service:
        headers["Authorization"] = SIGNED.format(region=region, service=service)
    return request(url, "POST", path, urlencode(fields).encode(), headers)


def amz_json(url: str, target: str, document: Any, version: str = "1.0") -> Reply:
    conn = send_amz_json(url, target, document, version)
    try:
        return answer(conn)
    finally:
        conn.close()


def send_amz_json(
    url: str, target: str, document: Any, version: str = "1.0"
) -> http.client.HTTPConnection:
    """`send` a JSON-protocol request, signed (by name only) for SQS."""
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    headers = {
        "Content-Type": f"application/x-amz-json-{version}",
        "X-Amz-Target": target,
        "Authorization": SIGNED.format(region="us-east-1", service="sqs"),
    }
    return send(url, "POST", "/", body, headers)


def raw(url: str, data: bytes, *, half_close: bool = False) -> bytes:
    """Send bytes as they are on a fresh connection; return all the server answers.

    The bytes go out from a thread while this one reads, so an answer the
    server gives before it has read them all (a refused head) is still seen,
    whatever becomes of the rest.
    """
    with connect(url) as sock:

        def write() -> None:
            with contextlib.suppress(OSError):
                sock.sendall(data)
                if half_close:
                    sock.shutdown(socket.SHUT_WR)

        writer = threading.Thread(target=write)
        writer.start()
        try:
            return read_answer(sock, until_closed=half_close)
        finally:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            writer.join(TIMEOUT)


def connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    return socket.create_connection((parts.hostname or "", parts.port or 80), TIMEOUT)


def read_answer(sock: socket.socket, *, until_closed: bool = False) -> bytes:
    """Read from `sock` until a whole answer with a body has come (or, if asked, until EOF)."""
    chunks: list[bytes] = []
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        chunks.append(chunk)
        if not until_closed and _complete(b"".join(chunks)):
            break
    return b"".join(chunks)


def _complete(data: bytes) -> bool:
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def find(element: ElementTree.Element, path: str) -> str:
    """The text at `path` (tags without namespace, `/`-separated) in an SQS reply."""
    found = element.find("/".join(SQS_NS + p for p in path.split("/")))
    assert found is not None, f"{path} not in reply"
    return found.text or ""
