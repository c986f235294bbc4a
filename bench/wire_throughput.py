"""SQS throughput over the HTTP endpoint: what an outside client can push through.

Starts a headless endpoint in its own process (`skydeck serve`),
unless `--endpoint` names a running one, then measures:

1. SendMessage over many keep-alive connections, one request in flight per
   connection, as SDK clients with a connection pool do;
2. ReceiveMessage (10 at a time) + DeleteMessageBatch, draining what phase 1 sent;
3. sequential boto3 `send_message`, the figure a simple script sees.

The load generator is a raw HTTP/1.1 client on asyncio protocols (uvloop when
installed), so the client costs little next to the server it measures. With
the server spawned here, it also reports the server's CPU time per request.

    python bench/wire_throughput.py [--messages 50000] [--connections 32]

Figures only; nothing here asserts. On a shared machine run it a few times.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit

ACCOUNT = "123456789012"
_LENGTH = re.compile(rb"content-length:[ \t]*(\d+)", re.IGNORECASE)
_AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIABENCHMARK0000001/20261129/us-east-1/sqs/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64
)


class Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection with one request in flight at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._waiter: asyncio.Future[tuple[int, bytes]] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        match = _LENGTH.search(buffer, 0, end)
        length = int(match.group(1)) if match else 0
        if len(buffer) < end + 4 + length:
            return
        status = int(buffer[9:12])
        body = bytes(buffer[end + 4 : end + 4 + length])
        del buffer[: end + 4 + length]
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result((status, body))

    def connection_lost(self, exc: Exception | None) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc or ConnectionError("connection closed"))

    async def request(self, payload: bytes) -> tuple[int, bytes]:
        assert self.transport is not None
        self._waiter = asyncio.get_running_loop().create_future()
        self.transport.write(payload)
        return await self._waiter


@dataclass
class Client:
    host: str
    port: int
    headers: bytes = field(init=False)

    def __post_init__(self) -> None:
        self.headers = (
            f"Host: {self.host}:{self.port}\r\nContent-Type: application/x-amz-json-1.0\r\n"
            f"Authorization: {_AUTH}\r\nUser-Agent: skydeck-bench\r\n"
        ).encode()

    def payload(self, action: str, params: dict[str, Any]) -> bytes:
        body = json.dumps(params).encode()
        return (
            b"POST / HTTP/1.1\r\n"
            + self.headers
            + f"X-Amz-Target: AmazonSQS.{action}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )

    async def connect(self) -> Connection:
        _, protocol = await asyncio.get_running_loop().create_connection(
            Connection, self.host, self.port
        )
        return protocol


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


def report(name: str, count: int, seconds: float, latencies: list[float], unit: str) -> None:
    print(
        f"{name:<34} {count / seconds:>9,.0f} {unit}/s   "
        f"p50 {percentile(latencies, 0.50):6.2f} ms   p99 {percentile(latencies, 0.99):6.2f} ms"
        f"   ({count:,} in {seconds:.2f} s)"
    )


class CpuMeter:
    """CPU time spent by this process and, when known, the server's, per request."""

    def __init__(self, server_pid: int | None) -> None:
        self.server_pid = server_pid

    def __enter__(self) -> CpuMeter:
        self._client = time.process_time()
        self._server = cpu_seconds(self.server_pid) if self.server_pid else None
        return self

    def __exit__(self, *exc: object) -> None:
        self.client = time.process_time() - self._client
        after = cpu_seconds(self.server_pid) if self.server_pid else None
        self.server = after - self._server if after is not None and self._server else None

    def report(self, requests: int) -> None:
        parts = [f"client {self.client / requests * 1e6:.0f} us"]
        if self.server is not None:
            parts.insert(0, f"server {self.server / requests * 1e6:.0f} us")
        print(f"{'  CPU per request':<34} {', '.join(parts)}")


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
        assert conn.transport is not None
        conn.transport.close()
    return elapsed


