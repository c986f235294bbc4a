"""The metrics pane driven by its keys, checked against the datapoints put.

A custom metric (`Shop` `Orders`, one dimension set per store) is put with
PutMetricData at known times on the demo's quiet cloud, the clock stepped by
hand; each test presses the keys a person would and asserts on what the
graph was given to draw (its lines' points, its window, its thresholds) and
on what the screen shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from textual.pilot import Pilot
from textual_hires_canvas import HiResMode

from backend.services.cloudwatch import CloudWatchService
from tests.tui.helpers import (
    PRODUCER,
    SIZE,
    AppPilot,
    console_calls,
    field_value,
    fill,
    form,
    screen_lines,
    skydeck,
    step,
    submit,
)
from tests.tui.snapshots import SIZES, SnapCompare, SnapshotApp, ansi_only, then
from tui.app import SkydeckApp
from tui.screens.metrics import MetricsPane, default_mode
from widgets.line_raster import BAND_GLYPH, band_cells
from widgets.metric_graph import Band, GraphLine, Threshold

#: 11:00 on the demo's day: the clock is stepped here first, so there is a past to graph.
NOON = 1_795_942_800.0 + 2 * 3600
#: Minutes of datapoints before `NOON`: minute i holds the values i and i + 10.
MINUTES = 90


def metrics_pane(app: SkydeckApp) -> MetricsPane:
    pane = app.pane(MetricsPane)
    assert isinstance(pane, MetricsPane)
    return pane


async def put_orders(app: SkydeckApp, store: str = "berlin", scale: float = 1.0) -> None:
    """Two values a minute for the `MINUTES` minutes before `NOON`: i and i + 10, scaled."""
    data: list[dict[str, Any]] = []
    for i in range(MINUTES):
        when = NOON - (MINUTES - i) * 60 + 30
        data.append(
            {
                "MetricName": "Orders",
                "Dimensions": [{"Name": "Store", "Value": store}],
                "Timestamp": when,
                "Values": [i * scale, (i + 10) * scale],
                "Unit": "Count",
            }
        )
    params = {"Namespace": "Shop", "MetricData": data}
    await app.cloud.call("cloudwatch", "PutMetricData", params, caller=PRODUCER)


async def show_orders(pilot: AppPilot, store: str = "berlin") -> MetricsPane:
    """The metrics pane on Shop Orders, the dimension set of `store` highlighted, Average.

    The demo's pane starts on its first alarm's metric and statistic (Maximum).
    """
    app = skydeck(pilot)
    await app.action_show_pane("metrics")
    pane = metrics_pane(app)
    pane.settings.statistic = "Average"
    assert pane.go_to("Shop Orders")
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    assert pane.child_table.table.move_to_key(
        f'["Shop", "Orders", [["Store", "{store}"]], "Count"]'
    )
    await pilot.pause()
    return pane


async def at_noon(pilot: AppPilot, *stores: str) -> None:
    app = skydeck(pilot)
    await step(pilot, NOON - app.cloud.clock.now())
    for index, store in enumerate(stores or ("berlin",)):
        await put_orders(app, store, scale=index + 1.0)


def shown(widget: Any) -> bool:
    """Read afresh: mypy would otherwise keep an earlier assert's narrowing."""
    return bool(widget.display)


def mode_of(pane: MetricsPane) -> HiResMode:
    return pane.graph.mode


def points(line: GraphLine) -> list[tuple[int, float]]:
    return list(zip(map(int, line.times.tolist()), line.values.tolist(), strict=True))


def minute(i: int) -> int:
    """Start of the minute that holds the values of index `i`."""
    return int(NOON) - (MINUTES - i) * 60


def expected(stat: str, first: int = MINUTES - 60) -> list[tuple[int, float]]:
    """The graph's points for `stat` at one-minute periods, from index `first` on."""
    by_stat = {
        "Average": lambda i: i + 5.0,
        "Sum": lambda i: 2.0 * i + 10,
        "Maximum": lambda i: i + 10.0,
    }
    return [(minute(i), by_stat[stat](i)) for i in range(first, MINUTES)]


# -- the graph ----------------------------------------------------------------------------


