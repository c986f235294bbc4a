"""Memory a Kinesis stream holds per record kept for its retention period.

    python bench/kinesis_memory.py [--records N]

Writes N records (default 100,000) shaped like the demo's clicks (about 100
bytes of JSON each, a fresh `bytes` per record as a decoded request gives,
partition keys from 1,000 users, formatted afresh as a producer would) with
PutRecords straight to the handler, so the trail and the producer's own
objects are not in the figure, and prints what the stream's storage grew by
(tracemalloc, after a full collection): MB per 100,000 records and bytes per
record besides the data itself.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import tracemalloc

from backend.cloud import Cloud
from backend.identity import CONSOLE
from backend.service import Request
from backend.services.kinesis import KinesisService
from backend.services.kinesis.actors import click, stamp

BATCH = 500


async def main(count: int) -> None:
    cloud = Cloud(seed=1, services=[KinesisService])
    await cloud.call("kinesis", "CreateStream", {"StreamName": "bench", "ShardCount": 2})
    await cloud.clock.advance(10)
    service = cloud.service(KinesisService)
    request = Request(cloud, CONSOLE, cloud.region, None)
    rng = random.Random(1)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    payload = 0
    for n in range(0, count, BATCH):
        records = []
        for i in range(n, min(n + BATCH, count)):
            key = f"user-{rng.randrange(1000):05d}"
            data = click(i, rng, key, stamp(cloud.clock.now()))
            payload += len(data)
            records.append({"PartitionKey": key, "Data": data})
        response = service.put_records({"StreamName": "bench", "Records": records}, request)
        assert response["FailedRecordCount"] == 0
        del records, response
        await cloud.clock.advance(1)
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    print(
        f"{count:,} records of {payload / count:.0f} bytes on average: "
        f"{grown / count * 100_000 / 1e6:.1f} MB per 100,000 records "
        f"({grown / count:.0f} bytes per record, {(grown - payload) / count:.0f} besides the data)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().records))
