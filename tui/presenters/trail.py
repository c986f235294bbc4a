"""CloudTrail events as rows for the trail pane."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

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


#: Characters of one string value the JSON view shows before eliding the rest.
SHOWN_CHARACTERS = 2000


def shortened(value: Any, limit: int = SHOWN_CHARACTERS) -> Any:
    """A record with every long string cut to `limit` characters and the cut said.

    A SendMessage data event carries the whole body, up to 1 MiB; laid out in
    full, one record would take seconds to render and thousands of lines.
    """
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]}… ({len(value) - limit:,} more characters)"
    if isinstance(value, dict):
        return {key: shortened(item, limit) for key, item in value.items()}
    if isinstance(value, list):
        return [shortened(item, limit) for item in value]
    return value
