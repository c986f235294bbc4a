"""In-process Firehose throughput through `Cloud.call`: PutRecordBatch of 500 records.

    python bench/firehose_calls.py [--records N] [--size BYTES]

Prints records/s for PutRecordBatch of 500-record requests (a producer's hot
path), through `Cloud.call` and through the handler alone (what the service
itself costs, without the call path's CloudTrail entry and usage count), with
the buffer flushing to S3 by size as it fills (5 MiB objects, written to a
temporary data folder). Rates are per CPU second of this process
(`time.process_time`), so other load on the machine does not skew them. The
virtual clock moves on a second every 5,000 records so no batch passes the
stream's 5,000 records/s: what is measured is the work, not throttling.
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
from backend.services.firehose import FirehoseService
from backend.services.s3 import S3Service

BATCH = 500
PER_SECOND = 5_000


async def main(count: int, size: int) -> None:
    cloud = Cloud(seed=1, services=[FirehoseService, S3Service])
    await cloud.call("s3", "CreateBucket", {"Bucket": "bench"})
    await cloud.call(
        "firehose",
        "CreateDeliveryStream",
        {
            "DeliveryStreamName": "bench",
            "ExtendedS3DestinationConfiguration": {
                "RoleARN": "arn:aws:iam::123456789012:role/bench",
                "BucketARN": "arn:aws:s3:::bench",
            },
        },
    )
    await cloud.clock.advance(10)
    line = json.dumps({"level": "INFO", "service": "checkout", "msg": "request served"})
    body = (line + " " * max(0, size - len(line) - 1) + "\n").encode()
    records = [{"Data": body} for _ in range(BATCH)]
    calls = count // BATCH

    async def put_all(put: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]) -> float:
        """CPU seconds to put `calls` batches through `put`; every record must go in."""
        started = time.process_time()
        for n in range(calls):
            response = await put({"DeliveryStreamName": "bench", "Records": records})
            assert response["FailedPutCount"] == 0
            if (n + 1) * BATCH % PER_SECOND == 0:
                await cloud.clock.advance(1)
        return time.process_time() - started

    async def through_call(params: dict[str, Any]) -> dict[str, Any]:
        return await cloud.call("firehose", "PutRecordBatch", params)

    service = cloud.service(FirehoseService)
    request = Request(cloud, CONSOLE, cloud.region, None)

    async def handler_alone(params: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = service.put_record_batch(params, request)
        return response

    call_seconds = await put_all(through_call)
    handler_seconds = await put_all(handler_alone)
    stream = service.streams[(cloud.region, "bench")]
    print(f"records of {len(body)} B, {calls:,} PutRecordBatch calls of {BATCH} each way")
    print(f"PutRecordBatch via Cloud.call   {calls * BATCH / call_seconds:>12,.0f} records/s")
    print(f"PutRecordBatch handler alone    {calls * BATCH / handler_seconds:>12,.0f} records/s")
    print(f"objects delivered to S3         {stream.counters.objects:>12,}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=500_000)
    parser.add_argument("--size", type=int, default=100, help="bytes per record")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.records, arguments.size))
