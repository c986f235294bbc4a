"""Files sent by the kernel: `sendfile.send_file`, and GetObject on the loop `serve` uses.

uvloop has no `loop.sendfile`, so a GetObject there goes through a thread's
`os.sendfile`; these run it on asyncio's loop and on uvloop (when installed),
with bodies bigger than a socket's buffers so the thread waits for room.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from backend.services import new_cloud
from backend.streams import FileSlice
from backend.wire import sendfile
from backend.wire.server import start_endpoint

T = TypeVar("T")

pytestmark = pytest.mark.skipif(not sendfile.SUPPORTED, reason="the kernel's sendfile is Linux's")

LOOPS: list[Callable[[], asyncio.AbstractEventLoop]] = [asyncio.new_event_loop]
if importlib.util.find_spec("uvloop") is not None:
    import uvloop

    LOOPS.append(uvloop.new_event_loop)

#: Bigger than a loopback socket's buffers, so the sending thread must wait for room.
BIG = 6 * 1024 * 1024


def run(factory: Callable[[], asyncio.AbstractEventLoop], coro: Coroutine[Any, Any, T]) -> T:
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(coro)


class Sink(asyncio.Protocol):
    """Keeps what it is sent; `paused` reads nothing, so the sender's buffers fill."""

    def __init__(self, paused: bool = False) -> None:
        self.data = bytearray()
        self.paused = paused
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self.paused:
            assert isinstance(transport, asyncio.ReadTransport)
            transport.pause_reading()

    def data_received(self, data: bytes) -> None:
        self.data += data

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed.set_result(None)


async def send(body: FileSlice) -> tuple[bool, bytes]:
    """Whether `send_file` sent `body` after a head written first, and what arrived."""
    sinks: list[Sink] = []
    loop = asyncio.get_running_loop()

    def accept() -> Sink:
        sinks.append(Sink())
        return sinks[-1]

    server = await loop.create_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    transport, _ = await loop.create_connection(asyncio.Protocol, "127.0.0.1", port)
    transport.write(b"head:")
    sent = await sendfile.send_file(transport, body)
    transport.close()
    await sinks[0].closed
    server.close()
    return sent, bytes(sinks[0].data)


@pytest.mark.parametrize("factory", LOOPS)
def test_a_whole_file_and_a_slice_arrive_after_the_head(
    factory: Callable[[], asyncio.AbstractEventLoop], tmp_path: Path
) -> None:
    data = os.urandom(BIG)
    file = tmp_path / "object"
    file.write_bytes(data)
    assert run(factory, send(FileSlice(file, 0, BIG))) == (True, b"head:" + data)
    start, length = 1000, BIG // 2 + 7
    assert run(factory, send(FileSlice(file, start, length))) == (
        True,
        b"head:" + data[start : start + length],
    )


@pytest.mark.parametrize("factory", LOOPS)
def test_a_file_cut_down_on_disk_ends_the_answer_early(
    factory: Callable[[], asyncio.AbstractEventLoop], tmp_path: Path
) -> None:
    file = tmp_path / "object"
    file.write_bytes(b"shorter than announced")
    assert run(factory, send(FileSlice(file, 0, 1000))) == (True, b"head:shorter than announced")


@pytest.mark.parametrize("factory", LOOPS)
def test_nothing_is_sent_while_the_transport_still_holds_bytes(
    factory: Callable[[], asyncio.AbstractEventLoop], tmp_path: Path
) -> None:
    file = tmp_path / "object"
    file.write_bytes(b"never sent this way")

    async def scenario() -> bool:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: Sink(paused=True), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        transport, _ = await loop.create_connection(asyncio.Protocol, "127.0.0.1", port)
        chunk = b"x" * (1024 * 1024)
        while not transport.get_write_buffer_size():
            transport.write(chunk)
        sent = await sendfile.send_file(transport, FileSlice(file, 0, 19))
        transport.abort()
        server.close()
        return sent

    assert run(factory, scenario()) is False


async def http_get(port: int, path: str, extra: str = "") -> tuple[bytes, bytes]:
    """A raw HTTP/1.1 GET: the head and the body its Content-Length frames."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    body = await reader.readexactly(length)
    writer.close()
    return head, body


@pytest.mark.parametrize("factory", LOOPS)
def test_get_object_over_the_endpoint_whole_and_ranged(
    factory: Callable[[], asyncio.AbstractEventLoop],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both by the kernel: `loop.sendfile` on asyncio's loop, the thread's on uvloop."""
    data = os.urandom(BIG)
    pumped: list[FileSlice] = []
    pump = sendfile._pump

    def spy(out_fd: int, body: FileSlice, stop: threading.Event) -> None:
        pumped.append(body)
        pump(out_fd, body, stop)

    monkeypatch.setattr(sendfile, "_pump", spy)

    async def scenario() -> tuple[tuple[bytes, bytes], tuple[bytes, bytes]]:
        cloud = new_cloud(seed=1, data_dir=tmp_path)
        await cloud.call("s3", "CreateBucket", {"Bucket": "bkt"})
        await cloud.call("s3", "PutObject", {"Bucket": "bkt", "Key": "big", "Body": data})
        endpoint = await start_endpoint(cloud, port=0)
        try:
            whole = await http_get(endpoint.port, "/bkt/big")
            ranged = await http_get(endpoint.port, "/bkt/big", "Range: bytes=100-2000099\r\n")
        finally:
            await endpoint.close()
        return whole, ranged

    (head, body), (ranged_head, ranged_body) = run(factory, scenario())
    assert head.startswith(b"HTTP/1.1 200 ") and body == data
    assert ranged_head.startswith(b"HTTP/1.1 206 ") and ranged_body == data[100:2000100]
    threaded = factory.__module__.startswith("uvloop")
    assert [(b.start, b.length) for b in pumped] == (
        [(0, BIG), (100, 2_000_000)] if threaded else []
    )
