"""Kinesis and S3 throughput over the HTTP endpoint: what an outside client can push through.

Starts a headless endpoint in its own process (`skydeck serve --speed 1000`
on a fresh data folder), unless `--endpoint` names a running one, and drives
it with the raw HTTP/1.1 client of `bench/rawhttp_client.py` over many
keep-alive connections, one request in flight on each:

1. Kinesis PutRecords, 500 records of ~100 bytes a call (JSON 1.1, base64
   `Data`), into a stream of 64 shards, partition keys spread over all of them;
2. Kinesis GetRecords reading it all back: TRIM_HORIZON on each shard, then
   `Limit` 10,000 a call, following NextShardIterator until a shard is drained;
3. S3 PutObject of 1 KiB objects (REST-XML, path-style);
4. S3 GetObject of one 100 MiB object, a few times, next to reading the same
   file straight off the disk, with the server's peak RSS growth during each
   GET (a streamed answer must not hold the object whole).

Kinesis limits each shard on the server's virtual clock (writes 1,000
records/s and 1 MiB/s, reads 5 calls/s and 2 MiB/s, iterators expire after
300 s): at `--speed 1000` they are 1000 times wider in wall time, so what is
measured is the server's work, not throttling. Iterators then expire after
0.3 s of wall time, so GetRecords runs on few connections (a request queued
behind many 2 MB answers would find its iterator stale), and an expired one
is renewed AFTER_SEQUENCE_NUMBER and counted. Throttled records are counted too.

    python bench/stream_wire.py [--records 500000] [--connections 16] [--objects 5000]

Figures only; nothing here asserts. On a shared machine run it a few times.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import random
import re
import shutil
import stat
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rawhttp_client import (
    Client,
    Connection,
    CpuMeter,
    JsonApi,
    authorization,
    note,
    on_connections,
    report,
    run_async,
    start_server,
    stop_server,
)

from tui.paths import data_dir as default_data_dir

MiB = 1024 * 1024
#: What an answer's body says, found without parsing megabytes of JSON in the client.
_NEXT_ITERATOR = re.compile(rb'"NextShardIterator"\s*:\s*"([^"]+)"')
_BEHIND = re.compile(rb'"MillisBehindLatest"\s*:\s*(\d+)')
_SEQUENCE = re.compile(rb'"SequenceNumber"\s*:\s*"(\d+)"')
_FAILED = re.compile(rb'"FailedRecordCount"\s*:\s*(\d+)')
_ERROR_CODE = re.compile(rb'"ErrorCode"\s*:\s*"(\w+)"')


@dataclass
class Settings:
    records: int
    record_bytes: int
    batch: int
    shards: int
    connections: int
    read_connections: int
    read_limit: int
    objects: int
    object_bytes: int
    big_mib: int
    big_gets: int
    server_pid: int | None
    data_dir: Path | None
    stream: str = field(default_factory=lambda: f"bench-{os.getpid()}")
    bucket: str = field(default_factory=lambda: f"bench-{os.getpid()}")


def kinesis_api(client: Client) -> JsonApi:
    return JsonApi(client, "Kinesis_20131202", "kinesis", "1.1")


async def call(conn: Connection, api: JsonApi, action: str, params: dict[str, Any]) -> Any:
    """One setup call that must succeed; its parsed answer."""
    status, body = await conn.request(api.payload(action, params))
    if status != 200:
        raise SystemExit(f"{action} answered {status}: {body[:300]!r}")
    return json.loads(body) if body else {}


# -- Kinesis -------------------------------------------------------------------


async def create_stream(client: Client, s: Settings) -> None:
    """A stream of `s.shards` shards, ACTIVE, keeping records long enough for the run.

    At 1000x a day's retention is 86 s of wall time: a slow first phase could
    see its first records trimmed before the second reads them, so it is a week.
    """
    api = kinesis_api(client)
    conn = await client.connect()
    await call(conn, api, "CreateStream", {"StreamName": s.stream, "ShardCount": s.shards})
    await active(conn, api, s.stream)
    await call(
        conn,
        api,
        "IncreaseStreamRetentionPeriod",
        {"StreamName": s.stream, "RetentionPeriodHours": 168},
    )
    await active(conn, api, s.stream)
    conn.close()


async def active(conn: Connection, api: JsonApi, stream: str) -> None:
    for _ in range(1000):
        summary = await call(conn, api, "DescribeStreamSummary", {"StreamName": stream})
        if summary["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE":
            return
        await asyncio.sleep(0.01)
    raise SystemExit(f"stream {stream} did not become ACTIVE")


def put_payloads(api: JsonApi, s: Settings, variants: int = 16) -> list[bytes]:
    """A few PutRecords requests, prepared once and sent in turn.

    Building and encoding 500 records a call would cost the client as much as
    the server spends decoding them; the partition keys (`variants` x 500 of
    them, random) still land on every shard, as a producer's user ids would.
    """
    rng = random.Random(1)
    payloads = []
    for _ in range(variants):
        records = [
            {
                "Data": base64.b64encode(rng.randbytes(s.record_bytes)).decode(),
                "PartitionKey": f"user-{rng.getrandbits(48):012x}",
            }
            for _ in range(s.batch)
        ]
        body = json.dumps({"StreamName": s.stream, "Records": records}).encode()
        payloads.append(api.framed("PutRecords", body))
    return payloads


async def put_phase(client: Client, s: Settings) -> int:
    """PutRecords over `s.connections`; the records accepted."""
    api = kinesis_api(client)
    payloads = put_payloads(api, s)
    calls = s.records // s.batch
    latencies: list[float] = []
    failed = 0
    codes: Counter[str] = Counter()
    sent = 0
    clock = time.perf_counter

    async def run(conn: Connection) -> None:
        nonlocal failed, sent
        while sent < calls:
            payload = payloads[sent % len(payloads)]
            sent += 1
            started = clock()
            status, body = await conn.request(payload)
            latencies.append(clock() - started)
            if status != 200:
                raise RuntimeError(f"PutRecords answered {status}: {body[:300]!r}")
            found = _FAILED.search(body)
            lost = int(found.group(1)) if found else 0
            if lost:
                failed += lost
                codes.update(code.decode() for code in _ERROR_CODE.findall(body))

    meter = CpuMeter(s.server_pid)
    elapsed = await on_connections(client, s.connections, run, meter)
    accepted = len(latencies) * s.batch - failed
    name = f"PutRecords ({s.batch} records a call)"
    report(name, accepted, elapsed, latencies, "rec")
    report("  calls", len(latencies), elapsed, latencies, "call")
    if failed:
        note("  failed records", f"{failed:,} {dict(codes)}")
    meter.report(len(latencies))
    if meter.server is not None:
        note("  server CPU per record", f"{meter.server / max(1, accepted) * 1e6:.1f} us")
    return accepted


@dataclass
class ReadTally:
    records: int = 0
    calls: int = 0
    iterator_calls: int = 0
    expired: int = 0
    throttled: int = 0
    latencies: list[float] = field(default_factory=list)


async def get_phase(client: Client, s: Settings, written: int) -> None:
    """Every shard read from TRIM_HORIZON to its end, shards shared among the connections."""
    api = kinesis_api(client)
    conn = await client.connect()
    listed = await call(conn, api, "ListShards", {"StreamName": s.stream, "MaxResults": 1000})
    conn.close()
    shards = [shard["ShardId"] for shard in listed["Shards"]]
    tally = ReadTally()
    clock = time.perf_counter

    async def iterator(conn: Connection, shard: str, after: bytes | None) -> str:
        params: dict[str, Any] = {"StreamName": s.stream, "ShardId": shard}
        if after is None:
            params["ShardIteratorType"] = "TRIM_HORIZON"
        else:
            params["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER"
            params["StartingSequenceNumber"] = after.decode()
        tally.iterator_calls += 1
        answer = await call(conn, api, "GetShardIterator", params)
        return str(answer["ShardIterator"])

    async def read_shard(conn: Connection, shard: str) -> None:
        last: bytes | None = None
        position = await iterator(conn, shard, None)
        while True:
            body = json.dumps({"ShardIterator": position, "Limit": s.read_limit}).encode()
            started = clock()
            status, answer = await conn.request(api.framed("GetRecords", body))
            tally.latencies.append(clock() - started)
            tally.calls += 1
            if status == 400 and b"ExpiredIteratorException" in answer[:300]:
                tally.expired += 1
                position = await iterator(conn, shard, last)
                continue
            if status == 400 and b"ProvisionedThroughputExceeded" in answer[:300]:
                tally.throttled += 1
                await asyncio.sleep(0.002)
                continue
            if status != 200:
                raise RuntimeError(f"GetRecords answered {status}: {answer[:300]!r}")
            # Each record has one SequenceNumber; base64 data never holds a quote.
            count = answer.count(b'"SequenceNumber"')
            tally.records += count
            if count:
                tail = answer.rfind(b'"SequenceNumber"')
                found = _SEQUENCE.match(answer, tail)
                assert found is not None
                last = found.group(1)
            nxt = _NEXT_ITERATOR.search(answer, answer.rfind(b'"NextShardIterator"'))
            behind = _BEHIND.search(answer, answer.rfind(b'"MillisBehindLatest"'))
            if nxt is None or (not count and (behind is None or behind.group(1) == b"0")):
                return
            position = nxt.group(1).decode()

    queue = list(reversed(shards))

    async def run(conn: Connection) -> None:
        while queue:
            await read_shard(conn, queue.pop())

    meter = CpuMeter(s.server_pid)
    elapsed = await on_connections(client, s.read_connections, run, meter)
    report(f"GetRecords (Limit {s.read_limit:,})", tally.records, elapsed, tally.latencies, "rec")
    report("  calls", tally.calls, elapsed, tally.latencies, "call")
    extra = f", {tally.expired} iterators expired" if tally.expired else ""
    extra += f", {tally.throttled} calls throttled" if tally.throttled else ""
    note(
        "  read back",
        f"{tally.records:,} of {written:,} records from {len(shards)} shards, "
        f"{tally.iterator_calls} GetShardIterator{extra}",
    )
    meter.report(tally.calls + tally.iterator_calls)
    if meter.server is not None:
        note("  server CPU per record", f"{meter.server / max(1, tally.records) * 1e6:.1f} us")


# -- S3 ------------------------------------------------------------------------


class S3Api:
    """Path-style REST requests, signed for S3 in name only."""

    def __init__(self, client: Client) -> None:
        self.headers = (
            f"Host: {client.host_header}\r\nAuthorization: {authorization('s3')}\r\n"
            "x-amz-content-sha256: UNSIGNED-PAYLOAD\r\nUser-Agent: skydeck-bench\r\n"
        )

    def head(self, method: str, path: str, length: int | None = None) -> bytes:
        sized = f"Content-Length: {length}\r\n" if length is not None else ""
        return f"{method} {path} HTTP/1.1\r\n{self.headers}{sized}\r\n".encode()


async def small_put_phase(client: Client, s: Settings) -> None:
    api = S3Api(client)
    body = random.Random(2).randbytes(s.object_bytes)
    latencies: list[float] = []
    sent = 0
    clock = time.perf_counter

    async def run(conn: Connection) -> None:
        nonlocal sent
        while sent < s.objects:
            key = f"small/{sent:07d}"
            sent += 1
            payload = api.head("PUT", f"/{s.bucket}/{key}", len(body)) + body
            started = clock()
            status, answer = await conn.request(payload)
            latencies.append(clock() - started)
            if status != 200:
                raise RuntimeError(f"PutObject answered {status}: {answer[:300]!r}")

    meter = CpuMeter(s.server_pid)
    elapsed = await on_connections(client, s.connections, run, meter)
    report(f"PutObject ({s.object_bytes:,} bytes)", len(latencies), elapsed, latencies, "req")
    meter.report(len(latencies))
    probe = creation_cost(s.data_dir / "s3" / ".skydeck" / "tmp") if s.data_dir else None
    if probe is not None:
        note(
            "  a file created there, alone",
            f"{probe[0] * 1e6:.0f} us CPU, {probe[1] * 1e6:.0f} us wall "
            "(what this file system charges; each put creates one)",
        )


def creation_cost(folder: Path, count: int = 200) -> tuple[float, float] | None:
    """CPU and wall seconds to create (and write 1 KiB to) one file in `folder`.

    The server creates each object's file in this folder before renaming it
    into the bucket, and what that costs depends on the file system and even
    on the folder (on the 2-core development VM, from 40 us to 1.5 ms of
    kernel time), so the S3 figure is read next to it.
    """
    if not folder.is_dir():
        return None
    names = [folder / f"bench-probe-{os.getpid()}-{n}" for n in range(count)]
    data = b"x" * 1024
    cpu, wall = time.process_time(), time.perf_counter()
    for name in names:
        fd = os.open(name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.write(fd, data)
        os.close(fd)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    for name in names:
        name.unlink()
    return cpu / count, wall / count


def status_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of process `pid`, in KiB."""
    found: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0])
    return found


