"""CloudWatch dashboards as the dashboards pane shows them: a list, and each body as a grid.

A dashboard body (`PutDashboard`) places widgets on a grid 24 columns wide,
rows counted from the top. `place` puts each widget where the body says,
and one without `x` and `y` where CloudWatch's console puts it: the first
place, row by row, left to right, where it fits beside those already placed.
The pane scales the grid to the terminal.

A metric widget's lines are read from the metric store at the widget's
statistic and period (each line's own options override them), over the
dashboard's time range (the body's `start`, e.g. `-PT3H`; three hours when
it gives none, as the console's default). Metric-math lines (`expression`)
are left out of the graph and counted in its title: the pane draws what the
store holds, not what GetMetricData computes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from backend.metrics import MetricId, Series
from backend.services.cloudwatch.alarms import MetricAlarm
from backend.services.cloudwatch.dashboards import Dashboard, MetricLine, MetricWidget, Widget
from backend.services.cloudwatch.service import CloudWatchService
from tui.presenters.formats import clock
from tui.presenters.palette import Palette
from tui.presenters.resource import ResourcePresenter, TableSpec
from widgets.live_table import Column, Row

COLUMNS = (
    Column("name", 0, min_width=16),
    Column("widgets", 7, "right"),
    Column("size", 8, "right", drop=2),
    Column("modified", 8, drop=1),
)
#: The grid's width in columns, as the body counts them.
GRID_COLUMNS = 24
#: The console's time range when a body sets none.
DEFAULT_RANGE = 3 * 3600
#: `-PT3H`, `-P7D`, `-PT15M`, `-P1W`: the relative `start` a body may give.
RELATIVE = re.compile(r"-P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?")


@dataclass(frozen=True, slots=True)
class Placed:
    """A widget at its place on the grid, in grid units."""

    widget: Widget
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Line:
    """One metric line of a widget: the series that answer it, and how to read them."""

    label: str
    series: tuple[Series, ...]
    stat: str
    period: int


def place(widgets: Sequence[Widget]) -> list[Placed]:
    """Every widget on the grid: where the body puts it, or in the first gap that fits."""
    placed: list[Placed] = []
    taken: set[tuple[int, int]] = set()

    for widget in widgets:
        width = min(widget.width, GRID_COLUMNS)
        x, y = widget.x, widget.y
        if x is None or y is None:
            x, y = _first_gap(taken, width, widget.height, x)
        width = min(width, GRID_COLUMNS - x)
        placed.append(Placed(widget, x, y, width, widget.height))
        taken.update(_cells(x, y, width, widget.height))
    return placed


def _cells(x: int, y: int, width: int, height: int) -> set[tuple[int, int]]:
    return {(cx, cy) for cx in range(x, x + width) for cy in range(y, y + height)}


def _first_gap(
    taken: set[tuple[int, int]], width: int, height: int, x: int | None
) -> tuple[int, int]:
    """The first row, then column, where a `width` x `height` widget overlaps nothing."""
    y = 0
    while True:
        for column in [x] if x is not None else range(GRID_COLUMNS - width + 1):
            if not taken & _cells(column, y, width, height):
                return column, y
        y += 1


def time_range(dashboard: Dashboard) -> int:
    """Seconds of the dashboard's time range, from its body's relative `start`."""
    try:
        start = json.loads(dashboard.body).get("start")
    except ValueError:
        start = None
    found = RELATIVE.fullmatch(start) if isinstance(start, str) else None
    if found is None:
        return DEFAULT_RANGE
    weeks, days, hours, minutes = (int(part or 0) for part in found.groups())
    seconds = (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60
    return seconds or DEFAULT_RANGE


def line_labels(lines: Sequence[MetricLine]) -> list[str]:
    """Each line's `label` option, or what tells it from the widget's other lines.

    Lines of one metric are told apart by their dimension values, lines of
    one dimension set by their metric names: the legend of a small cell has
    no room for what they all share.
    """
    names = {line.metric_name for line in lines}
    dimension_sets = {line.dimensions for line in lines}
    labels = []
    for line in lines:
        label = line.options.get("label")
        if isinstance(label, str) and label:
            labels.append(label)
            continue
        values = ",".join(value for _, value in line.dimensions)
        if len(names) == 1 and len(dimension_sets) > 1:
            labels.append(values)
        elif len(dimension_sets) == 1 or not values:
            labels.append(str(line.metric_name))
        else:
            labels.append(f"{values} {line.metric_name}")
    return labels


class DashboardsPresenter(ResourcePresenter[Dashboard]):
    """Dashboards by name (they are global, as in AWS); the pane draws the selected body."""

    table = TableSpec("Dashboards", COLUMNS, "no dashboards: PutDashboard makes one")

    @property
    def cloudwatch(self) -> CloudWatchService:
        return self.cloud.service(CloudWatchService)

    def rows(self, palette: Palette) -> list[Row]:
        return [
            Row(
                name,
                (
                    name,
                    str(len(dashboard.widgets)),
                    f"{dashboard.size:,}",
                    clock(dashboard.last_modified),
                ),
            )
            for name, dashboard in sorted(self.cloudwatch.dashboards.items())
        ]

    def find(self, key: str) -> Dashboard | None:
        return self.cloudwatch.dashboards.get(key)

    def name(self, resource: Dashboard) -> str:
        return resource.name

    def key_of(self, name: str) -> str | None:
        return name if name in self.cloudwatch.dashboards else None

    def detail(self, resource: Dashboard) -> str:
        span = time_range(resource)
        hours = f"{span // 3600} h" if span % 3600 == 0 else f"{span // 60} min"
        return f"{resource.arn} · {len(resource.widgets)} widgets · last {hours}"

    def lines(self, widget: MetricWidget) -> tuple[list[Line], int]:
        """The widget's metric lines that the store holds, and how many expressions it has."""
        found: list[Line] = []
        expressions = 0
        store = self.cloud.metrics
        for line, label in zip(widget.metrics, line_labels(widget.metrics), strict=True):
            if line.expression is not None or line.namespace is None:
                expressions += 1
                continue
            metric = MetricId(line.namespace, str(line.metric_name), tuple(sorted(line.dimensions)))
            series = tuple(store.units(metric))
            if not series:
                continue
            stat = line.options.get("stat")
            period = line.options.get("period")
            found.append(
                Line(
                    label,
                    series,
                    stat if isinstance(stat, str) else widget.stat,
                    period if isinstance(period, int) and period >= 60 else widget.period,
                )
            )
        return found, expressions

    def alarm(self, arn: str) -> MetricAlarm | None:
        """The metric alarm an alarm widget names by ARN (or by name), in any region."""
        name = arn.rsplit(":alarm:", 1)[-1]
        return next(
            (
                alarm
                for (_, alarm_name), alarm in self.cloudwatch.alarms.items()
                if alarm_name == name
            ),
            None,
        )
