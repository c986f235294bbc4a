"""What VPC Flow Logs cost end to end: a connection's way through traffic, windows and rendering.

python bench/flow_logs_end_to_end.py [--connections N] [--hours H]

1. The demo's network and flow log (the demo scenario's `[ec2]` and `[logs]`
   sections, applied to a fresh cloud on the manual clock). `N` connections
   from the internet to web-1 (two records each, at web-1's ENI) and from
   web-1 to app-1 (four records, two at each ENI), a distinct source port each
   so every connection is its own record, through `Ec2Service.traffic.connect`;
   then the clock runs past the window's end and its delivery, so the records
   are closed, rendered and put in the log group. CPU per connection for each
   part.
2. The demo hour (`bench/demo_hour.py`'s figure) with and without its EC2
   part (the `[ec2]` section and the `ec2-traffic` actors left out), the best
   of three runs each, interleaved, and the share of the CPU that part takes.

Times are CPU seconds of this process (`time.process_time`).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import time

from backend.headless import run_headless
from backend.process import tune_gc
from backend.scenarios import apply, load_scenario
from backend.scenarios.loader import Scenario
from backend.services import new_cloud
from backend.services.ec2 import Ec2Service

TCP = 6


async def end_to_end(connections: int) -> None:
    demo = load_scenario("demo")
    network = dataclasses.replace(
        demo,
        sections={k: v for k, v in demo.sections.items() if k in ("logs", "ec2")},
        actors=(),
    )
    cloud = new_cloud(seed="bench", start=demo.start)
    await apply(network, cloud)
    ec2 = cloud.service(Ec2Service)
    await cloud.clock.advance(60.0)  # the instances boot
    by_name = {i.tags["Name"]: i.interface for i in ec2.instances.values()}
    web, app = by_name["web-1"], by_name["app-1"]
    [flow_log] = ec2.flow_logs.values()
    connect = ec2.traffic.connect
    half = connections // 2
    started = time.process_time()
    for n in range(half):
        address = f"198.51.100.{1 + n % 40}"
        connect(
            address,
            web,
            TCP,
            32768 + n % 28000,
            443,
            packets_out=3,
            bytes_out=600,
            packets_back=8,
            bytes_back=9000,
        )
    for n in range(connections - half):
        connect(
            web,
            app,
            TCP,
            32768 + n % 28000,
            8080,
            packets_out=3,
            bytes_out=500,
            packets_back=5,
            bytes_back=4000,
        )
    traffic = time.process_time() - started
    written = flow_log.records_written
    started = time.process_time()
    await cloud.clock.advance(60.0)  # the window closes
    closing = time.process_time() - started
    records = flow_log.records_written - written
    started = time.process_time()
    await cloud.clock.advance(400.0)  # its delivery falls due
    delivering = time.process_time() - started
    per = 1e6 / connections
    print(
        f"{connections:,} connections ({records:,} records): traffic {traffic * per:.1f} µs, "
        f"window close {closing * per:.1f} µs, rendering and delivery {delivering * per:.1f} µs "
        f"per connection ({(traffic + closing + delivering) * per:.1f} µs in all)"
    )


def demo_hour(scenario: Scenario, hours: float) -> float:
    started = time.process_time()
    asyncio.run(run_headless(scenario, hours * 3600))
    return time.process_time() - started


def main(connections: int, hours: float) -> None:
    tune_gc()
    asyncio.run(end_to_end(connections))
    demo = load_scenario("demo")
    without = dataclasses.replace(
        demo,
        sections={k: v for k, v in demo.sections.items() if k != "ec2"},
        actors=tuple(a for a in demo.actors if a.kind != "ec2-traffic"),
    )
    with_ec2, bare = float("inf"), float("inf")
    for _ in range(3):  # interleaved, so a busy spell on the machine weighs on both
        with_ec2 = min(with_ec2, demo_hour(demo, hours))
        bare = min(bare, demo_hour(without, hours))
    share = (with_ec2 - bare) / with_ec2
    print(
        f"demo {hours:g} h: {with_ec2:.2f} CPU s with EC2 and flow logs, {bare:.2f} without "
        f"({share:.0%} of the CPU)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=20_000)
    parser.add_argument("--hours", type=float, default=1.0)
    args = parser.parse_args()
    main(args.connections, args.hours)
