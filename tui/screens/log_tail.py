"""The tail of one log stream, live: follow, filter with a pattern, jump to a time.

Opened from the Logs pane (Enter on a stream). Lines are read from the
stream itself on each tick (`tui.presenters.logs.StreamLines`), so the tail
shows events as PutLogEvents stores them, at the times they carry. `/` takes
a filter pattern in CloudWatch Logs' own grammar, read by the same parser as
FilterLogEvents and metric filters, and marks the words it looked for; the
highlighted event is shown below, JSON indented.
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import UTC, datetime, time
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from backend.services.logs.patterns import FilterPatternError, compile_pattern
from backend.services.logs.stream import LogStream
from tui.presenters.logs import MatchingLines, StreamLines, highlights, pretty
from widgets.log_view import LogView

#: Seconds between looks at the stream for new events.
TICK = 0.25
FILTER_HINT = 'filter pattern: ERROR  ·  { $.level = "ERROR" }  ·  [ip, user, status=5*]'


def parse_time(text: str, day: datetime) -> int | None:
    """`HH:MM[:SS]` on `day` (UTC), or an ISO date-time, as ms since the epoch; None if neither."""
    text = text.strip()
    try:
        if "T" in text or "-" in text:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
            when = when if when.tzinfo else when.replace(tzinfo=UTC)
        else:
            when = datetime.combine(day.date(), time.fromisoformat(text), UTC)
    except ValueError:
        return None
    return int(when.timestamp() * 1000)


class TailScreen(Screen[None]):
    """One stream's events, newest last, following as they arrive."""

    DEFAULT_CSS = """
    TailScreen > Vertical > .tail--title {
        height: 1;
        padding: 0 1;
        text-style: bold;
        color: $accent;
        background: $panel;
    }
    TailScreen LogView {
        height: 1fr;
    }
    TailScreen Input {
        display: none;
        height: 3;
    }
    TailScreen Input.-open {
        display: block;
    }
    TailScreen > Vertical > .tail--event {
        height: auto;
        max-height: 10;
        padding: 0 1;
        background: $panel;
        color: $text;
    }
    TailScreen > Vertical > .tail--status {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="tail.back", tooltip="Close the filter, or the tail"),
        Binding(
            "slash",
            "filter",
            "Filter",
            id="tail.filter",
            tooltip="Filter with a CloudWatch Logs filter pattern (empty: every event)",
        ),
        Binding(
            "f",
            "toggle_follow",
            "Follow",
            id="tail.follow",
            tooltip="Follow: stay on the newest event as events arrive",
        ),
        Binding("g", "jump", "Go to time", id="tail.jump", tooltip="Jump to a time (UTC)"),
        Binding("y", "copy", "Copy", id="tail.copy", tooltip="Copy the highlighted event"),
    ]

    def __init__(self, group: str, stream: LogStream) -> None:
        super().__init__()
        self.group = group
        self.stream = stream
        self.lines: StreamLines = StreamLines(stream)
        self.pattern = ""
        self.view = LogView()
        self.view.show_source = False
        self.input = Input(placeholder=FILTER_HINT)
        self._asking = "filter"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"{self.group} › {self.stream.name}", classes="tail--title", markup=False)
            yield self.view
            yield self.input
            yield Static("", classes="tail--event", markup=False)
            yield Static("", classes="tail--status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.view.focus()
        self.tick()
        self.set_interval(TICK, self.tick)

    def tick(self) -> None:
        if isinstance(self.lines, MatchingLines):
            self.lines.sync()
        self.view.show(self.lines, highlights(self.pattern))
        self._show_event()

    def _show_event(self) -> None:
        count = len(self.lines)
        event = self.query_one(".tail--event", Static)
        if count:
            line = self.lines[min(self.view.cursor, count - 1)]
            event.update(f"{line.time} UTC\n{pretty(line.message)}")
        else:
            event.update("no events match" if self.pattern else "no events yet")
        follow = "following" if self.view.follow else "paused (End follows)"
        shown = f"{count:,} of {len(self.stream):,} events" if self.pattern else f"{count:,} events"
        where = f" · filter {self.pattern}" if self.pattern else ""
        self.query_one(".tail--status", Static).update(f"{shown} · {follow}{where}")

    def on_log_view_moved(self, event: LogView.Moved) -> None:
        self._show_event()

    # -- actions ------------------------------------------------------------------------

    def action_back(self) -> None:
        if self.input.has_class("-open"):
            self.input.remove_class("-open")
            self.view.focus()
            return
        self.dismiss()

    def _open_input(self, asking: str, value: str, placeholder: str) -> None:
        self._asking = asking
        self.input.value = value
        self.input.placeholder = placeholder
        self.input.add_class("-open")
        self.input.focus()

    def action_filter(self) -> None:
        self._open_input("filter", self.pattern, FILTER_HINT)

    def action_jump(self) -> None:
        self._open_input("time", "", "a time: 12:30 or 12:30:05 (UTC), or 2026-12-07T12:30:00Z")

    def action_toggle_follow(self) -> None:
        if self.view.follow:
            self.view.follow = False
        else:
            self.view.action_last()
        self._show_event()

    def action_copy(self) -> None:
        if len(self.lines):
            line = self.lines[self.view.cursor]
            self.app.copy_to_clipboard(line.message)
            self.app.notify(line.message[:200], title="Copied the event")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._asking == "filter":
            self._apply_filter(event.value.strip())
        else:
            self._jump(event.value)

    def _apply_filter(self, text: str) -> None:
        if not text:
            self.pattern = ""
            self.lines = StreamLines(self.stream)
        else:
            try:
                pattern = compile_pattern(text)
            except FilterPatternError as error:
                self.app.notify(error.message(), title="Invalid filter pattern", severity="error")
                return
            self.pattern = text
            self.lines = MatchingLines(self.stream, pattern)
        self.input.remove_class("-open")
        self.view.focus()
        self.view.follow = True
        self.tick()

    def _jump(self, text: str) -> None:
        stream = self.stream
        newest = stream.last_timestamp
        day = datetime.fromtimestamp((newest or 0) / 1000, UTC)
        when = parse_time(text, day)
        if when is None:
            self.app.notify(f"{text!r} is not a time", title="Go to time", severity="error")
            return
        if isinstance(self.lines, MatchingLines):
            index = bisect_left(self.lines.rows, when, key=lambda row: stream.timestamps[row])
        else:
            index = stream.span(when, None)[0]
        self.input.remove_class("-open")
        self.view.focus()
        self.view.go_to(index)
        self._show_event()
