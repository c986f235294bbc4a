"""The Logs pane's tail: what a frame costs when scrolling a stream of a million events.

    .venv/bin/python bench/log_tail.py [--events N] [--frames N]

Runs the real app headless (Textual's test driver) at 160x48 on an empty
cloud, puts `--events` JSON lines into one stream (10,000 a PutLogEvents),
opens the tail on it, and times in CPU time:

- a frame after a jump to a random line (`LogView.go_to` and the lines on
  screen drawn: what Page Down, Home or a scroll costs);
- a frame of the view filtered with `{ $.level = "ERROR" }`, after the filter
  has been applied (the match index built once, shown below), and a tick of
  the filter when events arrive (only the new ones are tested).

The goal (issue 9) is under 16 ms a frame with a million lines: one frame at 60 Hz.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time

from textual.geometry import Region

from backend.process import tune_gc
from backend.scenarios.loader import parse_scenario
from backend.services.logs import LogsService
from tui.app import SkydeckApp
from tui.presenters.logs import MatchingLines
from tui.screens.log_tail import TailScreen
from widgets.log_view import LogView

QUIET = '[scenario]\nname = "tail"\nstart = 2026-11-29T09:00:00Z\n'
BATCH = 10_000


async def fill(app: SkydeckApp, events: int) -> None:
    call = app.cloud.call
    await call("logs", "CreateLogGroup", {"logGroupName": "/bench"})
    await call("logs", "CreateLogStream", {"logGroupName": "/bench", "logStreamName": "s"})
    now = int(app.cloud.clock.now() * 1000)
    start = now - events
    for first in range(0, events, BATCH):
        batch = [
            {
                "timestamp": start + i,
                "message": json.dumps(
                    {"level": "ERROR" if i % 50 == 0 else "INFO", "n": i, "ms": i % 900},
                    separators=(",", ":"),
                ),
            }
            for i in range(first, min(first + BATCH, events))
        ]
        params = {"logGroupName": "/bench", "logStreamName": "s", "logEvents": batch}
        await call("logs", "PutLogEvents", params)


def frame(view: LogView) -> float:
    """CPU seconds to draw every line the view shows."""
    width, height = view.size
    started = time.process_time()
    view.render_lines(Region(0, 0, width, height))
    return time.process_time() - started


async def main(events: int, frames: int) -> None:
    tune_gc()
    app = SkydeckApp(parse_scenario(QUIET, "bench"), realtime=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await fill(app, events)
        group = app.cloud.service(LogsService).groups[(app.cloud.region, "/bench")]
        stream = group.streams["s"]
        tail = TailScreen("/bench", stream)
        await app.push_screen(tail)
        await pilot.pause()
        view = tail.query_one(LogView)
        rng = random.Random(3)
        jumps = []
        for _ in range(frames):
            started = time.process_time()
            view.go_to(rng.randrange(len(stream)))
            jumps.append(time.process_time() - started + frame(view))
        print(
            f"tail of {len(stream):,} events, 160x48: a jump and a frame "
            f"{statistics.median(jumps) * 1e3:.2f} ms (median), {max(jumps) * 1e3:.2f} ms (worst)"
        )

        started = time.process_time()
        tail._apply_filter('{ $.level = "ERROR" }')
        built = time.process_time() - started
        assert isinstance(tail.lines, MatchingLines)
        filtered = []
        for _ in range(frames):
            started = time.process_time()
            view.go_to(rng.randrange(len(tail.lines)))
            filtered.append(time.process_time() - started + frame(view))
        print(
            f"filtered to {len(tail.lines):,} of them: the filter {built:.2f} s once, then a "
            f"frame {statistics.median(filtered) * 1e3:.2f} ms (median)"
        )
        await fill_more(app, stream.name)
        started = time.process_time()
        tail.tick()
        print(
            f"a tick with {BATCH:,} new events under the filter: "
            f"{(time.process_time() - started) * 1e3:.1f} ms"
        )


async def fill_more(app: SkydeckApp, stream: str) -> None:
    now = int(app.cloud.clock.now() * 1000)
    batch = [{"timestamp": now, "message": '{"level":"ERROR","n":0}'} for _ in range(BATCH)]
    params = {"logGroupName": "/bench", "logStreamName": stream, "logEvents": batch}
    await app.cloud.call("logs", "PutLogEvents", params)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--frames", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.frames))
