"""The Logs pane: log groups, their streams, a live tail, metric filters and a pattern tester.

Every action is a CloudWatch Logs API call through `Cloud.call` as the
`console` IAM user, so it is checked and recorded exactly as if it came from
the AWS console, but one: `a` hands a local file to the host's CloudWatch
agent, which makes its own calls as it ships the file's lines. The tester
(`t`) reads the group's newest events with the one filter-pattern parser as
you type, without a call per key: what it shows is what TestMetricFilter and
a metric filter would make of them.
"""

from __future__ import annotations

import glob
import heapq
import os
import re
from collections.abc import Iterable
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.numbers import decimal_number
from backend.scenarios import Scenario
from backend.services.logs import LogsService
from backend.services.logs.agent import Source, unreadable
from backend.services.logs.base import STREAM_NAME_PATTERN
from backend.services.logs.group import GROUP_CLASSES, RETENTION_DAYS, LogGroup
from backend.services.logs.patterns import FilterPatternError, compile_pattern
from tui.checks import decimal
from tui.presenters.logs import LogsPresenter, retention_text
from tui.screens.log_tail import TailScreen
from tui.screens.pane import PaneCommand
from tui.screens.resource_pane import ResourcePane
from widgets.form import Field, required

HELP = """\
A log group holds log streams; a stream holds events (a timestamp and a
message), read back in time order. New groups never expire: a retention
policy (r) removes events older than that many days, and the stored bytes
shrink with them. PutLogEvents counts each event as its message's UTF-8
bytes plus 26, at most 1,048,576 a batch; events over 2 h ahead or 14 days
old are dropped one by one and reported by index.

A metric filter (m) turns the events its pattern matches into a metric, at
each event's own time, so an alarm can watch a log: `ERROR`, `?ERROR ?WARN`,
`"out of memory"`, `[ip, user, status=5*]`, `{ $.level = "ERROR" }`. The
tester (t) shows which of the group's newest events a pattern matches, and
the value each would emit.

Enter on a stream tails it, following new events: / filters with a
pattern, g jumps to a time, f pauses and follows.

a tails a local file into the group, as the CloudWatch agent does: each
line appended to it becomes an event within 5 s of the clock (timestamped
when read) and feeds the metric filters; a rotated or truncated file is
followed. The agent reads files only while the dashboard runs, and never
writes them."""

#: Newest events of a group the tester tries a pattern on.
TESTED = 50


def local_path(text: str) -> str:
    """A path as typed (`~/app.log`, `logs/app.log`) made absolute."""
    return os.path.abspath(os.path.expanduser(text.strip()))


def tailable(text: str) -> str | None:
    """Why the agent could not tail the file typed, or None when it can."""
    return required(text) or unreadable(local_path(text))


def stream_name(text: str) -> str | None:
    name = text.strip()
    if not name:
        return "required"
    if len(name) > 512 or re.fullmatch(STREAM_NAME_PATTERN, name) is None:
        return "at most 512 characters, without : or *"
    return None


def newest_events(group: LogGroup, count: int) -> list[str]:
    """The group's `count` newest messages across its streams, oldest first."""
    tails = (zip(s.keys[-count:], s.messages[-count:], strict=True) for s in group.streams.values())
    newest = heapq.nlargest(count, heapq.merge(*tails))
    return [message for _, message in reversed(newest)]


