"""The wire benchmarks' load generator: a raw HTTP/1.1 keep-alive client, and its reporting.

A benchmark of the endpoint must cost little next to the server it measures,
or on a 2-core machine it measures itself: so no aiohttp or botocore here,
just asyncio protocols (uvloop when installed) writing prepared bytes and
reading answers framed by `Content-Length`, which is all the endpoint sends.
An answer too big to hold (a 100 MiB S3 object) can be counted and dropped as
it arrives, and a body too big to prepare can be written chunk by chunk with
the transport's flow control.

`bench/wire_throughput.py` (SQS) and `bench/stream_wire.py` (Kinesis, S3) use it.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

ACCOUNT = "123456789012"
_LENGTH = re.compile(rb"content-length:[ \t]*(\d+)", re.IGNORECASE)


def authorization(service: str, signed_headers: str = "host") -> str:
    """A SigV4 header whose credential scope names `service`; the endpoint checks no signature.

    It is sent anyway because the scope is how the endpoint tells a REST call
    (S3) from the query protocol, and because SDKs always send one.
    """
    return (
        f"AWS4-HMAC-SHA256 Credential=AKIABENCHMARK0000001/20261129/us-east-1/{service}/"
        f"aws4_request, SignedHeaders={signed_headers}, Signature=" + "0" * 64
    )


class Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection with one request in flight at a time.

    An answer ends where its `Content-Length` says, so a HEAD request (a
    length and no body) or a chunked answer would never end: none is sent.
    """

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._waiter: asyncio.Future[tuple[int, bytes]] | None = None
        #: The answer's status and body length once its head is in; -1 before.
        self._status = 0
        self._length = -1
        #: Count the body's bytes and drop them (`fetch`) rather than keep them.
        self._sink = False
        self.received = 0
        self._writable = asyncio.Event()
        self._writable.set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        if self._length < 0:
            # The head is searched for only until it is in, so a body of
            # megabytes arriving in many pieces is not rescanned for each.
            buffer += data
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            match = _LENGTH.search(buffer, 0, end)
            self._length = int(match.group(1)) if match else 0
            self._status = int(buffer[9:12])
            del buffer[: end + 4]
            if self._sink:
                self.received = len(buffer)
                buffer.clear()
        elif self._sink:
            self.received += len(data)
        else:
            buffer += data
        length = self._length
        if self._sink:
            if self.received < length:
                return
            body = b""
        else:
            if len(buffer) < length:
                return
            body = bytes(buffer[:length])
            del buffer[:length]
        self._length = -1
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result((self._status, body))

    def connection_lost(self, exc: Exception | None) -> None:
        self._writable.set()
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc or ConnectionError("connection closed"))

    def _start(self, sink: bool) -> asyncio.Future[tuple[int, bytes]]:
        assert self.transport is not None
        self._sink = sink
        self.received = 0
        self._waiter = asyncio.get_running_loop().create_future()
        return self._waiter

    async def request(self, payload: bytes) -> tuple[int, bytes]:
        """Send a whole request; the answer's status and body."""
        waiter = self._start(sink=False)
        assert self.transport is not None
        self.transport.write(payload)
        return await waiter

    async def fetch(self, payload: bytes) -> tuple[int, int]:
        """Send a whole request; the answer's status and body length, the body dropped."""
        waiter = self._start(sink=True)
        assert self.transport is not None
        self.transport.write(payload)
        status, _ = await waiter
        return status, self.received

    async def upload(self, head: bytes, chunks: Iterable[bytes]) -> tuple[int, bytes]:
        """Send `head`, then the body chunk by chunk as the socket takes it; status and body."""
        waiter = self._start(sink=False)
        transport = self.transport
        assert transport is not None
        transport.write(head)
        for chunk in chunks:
            if waiter.done():
                break  # answered early: a refusal
            await self._writable.wait()
            transport.write(chunk)
        return await waiter

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


@dataclass
class Client:
    """Where the endpoint is: opens connections and frames requests with its Host header."""

    host: str
    port: int

    @property
    def host_header(self) -> str:
        return f"{self.host}:{self.port}"

    async def connect(self) -> Connection:
        _, protocol = await asyncio.get_running_loop().create_connection(
            Connection, self.host, self.port
        )
        return protocol


