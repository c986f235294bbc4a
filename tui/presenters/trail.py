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


def user_label(entry: TrailEntry) -> str:
    """Who called: the user or role session; outside SDKs by access key and agent."""
    caller = entry.caller
    if caller.user_agent.startswith(("aws-cli", "Boto", "boto", "aws-sdk")):
        key = caller.access_key_id
        return f"{key[:4]}…{key[-4:]} ({caller.user_agent.split(' ')[0]})"
    return caller.username


def entry_row(entry: TrailEntry, palette: Palette) -> Row:
    clock = datetime.fromtimestamp(entry.time, UTC).strftime("%H:%M:%S")
    name = Text(entry.action, palette.data_event) if entry.data_event else Text(entry.action)
    user = user_label(entry)
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
