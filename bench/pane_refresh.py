"""The dashboard's refresh cost per tick with 100,000 messages in the selected queue.

    python bench/pane_refresh.py [--messages N] [--ticks N]

Runs the real app headless (Textual's test driver) at 160x48 on the demo
scenario, fills `orders` with N messages, and times `refresh_view` (what the
app runs four times a second) plus the render of the frame it causes. The
repaint is measured in CPU time, since the test driver idles between frames.
The process is tuned as `skydeck` tunes it (`backend.process.tune_gc`).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from backend.process import tune_gc
from backend.scenarios import load_scenario
from backend.services.sqs import SqsService
from tui.app import SkydeckApp


async def main(messages: int, ticks: int) -> None:
    tune_gc()
    app = SkydeckApp(load_scenario("demo"), realtime=False)
    async with app.run_test(size=(160, 48)) as pilot:
        sqs = app.cloud.service(SqsService)
        queue = next(q for q in sqs.queues.values() if q.name == "orders")
        url = sqs.queue_url(queue)
        for start in range(0, messages, 10):
            entries = [
                {"Id": str(i), "MessageBody": f'{{"order": {start + i}}}'} for i in range(10)
            ]
            await app.cloud.call("sqs", "SendMessageBatch", {"QueueUrl": url, "Entries": entries})
        await app.cloud.call("sqs", "ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 10})
        await pilot.pause()
        refresh, frame = [], []
        for _ in range(ticks):
            await app.cloud.clock.advance(0.25)
            started = time.perf_counter()
            app.refresh_view()
            refresh.append(time.perf_counter() - started)
            cpu = time.process_time()
            await pilot.pause()
            frame.append(time.process_time() - cpu)
        print(f"queue holds {len(queue):,} messages; {ticks} ticks at 160x48")
        print(
            f"refresh_view: median {statistics.median(refresh) * 1000:.2f} ms, "
            f"max {max(refresh) * 1000:.2f} ms"
        )
        both = (statistics.median(refresh) + statistics.median(frame)) * 1000
        print(f"refresh + repaint (CPU): median {both:.2f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--ticks", type=int, default=40)
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.ticks))
