"""How long a simulated hour of the demo scenario takes on the manual clock.

python bench/demo_hour.py [--hours H] [--repeat N]

The process is tuned as `skydeck` and `skydeck serve` tune it
(`backend.process.tune_gc`), so the figure is what the dashboard pays for the
cloud. Times are CPU seconds of this process (`time.process_time`), so other
load on the machine does not skew them.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from backend.headless import run_headless
from backend.process import tune_gc
from backend.scenarios import load_scenario


def main(hours: float, repeat: int) -> None:
    scenario = load_scenario("demo")
    tune_gc()
    timings = []
    calls = 0
    for _ in range(repeat):
        started = time.process_time()
        summary = asyncio.run(run_headless(scenario, hours * 3600))
        timings.append(time.process_time() - started)
        calls = sum(count for _, _, count, _ in summary.calls)
    best = min(timings)
    print(
        f"simulated {hours:g} h of the demo: best {best:.2f} CPU s of {repeat} runs "
        f"({calls:,} API calls, {calls / best:,.0f} calls/s)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    main(args.hours, args.repeat)
