"""What the trail keeps of calls that carry big values: resident memory and page sizes.

    python bench/trail_memory.py [--calls N] [--mib M]

Makes N SendMessage calls (default 20) of M MiB (default 10) that SQS
rejects (the queue's MaximumMessageSize is 1 KiB), through `Cloud.call` as
the endpoint does, and prints how much the process's resident memory grew:
each failed call is recorded in the trail, which must keep the error's code
and message, not the exception and its traceback (whose frames hold the body).
Then it prints the size of a page of 50 events from LookupEvents after 50
CreateQueue calls with 100 KiB attribute values.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
from pathlib import Path

from backend.errors import AwsError
from backend.services import new_cloud

_PAGE = 4096


def rss() -> int:
    """Resident set size of this process in bytes (Linux)."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * _PAGE


async def main(calls: int, mib: int) -> None:
    cloud = new_cloud(seed=1)
    params = {"QueueName": "small", "Attributes": {"MaximumMessageSize": "1024"}}
    url = (await cloud.call("sqs", "CreateQueue", params))["QueueUrl"]
    gc.collect()
    before = rss()
    for n in range(calls):
        body = chr(ord("a") + n % 26) * (mib * 1024 * 1024)
        with contextlib.suppress(AwsError):
            await cloud.call("sqs", "SendMessage", {"QueueUrl": url, "MessageBody": body})
        del body
    gc.collect()
    grown = rss() - before
    print(f"{calls} rejected SendMessage calls of {mib} MiB: RSS +{grown / 2**20:,.1f} MiB")
    print(f"  trail data ring: {len(cloud.trail.data):,} entries, ~{cloud.trail.data.bytes:,} B")

    policy = "p" * (100 * 1024)
    for n in range(50):
        attributes = {"Policy": json.dumps({"Statement": [], "Padding": policy})}
        with contextlib.suppress(AwsError):
            await cloud.call("sqs", "CreateQueue", {"QueueName": f"q{n}", "Attributes": attributes})
    page = await cloud.call("cloudtrail", "LookupEvents", {"MaxResults": 50})
    size = len(json.dumps(page))
    print(f"LookupEvents page of {len(page['Events'])} events: {size / 1024:,.0f} KiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--mib", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(main(args.calls, args.mib))