class JsonApi:
    """Requests in a JSON protocol (`X-Amz-Target`): SQS's 1.0, Kinesis's 1.1."""

    def __init__(
        self, client: Client, target_prefix: str, signing_name: str, json_version: str
    ) -> None:
        self.target_prefix = target_prefix
        self.headers = (
            f"Host: {client.host_header}\r\n"
            f"Content-Type: application/x-amz-json-{json_version}\r\n"
            f"Authorization: "
            f"{authorization(signing_name, 'content-type;host;x-amz-date;x-amz-target')}\r\n"
            f"User-Agent: skydeck-bench\r\n"
        ).encode()

    def payload(self, action: str, params: dict[str, Any]) -> bytes:
        return self.framed(action, json.dumps(params).encode())

    def framed(self, action: str, body: bytes) -> bytes:
        """A request around a body already encoded (prepared once, sent many times)."""
        return (
            b"POST / HTTP/1.1\r\n"
            + self.headers
            + f"X-Amz-Target: {self.target_prefix}.{action}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )


def percentile(samples: Sequence[float], p: float) -> float:
    """The `p` quantile of `samples` (seconds), in milliseconds; 0 when there are none."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


def report(name: str, count: int, seconds: float, latencies: Sequence[float], unit: str) -> None:
    print(
        f"{name:<34} {count / seconds:>9,.0f} {unit}/s   "
        f"p50 {percentile(latencies, 0.50):6.2f} ms   p99 {percentile(latencies, 0.99):6.2f} ms"
        f"   ({count:,} in {seconds:.2f} s)"
    )


def note(name: str, text: str) -> None:
    """A line under a phase's figures, aligned with `report`'s."""
    print(f"{name:<34} {text}")


def cpu_times(pid: int) -> tuple[float, float] | None:
    """(user, system) CPU seconds of process `pid` (Linux), or None where unknown."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


class CpuMeter:
    """CPU time spent by this process and, when known, the server's, per request.

    CPU time rather than wall time because the machine is shared: another
    process on the cores stretches the wall figures, hardly the CPU ones. The
    server's is also split into user and kernel time: what a file system
    charges for creating a file varies with the disk and its recent history
    (see `stream_wire.creation_cost`) and is not the server's own code.
    """

    def __init__(self, server_pid: int | None) -> None:
        self.server_pid = server_pid
        self.client = 0.0
        self.server: float | None = None
        #: The server's kernel (system) share of `server`.
        self.server_system: float | None = None

    def __enter__(self) -> CpuMeter:
        self._client = time.process_time()
        self._server = cpu_times(self.server_pid) if self.server_pid else None
        return self

    def __exit__(self, *exc: object) -> None:
        self.client = time.process_time() - self._client
        after = cpu_times(self.server_pid) if self.server_pid else None
        if after is not None and self._server is not None:
            user, system = after[0] - self._server[0], after[1] - self._server[1]
            self.server, self.server_system = user + system, system

    def report(self, requests: int, label: str = "  CPU per request") -> None:
        parts = [f"client {self.client / requests * 1e6:.0f} us"]
        if self.server is not None and self.server_system is not None:
            each = 1e6 / requests
            user, system = (self.server - self.server_system) * each, self.server_system * each
            parts.insert(
                0,
                f"server {self.server * each:.0f} us (user {user:.0f}, kernel {system:.0f})",
            )
        note(label, ", ".join(parts))


async def on_connections(
    client: Client,
    connections: int,
    run: Callable[[Connection], Coroutine[Any, Any, None]],
    meter: CpuMeter,
) -> float:
    """Run `run` on `connections` fresh keep-alive connections at once; wall seconds taken."""
    conns = [await client.connect() for _ in range(connections)]
    with meter:
        started = time.perf_counter()
        await asyncio.gather(*(run(c) for c in conns))
        elapsed = time.perf_counter() - started
    for conn in conns:
        conn.close()
    return elapsed


#: `python -m tui.cli` under cProfile timed by the main thread's CPU clock, not the
#: wall clock: on a shared machine the wall clock charges a function for the
#: time the process waited for a core, and the profile would blame whatever ran
#: when the scheduler preempted it (often a system call).
_PROFILED = """
import cProfile, runpy, sys, time
out = sys.argv[1]
sys.argv = ["skydeck", *sys.argv[2:]]
profiler = cProfile.Profile(time.thread_time)
profiler.enable()
try:
    runpy.run_module("tui.cli", run_name="__main__")
finally:
    profiler.disable()
    profiler.dump_stats(out)
"""


def start_server(*options: str, profile: str | None = None) -> tuple[subprocess.Popen[str], str]:
    """`skydeck serve` on a free port in its own process, and the URL it printed.

    In its own process so the server has a core and an interpreter of its own,
    as it would for an outside client, and its CPU time can be read apart.
    With `profile`, it runs under cProfile, which writes there when the server
    is stopped with `stop_server` (an interrupt, which `serve` ends on cleanly).
    """
    run = ["-c", _PROFILED, profile] if profile else ["-m", "tui.cli"]
    server = subprocess.Popen(
        [sys.executable, *run, "serve", "--port", "0", "--seed", "1", *options],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    found = re.search(r"http://\S+", line)
    if not found:
        server.kill()
        raise SystemExit(f"the endpoint did not start: {line!r}")
    return server, found.group(0)


def stop_server(server: subprocess.Popen[str] | None) -> None:
    """Interrupt the server as Ctrl-C would, so a profile is written; kill it if it hangs."""
    if server is None:
        return
    server.send_signal(signal.SIGINT)
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(5)


def run_async(main: Callable[[], Coroutine[Any, Any, None]], use_uvloop: bool) -> None:
    if use_uvloop:
        try:
            import uvloop
        except ImportError:
            use_uvloop = False
    if use_uvloop:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(main())
    else:
        asyncio.run(main())
