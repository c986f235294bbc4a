"""The cloud's events as rows for the events log (`!`)."""

from __future__ import annotations

from rich.text import Text

from tui.event_log import LoggedEvent
from tui.presenters.formats import clock
from tui.presenters.palette import Palette
from widgets.event_strip import MARKS, StripLine
from widgets.live_table import Column, Row

EVENT_COLUMNS = (
    Column("time", 8),
    Column("service", 7, drop=2),
    Column("event", 26),
    Column("count", 6, "right"),
    Column("what happened", 0, min_width=24),
)


def _style(line: LoggedEvent, palette: Palette) -> str:
    return {"error": palette.error, "warning": palette.warning}.get(line.severity, "")


def event_row(line: LoggedEvent, palette: Palette) -> Row:
    style = _style(line, palette)
    return Row(
        key=f"{line.first}/{line.service}/{line.kind}/{line.resource}",
        cells=(
            clock(line.last),
            line.service,
            Text(f"{MARKS[line.severity]} {line.kind}", style),
            f"×{line.count:,}" if line.count > 1 else "",
            line.summary,
        ),
        sort=(line.last, line.service, line.kind, line.count, line.summary),
    )


def strip_line(line: LoggedEvent | None, logged: int) -> StripLine:
    """The strip's view of the newest line of the log."""
    if line is None:
        return StripLine(logged=logged)
    return StripLine(
        time=clock(line.last),
        kind=line.kind,
        summary=line.summary,
        severity=line.severity,
        count=line.count,
        logged=logged,
    )
