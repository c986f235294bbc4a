"""Headless runs: a scenario fast-forwarded on the manual clock, and its summary.

`skydeck run --scenario demo --for 1h --seed 7` lands here. The clock is
stepped by hand, so a simulated hour of the demo takes seconds, not an hour
(`bench/demo_hour.py` measures it), and the same seed gives the same bytes,
which is what tests, benchmarks and reports rely on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from backend.cloud import Cloud
from backend.durations import format_duration
from backend.registry import Registration
from backend.scenarios import Scenario, apply
from backend.services import REGISTRY, new_cloud

#: Simulated seconds the clock advances between two progress reports. On the
#: demo a simulated minute takes some tens of milliseconds of wall time, so a
#: long run reports many times a second (a display refreshing ten times a
#: second never looks stuck, even on a scenario ten times busier), while an
#: hour costs only sixty extra `advance_to` calls. Idle stretches are jumped
#: in one step, so a quiet scenario is not slowed by empty chunks.
STEP = 60.0

#: The last second `format_summary` can write: `datetime` stops at year 9999.
LAST_STAMP = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()

#: `on_progress(done_seconds, total_seconds, cloud)`, called between steps.
ProgressCallback = Callable[[float, float, Cloud], None]


@dataclass(frozen=True)
class Summary:
    scenario: Scenario
    seed: int
    start: float
    end: float
    #: Each service's lines (`Registration.summary`), in registry order, by service name.
    services: tuple[tuple[str, tuple[str, ...]], ...]
    #: (service, action, calls, of which failed)
    calls: tuple[tuple[str, str, int, int], ...]
    #: The simulated seconds asked for; `end - start` when the run was not interrupted.
    requested: float
    #: Whether the run was cancelled (Ctrl-C) before `requested` seconds had run.
    interrupted: bool
    #: The cloud as the run left it, for reports that want more than the lines.
    cloud: Cloud = field(compare=False, repr=False)


def check_run_length(scenario: Scenario, seconds: float) -> None:
    """Raise ValueError, with a message fit to show a person, if `seconds` can't be run.

    A run must last some time, and must end where the summary can still write
    the clock's date: past year 9999 `datetime` can't format it, and the run
    would only fail after it had (for ever) simulated that far.
    """
    if not seconds > 0:
        raise ValueError("a run must last longer than zero")
    if scenario.start + seconds > LAST_STAMP:
        raise ValueError(
            f"a run from {_stamp(scenario.start)} UTC can last at most "
            f"{format_duration(LAST_STAMP - scenario.start)}: the clock stops at year 9999"
        )


async def run_headless(
    scenario: Scenario,
    seconds: float,
    seed: int | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    step: float = STEP,
    registry: tuple[Registration, ...] = REGISTRY,
    data_dir: Path | None = None,
) -> Summary:
    """Run `scenario` for `seconds` of simulated time and summarise what happened.

    The clock advances `step` simulated seconds at a time and `on_progress`
    hears after each step (and once before the first). Steps change nothing
    in what runs: `advance_to` fires every due timer in order, and between
    steps nothing yields to the loop, so any `step` gives the same bytes.

    Cancelling the task (asyncio.run does on Ctrl-C) stops the run where it
    stands: the cancellation is absorbed (`uncancel`) and the summary of what
    ran comes back marked `interrupted`, rather than the run being lost.
    """
    check_run_length(scenario, seconds)
    chosen = scenario.seed if seed is None else seed
    # No trail pane browses a headless run: data events are kept only for a trail taking them.
    cloud = new_cloud(
        registry,
        seed=chosen,
        start=scenario.start,
        region=scenario.region,
        data_dir=data_dir,
        keep_data_history=False,
    )
    actors = await apply(scenario, cloud, registry)
    try:
        interrupted = await _advance(cloud, seconds, step, on_progress)
    finally:
        for actor in actors:
            actor.stop()
    services = _service_lines(cloud, registry)
    calls = tuple(
        (service, action, count, cloud.errors.get((service, action), 0))
        for (service, action), count in sorted(cloud.usage.items())
    )
    return Summary(
        scenario,
        chosen,
        scenario.start,
        cloud.clock.now(),
        services,
        calls,
        seconds,
        interrupted,
        cloud,
    )


def _service_lines(
    cloud: Cloud, registry: tuple[Registration, ...]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    found = []
    for entry in registry:
        if entry.summary is not None and entry.service.name in cloud.services:
            lines = entry.summary(cloud)
            if lines:
                found.append((entry.service.name, tuple(lines)))
    return tuple(found)


async def _advance(
    cloud: Cloud, seconds: float, step: float, on_progress: ProgressCallback | None
) -> bool:
    """Advance `cloud`'s clock by `seconds` in steps; True if cancelled on the way.

    A cancellation usually lands inside `advance_to`, where the clock lets
    woken tasks run. A scenario whose timers wake no task never yields there,
    so between steps `cancelling()` is checked too, and only then does the
    loop get a turn (which delivers the pending CancelledError): yielding on
    every step would let stray loop callbacks run at other simulated times
    than one big step lets them, and the bytes could differ.
    """
    clock = cloud.clock
    task = asyncio.current_task()
    assert task is not None, "run_headless runs in a task"
    start = clock.now()
    end = start + seconds
    try:
        while True:
            if on_progress is not None:
                on_progress(clock.now() - start, seconds, cloud)
            if task.cancelling():
                await asyncio.sleep(0)
            due = clock.next_due()
            await clock.advance_to(min(end, max(clock.now() + step, end if due is None else due)))
            if clock.now() >= end:
                break
    except asyncio.CancelledError:
        task.uncancel()
        return True
    if on_progress is not None:
        on_progress(seconds, seconds, cloud)
    return False


def _stamp(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S")


def format_summary(summary: Summary) -> str:
    """The summary as plain text: same summary, same bytes."""
    lines = [
        f"skydeck run · scenario {summary.scenario.name} · seed {summary.seed} · "
        f"{format_duration(summary.end - summary.start)} simulated",
        f"{_stamp(summary.start)} → {_stamp(summary.end)} UTC",
    ]
    if summary.interrupted:
        lines.append(
            f"interrupted at {_stamp(summary.end)} UTC, after "
            f"{format_duration(summary.end - summary.start)} of "
            f"{format_duration(summary.requested)}"
        )
    for _, service_lines in summary.services:
        lines.append("")
        lines.extend(service_lines)
    service_width = max([6, *(len(service) + 2 for service, _, _, _ in summary.calls)])
    action_width = max([32, *(len(action) + 2 for _, action, _, _ in summary.calls)])
    title = "API calls by action"
    lines += ["", f"  {title:<{service_width + action_width}}{'calls':>10}{'failed':>10}"]
    for service, action, count, failed in summary.calls:
        lines.append(
            f"  {service:<{service_width}}{action:<{action_width}}{count:>10,}{failed:>10,}"
        )
    total = sum(count for _, _, count, _ in summary.calls)
    failures = sum(failed for _, _, _, failed in summary.calls)
    lines.append(f"  {'':<{service_width}}{'total':<{action_width}}{total:>10,}{failures:>10,}")
    return "\n".join(lines) + "\n"
