"""The dashboards pane: a PutDashboard body drawn as its grid of live widgets.

The grid arithmetic (`place`, `time_range`, `line_labels`) is checked on its
own; the pane on the demo's quiet cloud, the clock stepped by hand, with
dashboards put through `cloud.call` as a client would put them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from backend.metrics import MetricId, statistic_points
from backend.services.cloudwatch import CloudWatchService
from backend.services.cloudwatch.dashboards import Dashboard, MetricLine, Widget
from tests.tui.helpers import SIZE, AppPilot, screen_lines, skydeck, step
from tui.app import SkydeckApp
from tui.presenters.dashboards import GRID_COLUMNS, line_labels, place, time_range
from tui.screens.dashboards import AlarmCell, DashboardsPane, MetricCell, TextCell

#: 10:00 on the demo's day: an hour of clock first, so the graphs have a past.
TEN = 1_795_942_800.0 + 3600


def dashboard(body: dict[str, Any]) -> Dashboard:
    return Dashboard("d", "arn", json.dumps(body), (), 0.0)


def widget(x: int | None, y: int | None, width: int = 6, height: int = 6) -> Widget:
    return Widget("text", x, y, width, height, {"markdown": "x"})


# -- the grid ---------------------------------------------------------------------------


def test_widgets_go_where_the_body_puts_them_and_the_rest_into_the_first_gap() -> None:
    placed = place(
        [
            widget(0, 0, 12, 6),
            widget(None, None, 12, 3),  # beside the first
            widget(None, None, 24, 2),  # under both: nothing narrower is free
            widget(20, 30, 10, 1),  # cut at the grid's right edge
        ]
    )
    assert [(p.x, p.y, p.width, p.height) for p in placed] == [
        (0, 0, 12, 6),
        (12, 0, 12, 3),
        (0, 6, 24, 2),
        (20, 30, GRID_COLUMNS - 20, 1),
    ]


@pytest.mark.parametrize(
    ("start", "seconds"),
    [("-PT3H", 3 * 3600), ("-P7D", 7 * 86400), ("-PT15M", 900), ("-P1W", 7 * 86400)],
)
def test_the_time_range_is_the_bodys_relative_start(start: str, seconds: int) -> None:
    assert time_range(dashboard({"start": start, "widgets": []})) == seconds
    unusable: dict[str, Any]
    for unusable in ({"widgets": []}, {"start": "yesterday", "widgets": []}):
        assert time_range(dashboard(unusable)) == 3 * 3600


def test_line_labels_leave_out_what_the_lines_share() -> None:
    def line(name: str, queue: str, **options: Any) -> MetricLine:
        return MetricLine("AWS/SQS", name, (("QueueName", queue),), options)

    assert line_labels([line("Sent", "a"), line("Sent", "b")]) == ["a", "b"]
    assert line_labels([line("Sent", "a"), line("Deleted", "a")]) == ["Sent", "Deleted"]
    assert line_labels([line("Sent", "a"), line("Deleted", "b", label="gone")]) == [
        "a Sent",
        "gone",
    ]


# -- the pane ---------------------------------------------------------------------------


def dashboards_pane(app: SkydeckApp) -> DashboardsPane:
    pane = app.pane(DashboardsPane)
    assert isinstance(pane, DashboardsPane)
    return pane


async def put_dashboard(app: SkydeckApp, name: str, widgets: list[dict[str, Any]]) -> None:
    body = json.dumps({"widgets": widgets})
    await app.cloud.call(
        "cloudwatch", "PutDashboard", {"DashboardName": name, "DashboardBody": body}
    )


async def put_orders(app: SkydeckApp, values: list[float]) -> None:
    """One value a minute for the minutes before the clock, oldest first."""
    now = app.cloud.clock.now()
    data = [
        {"MetricName": "Orders", "Timestamp": now - (len(values) - i) * 60 + 5, "Value": v}
        for i, v in enumerate(values)
    ]
    await app.cloud.call("cloudwatch", "PutMetricData", {"Namespace": "Shop", "MetricData": data})


async def show(pilot: AppPilot, name: str) -> DashboardsPane:
    app = skydeck(pilot)
    await app.action_show_pane("dashboards")
    pane = dashboards_pane(app)
    assert pane.go_to(name)
    pane.refresh_view()
    await pilot.pause()
    await pilot.pause()
    return pane


ORDERS: dict[str, Any] = {
    "type": "metric",
    "x": 0,
    "y": 0,
    "width": 12,
    "height": 6,
    "properties": {"title": "orders", "stat": "Sum", "period": 60, "metrics": [["Shop", "Orders"]]},
}


async def test_the_demo_dashboard_is_drawn_as_its_grid(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        pane = await show(pilot, "shop-overview")
        cells = pane.grid.cells
        assert [type(c) for c in cells] == [TextCell, *[MetricCell] * 4]
        # The 24 columns scaled to the grid's width; two rows a grid row.
        width = pane.grid.scrollable_content_region.width
        right = cells[2]
        assert (right.placed.x, right.placed.y) == (12, 2)
        assert right.region.x - pane.grid.region.x == round(12 * width / GRID_COLUMNS)
        assert right.region.height == 12
        lines = screen_lines(app)
        assert any("Shop overview" in line for line in lines)
        assert any("orders: age of oldest message" in line for line in lines)


async def test_a_metric_widget_graphs_the_store_at_its_stat_and_period(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, TEN - app.cloud.clock.now())
        await put_orders(app, [float(i % 7) for i in range(90)])
        await put_dashboard(app, "shop", [ORDERS])
        pane = await show(pilot, "shop")
        [cell] = pane.grid.cells
        assert isinstance(cell, MetricCell)
        [line] = cell.graph.lines
        series = app.cloud.metrics.units(MetricId("Shop", "Orders", ()))[0]
        now = app.cloud.clock.now()
        expected = statistic_points(series, now - 3 * 3600, now, 60, now, "Sum")
        points = dict(zip(map(int, line.times.tolist()), line.values.tolist(), strict=True))
        assert points == expected and len(points) == 90
        assert cell.graph.window == (now - 3 * 3600, now)
        # A period that ends draws its point; a tick with nothing new redraws nothing.
        await app.cloud.call(
            "cloudwatch",
            "PutMetricData",
            {"Namespace": "Shop", "MetricData": [{"MetricName": "Orders", "Value": 50.0}]},
        )
        await step(pilot, 60)
        pane.refresh_view()
        await pilot.pause()
        assert cell.graph.lines[0].values[-1] == 50.0


async def test_a_new_body_redraws_the_grid_live(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await put_dashboard(app, "shop", [ORDERS])
        pane = await show(pilot, "shop")
        assert len(pane.grid.cells) == 1
        text = {"type": "text", "x": 0, "y": 6, "width": 24, "height": 2}
        text["properties"] = {"markdown": "## Orders by store"}
        await step(pilot, 5)
        await put_dashboard(app, "shop", [ORDERS, text])
        pane.refresh_view()
        await pilot.pause()
        await pilot.pause()
        assert [type(c) for c in pane.grid.cells] == [MetricCell, TextCell]
        assert any("Orders by store" in line for line in screen_lines(app))


async def test_single_values_alarms_and_metric_math(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, TEN - app.cloud.clock.now())
        await put_orders(app, [3.0, 4.0, 42.0])
        single = {**ORDERS, "properties": {**ORDERS["properties"], "view": "singleValue"}}
        single["properties"]["metrics"] = [["Shop", "Orders"], [{"expression": "m1 * 2"}]]
        alarms = {"type": "alarm", "x": 12, "y": 0, "width": 12, "height": 3}
        arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-backlog"
        alarms["properties"] = {"title": "ops", "alarms": [arn, "missing"]}
        await put_dashboard(app, "shop", [single, alarms])
        pane = await show(pilot, "shop")
        value, states = pane.grid.cells
        assert isinstance(value, MetricCell) and isinstance(states, AlarmCell)
        assert str(value.value.content) == "42"
        assert "+1 metric math, not drawn" in str(value.heading.content)
        listed = str(states.states.content).splitlines()
        cloudwatch = app.cloud.service(CloudWatchService)
        state = next(a.state for (_, n), a in cloudwatch.alarms.items() if n == "orders-backlog")
        assert listed[0].split() == [state, "orders-backlog"]
        assert listed[1].split() == ["not", "found", "missing"]
