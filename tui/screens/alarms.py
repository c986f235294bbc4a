"""The alarms pane: every alarm, metric and composite, with its state and why it is in it.

For the highlighted alarm: its state since when and, in words, the verdict
of its last evaluation; AWS's StateReason; the evaluation itself, period by
period (value, breaching or not, missing and how TreatMissingData counted
it), or for a composite alarm the alarms its rule names with their states
(Enter goes to one); and its history (DescribeAlarmHistory's items).

Every action is a CloudWatch call through `Cloud.call` as the console:
SetAlarmState, Enable/DisableAlarmActions, DeleteAlarms, PutMetricAlarm. A
state change reaches the person once, wherever they are: the alarm engine
publishes it on the bus, and the app logs every one in the event strip and
toasts a change to ALARM (an error) once per tick, however many ticks the
alarm stays there; the rail's badge counts the alarms in ALARM.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.services.cloudwatch.composite_alarms import CompositeAlarm
from backend.services.cloudwatch.evaluation import STATES
from tui.presenters.alarms import HISTORY_COLUMNS, AlarmsPresenter, AnyAlarm, judged_metric
from tui.screens.alarm_form import AlarmTarget, ask_put_metric_alarm
from tui.screens.metrics import MetricsPane
from tui.screens.pane import PaneCommand
from tui.screens.resource_pane import ResourcePane
from widgets.form import Field, required
from widgets.resource_table import ResourceTable

HELP = """\
An alarm watches one statistic of one metric, period after period. About
once a minute CloudWatch judges its newest periods: ALARM when at least
DatapointsToAlarm of the last EvaluationPeriods breach the threshold, OK
when fewer do, INSUFFICIENT_DATA when there was nothing to judge.

A period with no datapoint counts as TreatMissingData says: breaching,
notBreaching, ignore (the state stays) or missing (not counted; with no
datapoint at all, INSUFFICIENT_DATA). The evaluation table shows the periods
the last evaluation judged, newest first; the line above it says the
verdict in words, then AWS's StateReason.

On a change of state the alarm's actions run (AlarmActions, OKActions,
InsufficientDataActions), unless they are disabled (e). s sets the state by
hand (SetAlarmState), to try the actions: the next evaluation sets it back.
n creates an alarm (a does too, on a metric in the metrics pane); g shows
the alarm's metric with its threshold; d deletes (asks first).

