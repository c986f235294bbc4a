"""The alarms pane driven by its keys, checked against what CloudWatch did.

A custom metric (`Shop` `Orders`, one dimension set per store) is put with
PutMetricData at known minutes of the demo's quiet cloud, and alarms are put
on it; the clock is stepped by hand to the minute the alarm engine evaluates
them. Each test presses the keys a person would and asserts on the alarms in
the cloud, on the pane's tables and detail, on the screen and on the toasts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from rich.color import Color
from rich.text import Text
from textual.geometry import Region

from backend.metrics import MetricId
from backend.services.cloudwatch import CloudWatchService
from backend.services.cloudwatch.alarms import MetricAlarm
from tests.tui.helpers import (
    PRODUCER,
    RAIL_PLACE,
    SIZE,
    AppPilot,
    console_calls,
    field_problem,
    field_value,
    fill,
    form,
    screen,
    screen_lines,
    skydeck,
    step,
    submit,
    toasts,
)
from tui.app import SkydeckApp
from tui.screens.alarms import AlarmsPane
from tui.screens.metrics import MetricsPane
from tui.screens.pane import Pane
from widgets.confirm import ConfirmScreen
from widgets.form import FormScreen
from widgets.live_table import Row
from widgets.metric_graph import Threshold
from widgets.spark_row import BARS

#: 09:00, the demo's start: the clock stands here when a test begins.
START = 1_795_942_800
#: The metric the tests' alarms watch, Store=berlin.
ORDERS = MetricId("Shop", "Orders", (("Store", "berlin"),))


def minute(m: int) -> int:
    """The start of the minute `m` minutes after 09:00."""
    return START + 60 * m


def cloudwatch(app: SkydeckApp) -> CloudWatchService:
    return app.cloud.service(CloudWatchService)


def alarm_named(app: SkydeckApp, name: str) -> MetricAlarm:
    return cloudwatch(app).alarms[(app.cloud.region, name)]


def has_alarm(app: SkydeckApp, name: str) -> bool:
    return (app.cloud.region, name) in cloudwatch(app).alarms


def topic_arn(app: SkydeckApp) -> str:
    """The demo's ops topic, which the ops-alerts queue subscribes to."""
    return f"arn:aws:sns:{app.cloud.region}:{app.cloud.account}:ops"


async def put_orders(app: SkydeckApp, values: Mapping[int, float], store: str = "berlin") -> None:
    """A datapoint half way through each minute `m` (after 09:00) of `values`."""
    data = [
        {
            "MetricName": "Orders",
            "Dimensions": [{"Name": "Store", "Value": store}],
            "Timestamp": minute(m) + 30,
            "Value": value,
            "Unit": "Count",
        }
        for m, value in values.items()
    ]
    params = {"Namespace": "Shop", "MetricData": data}
    await app.cloud.call("cloudwatch", "PutMetricData", params, caller=PRODUCER)


async def put_alarm(app: SkydeckApp, name: str, store: str = "berlin", **params: Any) -> None:
    """Maximum of Shop Orders over a minute above 100 in 2 of 3 periods, unless `params` say
    (a member given as None is left out)."""
    request = {
        "AlarmName": name,
        "Namespace": "Shop",
        "MetricName": "Orders",
        "Dimensions": [{"Name": "Store", "Value": store}],
        "Statistic": "Maximum",
        "Period": 60,
        "EvaluationPeriods": 3,
        "DatapointsToAlarm": 2,
        "ComparisonOperator": "GreaterThanThreshold",
        "Threshold": 100,
        "TreatMissingData": "missing",
        **params,
    }
    request = {key: value for key, value in request.items() if value is not None}
    await app.cloud.call("cloudwatch", "PutMetricAlarm", request, caller=PRODUCER)


async def at(pilot: AppPilot, when: float) -> None:
    """Step the clock to `when` (a whole minute: the alarms are evaluated there)."""
    await step(pilot, when - skydeck(pilot).cloud.clock.now())


async def show_alarms(pilot: AppPilot, name: str | None = None) -> AlarmsPane:
    """The alarms pane, with the alarm called `name` highlighted."""
    app = skydeck(pilot)
    await app.action_show_pane("alarms")
    await pilot.pause()
    pane = app.pane(AlarmsPane)
    assert isinstance(pane, AlarmsPane)
    if name is not None:
        pane.refresh_view()
        assert pane.go_to(name), name
        await pilot.pause()
    return pane


