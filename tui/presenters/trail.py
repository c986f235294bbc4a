"""CloudTrail events, and trails, as rows for the trail pane."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from rich.text import Text

from backend.services.cloudtrail.trails import CloudTrailTrail
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


TRAIL_LIST_COLUMNS = (
    Column("trail", 0, min_width=12),
    Column("logging", 7),
    Column("destination", 0, min_width=16, drop=2),
    Column("selects", 14, drop=3),
    Column("waiting", 7, "right"),
    Column("next batch", 10, "right"),
    Column("files", 6, "right", drop=1),
)


def selects_text(trail: CloudTrailTrail) -> str:
    """What a trail's selectors take, in a few words."""
    if trail.advanced is not None:
        kinds = {
            value
            for selector in trail.advanced
            for field in selector.get("FieldSelectors", [])
            if field.get("Field") == "eventCategory"
            for value in field.get("Equals", [])
        }
        return " + ".join(sorted(kinds, reverse=True)) or "advanced"
    parts = []
    for selector in trail.basic or []:
        if selector.get("IncludeManagementEvents", True):
            parts.append("Management")
        if selector.get("DataResources"):
            parts.append("S3 objects")
    return " + ".join(dict.fromkeys(parts)) or "nothing"


def trail_row(trail: CloudTrailTrail, waiting: int, due: float | None, now: float) -> Row:
    destination = f"s3://{trail.spec.bucket}" + (
        f"/{trail.spec.prefix}" if trail.spec.prefix else ""
    )
    if trail.spec.log_group_arn:
        destination += " + logs"
    countdown = "-" if due is None or not trail.logging else f"in {max(0, int(due - now))} s"
    selects = selects_text(trail)
    return Row(
        key=trail.arn,
        cells=(
            trail.name,
            "yes" if trail.logging else "no",
            destination,
            selects,
            f"{waiting:,}",
            countdown,
            f"{trail.files_delivered:,}",
        ),
        sort=(
            trail.name,
            trail.logging,
            destination,
            selects,
            waiting,
            due or 0.0,
            trail.files_delivered,
        ),
    )


def trail_detail(trail: CloudTrailTrail, waiting: int) -> str:
    """The trail's status, its selectors, and the files it delivered, newest first."""
    lines = [
        f"{trail.arn}",
        f"logging {'since ' + clock(trail.started) if trail.logging and trail.started else 'no'}"
        f" · {waiting:,} records wait for the next batch (CloudTrail delivers about every "
        "5 minutes, not as calls happen)",
    ]
    if trail.latest_error:
        lines.append(f"⚠ last delivery failed: {trail.latest_error} (the records wait)")
    selectors = trail.advanced if trail.advanced is not None else trail.basic
    lines.append("selectors: " + json.dumps(selectors))
    lines.append(
        f"delivered {trail.files_delivered:,} files, {trail.records_delivered:,} records; newest:"
    )
    for delivered in reversed(trail.deliveries):
        lines.append(
            f"  {clock(delivered.time)}  {delivered.records:>5,} records  "
            f"s3://{delivered.bucket}/{delivered.key}"
        )
    return "\n".join(lines)
