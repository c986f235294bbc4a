"""`skydeck run`'s progress display: how far a headless run has got.

A long run (`--for 100000d`) would otherwise sit silent for hours with no way
to tell whether it is worth waiting for. The display goes to its own console
(stderr), so stdout stays exactly the summary, and it is transient: once the
run ends, a terminal keeps only the summary.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from backend.cloud import Cloud
from backend.durations import format_duration
from backend.headless import ProgressCallback

#: The simulated clock to the minute: reports come a simulated minute apart
#: (`backend.headless.STEP`), so seconds would nearly always read :00, and an
#: 80-column terminal needs the room.
_MINUTES = "%Y-%m-%d %H:%M"

#: Wall seconds between two updates of the display, its refresh interval. A
#: quiet scenario reports thousands of simulated minutes a wall second;
#: formatting each would cost more than simulating them.
_INTERVAL = 0.1


@contextmanager
def run_progress(console: Console) -> Iterator[ProgressCallback]:
    """Show a progress display on `console` while the block runs; yield what feeds it.

    The bar appears at the first report, that is once the scenario is set up
    and the clock starts to advance, so setting up draws nothing. Later
    reports update it at most every `_INTERVAL`, and always at the end.
    """
    progress = Progress(
        TextColumn("{task.fields[done]} of {task.fields[length]}"),
        BarColumn(bar_width=None),
        TextColumn("{task.fields[clock]}"),
        TextColumn("{task.fields[calls]} calls"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        expand=True,
        redirect_stdout=False,
        refresh_per_second=1 / _INTERVAL,
    )
    task: TaskID | None = None
    shown = 0.0

    def report(done: float, total: float, cloud: Cloud) -> None:
        nonlocal task, shown
        now = progress.get_time()
        if task is not None and now - shown < _INTERVAL and done < total:
            return
        shown = now
        ran = format_duration(done)
        clock = datetime.fromtimestamp(cloud.clock.now(), UTC).strftime(_MINUTES)
        calls = f"{sum(cloud.usage.values()):,}"
        if task is None:
            length = format_duration(total)
            task = progress.add_task(
                "run", total=total, done=ran, length=length, clock=clock, calls=calls
            )
        progress.update(task, completed=done, done=ran, clock=clock, calls=calls)

    with progress:
        yield report
