"""The metrics pane: CloudWatch's metrics by namespace, metric and dimension set, and a graph.

The graph draws the highlighted dimension set (and any overlaid with `m`)
for the chosen statistic, period and window, the window ending at the
simulated clock, with the thresholds of the alarms on the metric as dashed
lines. It is redrawn only when a period completes or a key changes what it
shows: a redraw costs the whole plot, a tick with nothing new costs nothing.

Dots or blocks: the graph draws in braille (2 × 4 dots a cell) except on the
Linux console (TERM=linux), whose font has no braille, where it draws half
blocks (1 × 2), which every console font has; `b` switches.

Alarms are created with PutMetricAlarm through `Cloud.call` as the console,
like every action of the dashboard; the pane reads the metric store to draw.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static
from textual_hires_canvas import HiResMode

from backend.cloud import Cloud
from backend.metrics import MetricId, Series
from backend.scenarios import Scenario
from tui.presenters.alarms import judged_metric
from tui.presenters.cloudwatch import (
    STATISTICS,
    threshold_label,
)
from tui.presenters.metrics import (
    MOST_LINES,
    PERIODS,
    WINDOWS,
    GraphSettings,
    Metric,
    MetricsPresenter,
    SeriesWindow,
    metric_key,
    nearest_period,
    periods_for,
    series_key,
    series_label,
)
from tui.screens.alarm_form import AlarmTarget, ask_put_metric_alarm
from tui.screens.pane import PaneCommand
from tui.screens.resource_pane import ResourcePane
from widgets.metric_graph import GraphLine, MetricGraph, Threshold

HELP = """\
A metric is a namespace (AWS/SQS), a name (NumberOfMessagesSent) and a set of
dimensions (QueueName=orders): the same name with other dimensions is another
metric. Services put their metrics as they work; PutMetricData puts yours.
Enter goes from a metric to its dimension sets; the graph shows the
highlighted one.

CloudWatch answers a query per period with a statistic of the values in it:
s steps through Average, Sum, Maximum, Minimum, SampleCount and p99; p the
period (1 min, 5 min, 1 h: those that give 12 to 2,016 points over the
window); z and Z widen and narrow the window (1 h, 3 h, 1 d, 1 w), which always
ends now. The newest period is drawn once it has ended. Data is kept at
1 minute for 15 days, at 5 minutes for 63 days, at 1 hour for 455 days.

m adds the highlighted dimension set to the graph (or takes it off), to
compare several at once. An alarm's threshold is drawn as a dashed line; a
creates an alarm on the highlighted metric (PutMetricAlarm). Where an anomaly
detector watches the metric at the graph's statistic (an anomaly detection
alarm makes one), its band is shaded ░: the values it expects, learned from
the metric's own history.