def shown_pane(app: SkydeckApp) -> Pane:
    """The pane on screen, read afresh: a key press may have changed it."""
    return app.current_pane


def plain(cell: str | Text) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def cells(row: Row) -> list[str]:
    return [plain(c) for c in row.cells]


def alarm_row(pane: AlarmsPane, name: str) -> Row:
    [row] = [r for r in pane.resource_table.shown if plain(r.cells[0]) == name]
    return row


def trace(pane: AlarmsPane) -> list[list[str]]:
    """The evaluation table's rows: period, value, judged, missing data (newest first)."""
    return [cells(r) for r in pane.child_table.shown]


def history(pane: AlarmsPane) -> list[tuple[str, str]]:
    """The history table's rows as (type, summary), newest first."""
    return [(plain(r.cells[1]), plain(r.cells[2])) for r in pane.history_table.shown]


def detail(pane: AlarmsPane) -> str:
    return str(pane.detail_view.content)


def pane_text(app: SkydeckApp) -> str:
    """The words on screen right of the rail, one space apart: a table's row reads as its
    cells, and wrapped text as it was before it wrapped."""
    return " ".join(" ".join(line.partition("▕")[2].split()) for line in screen_lines(app))


def colour_on_screen(pane: AlarmsPane, word: str) -> Color | None:
    """The colour `word` is drawn in, in the alarms table (rows off the cursor only)."""
    table = pane.resource_table.table
    for strip in table.render_lines(Region(0, 0, table.size.width, table.size.height)):
        for segment in strip:
            if segment.text.strip() == word and segment.style is not None:
                return segment.style.color
    raise AssertionError(f"{word!r} is not in the table")


def same_colour(colour: Color | None, hex_colour: str) -> bool:
    return colour is not None and colour.triplet == Color.parse(hex_colour).triplet


def state_changes(app: SkydeckApp, name: str) -> list[str]:
    return [t for t in toasts(app) if t.startswith(f"AlarmStateChange\nalarm {name}:")]


def confirm_question(app: SkydeckApp) -> str:
    confirm = screen(app)
    assert isinstance(confirm, ConfirmScreen)
    return confirm.question


# -- the alarms: state and recent data ------------------------------------------------------