class PeakRss:
    """The server's RSS before a request and its peak during it.

    The peak is the kernel's own (`VmHWM`, reset through `clear_refs` so an
    earlier phase's peak does not hide this one's), checked against RSS sampled
    every few milliseconds in a thread in case the reset is not allowed.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.before = 0
        self.peak = 0
        self.reset = False
        self._stop = threading.Event()

    def __enter__(self) -> PeakRss:
        try:
            with open(f"/proc/{self.pid}/clear_refs", "w") as refs:
                refs.write("5")
            self.reset = True
        except OSError:
            self.reset = False
        self.before = status_kib(self.pid)["VmRSS"]
        self.peak = self.before
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, status_kib(self.pid)["VmRSS"])

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        now = status_kib(self.pid)
        self.peak = max(self.peak, now["VmRSS"], now["VmHWM"] if self.reset else 0)

    def text(self) -> str:
        how = "VmHWM reset by clear_refs" if self.reset else "sampled every 5 ms"
        return (
            f"RSS {self.before / 1024:.0f} MiB before, peak {self.peak / 1024:.0f} MiB "
            f"(+{(self.peak - self.before) / 1024:.1f} MiB; {how})"
        )


def pattern_chunks(total: int, block: bytes) -> Iterator[bytes]:
    """`total` bytes of `block` repeated: a big body generated as it is sent."""
    left = total
    while left > 0:
        chunk = block if left >= len(block) else block[:left]
        left -= len(chunk)
        yield chunk


def drop_cache(path: Path) -> bool:
    """Evict `path`'s pages from the page cache (this file only), so a read goes to the disk."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
    return True


