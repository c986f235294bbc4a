"""The trail pane: CloudTrail's trails, its event history, and the data events a trail adds.

Event history holds management events only (90 days, as AWS keeps it). Data
events (SendMessage, ReceiveMessage, DeleteMessage, ...) are recorded only by
a trail with data-event selectors; `e` adds them, so the two kinds can be
seen side by side, data events in their own colour. Above them, once a trail
exists, the trails: whether each logs, what its selectors take, how many
records wait for its next batch and when that is due, and (with the focus on
a trail) the files it delivered.
"""

from __future__ import annotations

import itertools
import json
from typing import ClassVar

from rich.json import JSON
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from backend.cloud import Cloud
from backend.services.cloudtrail import CloudTrailService
from backend.trail import TrailEntry
from tui.presenters.formats import compact_count
from tui.presenters.palette import Palette
from tui.presenters.trail import (
    TRAIL_COLUMNS,
    TRAIL_LIST_COLUMNS,
    TrailSearch,
    entry_row,
    shortened,
    trail_detail,
    trail_row,
)
from tui.screens.pane import Pane
from tui.screens.record import RecordScreen
from widgets.live_table import Row
from widgets.resource_table import ResourceTable, text_filter

#: Events the table holds at most: the newest, or the newest matches of `/`.
EVENT_LIMIT = 500

HELP = """\
Every call is a CloudTrail event: who (userIdentity), what (eventName), from
where (sourceIPAddress, userAgent), the request parameters, the response, and
the error when it failed. Event history keeps management events (CreateQueue,
PurgeQueue, ...) for 90 days. Data events (SendMessage, ReceiveMessage, ...)
are only recorded by a trail with data-event selectors: press e to add them.
The table shows the newest events; / searches everything the trail keeps.
A trail (above the events, once one exists) is not real time: it delivers
what its selectors take about every five minutes, as one gzip file in S3
(and into a log group): watch "waiting" grow and the files arrive.
As in AWS's records, an SQS message body shows as HIDDEN_DUE_TO_SECURITY_REASONS.
Calls made with boto3 or the aws CLI show under their access key and agent."""