async def test_each_state_is_drawn_in_its_palette_colour(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await at(pilot, minute(10) + 40)
        await put_orders(app, {8: 150, 9: 150, 10: 150})
        await put_orders(app, {8: 10, 9: 10, 10: 10}, store="paris")
        await put_alarm(app, "berlin-rush")
        await put_alarm(app, "paris-rush", store="paris")
        await put_alarm(app, "rome-rush", store="rome")
        pane = await show_alarms(pilot, "orders-backlog")
        await step(pilot, 20)
        states = {plain(r.cells[0]): plain(r.cells[1]) for r in pane.resource_table.shown}
        assert {n: states[n] for n in ("berlin-rush", "paris-rush", "rome-rush")} == {
            "berlin-rush": "ALARM",
            "paris-rush": "OK",
            "rome-rush": "INSUFFICIENT_DATA",
        }
        palette = pane.palette
        assert len({palette.error, palette.success, palette.gone}) == 3
        assert same_colour(colour_on_screen(pane, "ALARM"), palette.error)
        assert same_colour(colour_on_screen(pane, "OK"), palette.success)
        assert same_colour(colour_on_screen(pane, "INSUFFICIENT_DATA"), palette.gone)
        # ALARM is also bold, so it reads in monochrome.
        state = alarm_row(pane, "berlin-rush").cells[1]
        assert isinstance(state, Text) and "bold" in str(state.style)


async def test_the_sparkline_shows_the_metric_as_soon_as_it_has_data(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await at(pilot, minute(10) + 10)
        await put_alarm(app, "berlin-rush")
        pane = await show_alarms(pilot, "berlin-rush")
        assert plain(alarm_row(pane, "berlin-rush").cells[6]).strip() == ""
        # A datapoint in the minute in progress: its bar, muted (the period is not over),
        # half way up (the top of the scale is at least twice the mean).
        await put_orders(app, {10: 30})
        await step(pilot, 10)
        spark = alarm_row(pane, "berlin-rush").cells[6]
        assert isinstance(spark, Text)
        assert spark.plain == " " * 11 + BARS[4]
        assert [str(s.style) for s in spark.spans] == [pane.palette.gone]
        # Minutes later: one bar per minute, the newest right, a blank for a minute
        # without data (09:12, and 09:14 just begun); the complete ones in the accent
        # colour. On a scale to 93.3 (twice the mean): 30, 90 and 20 are 3, 7 and 2 of 7.
        await put_orders(app, {11: 90, 13: 20})
        await at(pilot, minute(14))
        spark = alarm_row(pane, "berlin-rush").cells[6]
        assert isinstance(spark, Text)
        assert spark.plain == " " * 7 + "▄█ ▃ "
        assert {str(s.style) for s in spark.spans} == {pane.palette.accent}
        assert any("▄█ ▃" in line for line in screen_lines(app))


# -- the evaluation trace and the reason -------------------------------------------------------

#: The 09:09 period, missing, in a 2-of-3 alarm between a breaching 09:10 and a calm 09:08:
#: what it is judged, the words for it, and the state the alarm comes to.
MISSING_MODES = [
    pytest.param(
        "breaching", "● breaching", "counted as breaching", "ALARM", "2 of", id="breaching"
    ),
    pytest.param(
        "notBreaching",
        "○ not breaching",
        "counted as not breaching",
        "OK",
        "1 of",
        id="notBreaching",
    ),
    pytest.param("missing", "· not judged", "not counted", "OK", "1 of", id="missing"),
    pytest.param(
        "ignore",
        "· not judged",
        "not counted (ignore: the state stays)",
        "OK",
        "1 of",
        id="ignore",
    ),
]


@pytest.mark.parametrize(("treat", "judged", "counted", "state", "breached"), MISSING_MODES)
async def test_the_trace_shows_a_missing_period_as_treat_missing_data_counts_it(
    app: SkydeckApp, treat: str, judged: str, counted: str, state: str, breached: str
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await at(pilot, minute(10) + 40)
        await put_orders(app, {8: 50, 10: 150})
        await put_alarm(app, "berlin-rush", TreatMissingData=treat)
        pane = await show_alarms(pilot, "berlin-rush")
        assert trace(pane) == []
        assert "not evaluated yet: CloudWatch evaluates it every 1 min" in detail(pane)
        await step(pilot, 20)
        assert alarm_named(app, "berlin-rush").state == state
        assert trace(pane) == [
            ["09:10:00", "150", "● breaching", ""],
            ["09:09:00", "-", judged, f"missing: {counted}"],
            ["09:08:00", "50", "○ not breaching", ""],
        ]
        assert pane.child_table.table.columns[0].label == "period"
        assert detail(pane) == (
            f"{state} since 09:11:00 · {breached} the last 3 periods breached (2 make an ALARM)"
            f" · 1 missing, TreatMissingData {treat}: {counted}"
            " · Maximum > 100 · 2 of 3 × 1 min"
        )
        text = pane_text(app)
        assert "Evaluation · berlin-rush · 3 × 1 min, newest first" in text
        assert f"09:09:00 - {judged} missing: {counted}" in text


async def test_the_state_reason_is_shown_whole_and_literally(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await at(pilot, minute(10) + 40)
        await put_orders(app, {8: 50, 9: 120, 10: 150})
        await put_alarm(app, "berlin-rush")
        await put_alarm(app, "rome-rush", store="rome", TreatMissingData="breaching")
        pane = await show_alarms(pilot, "rome-rush")
        await step(pilot, 20)
        # Square brackets are AWS's, not markup: "[Breaching]" stays on screen.
        reason = (
            "Threshold Crossed: no datapoints were received for 3 periods and 3 missing "
            "datapoints were treated as [Breaching]."
        )
        assert alarm_named(app, "rome-rush").reason == reason
        assert str(pane.reason_view.render()) == f"StateReason: {reason}"
        assert f"StateReason: {reason}" in pane_text(app)
        # A reason longer than a line wraps, every value in it kept.
        assert pane.go_to("berlin-rush")
        await pilot.pause()
        reason = (
            "Threshold Crossed: 2 out of the last 3 datapoints [150.0 (29/11/26 09:10:00), "
            "120.0 (29/11/26 09:09:00), 50.0 (29/11/26 09:08:00)] were greater than the "
            "threshold (100.0) (minimum 2 datapoints for OK -> ALARM transition)."
        )
        assert alarm_named(app, "berlin-rush").reason == reason
        assert f"StateReason: {reason}" in pane_text(app)


async def test_the_history_lists_configuration_state_and_action_entries(
    app: SkydeckApp,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await at(pilot, minute(10) + 40)
        await put_orders(app, {8: 150, 9: 150, 10: 150})
        await put_orders(app, {10: 10}, store="paris")
        await put_alarm(app, "berlin-rush", AlarmActions=[topic_arn(app)])
        await put_alarm(app, "paris-rush", store="paris")
        pane = await show_alarms(pilot, "berlin-rush")
        assert history(pane) == [("ConfigurationUpdate", 'Alarm "berlin-rush" created')]
        await step(pilot, 20)
        assert history(pane) == [
            ("Action", f"Successfully executed action {topic_arn(app)}"),
            ("StateUpdate", "Alarm updated from INSUFFICIENT_DATA to ALARM"),
            ("ConfigurationUpdate", 'Alarm "berlin-rush" created'),
        ]
        assert [plain(r.cells[0]) for r in pane.history_table.shown] == ["09:11:00"] * 2 + [
            "09:10:40"
        ]
        text = pane_text(app)
        assert "History · berlin-rush" in text
        assert f"09:11:00 Action Successfully executed action {topic_arn(app)}" in text
        # Another alarm's history is its own.
        assert pane.go_to("paris-rush")
        await pilot.pause()
        assert pane.selected() is alarm_named(app, "paris-rush")
        assert history(pane) == [
            ("StateUpdate", "Alarm updated from INSUFFICIENT_DATA to OK"),
            ("ConfigurationUpdate", 'Alarm "paris-rush" created'),
        ]


# -- n: PutMetricAlarm ----------------------------------------------------------------------


async def test_n_creates_an_alarm_and_a_bad_value_comes_back_with_aws_error(
    app: SkydeckApp,
) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        pane = await show_alarms(pilot)
        await pilot.press("n")
        await pilot.pause()
        assert form(app).title_text == "PutMetricAlarm"
        await fill(
            pilot,
            AlarmName="berlin-rush",
            Namespace="Shop",
            MetricName="Orders",
            Dimensions="Store",
            Statistic="Maximum",
            Period="60",
            EvaluationPeriods="3",
            DatapointsToAlarm="2",
            Threshold="lots",
        )
        await submit(pilot)
        # The form's own check: nothing was sent.
        assert field_problem(app, "Dimensions") == "Name=Value, separated by commas"
        assert console_calls(app) == []
        await fill(pilot, Dimensions="Store=berlin")
        await submit(pilot)
        assert form(app).description == (
            "InvalidParameterValueException: The value lots for parameter Threshold is invalid."
        )
        typed = ("AlarmName", "Namespace", "MetricName", "Dimensions", "DatapointsToAlarm")
        assert [field_value(app, n) for n in typed] == [
            "berlin-rush",
            "Shop",
            "Orders",
            "Store=berlin",
            "2",
        ]
        assert field_value(app, "Threshold") == "lots"
        await fill(pilot, Threshold="100", Period="90")
        await submit(pilot)
        assert form(app).description == (
            "InvalidParameterValueException: The parameter Period must be 10, 20, 30, or a "
            "multiple of 60."
        )
        assert (field_value(app, "Period"), field_value(app, "Threshold")) == ("90", "100")
        await fill(pilot, Period="60")
        await submit(pilot)

        assert not isinstance(screen(app), FormScreen)
        alarm = alarm_named(app, "berlin-rush")
        assert alarm.config["Dimensions"] == [{"Name": "Store", "Value": "berlin"}]
        assert alarm.config["Statistic"] == "Maximum"
        rule = alarm.rule
        assert (rule.period, rule.evaluation_periods, rule.datapoints_to_alarm) == (60, 3, 2)
        assert (rule.operator, rule.threshold) == ("GreaterThanThreshold", 100.0)
        assert pane.selected() is alarm
        assert cells(alarm_row(pane, "berlin-rush"))[1:4] == [
            "INSUFFICIENT_DATA",
            "09:00:00",
            "Maximum > 100 · 2 of 3 × 1 min",
        ]
        assert any(t.startswith("Created alarm berlin-rush\n") for t in toasts(app))
        assert console_calls(app) == [
            ("PutMetricAlarm", "InvalidParameterValueException"),
            ("PutMetricAlarm", "InvalidParameterValueException"),
            ("PutMetricAlarm", ""),
        ]


# -- s: SetAlarmState -----------------------------------------------------------------------


async def test_s_sets_the_state_until_the_next_evaluation(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await at(pilot, minute(10) + 40)
        await put_orders(app, {8: 10, 9: 10, 10: 10})
        await put_alarm(app, "berlin-rush")
        pane = await show_alarms(pilot, "berlin-rush")
        await step(pilot, 20)
        assert alarm_named(app, "berlin-rush").state == "OK"
        await pilot.press("s")
        await pilot.pause()
        assert form(app).title_text == "SetAlarmState · berlin-rush"
        assert field_value(app, "StateValue") == "OK"
        await fill(pilot, StateValue="ALARM", StateReason="Paging drill [on call]")
        await submit(pilot)

        alarm = alarm_named(app, "berlin-rush")
        assert (alarm.state, alarm.reason) == ("ALARM", "Paging drill [on call]")
        assert plain(alarm_row(pane, "berlin-rush").cells[1]) == "ALARM"
        assert str(pane.reason_view.render()) == "StateReason: Paging drill [on call]"
        # The detail does not put the last evaluation's verdict next to the state as its cause.
        assert detail(pane) == (
            "ALARM since 09:11:00 · set by SetAlarmState until the next evaluation · the last "
            "one found OK: 0 of the last 3 periods breached (2 make an ALARM) · Maximum > 100"
            " · 2 of 3 × 1 min"
        )
        assert history(pane)[0] == ("StateUpdate", "Alarm updated from OK to ALARM")
        assert any(t.startswith("berlin-rush is ALARM\n") for t in toasts(app))
        assert console_calls(app) == [("SetAlarmState", "")]
        # It holds until the next evaluation, at the minute, which judges the data again.
        await step(pilot, 59)
        assert alarm_named(app, "berlin-rush").state == "ALARM"
        await step(pilot, 1)
        alarm = alarm_named(app, "berlin-rush")
        assert alarm.state == "OK"
        assert alarm.reason.startswith("Threshold Crossed: 3 datapoints [")
        assert plain(alarm_row(pane, "berlin-rush").cells[1]) == "OK"
        assert detail(pane).startswith(
            "OK since 09:12:00 · 0 of the last 3 periods breached (2 make an ALARM) · "
        )
        assert history(pane)[0] == ("StateUpdate", "Alarm updated from ALARM to OK")


# -- e: Enable/DisableAlarmActions ------------------------------------------------------------


async def test_e_disables_and_enables_the_actions(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await at(pilot, minute(10) + 40)
        await put_alarm(app, "berlin-rush", AlarmActions=[topic_arn(app)])
        pane = await show_alarms(pilot, "berlin-rush")
        assert "actions disabled" not in detail(pane)
        await pilot.press("e")
        await pilot.pause()
        assert not alarm_named(app, "berlin-rush").actions_enabled
        assert " · actions disabled · " in detail(pane)
        assert plain(alarm_row(pane, "berlin-rush").cells[5]) == "off"
        assert history(pane)[0] == ("ConfigurationUpdate", 'Alarm "berlin-rush" updated')
        assert any(
            t == "DisableAlarmActions\nActions of berlin-rush are disabled." for t in toasts(app)
        )
        # A change to ALARM now runs no action.
        await put_orders(app, {8: 150, 9: 150, 10: 150})
        await step(pilot, 20)
        assert alarm_named(app, "berlin-rush").state == "ALARM"
        assert [kind for kind, _ in history(pane)] == [
            "StateUpdate",
            "ConfigurationUpdate",
            "ConfigurationUpdate",
        ]
        await pilot.press("e")
        await pilot.pause()
        assert alarm_named(app, "berlin-rush").actions_enabled
        assert "actions disabled" not in detail(pane)
        assert plain(alarm_row(pane, "berlin-rush").cells[5]) == "on"
        assert any(
            t == "EnableAlarmActions\nActions of berlin-rush are enabled." for t in toasts(app)
        )
        assert console_calls(app) == [("DisableAlarmActions", ""), ("EnableAlarmActions", "")]


# -- d: DeleteAlarms --------------------------------------------------------------------------


async def test_d_asks_first_and_n_or_escape_keeps_the_alarm(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await put_alarm(app, "berlin-rush")
        pane = await show_alarms(pilot, "berlin-rush")
        for keep in ("n", "escape"):
            await pilot.press("d")
            await pilot.pause()
            assert confirm_question(app).startswith("Delete alarm berlin-rush?")
            await pilot.press(keep)
            await pilot.pause()
            assert not isinstance(screen(app), ConfirmScreen)
            assert has_alarm(app, "berlin-rush")
        assert console_calls(app) == []
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert not has_alarm(app, "berlin-rush")
        assert "berlin-rush" not in [plain(r.cells[0]) for r in pane.resource_table.shown]
        assert pane.selected() is not None
        assert any(t.startswith("Deleted berlin-rush\n") for t in toasts(app))
        assert console_calls(app) == [("DeleteAlarms", "")]


# -- g: the metric's graph ----------------------------------------------------------------------


async def test_g_shows_the_alarms_metric_in_the_metrics_pane(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await at(pilot, minute(10) + 40)
        await put_orders(app, {8: 50, 9: 150, 10: 150})
        await put_orders(app, {8: 10}, store="paris")
        await put_alarm(app, "berlin-rush", Statistic="Sum")
        await show_alarms(pilot, "berlin-rush")
        await pilot.press("g")
        await pilot.pause()
        metrics = shown_pane(app)
        assert isinstance(metrics, MetricsPane)
        series = metrics.highlighted_series()
        assert series is not None and series.id == ORDERS
        assert (metrics.settings.statistic, metrics.settings.period) == ("Sum", 60)
        assert metrics.graph.thresholds == (Threshold("berlin-rush > 100", 100.0),)
        assert any("Sum · 1 min" in line and "Store=berlin" in line for line in screen_lines(app))


async def test_g_on_a_metric_without_data_says_so_and_stays(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await put_alarm(app, "rome-rush", store="rome")
        pane = await show_alarms(pilot, "rome-rush")
        await pilot.press("g")
        await pilot.pause()
        assert shown_pane(app) is pane
        assert any(t.startswith("No graph for rome-rush\n") for t in toasts(app))


def orders_query(query_id: str, store: str, return_data: bool) -> dict[str, Any]:
    metric = {
        "Namespace": "Shop",
        "MetricName": "Orders",
        "Dimensions": [{"Name": "Store", "Value": store}],
    }
    stat = {"Metric": metric, "Period": 60, "Stat": "Maximum"}
    return {"Id": query_id, "MetricStat": stat, "ReturnData": return_data}


async def test_an_anomaly_alarm_shows_and_graphs_the_metric_it_judges(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await at(pilot, minute(10) + 40)
        await put_orders(app, {9: 30, 10: 90})
        await put_orders(app, {9: 30, 10: 90}, store="paris")
        band = {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)"}
        await put_alarm(
            app,
            "berlin-anomaly",
            Metrics=[orders_query("m1", "berlin", True), band],
            ThresholdMetricId="ad1",
            ComparisonOperator="LessThanLowerOrGreaterThanUpperThreshold",
            Namespace=None,
            MetricName=None,
            Dimensions=None,
            Statistic=None,
            Period=None,
            Threshold=None,
        )
        # Two stores' sum: an expression, no one metric to draw or graph.
        total = {"Id": "e1", "Expression": "m1 + m2"}
        await put_alarm(
            app,
            "all-stores",
            Metrics=[
                orders_query("m1", "berlin", False),
                orders_query("m2", "paris", False),
                total,
            ],
            Namespace=None,
            MetricName=None,
            Dimensions=None,
            Statistic=None,
            Period=None,
        )
        pane = await show_alarms(pilot, "all-stores")
        # 30 and 90 on a scale to 120 (twice their mean): 2 and 6 of 7.
        assert plain(alarm_row(pane, "berlin-anomaly").cells[6]) == " " * 10 + "▃▇"
        assert plain(alarm_row(pane, "all-stores").cells[6]) == ""
        await pilot.press("g")
        await pilot.pause()
        assert shown_pane(app) is pane
        assert pane.go_to("berlin-anomaly")
        await pilot.pause()
        await pilot.press("g")
        await pilot.pause()
        metrics = shown_pane(app)
        assert isinstance(metrics, MetricsPane)
        series = metrics.highlighted_series()
        assert series is not None and series.id == ORDERS
        assert (metrics.settings.statistic, metrics.settings.period) == ("Maximum", 60)


# -- the rail's badge and the toasts --------------------------------------------------------------


async def test_the_rail_counts_alarms_in_alarm_and_a_change_toasts_once(
    app: SkydeckApp,
) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await at(pilot, minute(10) + 40)
        await put_orders(app, {8: 150, 9: 150, 10: 150})
        await put_orders(app, {8: 150, 9: 150, 10: 150}, store="paris")
        await put_alarm(app, "berlin-rush")
        await put_alarm(app, "paris-rush", store="paris")
        await put_alarm(app, "rome-rush", store="rome")
        await show_alarms(pilot)
        rail = app.rail.items[RAIL_PLACE["alarms"]]
        assert (rail.badge, rail.alert) == ("", False)
        await step(pilot, 20)
        rail = app.rail.items[RAIL_PLACE["alarms"]]
        assert (rail.badge, rail.alert) == ("2", True)
        # Three more evaluations in ALARM: still one toast for the change.
        for _ in range(3):
            await step(pilot, 60)
        assert alarm_named(app, "berlin-rush").state == "ALARM"
        assert state_changes(app, "berlin-rush") == [
            "AlarmStateChange\nalarm berlin-rush: INSUFFICIENT_DATA → ALARM"
        ]
        assert len(state_changes(app, "paris-rush")) == 1
        # The badge follows the states, wherever the person is.
        await app.action_show_pane("sqs")
        await app.cloud.call(
            "cloudwatch",
            "SetAlarmState",
            {"AlarmName": "paris-rush", "StateValue": "OK", "StateReason": "by hand"},
        )
        await step(pilot, 1)
        rail = app.rail.items[RAIL_PLACE["alarms"]]
        assert (rail.badge, rail.alert) == ("1", True)


# -- composite alarms ------------------------------------------------------------------------


async def test_a_composite_lists_the_alarms_its_rule_names_and_enter_goes_to_one(
    app: SkydeckApp,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await at(pilot, minute(10) + 40)
        await put_orders(app, {8: 150, 9: 150, 10: 150})
        await put_alarm(app, "berlin-rush")
        await put_alarm(app, "paris-rush", store="paris")
        rule = 'ALARM("berlin-rush") OR ALARM(paris-rush)'
        params = {"AlarmName": "stores-rush", "AlarmRule": rule}
        await app.cloud.call("cloudwatch", "PutCompositeAlarm", params, caller=PRODUCER)
        await step(pilot, 20)
        assert alarm_named(app, "berlin-rush").state == "ALARM"
        pane = await show_alarms(pilot, "stores-rush")

        row = cells(alarm_row(pane, "stores-rush"))
        assert row[1] == "ALARM"
        assert row[3] == rule
        assert row[4] == "composite of 2 alarms"
        assert row[6] == "●○"  # berlin-rush in ALARM, paris-rush not (no data)
        assert detail(pane).startswith(
            "ALARM since 09:11:00 · rule true: ALARM(berlin-rush) is true · "
            "ALARM(paris-rush) is false · "
        )
        assert trace(pane) == [
            ["berlin-rush", "ALARM", "ALARM", "09:11:00"],
            ["paris-rush", "INSUFFICIENT_DATA", "ALARM", "09:10:40"],  # since it was put
        ]
        assert pane.child_table.title == "Rule · stores-rush · 2 alarms, in rule order"
        assert str(pane.reason_view.render()).startswith("StateReason: arn:aws:cloudwatch:")

        # Enter on the composite goes into its table; Enter on a row goes to that alarm.
        await pilot.press("enter")
        await pilot.pause()
        assert pane.child_table.table.has_focus
        await pilot.press("down", "enter")
        await pilot.pause()
        selected = pane.selected()
        assert selected is not None and selected.name == "paris-rush"
        assert pane.resource_table.table.has_focus
        # A composite judges alarms, not a metric: nothing to graph.
        assert pane.go_to("stores-rush")
        await pilot.pause()
        assert pane.check_action("graph", ()) is None
