"""Kinesis PutRecords and GetRecords through the JSON codec, in-process, stage by stage.

    python bench/kinesis_wire.py [--records N] [--shards S] [--record-bytes B]

What the HTTP endpoint's JSON codec does for a request once its bytes are in,
without the sockets: parse the JSON body, convert it against the input shape
(`json_protocol.decode_with`, as `JsonCodec.decode` calls it), run the action
through `Cloud.call`, and write the result as JSON for the output shape
(`json_protocol.encode_with`). Each stage is timed on its own, in CPU
microseconds per record (`time.process_time`), so load from other processes on
the machine moves the figures less than it moves wall time, and a change to
one stage shows in that stage's line. The virtual clock moves on so that no
shard passes its limits: the work is measured, not throttling.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from backend.cloud import Cloud
from backend.services.kinesis import KinesisService
from backend.wire import json_protocol
from backend.wire.models import wire_service

BATCH = 500


class Stages:
    """CPU seconds spent in each named stage, summed over the run."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def run(self, name: str, fn: Callable[[], Any]) -> Any:
        started = time.process_time()
        out = fn()
        self.seconds[name] += time.process_time() - started
        return out

    async def wait(self, name: str, coro: Awaitable[Any]) -> Any:
        started = time.process_time()
        out = await coro
        self.seconds[name] += time.process_time() - started
        return out

    def report(self, title: str, records: int) -> None:
        total = sum(self.seconds.values())
        print(f"{title}: {records:,} records, {total / records * 1e6:.2f} us CPU a record", end="")
        print(f" ({records / total:,.0f} records/s)")
        for name, seconds in self.seconds.items():
            print(f"  {name:<12} {seconds / records * 1e6:6.2f} us")


async def main(count: int, shards: int, record_bytes: int) -> None:
    cloud = Cloud(seed=1, services=[KinesisService])
    service = wire_service("kinesis")
    put_op = service.operation("PutRecords") if service else None
    get_op = service.operation("GetRecords") if service else None
    assert put_op is not None and get_op is not None
    # Built once per operation, as `JsonCodec` keeps them.
    put_decoder = json_protocol.request_decoder(put_op)
    put_writer = json_protocol.response_encoder(put_op)
    get_decoder = json_protocol.request_decoder(get_op)
    get_writer = json_protocol.response_encoder(get_op)
    await cloud.call("kinesis", "CreateStream", {"StreamName": "bench", "ShardCount": shards})
    await cloud.clock.advance(10)

    data = base64.b64encode(b"x" * record_bytes).decode()
    bodies = [
        json.dumps(
            {
                "StreamName": "bench",
                "Records": [
                    {"Data": data, "PartitionKey": f"user-{(b * BATCH + i) % 10_000}"}
                    for i in range(BATCH)
                ],
            }
        ).encode()
        for b in range(8)
    ]
    # One call's worth of records per shard per second stays under 1,000 records/s.
    per_second = BATCH * max(1, shards // 2)
    put = Stages()
    calls = count // BATCH
    for n in range(calls):
        body = bodies[n % len(bodies)]
        parsed = put.run("parse", partial(json_protocol.parse_body, body))
        assert put_decoder is not None
        params = put.run("decode", partial(put_decoder, parsed, ""))
        result = await put.wait("handler", cloud.call("kinesis", "PutRecords", params))
        assert result["FailedRecordCount"] == 0
        put.run("encode", partial(json_protocol.encode_with, put_writer, result))
        if (n + 1) * BATCH % per_second == 0:
            await cloud.clock.advance(1)
    put.report("PutRecords (500 a call)", calls * BATCH)

    get = Stages()
    read = 0
    for index in range(shards):
        shard_id = f"shardId-{index:012d}"
        params = {"StreamName": "bench", "ShardId": shard_id, "ShardIteratorType": "TRIM_HORIZON"}
        iterator = (await cloud.call("kinesis", "GetShardIterator", params))["ShardIterator"]
        while iterator:
            body = json.dumps({"ShardIterator": iterator, "Limit": 10_000}).encode()
            params = get.run("decode", partial(json_protocol.decode_with, get_decoder, body))
            result = await get.wait("handler", cloud.call("kinesis", "GetRecords", params))
            get.run("encode", partial(json_protocol.encode_with, get_writer, result))
            read += len(result["Records"])
            if not result["Records"]:
                break
            iterator = result.get("NextShardIterator")
            await cloud.clock.advance(1)
    get.report("GetRecords (Limit 10,000)", read)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--shards", type=int, default=64)
    parser.add_argument("--record-bytes", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(main(args.records, args.shards, args.record_bytes))
