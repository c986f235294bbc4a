"""The Network pane: VPCs, their instances, what their groups and ACLs let through, and
the flow logs that record it.

Every action is an EC2 call through `Cloud.call` as the `console` IAM user:
RunInstances, StopInstances/StartInstances, TerminateInstances and
CreateFlowLogs. The flow view (`f`) lists what the VPC's flow logs wrote, a
record per capture window, ACCEPT and REJECT in their colours, with the top
talkers under it; Enter on an instance shows the rules that decide its
traffic and its latest connections with the rule that decided each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.scenarios import Scenario
from backend.services.ec2.instance import Instance
from backend.services.ec2.network import Vpc
from tui.presenters.network import RECORD_COLUMNS, TALKER_COLUMNS, NetworkPresenter
from tui.presenters.palette import Palette
from tui.screens.pane import PaneCommand
from tui.screens.resource_pane import ResourcePane
from widgets.form import Field, required
from widgets.resource_table import ResourceTable

HELP = """\
A VPC is a private network (a CIDR such as 10.0.0.0/16) cut into subnets.
A public subnet routes 0.0.0.0/0 to an internet gateway; an instance in it
with a public IP can be reached from the internet, one without cannot.

Two kinds of rules decide each connection. Security groups sit on an
instance's network interface, allow only, and are stateful: the reply to
an allowed request always passes. Network ACLs sit on a subnet, allow or
deny by numbered rule (the lowest match wins, * denies the rest), and are
stateless: the reply is checked on its own, so an ACL that lets requests in
but not replies out shows an ACCEPT and a REJECT.

VPC Flow Logs record metadata of that traffic, never its contents: per
network interface and capture window (1 or 10 minutes), one line per
5-tuple (addresses, ports, protocol) and action, or NODATA for a quiet
interface. They are not real time: a record exists once its window closes
and reaches CloudWatch Logs (a stream per interface) or S3 minutes later.

f shows the records of the highlighted VPC's flow logs (of the instance's
interface from the instances table): / filters (eni-…, an address, ':22 '
for port 22), a shows only REJECT, only ACCEPT, or both. l creates a flow log on the VPC.
n launches an instance, s stops or starts it, t terminates it. Enter on an
instance shows its groups' rules, its subnet's ACL and its latest
connections with the rule that decided each."""

#: Instance types offered when launching (RunInstances takes any of AWS's).
INSTANCE_TYPES = ("t3.micro", "t3.small", "m5.large", "c5.xlarge")
#: The role a flow log delivers to CloudWatch Logs with (DeliverLogsPermissionArn).
FLOW_LOGS_ROLE = "flow-logs-delivery"
#: Seconds of wall time between refreshes of the open flow view and instance view.
REFRESH = 1.0


class FlowRecordsScreen(ModalScreen[None]):
    """The flow-log records of a VPC (or one interface), newest first, and its top talkers."""

    DEFAULT_CSS = """
    FlowRecordsScreen {
        align: center middle;
    }
    FlowRecordsScreen > Vertical {
        width: 100%;
        max-width: 150;
        height: 100%;
        border: round $accent;
        background: $surface;
    }
    FlowRecordsScreen #flow-records {
        height: 2fr;
    }
    FlowRecordsScreen #flow-talkers {
        height: 1fr;
        max-height: 11;
    }
    FlowRecordsScreen .flows--hint {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="flows.close"),
        Binding(
            "a",
            "action_filter",
            "Action",
            id="flows.action",
            tooltip="REJECT records only, ACCEPT only, or both",
        ),
    ]

    #: The action filters `a` goes through, in turn.
    ACTIONS: ClassVar[tuple[str | None, ...]] = (None, "REJECT", "ACCEPT")

    def __init__(
        self,
        presenter: NetworkPresenter,
        vpc: Vpc,
        eni: str | None,
        palette: Callable[[], Palette],
    ) -> None:
        super().__init__()
        self.presenter = presenter
        self.vpc = vpc
        self.eni = eni
        self._palette = palette
        self.action: str | None = None
        self._shown: tuple[object, ...] = ()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield ResourceTable(
                self.title_text(0),
                RECORD_COLUMNS,
                id="flow-records",
                empty="no records yet: a flow log writes one per window once the window closes",
            )
            yield ResourceTable(
                "Top talkers", TALKER_COLUMNS, id="flow-talkers", empty="no traffic recorded"
            )
            yield Static(
                "/ filter (eni-…, an address, ':22 ') · a REJECT/ACCEPT/both · esc closes",
                classes="flows--hint",
            )

    def title_text(self, count: int) -> str:
        scope = self.eni or self.presenter.name(self.vpc)
        action = f" · {self.action} only" if self.action else ""
        return f"Flow log records · {scope}{action} · {count:,}, newest first"

    def on_mount(self) -> None:
        self.refresh_rows()
        self.query_one("#flow-records", ResourceTable).focus_table()
        self.set_interval(REFRESH, self.refresh_rows)

    def refresh_rows(self) -> None:
        """Fill the tables again when the flow logs wrote more (or the filter changed)."""
        logs = self.presenter.flow_logs(self.vpc)
        state = (self.action, *((log.id, log.records_written) for log in logs))
        if state == self._shown:
            return
        self._shown = state
        palette = self._palette()
        records = self.presenter.records(self.vpc, self.action, self.eni)
        table = self.query_one("#flow-records", ResourceTable)
        table.set_rows([self.presenter.record_row(i, r, palette) for i, r in enumerate(records)])
        table.set_title(self.title_text(len(records)))
        talkers = self.query_one("#flow-talkers", ResourceTable)
        talkers.set_rows(self.presenter.talker_rows(records, palette))

    def action_action_filter(self) -> None:
        at = self.ACTIONS.index(self.action)
        self.action = self.ACTIONS[(at + 1) % len(self.ACTIONS)]
        self.refresh_rows()


