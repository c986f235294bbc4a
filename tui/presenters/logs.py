"""CloudWatch Logs as rows: log groups, the highlighted one's streams, and lines to tail.

`LogsPresenter` is the Logs pane's presenter (see `tui.presenters.resource`).
`StreamLines` and `MatchingLines` are what the tail (`tui.screens.log_tail`)
reads: views over a stream's own columns, copying nothing, so following a
stream of a million events costs what the screen shows. A filter keeps the
indexes of the rows its pattern matched, and on each tick tests only the
rows that arrived since, unless the stream changed under it (events merged
in out of order, or the oldest dropped), when it tests them all again.
"""

from __future__ import annotations

import json
import os
import re
from array import array
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from rich.text import Text

from backend.cloud import Cloud
from backend.services.logs import LogsService
from backend.services.logs.group import LogGroup
from backend.services.logs.patterns import FilterPattern
from backend.services.logs.stream import LogStream
from tui.presenters.firehose import format_bytes
from tui.presenters.formats import compact_count
from tui.presenters.palette import Palette
from tui.presenters.resource import ResourcePresenter, TableSpec
from widgets.live_table import Column, Row
from widgets.log_view import LogLine

GROUP_COLUMNS = (
    Column("log group", 0, min_width=16),
    Column("class", 8, drop=3),
    Column("retention", 9, "right", drop=2),
    Column("streams", 7, "right", drop=1),
    Column("stored", 9, "right"),
    Column("in/s", 6, "right"),
    Column("filters", 7, "right", drop=4),
)
STREAM_COLUMNS = (
    Column("log stream", 0, min_width=12),
    Column("events", 8, "right"),
    Column("first event", 11, drop=2),
    Column("last event", 10),
    Column("ingested", 8, drop=1),
)
SPARK_SECONDS = 60
#: Words a pattern's quoted phrases and bare terms give the tail to highlight.
_WORDS = re.compile(r'"([^"]+)"|([A-Za-z0-9_.:/@-]{2,})')
_KEYWORDS = frozenset({"IS", "NOT", "EXISTS", "NULL", "TRUE", "FALSE"})


def clock_ms(ms: int | None) -> str:
    """`12:04:31` of a time in ms since the epoch, UTC; `-` for none."""
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%H:%M:%S")


def stamp_ms(ms: int) -> str:
    """`2026-12-07 12:04:31.120`: a line's time in the tail, to the millisecond, UTC."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def retention_text(days: int | None) -> str:
    return "never" if days is None else f"{days} d"


def highlights(pattern: str) -> tuple[str, ...]:
    """The words of a filter pattern to mark in matching lines: phrases and plain terms.

    Only a guide for the eye (which part of a line a term found); whether a
    line matches is the pattern's to say, through the one parser.
    """
    if pattern.lstrip().startswith(("{", "[")):
        words = [quoted for quoted, _ in _WORDS.findall(pattern) if quoted]
    else:
        words = [quoted or bare.lstrip("?") for quoted, bare in _WORDS.findall(pattern)]
    return tuple(w.strip("*") for w in words if w and w not in _KEYWORDS and not w.startswith("$"))


def pretty(message: str) -> str:
    """A JSON event indented, anything else as it is."""
    text = message.strip()
    if text.startswith("{"):
        try:
            return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            pass
    return message


class StreamLines:
    """A stream's events as tail lines, read from its columns as they are now."""

    def __init__(self, stream: LogStream) -> None:
        self.stream = stream

    def __len__(self) -> int:
        return len(self.stream)

    def __getitem__(self, index: int) -> LogLine:
        stream = self.stream
        return LogLine(stamp_ms(stream.timestamps[index]), "", stream.messages[index])

    def row(self, index: int) -> int:
        """The stream row of line `index`."""
        return index


class MatchingLines(StreamLines):
    """The events of a stream a filter pattern matches, kept up to date tick by tick."""

    def __init__(self, stream: LogStream, pattern: FilterPattern) -> None:
        super().__init__(stream)
        self.pattern = pattern
        self.rows: array[int] = array("q")
        self._tested = 0
        self._first_key: int | None = None
        self._last_key: int | None = None
        self.sync()

    def sync(self) -> None:
        """Test what arrived since the last sync, or everything if the stream moved."""
        stream = self.stream
        keys = stream.keys
        first = keys[0] if len(keys) else None
        moved = self._first_key != first or (
            self._tested and (self._tested > len(keys) or keys[self._tested - 1] != self._last_key)
        )
        if moved:
            self.rows = array("q")
            self._tested = 0
        matches = self.pattern.matches
        messages = stream.messages
        self.rows.extend(i for i in range(self._tested, len(messages)) if matches(messages[i]))
        self._tested = len(messages)
        self._first_key = first
        self._last_key = keys[-1] if len(keys) else None

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> LogLine:
        return super().__getitem__(self.rows[index])

    def row(self, index: int) -> int:
        return self.rows[index]