class TrailPane(Pane):
    """The event history over the highlighted event's record.

    Not a `ResourcePane`: a trail event has no children and no traffic of its
    own, and its detail is a whole JSON record, which wants the room.
    """

    DEFAULT_CSS = """
    TrailPane > #trails {
        height: auto;
        max-height: 7;
    }
    TrailPane > #trails LiveTable {
        height: auto;
    }
    TrailPane > #events {
        height: 3fr;
    }
    TrailPane > #event-detail {
        height: 2fr;
        border-top: solid $panel-lighten-1;
        padding: 0 1;
        background: $surface;
    }
    """

    pane_id: ClassVar[str] = "trail"
    label: ClassVar[str] = "Trail"
    help_text: ClassVar[str] = HELP
    aliases: ClassVar[tuple[str, ...]] = ("cloudtrail", "trails")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "e",
            "toggle_data_events",
            "Data events",
            id="trail.data_events",
            tooltip="Add the data events a trail with data-event selectors records",
        ),
        Binding(
            "y",
            "copy",
            "Copy",
            show=False,
            id="trail.copy",
            tooltip="Copy the highlighted event's CloudTrail record as JSON",
        ),
        Binding(
            "enter",
            "open",
            "Open",
            id="trail.open",
            tooltip="Open the highlighted event's whole CloudTrail record",
        ),
    ]

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud)
        self.data_events = False
        self._rows: dict[int, Row] = {}
        self._rows_palette: Palette | None = None
        self._shown_seq: int | None = None
        #: The filter's search through the whole history, while there is a filter.
        self.search: TrailSearch | None = None
        self._filter = ""

    def compose(self) -> ComposeResult:
        trails = ResourceTable("Trails", TRAIL_LIST_COLUMNS, id="trails", empty="no trails")
        trails.display = False
        yield trails
        yield ResourceTable(
            self._title(),
            TRAIL_COLUMNS,
            id="events",
            empty="no events yet",
            remote_filter=True,
            follow_newest=True,
        )
        with VerticalScroll(id="event-detail"):
            yield Static("", id="event-json")

    @property
    def events_table(self) -> ResourceTable:
        return self.query_one("#events", ResourceTable)

    @property
    def trails_table(self) -> ResourceTable:
        return self.query_one("#trails", ResourceTable)

    def _trails(self) -> None:
        """The trails strip: shown once a trail exists, with what waits for its next batch."""
        service = self.cloud.service(CloudTrailService)
        trails = service.trail_list()
        table = self.trails_table
        table.display = bool(trails)
        if not trails:
            return
        now = self.cloud.clock.now()
        due = service.next_delivery()
        table.set_rows([trail_row(t, service.waiting(t), due, now) for t in trails])

    def focus_main(self) -> None:
        self.events_table.focus_table()

    def _title(self) -> str:
        kept = self._kept()
        what = "Event history + data events" if self.data_events else "Event history"
        search = self.search
        if search is not None:
            state = "searching…" if search.searching else "searched"
            shown = f" (newest {EVENT_LIMIT:,} matches)" if len(search.found) == EVENT_LIMIT else ""
            return f"{what} · {state} {search.scanned:,} of {kept:,}{shown}"
        if kept > EVENT_LIMIT:
            return f"{what} · newest {EVENT_LIMIT:,} of {kept:,}; / searches all"
        return f"{what} · {kept:,} kept" if kept else what

    def _kept(self) -> int:
        trail = self.cloud.trail
        return len(trail.management) + (len(trail.data) if self.data_events else 0)

    def _entries(self) -> list[TrailEntry]:
        now = self.cloud.clock.now()
        search = self.search
        if search is not None:
            search.step(self.cloud.trail, now)
            return search.found
        history = self.cloud.trail.history(now, include_data=self.data_events)
        return list(itertools.islice(history, EVENT_LIMIT))

    def on_resource_table_filter_changed(self, event: ResourceTable.FilterChanged) -> None:
        """A new filter starts a new search of the whole history (see `TrailSearch`)."""
        self._filter = event.text
        self._restart_search()
        self.refresh_view()

    def _restart_search(self) -> None:
        if not self._filter:
            self.search = None
            return
        self.search = TrailSearch(
            text_filter(self._filter), include_data=self.data_events, limit=EVENT_LIMIT
        )

    def refresh_view(self) -> None:
        self._trails()
        entries = self._entries()
        if self._rows_palette is not self.palette:
            self._rows_palette = self.palette
            self._rows.clear()
        rows = self._rows
        fresh: dict[int, Row] = {}
        for entry in entries:
            row = rows.get(entry.seq)
            if row is None:
                row = entry_row(entry, self.palette)
            fresh[entry.seq] = row
        self._rows = fresh
        table = self.events_table
        search = self.search
        if search is not None:
            table.set_rows(list(fresh.values()), matched=len(search.found), total=self._kept())
        else:
            table.set_rows(list(fresh.values()))
        table.set_title(self._title())
        self._show_json()

    def _show_json(self) -> None:
        if self.trails_table.display and self.trails_table.table.has_focus:
            self._show_trail()
            return
        key = self.events_table.cursor_key
        seq = int(key) if key else None
        if seq == self._shown_seq:
            return
        self._shown_seq = seq
        target = self.query_one("#event-json", Static)
        entry = self.cloud.trail.find(seq) if seq is not None else None
        target.update(JSON(json.dumps(shortened(entry.record()))) if entry is not None else "")

    def _show_trail(self) -> None:
        """The highlighted trail's status, selectors and delivered files, in the detail."""
        key = self.trails_table.cursor_key
        service = self.cloud.service(CloudTrailService)
        trail = service.trails.get(key) if key else None
        self._shown_seq = None
        target = self.query_one("#event-json", Static)
        target.update(trail_detail(trail, service.waiting(trail)) if trail is not None else "")

    def _highlighted(self) -> TrailEntry | None:
        key = self.events_table.cursor_key
        return self.cloud.trail.find(int(key)) if key else None

    def badge(self) -> tuple[str, bool]:
        errors = self.cloud.trail.recent_errors(self.cloud.clock.now())
        return (compact_count(errors) if errors else ""), errors > 0

    def on_resource_table_highlighted(self, event: ResourceTable.Highlighted) -> None:
        self._show_json()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """The detail follows the focus: a trail's files, or the highlighted event."""
        self._show_json()

    def action_open(self) -> None:
        entry = self._highlighted()
        if entry is not None:
            self.app.push_screen(RecordScreen(entry.record()))

    def on_resource_table_selected(self, event: ResourceTable.Selected) -> None:
        self.action_open()

    def action_copy(self) -> None:
        entry = self._highlighted()
        if entry is not None:
            self.app.copy_to_clipboard(json.dumps(entry.record(), indent=2))
            self.app.notify(
                f"{entry.action} at {entry.record()['eventTime']}",
                title="Copied the CloudTrail record",
            )

    def action_toggle_data_events(self) -> None:
        self.data_events = not self.data_events
        self._restart_search()
        self.refresh_view()
