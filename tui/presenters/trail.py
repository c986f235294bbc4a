"""CloudTrail events as rows for the trail pane."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text

from backend.trail import Trail, TrailEntry
from tui.presenters.formats import clock
from tui.presenters.palette import Palette
from widgets.live_table import Column, Row

TRAIL_COLUMNS = (
    Column("time", 8),
    Column("event", 26),
    Column("source", 17, drop=3),
    Column("user", 0, min_width=16),
    Column("ro", 2, drop=2),
    Column("error", 22, drop=1),
)


def user_label(entry: TrailEntry) -> str:
    """Who called: the user or role session; outside SDKs by access key and agent."""
    caller = entry.caller
    if caller.user_agent.startswith(("aws-cli", "Boto", "boto", "aws-sdk")):
        key = caller.access_key_id
        return f"{key[:4]}…{key[-4:]} ({caller.user_agent.split(' ')[0]})"
    return caller.username


def entry_texts(entry: TrailEntry) -> tuple[str, str, str, str, str, str]:
    """The words of an entry's row: time, event, source, user, read-only, error."""
    return (
        clock(entry.time),
        entry.action,
        entry.event_source,
        user_label(entry),
        "ro" if entry.read_only else "",
        entry.error_code,
    )


def search_text(entry: TrailEntry) -> str:
    """What `/` matches an entry against: its row's words, as a table filter would."""
    return " ".join(entry_texts(entry))


def entry_row(entry: TrailEntry, palette: Palette) -> Row:
    time, action, source, user, read_only, error = entry_texts(entry)
    name = Text(action, palette.data_event) if entry.data_event else Text(action)
    return Row(
        key=str(entry.seq),
        cells=(time, name, source, user, read_only, Text(error, palette.error)),
        sort=(entry.seq, action, source, user, entry.read_only, error),
    )


class TrailSearch:
    """The newest `limit` entries matching a filter, over the whole kept history.

    The table holds only the newest events, so filtering it would miss most
    of what the trail keeps (the README's `/InvalidParameter` found nothing two
    minutes in). This searches the rings themselves, as LookupEvents does, a
    slice of `budget` entries per `step` so the dashboard never stalls on a
    hundred thousand of them: new entries first, then on down into older ones
    until the history ends or `limit` matches are found.
    """

    def __init__(self, matches: Callable[[str], bool], *, include_data: bool, limit: int) -> None:
        self._matches = matches
        self.include_data = include_data
        self._limit = limit
        #: Matches, newest first.
        self.found: list[TrailEntry] = []
        #: Entries looked at so far.
        self.scanned = 0
        #: Whether older entries are left to look at.
        self.searching = True
        self._newest = 0
        self._oldest: int | None = None

    def step(self, trail: Trail, now: float, budget: int = 20_000) -> None:
        """Look at what was recorded since the last step, then at up to `budget` older entries."""
        matches = self._matches
        fresh: list[TrailEntry] = []
        if self._oldest is not None:
            seen = self._newest
            for entry in trail.history(now, include_data=self.include_data):
                if entry.seq <= seen:
                    break
                self._newest = max(self._newest, entry.seq)
                self.scanned += 1
                if matches(search_text(entry)):
                    fresh.append(entry)
        found = fresh + self.found
        if self.searching and len(found) < self._limit:
            older = trail.history(now, include_data=self.include_data, before=self._oldest)
            for seen, entry in enumerate(older):
                if seen == budget:
                    break
                if self._oldest is None:
                    self._newest = entry.seq
                self._oldest = entry.seq
                self.scanned += 1
                if matches(search_text(entry)):
                    found.append(entry)
                    if len(found) >= self._limit:
                        self.searching = False
                        break
            else:
                # Reached the end of the history; with nothing recorded yet, the next
                # step starts again from the top.
                self.searching = self._oldest is None
        self.found = found[: self._limit]


#: Characters of one string value the JSON view shows before eliding the rest.
SHOWN_CHARACTERS = 2000


def shortened(value: Any, limit: int = SHOWN_CHARACTERS) -> Any:
    """A record with every long string cut to `limit` characters and the cut said.

    The trail keeps strings of up to 8,192 characters (a queue policy, a long
    attribute value); the JSON view is for reading at a glance, and laid out
    whole a few of them would take the pane's height many times over.
    """
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]}… ({len(value) - limit:,} more characters)"
    if isinstance(value, dict):
        return {key: shortened(item, limit) for key, item in value.items()}
    if isinstance(value, list):
        return [shortened(item, limit) for item in value]
    return value
