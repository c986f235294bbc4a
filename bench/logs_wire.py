"""CloudWatch Logs PutLogEvents over the HTTP endpoint: 10,000-event batches from outside.

Starts `skydeck serve` in its own process (unless `--endpoint` names a
running one) and drives it with the raw client of `bench/rawhttp_client.py`
over a few keep-alive connections: PutLogEvents of 10,000 JSON lines of
about 60 bytes a call (JSON 1.1, `Logs_20140328`), each connection into its
own stream, the events timestamped at the server's clock (read off the new
group's creationTime, as the README's aws CLI block does).

    python bench/logs_wire.py [--events 1000000] [--connections 4]

The goal (issue 9) is >= 50,000 events/s over HTTP. Figures only.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any
from urllib.parse import urlsplit

from rawhttp_client import (
    Client,
    Connection,
    CpuMeter,
    JsonApi,
    on_connections,
    report,
    run_async,
    start_server,
    stop_server,
)

BATCH = 10_000
GROUP = "/bench/wire"


async def call(
    conn: Connection, api: JsonApi, action: str, params: dict[str, object]
) -> dict[str, Any]:
    status, body = await conn.request(api.payload(action, params))
    if status != 200:
        raise SystemExit(f"{action} answered {status}: {body[:300]!r}")
    return json.loads(body) if body else {}


async def main(client: Client, events: int, connections: int, server_pid: int | None) -> None:
    api = JsonApi(client, "Logs_20140328", "logs", "1.1")
    conn = await client.connect()
    await call(conn, api, "CreateLogGroup", {"logGroupName": GROUP})
    described = await call(conn, api, "DescribeLogGroups", {"logGroupNamePrefix": GROUP})
    now = int(described["logGroups"][0]["creationTime"])
    for n in range(connections):
        await call(conn, api, "CreateLogStream", {"logGroupName": GROUP, "logStreamName": f"s{n}"})
    conn.close()
    payloads = [
        api.payload(
            "PutLogEvents",
            {
                "logGroupName": GROUP,
                "logStreamName": f"s{n}",
                "logEvents": [
                    {
                        "timestamp": now,
                        "message": json.dumps(
                            {"level": "ERROR" if i % 50 == 0 else "INFO", "n": i, "ms": i % 900},
                            separators=(",", ":"),
                        ),
                    }
                    for i in range(BATCH)
                ],
            },
        )
        for n in range(connections)
    ]
    calls = events // BATCH
    sent = 0
    latencies: list[float] = []
    ids = iter(range(connections))

    async def run(conn: Connection) -> None:
        nonlocal sent
        payload = payloads[next(ids)]
        while sent < calls:
            sent += 1
            started = time.perf_counter()
            status, body = await conn.request(payload)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                raise RuntimeError(f"PutLogEvents answered {status}: {body[:300]!r}")

    meter = CpuMeter(server_pid)
    elapsed = await on_connections(client, connections, run, meter)
    report(
        f"PutLogEvents ({BATCH:,} events a call)", len(latencies) * BATCH, elapsed, latencies, "ev"
    )
    meter.report(len(latencies))


def entry() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--endpoint", help="a running endpoint, e.g. http://127.0.0.1:4566")
    args = parser.parse_args()
    server = None
    if args.endpoint:
        endpoint = args.endpoint.rstrip("/")
    else:
        server, endpoint = start_server()
    parts = urlsplit(endpoint)
    client = Client(parts.hostname or "127.0.0.1", parts.port or 80)
    try:
        run_async(
            lambda: main(client, args.events, args.connections, server.pid if server else None),
            use_uvloop=True,
        )
    finally:
        stop_server(server)


if __name__ == "__main__":
    entry()
