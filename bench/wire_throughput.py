"""SQS throughput over the HTTP endpoint: what an outside client can push through.

Starts a headless endpoint in its own process (`skydeck serve`),
unless `--endpoint` names a running one, then measures:

1. SendMessage over many keep-alive connections, one request in flight per
   connection, as SDK clients with a connection pool do;
2. ReceiveMessage (10 at a time) + DeleteMessageBatch, draining what phase 1 sent;
3. sequential boto3 `send_message`, the figure a simple script sees.

The load generator is the raw HTTP/1.1 client of `bench/rawhttp_client.py`
(asyncio protocols, uvloop when installed), so the client costs little next to
the server it measures. With the server spawned here, it also reports the
server's CPU time per request.

    python bench/wire_throughput.py [--messages 50000] [--connections 32]

Figures only; nothing here asserts. On a shared machine run it a few times.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from urllib.parse import urlsplit

from rawhttp_client import (
    ACCOUNT,
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


def sqs_api(client: Client) -> JsonApi:
    return JsonApi(client, "AmazonSQS", "sqs", "1.0")


async def send_phase(
    client: Client, url: str, messages: int, connections: int, meter: CpuMeter
) -> None:
    payload = sqs_api(client).payload("SendMessage", {"QueueUrl": url, "MessageBody": "m" * 100})
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
    sqs = sqs_api(client)
    receive = sqs.payload(
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
                sqs.payload("DeleteMessageBatch", {"QueueUrl": url, "Entries": entries})
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
        create = sqs_api(client).payload("CreateQueue", {"QueueName": queue})
        status, body = await conn.request(create)
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
        stop_server(server)


if __name__ == "__main__":
    main()