async def test_the_graph_draws_the_series_points_for_the_window(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await at_noon(pilot)
        pane = await show_orders(pilot)
        graph = pane.graph
        # The last hour at one-minute periods, Average: (i + i + 10) / 2 for each minute.
        assert graph.window == (NOON - 3600, NOON)
        [line] = graph.lines
        assert line.label == "berlin Orders"
        assert points(line) == expected("Average")
        lines = screen_lines(app)
        assert any("Average · 1 min · last 1 h │ Shop › Orders › Store=berlin" in s for s in lines)
        # Time labels under the plot: the window's hours and half hours, in UTC.
        assert any("10:00" in s and "10:30" in s and "11:00" in s for s in lines)


async def test_s_changes_the_statistic_and_the_values(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await at_noon(pilot)
        pane = await show_orders(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert pane.settings.statistic == "Sum"
        assert points(pane.graph.lines[0]) == expected("Sum")
        await pilot.press("s")
        await pilot.pause()
        assert points(pane.graph.lines[0]) == expected("Maximum")
        # The dimension set's value column says what it shows, and shows the newest period.
        assert pane.child_table.table.columns[2].label == "Maximum 1 min"
        row = pane.child_table.shown[0]
        assert row.cells[2] == f"{MINUTES - 1 + 10:,}"


async def test_z_widens_the_window_and_the_period_follows(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await at_noon(pilot)
        pane = await show_orders(pilot)
        await pilot.press("z")
        await pilot.pause()
        assert pane.graph.window == (NOON - 3 * 3600, NOON)
        assert points(pane.graph.lines[0]) == expected("Average", first=0)
        await pilot.press("z", "z")
        await pilot.pause()
        # A week of minutes is more points than the graph draws: five-minute periods.
        assert (pane.settings.window, pane.settings.period) == (604_800, 300)
        assert pane.graph.window == (NOON - 604_800, NOON)
        [line] = pane.graph.lines
        assert len(line.times) == MINUTES // 5
        assert points(line)[-1] == (minute(MINUTES - 5), sum(i + 5.0 for i in range(85, 90)) / 5)
        await pilot.press("Z")
        await pilot.pause()
        assert (pane.settings.window, pane.settings.period) == (86_400, 300)


async def test_p_steps_through_the_periods_that_fit_the_window(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await at_noon(pilot)
        pane = await show_orders(pilot)
        await pilot.press("p")
        await pilot.pause()
        assert pane.settings.period == 300
        assert [t for t, _ in points(pane.graph.lines[0])] == [
            int(NOON) - 3600 + 300 * k for k in range(12)
        ]
        await pilot.press("p")
        await pilot.pause()
        assert pane.settings.period == 60


async def test_the_window_follows_the_clock_and_redraws_only_a_new_period(
    app: SkydeckApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await at_noon(pilot)
        pane = await show_orders(pilot)
        drawn: list[tuple[float, float]] = []
        show = pane.graph.show

        def counted(
            lines: Sequence[GraphLine],
            thresholds: Sequence[Threshold],
            window: tuple[float, float],
            mode: HiResMode,
            bands: Sequence[Band] = (),
        ) -> None:
            drawn.append(window)
            show(lines, thresholds, window, mode, bands)

        monkeypatch.setattr(pane.graph, "show", counted)
        await step(pilot, 20)
        await step(pilot, 20)
        assert drawn == []
        await step(pilot, 20)
        assert drawn == [(NOON + 60 - 3600, NOON + 60)]
        # The minute that ended had no datapoint: the oldest one left the window.
        assert points(pane.graph.lines[0]) == expected("Average")[1:]


async def test_m_overlays_dimension_sets_with_a_legend(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await at_noon(pilot, "berlin", "paris")
        pane = await show_orders(pilot)
        legend = pane.graph.query_one("#legend")
        assert not shown(legend)
        await pilot.press("m", "down")
        await pilot.pause()
        assert pane.highlighted_series() is not None
        assert [line.label for line in pane.graph.lines] == ["berlin Orders", "paris Orders"]
        assert points(pane.graph.lines[1]) == [(t, 2 * v) for t, v in expected("Average")]
        assert shown(legend)
        assert pane.child_table.shown[0].cells[4] == "◆ 1"
        assert "+1 overlaid" in str(pane.caption.content)
        # m on an overlaid set takes it off again.
        await pilot.press("up", "m", "down")
        await pilot.pause()
        assert [line.label for line in pane.graph.lines] == ["paris Orders"]
        assert not shown(legend)


async def test_an_alarm_on_the_metric_is_drawn_as_its_threshold(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, 180)
        await app.action_show_pane("metrics")
        await pilot.pause()
        pane = metrics_pane(app)
        # The pane opens on the demo's first alarm's metric, as that alarm judges it.
        series = pane.highlighted_series()
        assert series is not None
        assert (series.id.name, series.id.dimensions) == (
            "ApproximateAgeOfOldestMessage",
            (("QueueName", "orders"),),
        )
        assert pane.settings.statistic == "Maximum"
        assert pane.graph.thresholds == (Threshold("orders-backlog > 120", 120.0),)
        assert any("orders-backlog > 120" in line for line in screen_lines(app))


async def test_an_anomaly_detection_band_is_shaded_around_the_line(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await at_noon(pilot)
        berlin = [{"Name": "Store", "Value": "berlin"}]
        metric = {"Namespace": "Shop", "MetricName": "Orders", "Dimensions": berlin}
        await app.cloud.call(
            "cloudwatch",
            "PutMetricAlarm",
            {
                "AlarmName": "orders-odd",
                "EvaluationPeriods": 1,
                "ComparisonOperator": "LessThanLowerOrGreaterThanUpperThreshold",
                "ThresholdMetricId": "ad1",
                "Metrics": [
                    {"Id": "m1", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Average"}},
                    {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 3)"},
                ],
            },
        )
        await step(pilot, 60)  # the alarm's first evaluation makes the detector
        pane = await show_orders(pilot)
        [band] = pane.graph.bands
        assert len(band.times) > 0 and all(band.lower <= band.upper)
        # The alarm's width, 3: the upper bound is three spreads over the expected value.
        detectors = app.cloud.service(CloudWatchService).detectors.items()
        detector = next(d for (_, key), d in detectors if key.name == "Orders")
        model = detector.model(app.cloud.metrics, 60, "Count", app.cloud.clock.now())
        expected = model.expected(band.times[-1])
        assert expected is not None
        assert band.upper[-1] == pytest.approx(expected.value + 3 * expected.spread)


# -- a: PutMetricAlarm ------------------------------------------------------------------------


async def test_a_creates_an_alarm_and_a_bad_value_comes_back_with_aws_error(
    app: SkydeckApp,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await at_noon(pilot)
        pane = await show_orders(pilot)
        await pilot.press("s", "a")
        await pilot.pause()
        assert form(app).title_text == "PutMetricAlarm"
        assert [field_value(app, n) for n in ("Namespace", "MetricName", "Dimensions")] == [
            "Shop",
            "Orders",
            "Store=berlin",
        ]
        assert (field_value(app, "Statistic"), field_value(app, "Period")) == ("Sum", "60")
        await fill(pilot, AlarmName="berlin-rush", Period="90", Threshold="150")
        await submit(pilot)
        again = form(app)
        assert again.description == (
            "InvalidParameterValueException: The parameter Period must be 10, 20, 30, or a "
            "multiple of 60."
        )
        assert (field_value(app, "Period"), field_value(app, "Threshold")) == ("90", "150")
        await fill(pilot, Period="60")
        await submit(pilot)
        alarm = app.cloud.service(CloudWatchService).alarms[(app.cloud.region, "berlin-rush")]
        assert alarm.config["Statistic"] == "Sum"
        assert alarm.config["Dimensions"] == [{"Name": "Store", "Value": "berlin"}]
        assert (alarm.rule.period, alarm.rule.threshold) == (60, 150.0)
        assert pane.graph.thresholds == (Threshold("berlin-rush > 150", 150.0),)
        assert console_calls(app) == [
            ("PutMetricAlarm", "InvalidParameterValueException"),
            ("PutMetricAlarm", ""),
        ]


# -- dots or blocks -------------------------------------------------------------------------


def test_a_band_covers_the_cells_it_touches_and_at_least_one_a_column() -> None:
    xs = np.array([1.0, 11.0])
    # A band from row 2.2 to row 4.6 (y down) over columns 1 to 10.
    wide = band_cells(xs, np.array([4.6, 4.6]), np.array([2.2, 2.2]), (0, 0, 20, 10))
    assert {x for x, _, _ in wide} == set(range(1, 11))
    assert {y for _, y, _ in wide} == {2, 3, 4}
    # Thinner than a cell: still the cell it lies in.
    thin = band_cells(xs, np.array([5.3, 5.3]), np.array([5.25, 5.25]), (0, 0, 20, 10))
    assert {(y, glyph) for _, y, glyph in thin} == {(5, BAND_GLYPH)}
    # Clipped to the plot's inside.
    assert all(
        0 <= y < 3
        for _, y, _ in band_cells(xs, np.array([9.0, 9.0]), np.array([-4.0, -4.0]), (0, 0, 20, 3))
    )


def test_braille_but_half_blocks_on_the_linux_console() -> None:
    assert default_mode("xterm-256color") is HiResMode.BRAILLE
    assert default_mode("xterm") is HiResMode.BRAILLE
    assert default_mode(None) is HiResMode.BRAILLE
    assert default_mode("linux") is HiResMode.HALFBLOCK


async def test_b_switches_between_dots_and_blocks(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await at_noon(pilot)
        pane = await show_orders(pilot)
        pane.mode = HiResMode.BRAILLE
        await pilot.press("b")
        await pilot.pause()
        assert mode_of(pane) is HiResMode.HALFBLOCK
        plot = "".join(screen_lines(app))
        assert not any("\u2801" <= c <= "\u28ff" for c in plot)
        await pilot.press("b")
        await pilot.pause()
        assert mode_of(pane) is HiResMode.BRAILLE
        assert any("\u2801" <= c <= "\u28ff" for c in "".join(screen_lines(app)))


# -- snapshots: the demo's orders backlog against its alarm -----------------------------------


async def twenty_minutes(pilot: Pilot[None]) -> None:
    """The demo twenty minutes on: the orders backlog rising and falling with its producer."""
    app = skydeck(pilot)
    for _ in range(20):
        await app.cloud.clock.advance(60)
    await app.action_show_pane("metrics")
    app.refresh_view()
    await pilot.pause()
    app.clear_notifications()


@pytest.mark.parametrize("size", SIZES)
def test_the_orders_backlog_against_its_alarm(
    snap_compare: SnapCompare, size: tuple[int, int]
) -> None:
    app = SnapshotApp(size)
    assert snap_compare(app, terminal_size=size, run_before=then(twenty_minutes))
    ansi_only(app)
