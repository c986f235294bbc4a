"""Raw HTTP against the endpoint, for what SDKs never send: forms, garbage, odd headers."""

from __future__ import annotations

import http.client
import json
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit
from xml.etree import ElementTree

from tests.wire.live import TIMEOUT

SQS_NS = "{http://queue.amazonaws.com/doc/2012-11-05/}"
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
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return Reply(
            response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        )
    finally:
        conn.close()


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
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    headers = {
        "Content-Type": f"application/x-amz-json-{version}",
        "X-Amz-Target": target,
        "Authorization": SIGNED.format(region="us-east-1", service="sqs"),
    }
    return request(url, "POST", "/", body, headers)


def raw(url: str, data: bytes, *, half_close: bool = False) -> bytes:
    """Send bytes as they are on a fresh connection; return all the server answers."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "", parts.port or 80), TIMEOUT) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
            if not half_close and _complete(b"".join(chunks)):
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