def group_row(group: LogGroup, per_second: float) -> Row:
    return Row(
        key=group.arn,
        cells=(
            group.name,
            group.group_class,
            retention_text(group.retention_days),
            f"{len(group.streams):,}",
            format_bytes(group.stored_bytes),
            f"{per_second:.1f}",
            f"{len(group.metric_filters)}",
        ),
        sort=(
            group.name,
            group.group_class,
            group.retention_days or 10**9,
            len(group.streams),
            group.stored_bytes,
            per_second,
            len(group.metric_filters),
        ),
    )


def stream_row(stream: LogStream) -> Row:
    return Row(
        key=stream.name,
        cells=(
            stream.name,
            f"{len(stream):,}",
            clock_ms(stream.first_timestamp),
            clock_ms(stream.last_timestamp),
            clock_ms(stream.last_ingestion),
        ),
        sort=(
            stream.name,
            len(stream),
            stream.first_timestamp or 0,
            stream.last_timestamp or 0,
            stream.last_ingestion or 0,
        ),
    )


class LogsPresenter(ResourcePresenter[LogGroup]):
    """Log groups keyed by ARN; the highlighted one's filters, traffic and streams."""

    table = TableSpec("Log groups", GROUP_COLUMNS, "no log groups: press n for one")
    child_table = TableSpec(
        "Log streams", STREAM_COLUMNS, "no streams yet: PutLogEvents needs one (CreateLogStream)"
    )
    spark_labels = ("events in", "bytes in")

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud)
        self.logs = cloud.service(LogsService)

    def _per_second(self, group: LogGroup) -> float:
        end = int(self.cloud.clock.now())
        return sum(group.metrics.incoming_events.sums(end, 10)) / 10

    def rows(self, palette: Palette) -> list[Row]:
        return [group_row(g, self._per_second(g)) for g in self.logs.group_list()]

    def find(self, key: str) -> LogGroup | None:
        return next((g for g in self.logs.group_list() if g.arn == key), None)

    def name(self, resource: LogGroup) -> str:
        return resource.name

    def key_of(self, name: str) -> str | None:
        group = self.logs.groups.get((self.cloud.region, name))
        return group.arn if group is not None else None

    def detail(self, resource: LogGroup) -> Text:
        parts = [
            resource.name,
            f"{resource.group_class}",
            f"retention {retention_text(resource.retention_days)}",
            f"{resource.event_count:,} events, {format_bytes(resource.stored_bytes)} stored",
        ]
        if resource.kms_key_id:
            parts.append(f"KMS {resource.kms_key_id}")
        line = Text(" · ".join(parts))
        for found in resource.metric_filters.values():
            spec = found.transformation
            line.append(
                f"\nmetric filter {found.name}: {found.pattern.text or '(all)'} → "
                f"{spec.namespace} {spec.name} = {spec.value} · matched {found.matched:,}"
            )
        agent = self.logs.agent
        for source in agent.sources_for(resource.name):
            files = agent.tailed(source)
            reading = ", ".join(os.path.basename(f) for f in files) if files else "no file yet"
            line.append(
                f"\nagent tails {source.pattern} → stream {source.stream} · reading {reading}"
            )
        for sub in resource.subscriptions.values():
            line.append(
                f"\nsubscription {sub.name}: {sub.pattern.text or '(all)'} → "
                f"{sub.destination.kind} {sub.destination.name} · forwarded {sub.forwarded:,}"
                + (f" · {sub.errors:,} failed" if sub.errors else "")
            )
        return line

    def sparks(self, resource: LogGroup) -> Mapping[str, Sequence[float]]:
        end = int(self.cloud.clock.now())
        metrics = resource.metrics
        return {
            "events in": metrics.incoming_events.sums(end, SPARK_SECONDS),
            "bytes in": metrics.incoming_bytes.sums(end, SPARK_SECONDS),
        }

    def child_rows(self, resource: LogGroup, palette: Palette) -> list[Row]:
        return [stream_row(s) for s in resource.streams.values()]

    def badge(self) -> tuple[str, bool]:
        """Events put in the last minute across the groups: whether anything is logging."""
        end = int(self.cloud.clock.now())
        total = sum(
            sum(g.metrics.incoming_events.sums(end, SPARK_SECONDS)) for g in self.logs.group_list()
        )
        return (compact_count(int(total)) if total else "", False)
