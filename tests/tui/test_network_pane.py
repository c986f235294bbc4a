"""The Network pane driven by its keys, checked against what EC2 and its flow logs hold.

Each test runs the demo (its shop VPC with web clients, the app and database
tiers, a misconfigured job and an SSH scanner) on the manual clock, presses
what a person would, and asserts on the instances, the flow-log records and
the connections the pane shows, and on the cloud.
"""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.widgets import Static

from backend.scenarios import load_scenario
from backend.services.ec2 import Ec2Service
from backend.services.ec2.instance import Instance
from tests.tui.helpers import (
    SIZE,
    AppPilot,
    fill,
    form,
    screen,
    settle,
    skydeck,
    step,
    submit,
    toasts,
)
from tests.tui.snapshots import SIZES, SnapCompare, SnapshotApp, ansi_only, then
from tui.app import SkydeckApp
from tui.screens.network import FlowRecordsScreen, InstanceScreen, NetworkPane
from widgets.confirm import ConfirmScreen
from widgets.live_table import Row
from widgets.resource_table import ResourceTable


def demo() -> SkydeckApp:
    """The whole demo, its traffic included, on the manual clock."""
    return SkydeckApp(load_scenario("demo"), realtime=False)


def plain(cell: str | Text) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def cells(row: Row) -> list[str]:
    return [plain(c) for c in row.cells]


def instance_named(app: SkydeckApp, name: str) -> Instance:
    ec2 = app.cloud.service(Ec2Service)
    [found] = [i for i in ec2.instances.values() if i.tags.get("Name") == name]
    return found


async def show_network(pilot: AppPilot) -> NetworkPane:
    app = skydeck(pilot)
    await app.action_show_pane("network")
    await pilot.pause()
    pane = app.current_pane
    assert isinstance(pane, NetworkPane)
    return pane


async def on_instance(pilot: AppPilot, pane: NetworkPane, name: str) -> None:
    """The instances table focused, its cursor on the instance called `name`."""
    pane.child_table.focus_table()
    key = instance_named(skydeck(pilot), name).id
    assert pane.child_table.table.move_to_key(key), name
    await pilot.pause()


def flows(app: SkydeckApp) -> FlowRecordsScreen:
    shown = screen(app)
    assert isinstance(shown, FlowRecordsScreen), shown
    return shown


def record_rows(app: SkydeckApp) -> list[list[str]]:
    return [cells(r) for r in flows(app).query_one("#flow-records", ResourceTable).shown]


async def test_the_demo_vpc_shows_its_tiers_and_the_traffic_refused() -> None:
    app = demo()
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, 300)
        pane = await show_network(pilot)
        vpc = pane.selected()
        assert vpc is not None and pane.presenter.name(vpc) == "shop"
        detail = str(pane.detail_view.content)
        subnets = "web 10.0.1.0/24 public · app 10.0.2.0/24 private · db 10.0.3.0/24 private"
        assert f"subnets: {subnets} acl db" in detail
        assert "flow logs: fl-" in detail and "→ /skydeck/vpc-flow-logs every 60 s" in detail
        rows = {r[0]: r for r in map(cells, pane.child_table.shown)}
        assert sorted(rows) == ["app-1", "db-1", "web-1", "web-2"]
        assert {r[2] for r in rows.values()} == {"running"}
        # The web tier has public addresses; the others do not.
        assert rows["web-1"][5] != "-" and rows["db-1"][5] == "-"
        # The last minute's connections: the scanner and the misconfigured job are refused.
        ec2 = app.cloud.service(Ec2Service)
        for name, row in rows.items():
            accepted, rejected, _, _ = ec2.traffic.counts(instance_named(app, name).interface.id)
            assert (row[8], row[9]) == (f"{accepted:,}", f"{rejected:,}")
        # A connection between two instances counts at both; the VPC's row counts it once.
        refused = int(cells(pane.resource_table.shown[-1])[6])
        assert refused == ec2.traffic.rejected_last_minute() > 0
        # ... which the rail's badge counts, as an alert.
        assert pane.badge() == (str(ec2.traffic.rejected_last_minute()), True)


async def test_f_lists_what_the_flow_log_wrote_and_a_narrows_to_rejects() -> None:
    app = demo()
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, 300)
        await show_network(pilot)
        await pilot.press("f")
        await pilot.pause()
        rows = record_rows(app)
        assert rows, "five minutes of windows closed"
        assert {r[7] for r in rows} == {"ACCEPT", "REJECT"}
        # Newest first, and every record's window has closed: none is from the open one.
        starts = [r[0] for r in rows]
        assert starts == sorted(starts, reverse=True)
        await pilot.press("a")
        await pilot.pause()
        rejected = record_rows(app)
        assert rejected and {r[7] for r in rejected} == {"REJECT"}
        assert "REJECT only" in str(flows(app).query_one("#flow-records", ResourceTable).title)
        # The scanner's probes: port 22 on the web tier, refused by its group.
        assert any(r[3].endswith(":22") and r[1].startswith("web-") for r in rejected)
        talkers = [cells(r) for r in flows(app).query_one("#flow-talkers", ResourceTable).shown]
        assert talkers and all(int(t[3].replace(",", "")) > 0 for t in talkers)
        await pilot.press("a", "a")
        await pilot.pause()
        assert len(record_rows(app)) == len(rows)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.current_pane, NetworkPane) and screen(app) is app.screen_stack[0]


