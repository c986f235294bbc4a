"""CloudTrail events as rows for the trail pane."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text

from backend.trail import TrailEntry
from tui.presenters.palette import Palette
from widgets.live_table import Column, Row

TRAIL_COLUMNS = (
    Column("time", 8),
    Column("event", 26),
    Column("source", 17, hide_below=90),
    Column("user", 0),
    Column("ro", 2),
    Column("error", 22),
)


def entry_row(entry: TrailEntry, palette: Palette) -> Row:
    clock = datetime.fromtimestamp(entry.time, UTC).strftime("%H:%M:%S")
    name = Text(entry.action, palette.data_event) if entry.data_event else Text(entry.action)
    user = entry.caller.username
    if entry.caller.user_agent.startswith(("aws-cli", "Boto", "boto", "aws-sdk")):
        user = f"{entry.caller.access_key_id[:4]}…{entry.caller.access_key_id[-4:]} ({entry.caller.user_agent.split(' ')[0]})"
    return Row(
        key=str(entry.seq),
        cells=(
            clock,
            name,
            entry.event_source,
            user,
            "ro" if entry.read_only else "",
            Text(entry.error_code, palette.error),
        ),
        sort=(entry.seq, entry.action, entry.event_source, user, entry.read_only, entry.error_code),
    )
