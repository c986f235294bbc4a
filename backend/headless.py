"""Headless runs: a scenario fast-forwarded on the manual clock, and its summary.

`skydeck run --scenario demo --for 1h --seed 7` lands here. The clock is
stepped by hand, so a simulated hour takes about a second and the same seed
gives the same bytes, which is what tests, benchmarks and reports rely on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from backend.cloud import Cloud
from backend.durations import format_duration
from backend.scenarios import Scenario, apply
from backend.services.sqs import SqsService
from backend.services.sqs.queue import Counters


@dataclass(frozen=True)
class QueueSummary:
    name: str
    counters: Counters
    visible: int
    in_flight: int
    delayed: int


@dataclass(frozen=True)
class Summary:
    scenario: Scenario
    seed: int
    start: float
    end: float
    queues: tuple[QueueSummary, ...]
    #: (service, action, calls, of which failed)
    calls: tuple[tuple[str, str, int, int], ...]


async def run_headless(scenario: Scenario, seconds: float, seed: int | None = None) -> Summary:
    """Run `scenario` for `seconds` of simulated time and summarise what happened."""
    chosen = scenario.seed if seed is None else seed
    cloud = Cloud(seed=chosen, start=scenario.start, region=scenario.region)
    actors = await apply(scenario, cloud)
    try:
        await cloud.clock.advance(seconds)
    finally:
        for actor in actors:
            actor.stop()
    sqs = cloud.service(SqsService)
    queues = tuple(
        QueueSummary(q.name, q.counters, q.n_visible, q.n_inflight, q.n_delayed)
        for q in sorted(sqs.queues.values(), key=lambda q: q.name)
    )
    calls = tuple(
        (service, action, count, cloud.errors.get((service, action), 0))
        for (service, action), count in sorted(cloud.usage.items())
    )
    return Summary(scenario, chosen, scenario.start, cloud.clock.now(), queues, calls)


def _stamp(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S")


def format_summary(summary: Summary) -> str:
    """The summary as plain text: same summary, same bytes."""
    lines = [
        f"skydeck run · scenario {summary.scenario.name} · seed {summary.seed} · "
        f"{format_duration(summary.end - summary.start)} simulated",
        f"{_stamp(summary.start)} → {_stamp(summary.end)} UTC",
        "",
    ]
    header = ("queue", "sent", "received", "deleted", "to DLQ", "expired", "empty rcv", "left")
    rows = [
        (
            q.name,
            q.counters.sent,
            q.counters.received,
            q.counters.deleted,
            q.counters.moved_to_dlq,
            q.counters.expired,
            q.counters.empty_receives,
            q.visible + q.in_flight + q.delayed,
        )
        for q in summary.queues
    ]
    width = max([len(header[0]), *(len(r[0]) for r in rows)])
    lines.append(f"{header[0]:<{width}}" + "".join(f"{h:>11}" for h in header[1:]))
    for row in rows:
        lines.append(f"{row[0]:<{width}}" + "".join(f"{v:>11,}" for v in row[1:]))
    lines += ["", f"  {'API calls by action':<38}{'calls':>10}{'failed':>10}"]
    for service, action, count, failed in summary.calls:
        lines.append(f"  {service:<6}{action:<32}{count:>10,}{failed:>10,}")
    total = sum(count for _, _, count, _ in summary.calls)
    failures = sum(failed for _, _, _, failed in summary.calls)
    lines.append(f"  {'':<6}{'total':<32}{total:>10,}{failures:>10,}")
    return "\n".join(lines) + "\n"