class PatternTesterScreen(ModalScreen[None]):
    """A pattern and a metric value, tried on the newest events as they are typed."""

    DEFAULT_CSS = """
    PatternTesterScreen {
        align: center middle;
    }
    PatternTesterScreen > Vertical {
        width: 100%;
        max-width: 110;
        height: 90%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    PatternTesterScreen .tester--title {
        text-style: bold;
        color: $accent;
    }
    PatternTesterScreen .tester--result {
        height: 1fr;
        overflow-y: auto;
    }
    PatternTesterScreen .tester--label {
        color: $text-muted;
        padding: 0 1;
    }
    PatternTesterScreen .tester--hint {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="tester.close"),
    ]

    def __init__(self, group: str, messages: list[str]) -> None:
        super().__init__()
        self.group = group
        self.messages = messages

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                f"Test a pattern on the {len(self.messages)} newest events of {self.group}",
                classes="tester--title",
                markup=False,
            )
            yield Static("filterPattern", classes="tester--label")
            yield Input(
                placeholder='ERROR  or  { $.level = "ERROR" }  (empty: every event)', id="pattern"
            )
            yield Static("metricValue", classes="tester--label")
            yield Input(value="1", placeholder="1, $.latencyMs or $field", id="value")
            yield Static("", classes="tester--result", markup=False)
            yield Static(
                "matches update as you type · esc closes", classes="tester--hint", markup=False
            )

    def on_mount(self) -> None:
        self.query_one("#pattern", Input).focus()
        self.show()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.show()

    def show(self) -> None:
        result = self.query_one(".tester--result", Static)
        text = self.query_one("#pattern", Input).value
        value = self.query_one("#value", Input).value.strip() or "1"
        try:
            pattern = compile_pattern(text)
        except FilterPatternError as error:
            result.update(Text(error.message("Invalid metric filter pattern"), "bold"))
            return
        lines = Text()
        matched = 0
        for number, message in enumerate(self.messages, start=1):
            found = pattern.match(message)
            if found is None:
                continue
            matched += 1
            emitted = found.value(value)
            shown = "no value" if emitted is None else f"{emitted:g}"
            lines.append(f"#{number:<3} → {shown:<10} ", "bold")
            lines.append(message[:200].replace("\n", " "))
            if found.extracted_values:
                fields = ", ".join(f"{k}={v}" for k, v in found.extracted_values.items())
                lines.append(f"\n      {fields}")
            lines.append("\n")
        head = Text(f"{matched} of {len(self.messages)} events match\n\n")
        result.update(head + lines)


class LogsPane(ResourcePane[LogGroup]):
    pane_id: ClassVar[str] = "logs"
    label: ClassVar[str] = "Logs"
    help_text: ClassVar[str] = HELP
    aliases: ClassVar[tuple[str, ...]] = ("cloudwatch-logs", "log-groups")
    service: ClassVar[str] = "logs"
    presenter: LogsPresenter

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "create_group", "New", id="logs.create_group", tooltip="CreateLogGroup"),
        Binding(
            "s",
            "create_stream",
            "Stream",
            id="logs.create_stream",
            tooltip="CreateLogStream in the selected group",
        ),
        Binding(
            "p",
            "put_event",
            "Put",
            id="logs.put_event",
            tooltip="PutLogEvents: one event into the selected stream",
        ),
        Binding(
            "r",
            "retention",
            "Retention",
            id="logs.retention",
            tooltip="PutRetentionPolicy (or DeleteRetentionPolicy: never expire)",
        ),
        Binding(
            "m",
            "metric_filter",
            "Metric filter",
            id="logs.metric_filter",
            tooltip="PutMetricFilter: a pattern that turns matching events into a metric",
        ),
        Binding(
            "a",
            "tail_file",
            "Tail file",
            id="logs.tail_file",
            tooltip="Tail a local file into the selected group, as the CloudWatch agent",
        ),
        Binding(
            "t",
            "test_pattern",
            "Test",
            id="logs.test_pattern",
            tooltip="Try a filter pattern on the group's newest events as you type",
        ),
        Binding(
            "d", "delete_group", "Delete", id="logs.delete_group", tooltip="DeleteLogGroup (asks)"
        ),
        Binding("y", "copy", "Copy", show=False, id="logs.copy", tooltip="Copy the group's ARN"),
        Binding(
            "enter",
            "open",
            "Open",
            show=False,
            id="logs.open",
            tooltip="Open: a group's streams, or tail the highlighted stream",
        ),
    ]

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud, LogsPresenter(cloud))

    def scenario_started(self, scenario: Scenario) -> None:
        """Show the first group an actor writes to: where lines arrive from the start."""
        for spec in scenario.actors:
            group = spec.options.get("group")
            if isinstance(group, str) and self.go_to(group):
                return

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("create_group", "open"):
            return True
        if action == "put_event":
            return True if self.selected_child_key() is not None else None
        return True if self.selected() is not None else None

    def commands(self) -> Iterable[PaneCommand]:
        yield PaneCommand("logs: create log group", "CreateLogGroup", "create_group")
        group = self.selected()
        if group is None:
            return
        name = group.name
        yield PaneCommand(f"logs: create a stream in {name}", "CreateLogStream", "create_stream")
        yield PaneCommand(f"logs: set the retention of {name}", "PutRetentionPolicy", "retention")
        yield PaneCommand(
            f"logs: add a metric filter to {name}", "PutMetricFilter", "metric_filter"
        )
        yield PaneCommand(f"logs: test a pattern on {name}", "TestMetricFilter", "test_pattern")
        yield PaneCommand(
            f"logs: tail a local file into {name}",
            "the CloudWatch agent: PutLogEvents of the lines appended",
            "tail_file",
        )
        yield PaneCommand(f"logs: delete {name}", "DeleteLogGroup (asks first)", "delete_group")

    def _selected_stream(self) -> tuple[LogGroup, str] | None:
        group = self.selected()
        key = self.selected_child_key()
        if group is None or key is None or key not in group.streams:
            return None
        return group, key

    # -- actions ------------------------------------------------------------------------

    def action_create_group(self) -> None:
        fields = [
            Field("name", "logGroupName", placeholder="/app/orders", check=required),
            Field("class", "logGroupClass", GROUP_CLASSES[0], choices=GROUP_CLASSES[:2]),
        ]

        async def run(values: dict[str, str]) -> AwsError | None:
            name = values["name"].strip()
            params = {"logGroupName": name, "logGroupClass": values["class"]}
            response, error = await self.attempt("CreateLogGroup", params)
            if response is not None:
                self.refresh_view()
                self.go_to(name)
                self.app.notify("Never expires until r sets a retention.", title=f"Created {name}")
            return error

        self.ask("CreateLogGroup", fields, run, submit="Create")

    def action_create_stream(self) -> None:
        group = self.selected()
        if group is None:
            return
        name = group.name
        fields = [Field("stream", "logStreamName", placeholder="worker-1", check=required)]

        async def run(values: dict[str, str]) -> AwsError | None:
            params = {"logGroupName": name, "logStreamName": values["stream"].strip()}
            response, error = await self.attempt("CreateLogStream", params)
            if response is not None:
                self.refresh_view()
            return error

        self.ask(f"CreateLogStream · {name}", fields, run, submit="Create")

    def action_put_event(self) -> None:
        found = self._selected_stream()
        if found is None:
            return
        group, stream = found
        fields = [
            Field("message", "message", '{"level": "ERROR", "msg": "by hand"}', check=required)
        ]

        async def run(values: dict[str, str]) -> AwsError | None:
            event = {"timestamp": int(self.cloud.clock.now() * 1000), "message": values["message"]}
            params: dict[str, Any] = {
                "logGroupName": group.name,
                "logStreamName": stream,
                "logEvents": [event],
            }
            response, error = await self.attempt("PutLogEvents", params)
            if response is not None:
                self.refresh_view()
                rejected = response.get("rejectedLogEventsInfo")
                self.app.notify(
                    f"rejected: {rejected}" if rejected else "stored, at the clock's time",
                    title=f"PutLogEvents → {stream}",
                )
            return error

        self.ask(f"PutLogEvents → {group.name} › {stream}", fields, run, submit="Put")

    def action_retention(self) -> None:
        group = self.selected()
        if group is None:
            return
        name = group.name
        choices = ("never", *(str(d) for d in RETENTION_DAYS))
        current = "never" if group.retention_days is None else str(group.retention_days)
        fields = [Field("days", "retentionInDays", current, choices=choices)]

        async def run(values: dict[str, str]) -> AwsError | None:
            days = values["days"]
            if days == "never":
                response, error = await self.attempt(
                    "DeleteRetentionPolicy", {"logGroupName": name}
                )
            else:
                params = {"logGroupName": name, "retentionInDays": int(days)}
                response, error = await self.attempt("PutRetentionPolicy", params)
            if response is not None:
                self.refresh_view()
                self.app.notify(
                    f"retention {retention_text(None if days == 'never' else int(days))}: "
                    "older events go on the next hourly sweep",
                    title=name,
                )
            return error

        self.ask(f"Retention · {name}", fields, run, submit="Set")

    def action_metric_filter(self) -> None:
        group = self.selected()
        if group is None:
            return
        name = group.name
        fields = [
            Field("filterName", "filterName", "errors", check=required),
            Field("filterPattern", "filterPattern", '{ $.level = "ERROR" }'),
            Field("metricNamespace", "metricNamespace", "Skydeck/Logs", check=required),
            Field("metricName", "metricName", "Errors", check=required),
            Field("metricValue", "metricValue", "1", check=required),
            Field("defaultValue", "defaultValue (empty: none)", "0", check=decimal),
        ]

        async def run(values: dict[str, str]) -> AwsError | None:
            transformation: dict[str, Any] = {
                key: values[key].strip() for key in ("metricNamespace", "metricName", "metricValue")
            }
            default = decimal_number(values["defaultValue"].strip())
            if default is not None:
                transformation["defaultValue"] = default
            params = {
                "logGroupName": name,
                "filterName": values["filterName"].strip(),
                "filterPattern": values["filterPattern"],
                "metricTransformations": [transformation],
            }
            response, error = await self.attempt("PutMetricFilter", params)
            if response is not None:
                self.refresh_view()
                self.app.notify(
                    f"{transformation['metricNamespace']} › {transformation['metricName']} "
                    "from the next events put: an alarm can watch it (Metrics pane, a).",
                    title=f"Metric filter on {name}",
                )
            return error

        self.ask(f"PutMetricFilter · {name}", fields, run, submit="Put")

    def action_tail_file(self) -> None:
        group = self.selected()
        if group is None:
            return
        name = group.name
        fields = [
            Field("file", "file", placeholder="/var/log/app.log", check=tailable),
            Field("stream", "logStreamName", placeholder="app", check=stream_name),
        ]

        async def run(values: dict[str, str]) -> AwsError | None:
            folder, file = os.path.split(local_path(values["file"]))
            stream = values["stream"].strip()
            source = Source(os.path.join(folder, glob.escape(file)), name, stream)
            added = self.cloud.service(LogsService).agent.add(source)
            self.refresh_view()
            self.app.notify(
                "each line appended becomes an event within 5 s of the clock"
                if added
                else "the agent tails it already",
                title=f"{file} → {name} › {stream}",
            )
            return None

        self.ask(f"Tail a local file · {name}", fields, run, submit="Tail")

    def action_test_pattern(self) -> None:
        group = self.selected()
        if group is None:
            return
        self.app.push_screen(PatternTesterScreen(group.name, newest_events(group, TESTED)))

    def action_delete_group(self) -> None:
        group = self.selected()
        if group is None:
            return
        name = group.name

        async def delete() -> None:
            if await self.call("DeleteLogGroup", {"logGroupName": name}) is not None:
                self.refresh_view()
                self.app.notify("its streams, events and metric filters are gone", title=name)

        self.confirm(
            f"Delete log group {name} with its {len(group.streams)} streams and "
            f"{group.event_count:,} events?",
            delete,
            yes="Delete",
        )

    def action_copy(self) -> None:
        group = self.selected()
        if group is not None:
            self.app.copy_to_clipboard(group.arn)
            self.app.notify(group.arn, title=f"Copied the ARN of {group.name}")

    async def open_child(self, resource: LogGroup, key: str) -> None:
        stream = resource.streams.get(key)
        if stream is not None:
            await self.app.push_screen(TailScreen(resource.name, stream))