def read_file(path: Path) -> float:
    """Seconds Python takes to read `path` in 1 MiB pieces."""
    started = time.perf_counter()
    with path.open("rb", buffering=0) as file:
        while file.read(MiB):
            pass
    return time.perf_counter() - started


def cat_file(path: Path) -> float | None:
    """Seconds `cat` takes to copy `path` into a device that drops it; None with no such device.

    Not into `os.devnull`: where /dev/null is an ordinary file (as on some
    sandboxes) that would measure writing 100 MiB to the disk. /dev/zero drops
    what it is given too, and is checked to be the device it should be.
    """
    sink = Path("/dev/zero")
    if not shutil.which("cat") or not stat.S_ISCHR(sink.stat().st_mode):
        return None
    with sink.open("wb") as out:
        started = time.perf_counter()
        subprocess.run(["cat", str(path)], stdout=out, check=True)
        return time.perf_counter() - started


def mb_per_s(nbytes: int, seconds: float) -> str:
    return f"{nbytes / seconds / 1e6:>9,.0f} MB/s"


async def big_phase(client: Client, s: Settings) -> None:
    """One big object put, then got `s.big_gets` times warm and once from a cold cache."""
    api = S3Api(client)
    size = s.big_mib * MiB
    key = "big/object.bin"
    path = f"/{s.bucket}/{key}"
    block = random.Random(3).randbytes(MiB)
    conn = await client.connect()

    meter = CpuMeter(s.server_pid)
    with meter:
        started = time.perf_counter()
        status, answer = await conn.upload(api.head("PUT", path, size), pattern_chunks(size, block))
        elapsed = time.perf_counter() - started
    if status != 200:
        raise SystemExit(f"PutObject of {s.big_mib} MiB answered {status}: {answer[:300]!r}")
    note(f"PutObject ({s.big_mib} MiB)", f"{mb_per_s(size, elapsed)}   ({elapsed:.2f} s)")
    meter.report(1, "  CPU for it")

    stored = s.data_dir / "s3" / s.bucket / key if s.data_dir is not None else None
    if stored is not None and (not stored.is_file() or stored.stat().st_size != size):
        stored = None

    async def get(label: str) -> None:
        meter = CpuMeter(s.server_pid)
        peak = PeakRss(s.server_pid) if s.server_pid else None
        with meter, peak if peak is not None else contextlib.nullcontext():
            started = time.perf_counter()
            status, got = await conn.fetch(api.head("GET", path))
            elapsed = time.perf_counter() - started
        if status != 200 or got != size:
            raise SystemExit(f"GetObject answered {status} with {got:,} of {size:,} bytes")
        note(label, f"{mb_per_s(size, elapsed)}   ({elapsed:.2f} s)")
        server = f"server CPU {meter.server:.2f} s, " if meter.server is not None else ""
        note("", f"{server}client CPU {meter.client:.2f} s")
        if peak is not None:
            note("", peak.text())

    if stored is not None and drop_cache(stored):
        await get(f"GetObject ({s.big_mib} MiB), cold cache")
    for n in range(s.big_gets):
        await get(f"GetObject ({s.big_mib} MiB), warm #{n + 1}")
    conn.close()

    if stored is None:
        note("  the disk itself", "not measured: the object's file is not known here")
        return
    note("  the object's file, read directly", f"({stored.stat().st_size:,} bytes on disk)")
    if drop_cache(stored):
        seconds = read_file(stored)
        note("    Python, cold cache", f"{mb_per_s(size, seconds)}   ({seconds:.2f} s)")
    seconds = read_file(stored)
    note("    Python, warm", f"{mb_per_s(size, seconds)}   ({seconds:.2f} s)")
    cat = cat_file(stored)
    if cat is not None:
        note("    cat > /dev/zero, warm", f"{mb_per_s(size, cat)}   ({cat:.2f} s, with its start)")