The graph draws in braille dots, or in half blocks on the Linux console
(TERM=linux), whose font has no braille; b switches."""


def default_mode(term: str | None) -> HiResMode:
    """Braille, but half blocks for the Linux console: its font has no braille cells."""
    return HiResMode.HALFBLOCK if term == "linux" else HiResMode.BRAILLE


class MetricsPane(ResourcePane[Metric]):
    pane_id: ClassVar[str] = "metrics"
    label: ClassVar[str] = "Metrics"
    help_text: ClassVar[str] = HELP
    aliases: ClassVar[tuple[str, ...]] = ("cloudwatch", "graph")
    service: ClassVar[str] = "cloudwatch"
    presenter: MetricsPresenter

    DEFAULT_CSS = """
    MetricsPane > .resource-pane--detail {
        display: none;
    }
    MetricsPane.-with-children > .resource-pane--resources {
        max-height: 30%;
    }
    MetricsPane > .resource-pane--children {
        height: auto;
        max-height: 25%;
    }
    MetricsPane > .resource-pane--children LiveTable {
        height: auto;
    }
    MetricsPane > .metrics-pane--caption {
        height: 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        padding: 0 1;
        background: $panel;
        color: $text;
        text-style: bold;
    }
    MetricsPane > MetricGraph {
        min-height: 6;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "s",
            "statistic",
            "Stat",
            id="metrics.statistic",
            tooltip="Next statistic: Average, Sum, Maximum, Minimum, SampleCount, p99",
        ),
        Binding(
            "p",
            "period",
            "Period",
            id="metrics.period",
            tooltip="Next period that fits the window: 1 min, 5 min, 1 h",
        ),
        Binding(
            "z",
            "widen",
            "Wider",
            id="metrics.zoom_out",
            tooltip="Widen the window: 1 h, 3 h, 1 d, 1 w (it always ends now)",
        ),
        Binding(
            "Z",
            "narrow",
            "Narrower",
            show=False,
            id="metrics.zoom_in",
            tooltip="Narrow the window: 1 w, 1 d, 3 h, 1 h",
        ),
        Binding(
            "m",
            "overlay",
            "Overlay",
            id="metrics.overlay",
            tooltip="Add the highlighted dimension set to the graph, or take it off",
        ),
        Binding(
            "a",
            "alarm",
            "Alarm",
            id="metrics.alarm",
            tooltip="PutMetricAlarm on the highlighted dimension set",
        ),
        Binding(
            "b",
            "blocks",
            "Dots/blocks",
            show=False,
            id="metrics.blocks",
            tooltip="Draw the graph in braille dots or in half blocks",
        ),
        Binding(
            "enter",
            "open",
            "Open",
            show=False,
            id="metrics.open",
            tooltip="Open: a metric's dimension sets",
        ),
        Binding(
            "escape",
            "back",
            "Back",
            show=False,
            id="metrics.back",
            tooltip="Back from the dimension sets to the metrics",
        ),
    ]

    def __init__(self, cloud: Cloud) -> None:
        self.settings = GraphSettings(window=WINDOWS[0])
        super().__init__(cloud, MetricsPresenter(cloud, self.settings))
        self.mode = default_mode(os.environ.get("TERM"))
        self.caption = Static("", classes="metrics-pane--caption", markup=False)
        self.graph = MetricGraph(mode=self.mode)
        self._windows: dict[tuple[str, str, int, int], SeriesWindow] = {}
        #: What the graph shows now; a refresh that would show the same draws nothing.
        self._drawn: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield self.caption
        yield self.graph

    def scenario_started(self, scenario: Scenario) -> None:
        """Show the metric of the first alarm the scenario made, as that alarm judges it:
        a threshold over live data, from the start."""
        for (region, _), alarm in self.presenter.cloudwatch.alarms.items():
            judged = judged_metric(alarm) if region == self.cloud.region else None
            if judged is not None and self.show_metric(
                judged.metric, judged.statistic, judged.period
            ):
                return

    # -- what is highlighted ----------------------------------------------------------

    def highlighted_series(self) -> Series | None:
        key = self.selected_child_key()
        return self.presenter.series(key) if key is not None else None

    def show_metric(self, metric: MetricId, stat: str = "", period: int = 0) -> bool:
        """Highlight `metric` (its first unit), drawn with `stat` and `period` when given.

        The window is widened or narrowed to one `period` fits; a period the
        graph does not offer (an alarm's 10 s or 10 min) leaves the period as
        it is. False if the store has no such metric.
        """
        if not self.resource_table.table.move_to_key(metric_key(metric.namespace, metric.name)):
            return False
        self.refresh_view()
        found = next((s for s in self.cloud.metrics.units(metric)), None)
        if found is None or not self.child_table.table.move_to_key(series_key(found)):
            return False
        settings = self.settings
        if stat:
            settings.statistic = stat
        if period in PERIODS:
            if period not in periods_for(settings.window):
                settings.window = next(w for w in WINDOWS if period in periods_for(w))
            settings.period = period
        self.refresh_view()
        return True

    # -- the graph ----------------------------------------------------------------------

    def show_highlighted(self) -> None:
        series = self.highlighted_series()
        caption = self.presenter.caption(series)
        if str(self.caption.content) != caption:
            self.caption.update(caption, layout=False)
        self._draw(series)

    def _lines(self, series: Series | None) -> list[Series]:
        """The overlaid series still in the store, in the order they were added, then the
        highlighted one if it is not among them: an overlaid line keeps its colour while
        the cursor moves."""
        shown = [s for s in map(self.presenter.series, self.settings.overlay) if s is not None]
        if series is not None and series not in shown:
            shown.append(series)
        return shown

    def _draw(self, series: Series | None) -> None:
        settings = self.settings
        now = self.cloud.clock.now()
        windows: list[SeriesWindow] = []
        kept: dict[tuple[str, str, int, int], SeriesWindow] = {}
        for line in self._lines(series):
            key = (series_key(line), settings.statistic, settings.period, settings.window)
            window = self._windows.get(key) or SeriesWindow(line, *key[1:])
            window.follow(now)
            kept[key] = window
            windows.append(window)
        self._windows = kept
        thresholds: tuple[Threshold, ...] = ()
        if series is not None:
            thresholds = tuple(
                Threshold(threshold_label(a), a.rule.threshold)
                for a in self.presenter.alarms(series)
                if a.rule.threshold is not None
            )
        end = int(now) // settings.period * settings.period
        span = (float(end - settings.window), float(end))
        drawn = (tuple((k, w.version) for k, w in kept.items()), thresholds, span, self.mode)
        if drawn == self._drawn:
            return
        self._drawn = drawn
        lines = [
            GraphLine(series_label(w.series), *w.arrays(), gap=settings.period) for w in windows
        ]
        band = (
            self.presenter.band(series, end - settings.window, end) if series is not None else None
        )
        self.graph.show(lines, thresholds, span, self.mode, () if band is None else (band,))

    # -- what applies -------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Overlay and alarm need a dimension set; Esc goes back only from one."""
        if action in ("overlay", "alarm"):
            return True if self.highlighted_series() is not None else None
        if action == "open":
            return True if self.selected() is not None else None
        if action == "back":
            return True if self.child_table.table.has_focus else None
        return True

    def commands(self) -> Iterable[PaneCommand]:
        settings = self.settings
        yield PaneCommand(
            "metrics: next statistic", f"now {settings.statistic}; Average … p99", "statistic"
        )
        yield PaneCommand("metrics: next period", f"now {settings.words}", "period")
        yield PaneCommand("metrics: widen the window", "1 h, 3 h, 1 d, 1 w", "widen")
        yield PaneCommand("metrics: narrow the window", "1 w, 1 d, 3 h, 1 h", "narrow")
        yield PaneCommand("metrics: dots or blocks", "braille dots or half blocks", "blocks")
        series = self.highlighted_series()
        if series is None:
            return
        label = series_label(series)
        verb = "take off" if series_key(series) in settings.overlay else "overlay"
        yield PaneCommand(f"metrics: {verb} {label}", "the graph's lines", "overlay")
        yield PaneCommand(f"metrics: create alarm on {label}", "PutMetricAlarm", "alarm")

    # -- keys -----------------------------------------------------------------------------

    def action_statistic(self) -> None:
        stats = STATISTICS
        current = self.settings.statistic
        at = stats.index(current) if current in stats else -1
        self.settings.statistic = stats[(at + 1) % len(stats)]
        self.refresh_view()

    def action_period(self) -> None:
        periods = periods_for(self.settings.window)
        current = self.settings.period
        self.settings.period = periods[(periods.index(current) + 1) % len(periods)]
        self.refresh_view()

    def action_widen(self) -> None:
        self._zoom(1)

    def action_narrow(self) -> None:
        self._zoom(-1)

    def _zoom(self, step: int) -> None:
        """The next window `step` away, round the list; the period follows if it no longer fits."""
        settings = self.settings
        settings.window = WINDOWS[(WINDOWS.index(settings.window) + step) % len(WINDOWS)]
        settings.period = nearest_period(settings.window, settings.period)
        self.refresh_view()

    def action_overlay(self) -> None:
        series = self.highlighted_series()
        if series is None:
            return
        key = series_key(series)
        overlay = self.settings.overlay
        if key in overlay:
            overlay.remove(key)
        elif len(overlay) >= MOST_LINES - 1:
            self.app.notify(
                f"The graph draws {MOST_LINES} lines at most: take one off with m first.",
                title="Overlay full",
                severity="warning",
            )
            return
        else:
            overlay.append(key)
        self.refresh_view()

    def action_alarm(self) -> None:
        series = self.highlighted_series()
        if series is None:
            return
        metric = series.id
        target = AlarmTarget(
            metric.namespace,
            metric.name,
            metric.dimensions,
            self.settings.statistic,
            self.settings.period,
        )
        ask_put_metric_alarm(self, target, lambda _: self.refresh_view())

    def action_blocks(self) -> None:
        self.mode = HiResMode.HALFBLOCK if self.mode is HiResMode.BRAILLE else HiResMode.BRAILLE
        self.refresh_view()

    def action_back(self) -> None:
        self.resource_table.focus_table()