A composite alarm (PutCompositeAlarm) judges alarms, not a metric: its
rule, e.g. ALARM(orders-backlog) OR ALARM(orders-errors), is re-read each
time one of the alarms it names changes state. Its table lists those
alarms with their states; Enter on one goes to it."""


class AlarmsPane(ResourcePane[AnyAlarm]):
    pane_id: ClassVar[str] = "alarms"
    label: ClassVar[str] = "Alarms"
    help_text: ClassVar[str] = HELP
    service: ClassVar[str] = "cloudwatch"
    presenter: AlarmsPresenter

    DEFAULT_CSS = """
    AlarmsPane.-with-children > .resource-pane--resources {
        max-height: 35%;
    }
    AlarmsPane > .resource-pane--children {
        height: auto;
        max-height: 35%;
    }
    AlarmsPane > .resource-pane--children LiveTable {
        height: auto;
    }
    AlarmsPane > .alarms-pane--reason {
        height: auto;
        max-height: 5;
        padding: 0 1;
        color: $text-muted;
        background: $panel;
    }
    AlarmsPane > .alarms-pane--history {
        height: 1fr;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "n",
            "create_alarm",
            "New",
            id="alarms.create_alarm",
            tooltip="PutMetricAlarm: an alarm on a metric you name",
        ),
        Binding(
            "s",
            "set_state",
            "State",
            id="alarms.set_state",
            tooltip="SetAlarmState: until the next evaluation, to try the actions",
        ),
        Binding(
            "e",
            "toggle_actions",
            "Actions",
            id="alarms.toggle_actions",
            tooltip="EnableAlarmActions or DisableAlarmActions on the selected alarm",
        ),
        Binding(
            "d",
            "delete_alarm",
            "Delete",
            id="alarms.delete_alarm",
            tooltip="DeleteAlarms: the selected alarm (asks first)",
        ),
        Binding(
            "g",
            "graph",
            "Graph",
            id="alarms.graph",
            tooltip="The alarm's metric in the metrics pane, its threshold drawn",
        ),
        Binding(
            "y",
            "copy",
            "Copy",
            show=False,
            id="alarms.copy",
            tooltip="Copy the selected alarm's ARN",
        ),
        Binding(
            "enter",
            "open",
            "Open",
            show=False,
            id="alarms.open",
            tooltip="Open: an alarm's last evaluation; on a composite's alarm, go to it",
        ),
    ]

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud, AlarmsPresenter(cloud))
        self.reason_view = Static("", classes="alarms-pane--reason", markup=False)
        self.history_table = ResourceTable(
            "History",
            HISTORY_COLUMNS,
            empty="no history",
            follow_newest=True,
            classes="alarms-pane--history",
        )
        #: The alarm and the length of the region's history the table was filled from.
        self._history_for: tuple[str, int, int] | None = None

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield self.reason_view
        yield self.history_table

    def show_highlighted(self) -> None:
        """The highlighted alarm's StateReason, whole, and its history.

        The reason is AWS's sentence with every value it judged: wrapped
        under the detail rather than cut at its end, and laid out again only
        when it changes. The history is read again only when it grew.
        """
        alarm = self.selected()
        reason = f"StateReason: {alarm.reason}" if alarm is not None else ""
        if reason != str(self.reason_view.content):
            self.reason_view.update(reason)
            self.reason_view.display = bool(reason)
        items = self.presenter.cloudwatch.history(self.cloud.region).items
        newest = id(items[-1]) if items else 0
        key = (alarm.arn if alarm else "", len(items), newest)
        if key == self._history_for:
            return
        self._history_for = key
        rows = self.presenter.history(alarm) if alarm is not None else []
        self.history_table.set_rows(rows)
        self.history_table.set_title(f"History · {alarm.name}" if alarm else "History")

    # -- what applies -------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """All but `n` act on the selected alarm; `g` needs one that judges a metric (not an
        expression of several)."""
        if action == "create_alarm":
            return True
        alarm = self.selected()
        if action == "graph":
            return True if alarm is not None and judged_metric(alarm) is not None else None
        return True if alarm is not None else None

    def commands(self) -> Iterable[PaneCommand]:
        yield PaneCommand("alarms: create alarm", "PutMetricAlarm", "create_alarm")
        alarm = self.selected()
        if alarm is None:
            return
        name = alarm.name
        yield PaneCommand(f"alarms: set state of {name}", "SetAlarmState", "set_state")
        verb = "disable" if alarm.actions_enabled else "enable"
        yield PaneCommand(
            f"alarms: {verb} actions of {name}", f"{verb.title()}AlarmActions", "toggle_actions"
        )
        yield PaneCommand(f"alarms: delete {name}", "DeleteAlarms (asks first)", "delete_alarm")
        if judged_metric(alarm) is not None:
            yield PaneCommand(f"alarms: graph the metric of {name}", "the metrics pane", "graph")
        yield PaneCommand(f"alarms: copy ARN of {name}", "The alarm's ARN", "copy")

    # -- keys -------------------------------------------------------------------------------

    def action_create_alarm(self) -> None:
        def created(name: str) -> None:
            self.refresh_view()
            self.go_to(name)

        ask_put_metric_alarm(self, AlarmTarget(), created)

    def action_set_state(self) -> None:
        alarm = self.selected()
        if alarm is None:
            return
        fields = [
            Field("StateValue", "StateValue", alarm.state, choices=STATES),
            Field(
                "StateReason",
                "StateReason",
                "Set by hand from the console, to try the alarm's actions",
                check=required,
            ),
        ]

        async def run(values: dict[str, str]) -> AwsError | None:
            params = {
                "AlarmName": alarm.name,
                "StateValue": values["StateValue"],
                "StateReason": values["StateReason"],
            }
            response, error = await self.attempt("SetAlarmState", params)
            if response is not None:
                self.app.notify(
                    "until its next evaluation, within a minute, judges its data again.",
                    title=f"{alarm.name} is {values['StateValue']}",
                )
                self.refresh_view()
            return error

        self.ask(
            f"SetAlarmState · {alarm.name}",
            fields,
            run,
            submit="Set",
            description="The state changes at once and the actions for it run, if enabled.",
        )

    async def action_toggle_actions(self) -> None:
        alarm = self.selected()
        if alarm is None:
            return
        action = "DisableAlarmActions" if alarm.actions_enabled else "EnableAlarmActions"
        if await self.call(action, {"AlarmNames": [alarm.name]}) is not None:
            enabled = "enabled" if alarm.actions_enabled else "disabled"
            self.app.notify(f"Actions of {alarm.name} are {enabled}.", title=action)
            self.refresh_view()

    def action_delete_alarm(self) -> None:
        alarm = self.selected()
        if alarm is None:
            return

        async def delete() -> None:
            if await self.call("DeleteAlarms", {"AlarmNames": [alarm.name]}) is not None:
                self.app.notify("Its history stays for 30 days.", title=f"Deleted {alarm.name}")
                self.refresh_view()

        self.confirm(
            f"Delete alarm {alarm.name}? It stops watching its metric and its actions "
            "stop with it.",
            delete,
            yes="Delete",
        )

    async def action_graph(self) -> None:
        """The metrics pane, at the metric the alarm judges, drawn with its statistic and period."""
        alarm = self.selected()
        judged = judged_metric(alarm) if alarm is not None else None
        if alarm is None or judged is None:
            return
        pane = next((p for p in self.host.panes if isinstance(p, MetricsPane)), None)
        if pane is None:
            return
        await self.host.action_show_pane(pane.pane_id)
        if not pane.show_metric(judged.metric, judged.statistic, judged.period):
            await self.host.action_show_pane(self.pane_id)
            metric = judged.metric
            self.app.notify(
                f"{metric.namespace} {metric.name} has no datapoints yet.",
                title=f"No graph for {alarm.name}",
            )

    def action_copy(self) -> None:
        alarm = self.selected()
        if alarm is not None:
            self.app.copy_to_clipboard(alarm.arn)
            self.app.notify(alarm.arn, title=f"Copied the ARN of {alarm.name}")

    async def open_child(self, resource: AnyAlarm, key: str) -> None:
        """On a composite's table, its rows are the alarms its rule names: go to one."""
        if isinstance(resource, CompositeAlarm) and self.go_to(key):
            self.focus_main()
