"""Memory per queued SQS message, and what a purge of them costs.

    python bench/message_memory.py [--messages N] [--body-bytes B]

Sends N messages (default 300,000) of B bytes (default 1 KiB), each body a
fresh string as one decoded off the wire would be, through `Cloud.call`
(so the trail and the metrics are in the figure), and prints the growth of
the process's resident memory per message. Then purges the queue and prints
how long the PurgeQueue call held the event loop, the longest any single loop
turn took while the messages were being let go, and the resident memory once
they are gone. The issue's goal: at most 1.5 KiB per 1 KiB message, so a
million messages fit in 1.5 GiB.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from pathlib import Path

from backend.process import releasing, tune_gc
from backend.services import new_cloud

_PAGE = 4096


def rss() -> int:
    """Resident set size of this process in bytes (Linux)."""
    fields = Path("/proc/self/statm").read_text().split()
    return int(fields[1]) * _PAGE


async def longest_turn(until: asyncio.Event) -> float:
    """The most CPU the loop's thread spent between two of its turns until `until` is set.

    CPU time of this thread, not wall time, so other processes on the machine
    (and the trim's own thread) don't count as the loop being held.
    """
    worst = 0.0
    last = time.thread_time()
    while not until.is_set():
        await asyncio.sleep(0)
        now = time.thread_time()
        worst = max(worst, now - last)
        last = now
    return worst


async def main(count: int, size: int) -> None:
    cloud = new_cloud(seed=1)
    url = (await cloud.call("sqs", "CreateQueue", {"QueueName": "bench"}))["QueueUrl"]
    call = cloud.call
    pad = "x" * (size - 12)
    gc.collect()
    before = rss()
    started = time.process_time()
    for n in range(count):
        await call("sqs", "SendMessage", {"QueueUrl": url, "MessageBody": f"{n:012d}{pad}"})
    sent_in = time.process_time() - started
    gc.collect()
    grown = rss() - before
    print(f"{count:,} messages of {size:,} B: RSS +{grown / 2**20:,.0f} MiB")
    print(f"  {grown / count / 1024:.2f} KiB per queued message (goal: <= 1.5 KiB for 1 KiB)")
    print(f"  SendMessage: {count / sent_in:,.0f} calls/s (CPU)")

    done = asyncio.Event()
    watcher = asyncio.create_task(longest_turn(done))
    await asyncio.sleep(0)
    started = time.perf_counter()
    await call("sqs", "PurgeQueue", {"QueueUrl": url})
    purge_call = time.perf_counter() - started
    while cloud.reaper.pending or releasing():  # noqa: ASYNC110 (polling the loop on purpose)
        await asyncio.sleep(0)
    done.set()
    stall = await watcher
    freed_in = time.perf_counter() - started
    gc.collect()
    print(f"PurgeQueue: the call took {purge_call * 1000:.1f} ms; longest loop turn (CPU)")
    print(f"  while letting go {stall * 1000:.1f} ms; all gone in {freed_in * 1000:.0f} ms")
    print(f"  RSS after: +{(rss() - before) / 2**20:,.0f} MiB over the empty cloud")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=300_000)
    parser.add_argument("--body-bytes", type=int, default=1024)
    args = parser.parse_args()
    tune_gc()  # as the dashboard and `skydeck serve` do
    asyncio.run(main(args.messages, args.body_bytes))