async def test_f_on_an_instance_lists_only_its_interface() -> None:
    app = demo()
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, 300)
        pane = await show_network(pilot)
        await on_instance(pilot, pane, "db-1")
        await pilot.press("f")
        await pilot.pause()
        eni = instance_named(app, "db-1").interface.id
        rows = record_rows(app)
        assert rows and all(r[1] == f"db-1 {eni}" for r in rows)
        # The job on web-1 that reaches for the database: refused at db-1's group.
        assert any(r[2].startswith("10.0.1.") and r[7] == "REJECT" for r in rows)


async def test_enter_on_an_instance_shows_its_rules_and_why_each_connection_went_so() -> None:
    app = demo()
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, 300)
        pane = await show_network(pilot)
        # The scanner's newest probe, and the web instance it hit.
        ec2 = app.cloud.service(Ec2Service)
        probe = next(c for c in reversed(ec2.traffic.recent) if c.dstport == 22)
        assert probe.dst_eni is not None
        target = ec2.interfaces[probe.dst_eni].instance_id
        assert target is not None
        name = ec2.instances[target].tags["Name"]
        await on_instance(pilot, pane, name)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(screen(app), InstanceScreen)
        text = str(screen(app).query_one("#instance-text", Static).content)
        assert "security group web (sg-" in text
        assert "in   tcp 443 from 0.0.0.0/0" in text
        assert "rule * deny all traffic from 0.0.0.0/0" in text
        said = f"REJECT {probe.srcaddr}:{probe.srcport} → {probe.dstaddr}:22 tcp · {probe.reason}"
        assert said in text
        assert probe.reason.startswith("no rule of sg-") and "allows tcp 22" in probe.reason
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(screen(app), InstanceScreen)


async def test_s_stops_and_starts_an_instance_and_t_terminates_after_asking() -> None:
    app = demo()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await step(pilot, 60)
        pane = await show_network(pilot)
        await on_instance(pilot, pane, "web-2")
        await pilot.press("s")
        await settle(pilot)
        assert instance_named(app, "web-2").state == "stopping"
        said = [t for t in toasts(app) if t.startswith("StopInstances i-")]
        assert said and "running → stopping" in said[0]
        await step(pilot, 60)
        assert instance_named(app, "web-2").state == "stopped"
        await pilot.press("s")
        await settle(pilot)
        assert instance_named(app, "web-2").state == "pending"
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(screen(app), ConfirmScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert instance_named(app, "web-2").state == "pending"
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert instance_named(app, "web-2").state == "shutting-down"


async def test_n_launches_an_instance_into_the_subnet_and_group_chosen() -> None:
    app = demo()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await step(pilot, 30)
        await show_network(pilot)
        await pilot.press("n")
        await pilot.pause()
        assert form(app).title_text == "RunInstances · shop"
        await fill(pilot, name="batch-1", subnet="app", group="app")
        await submit(pilot)
        launched = instance_named(app, "batch-1")
        assert launched.state == "pending"
        assert str(launched.private_ip).startswith("10.0.2.")
        ec2 = app.cloud.service(Ec2Service)
        assert [ec2.security_groups[g].name for g in launched.group_ids] == ["app"]


async def test_l_creates_a_flow_log_and_a_repeat_is_refused_with_aws_words() -> None:
    app = demo()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await step(pilot, 30)
        pane = await show_network(pilot)
        assert pane.go_to("vpc-" + "x") is False
        default = next(v for v in pane.presenter.vpcs() if v.is_default)
        assert pane.go_to(default.id)
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        await fill(pilot, group="/skydeck/default-flows", traffic="REJECT")
        await submit(pilot)
        ec2 = app.cloud.service(Ec2Service)
        [made] = [log for log in ec2.flow_logs.values() if log.resource_id == default.id]
        assert (made.traffic_type, made.log_group_name) == ("REJECT", "/skydeck/default-flows")
        await pilot.press("l")
        await pilot.pause()
        await fill(pilot, group="/skydeck/default-flows", traffic="REJECT")
        await submit(pilot)
        assert any("FlowLogAlreadyExists" in t for t in toasts(app)), toasts(app)


@pytest.mark.parametrize("size", SIZES)
def test_flow_records_snapshot(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    async def open_flows(pilot: AppPilot) -> None:
        app = skydeck(pilot)
        await step(pilot, 180)
        await app.action_show_pane("network")
        await pilot.pause()
        await pilot.press("f")
        await pilot.pause()

    app = SnapshotApp(size)
    assert snap_compare(app, terminal_size=size, run_before=then(open_flows))
    ansi_only(app)