async def send_phase(
    client: Client, url: str, messages: int, connections: int, meter: CpuMeter
) -> None:
    payload = client.payload("SendMessage", {"QueueUrl": url, "MessageBody": "m" * 100})
    latencies: list[float] = []
    per_connection = messages // connections
    clock = time.perf_counter

    async def run(conn: Connection) -> None:
        for _ in range(per_connection):
            started = clock()
            status, body = await conn.request(payload)
            latencies.append(clock() - started)
            if status != 200:
                raise RuntimeError(f"SendMessage answered {status}: {body[:200]!r}")

    elapsed = await on_connections(client, connections, run, meter)
    report("SendMessage", len(latencies), elapsed, latencies, "msg")
    meter.report(len(latencies))


async def drain_phase(
    client: Client, url: str, messages: int, connections: int, meter: CpuMeter
) -> None:
    receive = client.payload(
        "ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 0}
    )
    receive_latencies: list[float] = []
    delete_latencies: list[float] = []
    done = 0
    clock = time.perf_counter

    async def run(conn: Connection) -> None:
        nonlocal done
        while done < messages:
            started = clock()
            status, body = await conn.request(receive)
            receive_latencies.append(clock() - started)
            got = json.loads(body).get("Messages", []) if status == 200 else []
            if not got:
                return
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)
            ]
            started = clock()
            status, body = await conn.request(
                client.payload("DeleteMessageBatch", {"QueueUrl": url, "Entries": entries})
            )
            delete_latencies.append(clock() - started)
            if status != 200 or json.loads(body).get("Failed"):
                raise RuntimeError(f"DeleteMessageBatch answered {status}: {body[:200]!r}")
            done += len(got)

    elapsed = await on_connections(client, connections, run, meter)
    report("ReceiveMessage+DeleteMessageBatch", done, elapsed, receive_latencies, "msg")
    report(
        "  of which DeleteMessageBatch", len(delete_latencies), elapsed, delete_latencies, "call"
    )
    meter.report(len(receive_latencies) + len(delete_latencies))


def boto3_phase(endpoint: str, url: str, count: int) -> None:
    import boto3
    from botocore.config import Config

    sqs = boto3.client(
        "sqs",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="AKIABENCHMARK0000002",
        aws_secret_access_key="bench",
        config=Config(retries={"max_attempts": 1}),
    )
    sqs.send_message(QueueUrl=url, MessageBody="warm-up")
    latencies = []
    started = time.perf_counter()
    for _ in range(count):
        t = time.perf_counter()
        sqs.send_message(QueueUrl=url, MessageBody="m" * 100)
        latencies.append(time.perf_counter() - t)
    report(
        "boto3 send_message (sequential)", count, time.perf_counter() - started, latencies, "msg"
    )


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process `pid` (Linux), or None where unknown."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server() -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "serve", "--port", "0", "--seed", "1"],
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--boto3", type=int, default=1000, help="sequential boto3 sends")
    parser.add_argument("--endpoint", help="a running endpoint, e.g. http://127.0.0.1:4566")
    parser.add_argument("--no-uvloop", action="store_true", help="plain asyncio in the client")
    args = parser.parse_args()
    server = None
    if args.endpoint:
        endpoint = args.endpoint.rstrip("/")
    else:
        server, endpoint = start_server()
    parts = urlsplit(endpoint)
    client = Client(parts.hostname or "127.0.0.1", parts.port or 80)
    queue = f"bench-{os.getpid()}"
    url = f"{endpoint}/{ACCOUNT}/{queue}"
    print(f"endpoint {endpoint}, {args.connections} connections, {args.messages:,} messages")

    async def phases() -> None:
        conn = await client.connect()
        status, body = await conn.request(client.payload("CreateQueue", {"QueueName": queue}))
        if status != 200:
            raise SystemExit(f"CreateQueue answered {status}: {body!r}")
        meter = CpuMeter(server.pid if server else None)
        await send_phase(client, url, args.messages, args.connections, meter)
        await drain_phase(client, url, args.messages, args.connections, meter)

    try:
        run_async(phases, not args.no_uvloop)
        if args.boto3:
            boto3_phase(endpoint, url, args.boto3)
    finally:
        if server is not None:
            server.terminate()
            server.wait(5)


if __name__ == "__main__":
    main()