class InstanceScreen(ModalScreen[None]):
    """One instance in full: the rules that decide its traffic and its latest connections."""

    DEFAULT_CSS = """
    InstanceScreen {
        align: center middle;
    }
    InstanceScreen > VerticalScroll {
        width: 100%;
        max-width: 130;
        height: 90%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "dismiss", "Close", id="instance.close"),
    ]

    def __init__(
        self, presenter: NetworkPresenter, instance_id: str, palette: Callable[[], Palette]
    ) -> None:
        super().__init__()
        self.presenter = presenter
        self.instance_id = instance_id
        self._palette = palette

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("", id="instance-text")

    def on_mount(self) -> None:
        self.refresh_text()
        self.query_one(VerticalScroll).focus()
        self.set_interval(REFRESH, self.refresh_text)

    def refresh_text(self) -> None:
        instance = self.presenter.instance(self.instance_id)
        shown = (
            self.presenter.instance_text(instance, self._palette())
            if instance is not None
            else Text(f"{self.instance_id} is gone: EC2 no longer lists it")
        )
        self.query_one("#instance-text", Static).update(shown)


class NetworkPane(ResourcePane[Vpc]):
    pane_id: ClassVar[str] = "network"
    label: ClassVar[str] = "Network"
    help_text: ClassVar[str] = HELP
    aliases: ClassVar[tuple[str, ...]] = ("ec2", "vpc", "flow-logs")
    service: ClassVar[str] = "ec2"
    presenter: NetworkPresenter

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "f",
            "flows",
            "Flows",
            id="network.flows",
            tooltip="The flow-log records of the VPC (or of the instance's interface)",
        ),
        Binding(
            "l",
            "create_flow_log",
            "Flow log",
            id="network.create_flow_log",
            tooltip="CreateFlowLogs on the selected VPC, to CloudWatch Logs",
        ),
        Binding(
            "n",
            "run_instance",
            "Launch",
            id="network.run_instance",
            tooltip="RunInstances: one instance in a subnet of the selected VPC",
        ),
        Binding(
            "s",
            "stop_start",
            "Stop/Start",
            id="network.stop_start",
            tooltip="StopInstances on a running instance, StartInstances on a stopped one",
        ),
        Binding(
            "t",
            "terminate",
            "Terminate",
            id="network.terminate",
            tooltip="TerminateInstances: the selected instance (asks first)",
        ),
        Binding("y", "copy", "Copy", show=False, id="network.copy", tooltip="Copy the selected id"),
        Binding(
            "enter",
            "open",
            "Open",
            show=False,
            id="network.open",
            tooltip="Open: a VPC's instances, or an instance's rules and connections",
        ),
    ]

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud, NetworkPresenter(cloud))

    def scenario_started(self, scenario: Scenario) -> None:
        """Show the first VPC the scenario made (not the default one), where its traffic is."""
        made = [v for v in self.presenter.vpcs() if not v.is_default]
        if made:
            self.go_to(made[0].id)

    def selected_instance(self) -> Instance | None:
        key = self.selected_child_key()
        return self.presenter.instance(key) if key is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        vpc = self.selected()
        if action == "open":
            return True
        if action in ("stop_start", "terminate"):
            instance = self.selected_instance() if self.child_table.table.has_focus else None
            live = instance is not None and instance.state != "terminated"
            return True if live else None
        return True if vpc is not None else None

    def commands(self) -> Iterable[PaneCommand]:
        vpc = self.selected()
        if vpc is None:
            return
        name = self.presenter.name(vpc)
        yield PaneCommand(f"network: flow-log records of {name}", "what its logs wrote", "flows")
        yield PaneCommand(
            f"network: create a flow log on {name}", "CreateFlowLogs", "create_flow_log"
        )
        yield PaneCommand(f"network: launch an instance in {name}", "RunInstances", "run_instance")
        yield PaneCommand(f"network: copy the id of {name}", "its VPC id", "copy")

    # -- actions ------------------------------------------------------------------------

    def action_flows(self) -> None:
        vpc = self.selected()
        if vpc is None:
            return
        instance = self.selected_instance() if self.child_table.table.has_focus else None
        eni = instance.interface.id if instance is not None else None
        self.app.push_screen(FlowRecordsScreen(self.presenter, vpc, eni, lambda: self.palette))

    def action_create_flow_log(self) -> None:
        vpc = self.selected()
        if vpc is None:
            return
        name = self.presenter.name(vpc)
        fields = [
            Field("group", "LogGroupName", f"/skydeck/flow-logs/{name}", check=required),
            Field("traffic", "TrafficType", "ALL", choices=("ALL", "ACCEPT", "REJECT")),
            Field("interval", "MaxAggregationInterval", "60", choices=("60", "600")),
        ]

        async def run(values: dict[str, str]) -> AwsError | None:
            role = f"arn:aws:iam::{self.cloud.account}:role/{FLOW_LOGS_ROLE}"
            params = {
                "ResourceIds": [vpc.id],
                "ResourceType": "VPC",
                "TrafficType": values["traffic"],
                "LogDestinationType": "cloud-watch-logs",
                "LogGroupName": values["group"].strip(),
                "DeliverLogsPermissionArn": role,
                "MaxAggregationInterval": int(values["interval"]),
            }
            response, error = await self.attempt("CreateFlowLogs", params)
            if response is not None:
                self.refresh_view()
                for failed in response.get("Unsuccessful") or []:
                    problem = failed.get("Error", {})
                    self.app.notify(
                        str(problem.get("Message", "")),
                        title=f"CreateFlowLogs: {problem.get('Code', '')}",
                        severity="error",
                    )
                for flow_log in response.get("FlowLogIds") or []:
                    self.app.notify(
                        f"a stream per interface in {params['LogGroupName']}, each window "
                        "minutes after it closes: f shows the records",
                        title=f"Flow log {flow_log} on {name}",
                    )
            return error

        self.ask(f"CreateFlowLogs · {name}", fields, run, submit="Create")

    def action_run_instance(self) -> None:
        vpc = self.selected()
        if vpc is None:
            return
        presenter = self.presenter
        subnets = {presenter.subnet_name(s.id): s.id for s in presenter.subnets(vpc)}
        groups = {
            g.name: g.id for g in self.presenter.ec2.security_groups.values() if g.vpc_id == vpc.id
        }
        if not subnets:
            self.app.notify("CreateSubnet first: an instance lives in a subnet.", title="No subnet")
            return
        fields = [
            Field("name", "Name tag", "worker", check=required),
            Field("subnet", "SubnetId", next(iter(subnets)), choices=tuple(subnets)),
            Field("group", "SecurityGroupIds", next(iter(groups)), choices=tuple(groups)),
            Field("type", "InstanceType", INSTANCE_TYPES[0], choices=INSTANCE_TYPES),
        ]

        async def run(values: dict[str, str]) -> AwsError | None:
            name = values["name"].strip()
            params: dict[str, Any] = {
                "ImageId": "ami-0abcdef1234567890",
                "InstanceType": values["type"],
                "MinCount": 1,
                "MaxCount": 1,
                "SubnetId": subnets[values["subnet"]],
                "SecurityGroupIds": [groups[values["group"]]],
                "TagSpecifications": [
                    {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}
                ],
            }
            response, error = await self.attempt("RunInstances", params)
            if response is not None:
                self.refresh_view()
                [launched] = response["Instances"]
                self.app.notify(
                    f"{launched['InstanceId']} is pending: running in a few simulated seconds",
                    title=f"Launched {name}",
                )
            return error

        self.ask(f"RunInstances · {presenter.name(vpc)}", fields, run, submit="Launch")

    async def action_stop_start(self) -> None:
        instance = self.selected_instance()
        if instance is None:
            return
        action = "StartInstances" if instance.state == "stopped" else "StopInstances"
        response = await self.call(action, {"InstanceIds": [instance.id]})
        if response is not None:
            key = "StartingInstances" if action == "StartInstances" else "StoppingInstances"
            [change] = response[key]
            before, after = change["PreviousState"]["Name"], change["CurrentState"]["Name"]
            self.app.notify(f"{before} → {after}", title=f"{action} {instance.id}")
            self.refresh_view()

    def action_terminate(self) -> None:
        instance = self.selected_instance()
        if instance is None:
            return
        name = self.presenter.instance_name(instance)

        async def terminate() -> None:
            if await self.call("TerminateInstances", {"InstanceIds": [instance.id]}) is not None:
                self.app.notify("EC2 lists it as terminated for an hour", title=name)
                self.refresh_view()

        self.confirm(
            f"Terminate {name} ({instance.id})? Its interface and addresses go with it.",
            terminate,
            yes="Terminate",
        )

    def action_copy(self) -> None:
        instance = self.selected_instance() if self.child_table.table.has_focus else None
        vpc = self.selected()
        copied = instance.id if instance is not None else vpc.id if vpc is not None else None
        if copied is not None:
            self.app.copy_to_clipboard(copied)
            self.app.notify(copied, title="Copied")

    async def open_child(self, resource: Vpc, key: str) -> None:
        if self.presenter.instance(key) is not None:
            await self.app.push_screen(InstanceScreen(self.presenter, key, lambda: self.palette))
