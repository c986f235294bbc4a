"""The metrics pane's graph: what a redraw of a one-week window costs.

    .venv/bin/python bench/metric_graph.py [--lines N] [--rounds N]

Runs the real app headless (Textual's test driver) at 160x48 on an empty
cloud, puts a week of one-minute datapoints for `--lines` dimension sets of
a custom metric (a daily swing plus noise, so every period moves the line),
opens the metrics pane on them at the one-week window with five-minute
periods (2,016 points a line), overlays them all, and times, in CPU time:

- the graph's render (`MetricGraph.render`: frame, ticks, labels, lines),
  forced each round as a new period arriving would force it;
- the pane's `_draw` when nothing changed (what each tick costs in between);
- the pane's `_draw` on a window made afresh (`z` to one week: every line's
  2,016 periods aggregated from the store's minute bins).

The goal (issue 8) is a 1-week redraw in under 16 ms, one frame at 60 Hz.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import statistics
import time

from backend.process import tune_gc
from backend.scenarios.loader import parse_scenario
from tui.app import SkydeckApp
from tui.screens.metrics import MetricsPane

WEEK = 7 * 86_400
QUIET = '[scenario]\nname = "graph"\nstart = 2026-11-29T09:00:00Z\n'


async def put_week(app: SkydeckApp, lines: int) -> None:
    """A week of one-minute points per store, put in two-hour batches (PutMetricData's limits)."""
    rng = random.Random(7)
    now = app.cloud.clock.now()
    for store in range(lines):
        first = now - WEEK
        for batch_start in range(0, WEEK, 7_200):
            data = []
            for offset in range(batch_start, min(batch_start + 7_200, WEEK), 60):
                t = first + offset
                value = 100 + 60 * math.sin(2 * math.pi * t / 86_400) + rng.gauss(0, 8)
                data.append(
                    {
                        "MetricName": "Orders",
                        "Dimensions": [{"Name": "Store", "Value": f"store-{store}"}],
                        "Timestamp": t,
                        "Value": value,
                    }
                )
            for chunk in range(0, len(data), 1000):
                await app.cloud.call(
                    "cloudwatch",
                    "PutMetricData",
                    {"Namespace": "Shop", "MetricData": data[chunk : chunk + 1000]},
                )


def cpu_ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:.2f} ms, max {max(samples) * 1000:.2f} ms"


async def main(lines: int, rounds: int) -> None:
    tune_gc()
    app = SkydeckApp(parse_scenario(QUIET, "graph.toml"), realtime=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await app.cloud.clock.advance(WEEK + 3_600)
        await put_week(app, lines)
        await app.action_show_pane("metrics")
        pane = app.pane(MetricsPane)
        assert isinstance(pane, MetricsPane)
        pane.settings.window, pane.settings.period = WEEK, 300
        assert pane.go_to("Shop Orders")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        for _ in range(lines - 1):
            await pilot.press("m", "down")
            await pilot.pause()
        graph = pane.graph
        points = sum(len(line.times) for line in graph.lines)
        render, idle, fresh = [], [], []
        for _ in range(rounds):
            graph.refresh()
            started = time.process_time()
            graph.render()
            render.append(time.process_time() - started)
            started = time.process_time()
            pane.show_highlighted()
            idle.append(time.process_time() - started)
            pane._windows.clear()
            started = time.process_time()
            pane.show_highlighted()
            fresh.append(time.process_time() - started)
        print(f"{len(graph.lines)} lines, {points:,} points, one-week window at 160x48")
        print(f"graph render (CPU): {cpu_ms(render)}   goal < 16 ms")
        print(f"unchanged tick, _draw (CPU): {cpu_ms(idle)}")
        print(f"new one-week window, _draw (CPU): {cpu_ms(fresh)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(main(args.lines, args.rounds))
