"""In-process Kinesis throughput through `Cloud.call`: PutRecords and GetRecords.

    python bench/kinesis_calls.py [--records N] [--shards S]

Prints records/s for PutRecords of 500-record requests (the producer's hot
path), through `Cloud.call` and through the handler alone (what the service
itself costs, without the call path's CloudTrail entry and usage count), and
for GetRecords of 10,000 records at a time. Rates are per CPU second of this
process (`time.process_time`), so other load on the machine does not skew
them. The virtual clock moves on so that no shard passes its write limit
(1,000 records/s): what is measured is the work, not throttling.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from backend.cloud import Cloud
from backend.identity import CONSOLE
from backend.service import Request
from backend.services.kinesis import KinesisService

BATCH = 500


async def main(count: int, shards: int) -> None:
    cloud = Cloud(seed=1, services=[KinesisService])
    call = cloud.call
    await call("kinesis", "CreateStream", {"StreamName": "bench", "ShardCount": shards})
    await cloud.clock.advance(10)
    body = json.dumps({"event": "click", "page": "/checkout", "user": 1288}).encode()
    # One call's worth of records per shard per second stays under 1,000 records/s.
    per_second = BATCH * max(1, shards // 2)
    batches = [
        [{"Data": body, "PartitionKey": f"user-{(b * BATCH + i) % 10_000}"} for i in range(BATCH)]
        for b in range(8)
    ]

    calls = count // BATCH

    async def put_all(put: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]) -> float:
        """CPU seconds to write `calls` batches through `put`; every record must go in."""
        started = time.process_time()
        for n in range(calls):
            response = await put({"StreamName": "bench", "Records": batches[n % len(batches)]})
            assert response["FailedRecordCount"] == 0
            if (n + 1) * BATCH % per_second == 0:
                await cloud.clock.advance(1)
        return time.process_time() - started

    async def through_call(params: dict[str, Any]) -> dict[str, Any]:
        return await cloud.call("kinesis", "PutRecords", params)

    service = cloud.service(KinesisService)
    request = Request(cloud, CONSOLE, cloud.region, None)

    async def handler_alone(params: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = service.put_records(params, request)
        return response

    put_seconds = await put_all(through_call)
    handler_seconds = await put_all(handler_alone)
    written = 2 * calls * BATCH

    shard_ids = [f"shardId-{i:012d}" for i in range(shards)]
    started = time.process_time()
    read = 0
    for shard in shard_ids:
        iterator = (
            await call(
                "kinesis",
                "GetShardIterator",
                {"StreamName": "bench", "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"},
            )
        )["ShardIterator"]
        while iterator:
            response = await call("kinesis", "GetRecords", {"ShardIterator": iterator})
            read += len(response["Records"])
            if not response["Records"]:
                break
            iterator = response.get("NextShardIterator")
            await cloud.clock.advance(1)
    get_seconds = time.process_time() - started

    print(f"PutRecords ({BATCH} a call):   {calls * BATCH / put_seconds:>12,.0f} records/s")
    print(f"  handler alone (no trail):  {calls * BATCH / handler_seconds:>12,.0f} records/s")
    print(f"GetRecords (10,000 a call):  {read / get_seconds:>12,.0f} records/s")
    print(f"records written {written:,}, read {read:,}; trail entries {cloud.trail.recorded:,}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=500_000)
    parser.add_argument("--shards", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(args.records, args.shards))