async def create_bucket(client: Client, s: Settings) -> None:
    conn = await client.connect()
    status, answer = await conn.request(S3Api(client).head("PUT", f"/{s.bucket}", 0))
    conn.close()
    if status != 200:
        raise SystemExit(f"CreateBucket answered {status}: {answer[:300]!r}")


# -- the run -------------------------------------------------------------------


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """The module's docstring as written, and each option's default."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=_HelpFormatter)
    parser.add_argument("--records", type=int, default=500_000, help="Kinesis records to put")
    parser.add_argument("--record-bytes", type=int, default=100, help="data bytes a record")
    parser.add_argument("--batch", type=int, default=500, help="records a PutRecords call")
    parser.add_argument("--shards", type=int, default=64, help="the stream's shards")
    parser.add_argument("--connections", type=int, default=16, help="for PutRecords, PutObject")
    parser.add_argument("--read-connections", type=int, default=2, help="for GetRecords")
    parser.add_argument("--read-limit", type=int, default=10_000, help="GetRecords' Limit")
    parser.add_argument("--objects", type=int, default=5_000, help="small S3 objects to put")
    parser.add_argument("--object-bytes", type=int, default=1024, help="a small object's size")
    parser.add_argument("--big-mib", type=int, default=100, help="the big object's size, MiB")
    parser.add_argument("--big-gets", type=int, default=3, help="warm GETs of the big object")
    parser.add_argument("--speed", type=float, default=1000.0, help="the server's clock speed")
    parser.add_argument(
        "--skip",
        action="append",
        choices=["kinesis", "s3-small", "s3-big"],
        default=[],
        help="a phase to leave out (repeatable)",
    )
    parser.add_argument("--endpoint", help="a running endpoint, e.g. http://127.0.0.1:4566")
    parser.add_argument(
        "--data-parent",
        metavar="DIR",
        help="where the server's fresh data folder goes (None: beside skydeck's own)",
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="run the server under cProfile, its stats to FILE"
    )
    parser.add_argument("--no-uvloop", action="store_true", help="plain asyncio in the client")
    args = parser.parse_args()

    server = None
    data_dir: Path | None = None
    if args.endpoint:
        endpoint = args.endpoint.rstrip("/")
    else:
        # A fresh folder, so the S3 phases neither see nor leave objects in the
        # user's; beside skydeck's own by default, so the disk is the one skydeck
        # writes to (see `creation_cost` on why that matters).
        parent = Path(args.data_parent) if args.data_parent else default_data_dir().parent
        parent.mkdir(parents=True, exist_ok=True)
        data_dir = Path(tempfile.mkdtemp(prefix="skydeck-bench-", dir=parent))
        server, endpoint = start_server(
            "--speed", f"{args.speed:g}", "--data-dir", str(data_dir), profile=args.profile
        )
    parts = urlsplit(endpoint)
    client = Client(parts.hostname or "127.0.0.1", parts.port or 80)
    s = Settings(
        records=args.records,
        record_bytes=args.record_bytes,
        batch=args.batch,
        shards=args.shards,
        connections=args.connections,
        read_connections=args.read_connections,
        read_limit=args.read_limit,
        objects=args.objects,
        object_bytes=args.object_bytes,
        big_mib=args.big_mib,
        big_gets=args.big_gets,
        server_pid=server.pid if server else None,
        data_dir=data_dir,
    )
    print(f"endpoint {endpoint}, data folder {data_dir or 'unknown (not started here)'}")
    if server is not None:
        print(
            f"server clock at {args.speed:g}x: Kinesis's per-shard limits (writes 1,000 "
            "records/s and 1 MiB/s,\n  reads 5 calls/s and 2 MiB/s) are "
            f"{args.speed:g}x wider in wall time; iterators last {300 / args.speed:g} s"
        )
    print(
        f"Kinesis: {args.records:,} records of {args.record_bytes} bytes, {args.shards} shards, "
        f"{args.connections} connections to put, {args.read_connections} to get"
    )

    async def phases() -> None:
        if "kinesis" not in args.skip:
            await create_stream(client, s)
            written = await put_phase(client, s)
            await get_phase(client, s, written)
        if "s3-small" in args.skip and "s3-big" in args.skip:
            return
        await create_bucket(client, s)
        if "s3-small" not in args.skip:
            await small_put_phase(client, s)
        if "s3-big" not in args.skip:
            await big_phase(client, s)

    try:
        run_async(phases, not args.no_uvloop)
    finally:
        stop_server(server)
        if data_dir is not None:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
