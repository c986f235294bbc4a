"""CloudWatch metrics as the metrics pane browses them, and the points its graph draws.

`MetricsPresenter` is the metrics pane's presenter (see `tui.presenters.resource`):
its resources are metrics (a namespace and a name), and what a metric holds
is its dimension sets, one row per series of the store (a dimension set put
in two units is two series, as CloudWatch keeps them). So the pane browses
namespace → metric → dimension set, and `/` narrows any of the three.

The graph's points come from a `SeriesWindow` per line, kept between ticks:
the window follows the clock a period at a time, and only the newly
completed period is queried. Aggregating a whole week of five-minute periods
from the store's minute bins takes tens of milliseconds (a p99 several times
that), more than a frame; one period costs a fraction of a millisecond.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field

import numpy as np
from rich.text import Text

from backend.cloud import Cloud
from backend.metrics import MetricId, Series, merged_points
from backend.services.cloudwatch.alarms import MetricAlarm
from backend.services.cloudwatch.evaluation import ALARM
from backend.services.cloudwatch.service import CloudWatchService
from tui.presenters.alarms import judged_metric
from tui.presenters.cloudwatch import (
    STATISTICS,
    alarms_on,
    dimensions_text,
    number_text,
    span_text,
)
from tui.presenters.formats import clock
from tui.presenters.palette import Palette
from tui.presenters.resource import ResourcePresenter, TableSpec
from widgets.line_raster import Floats
from widgets.live_table import Column, Row
from widgets.metric_graph import Band

#: The windows `z` steps through; the graph's window always ends now.
WINDOWS = (3_600, 10_800, 86_400, 604_800)
#: The periods the graph offers (`p`), the finest first.
PERIODS = (60, 300, 3_600)
#: A period fits a window that holds from `FEWEST` to `MOST` of it: fewer points
#: make no line, and past a week of five-minute periods every braille dot of a
#: 160-column graph would stand for several of them, costing redraws for nothing.
FEWEST, MOST = 12, 2_016
#: The most lines a graph overlays: one colour each, from the theme.
MOST_LINES = 5
#: Characters of a line's name in the legend.
LABEL_CHARS = 32
#: ANOMALY_DETECTION_BAND's width when an expression gives none.
DEFAULT_BAND_WIDTH = 2.0
BAND_EXPRESSION = re.compile(r"ANOMALY_DETECTION_BAND\(\s*\w+\s*(?:,\s*([0-9.]+)\s*)?\)", re.I)

METRIC_COLUMNS = (
    Column("namespace", 16),
    Column("metric", 0, min_width=22),
    Column("sets", 4, "right"),
    Column("unit", 8, drop=2),
    Column("newest", 8, drop=1),
)
#: A dimension set's columns; the value column's label says what it shows (`child_columns`).
SERIES_COLUMNS = (
    Column("dimensions", 0, min_width=16),
    Column("unit", 8, drop=3),
    Column("value", 10, "right"),
    Column("alarms", 9, drop=2),
    Column("line", 4, drop=1),
)


def periods_for(window: int) -> tuple[int, ...]:
    """The periods that fit `window` (see `FEWEST`, `MOST`), finest first."""
    return tuple(p for p in PERIODS if FEWEST <= window // p <= MOST)


def nearest_period(window: int, period: int) -> int:
    """`period` if it fits `window`, else the fitting period closest to it."""
    fitting = periods_for(window)
    return period if period in fitting else min(fitting, key=lambda p: abs(p - period))


def metric_key(namespace: str, name: str) -> str:
    return json.dumps([namespace, name])


def series_key(series: Series) -> str:
    """A series' row key, unique across the store: its identity and its unit."""
    metric = series.id
    return json.dumps([metric.namespace, metric.name, metric.dimensions, series.unit])


def series_label(series: Series) -> str:
    """`orders NumberOfMessagesSent`: the dimension values that tell lines apart, and the metric."""
    values = ",".join(value for _, value in series.id.dimensions)
    label = f"{values} {series.id.name}" if values else series.id.name
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


@dataclass
class GraphSettings:
    """What the graph shows, chosen with the pane's keys; the presenter is given it."""

    statistic: str = STATISTICS[0]
    period: int = PERIODS[0]
    window: int = WINDOWS[0]
    #: Series keys drawn besides the highlighted one, in the order they were added.
    overlay: list[str] = field(default_factory=list)

    @property
    def words(self) -> str:
        """`Average · 1 min · last 3 h`."""
        return f"{self.statistic} · {span_text(self.period)} · last {span_text(self.window)}"


@dataclass(frozen=True, slots=True)
class Metric:
    """A metric across its dimension sets: the resource table's row."""

    namespace: str
    name: str
    series: tuple[Series, ...]

    @property
    def key(self) -> str:
        return metric_key(self.namespace, self.name)


class SeriesWindow:
    """One series' points for a statistic and period, over a window that ends at the clock.

    Only complete periods are kept: the newest one appears once it has
    ended, as an alarm judges it (a Sum half a period in would look like a
    drop). A point put late into a period already kept (PutMetricData takes
    timestamps two weeks back) shows when the window is made again, with
    another statistic, period or window.
    """

    def __init__(self, series: Series, stat: str, period: int, window: int) -> None:
        self.series = series
        self.stat = stat
        self.period = period
        self.window = window
        self.points: dict[int, float] = {}
        #: End of the newest complete period covered; None before the first `follow`.
        self.end: int | None = None
        #: Counts changes to `points`, so an owner can tell whether to redraw.
        self.version = 0

    def follow(self, now: float) -> None:
        """Move the window to `now`: drop what fell out of it, query what completed since."""
        end = int(now) // self.period * self.period
        if end == self.end:
            return
        start = end - self.window
        since = start if self.end is None or self.end <= start else self.end
        old = [t for t in self.points if t < start]
        for t in old:
            del self.points[t]
        fresh = merged_points((self.series,), since, end, self.period, now, self.stat)
        self.points.update(fresh)
        self.end = end
        if old or fresh:
            self.version += 1

    def arrays(self) -> tuple[Floats, Floats]:
        """Times and values, oldest first (periods are only ever added at the new end)."""
        count = len(self.points)
        return (
            np.fromiter(self.points.keys(), dtype=np.float64, count=count),
            np.fromiter(self.points.values(), dtype=np.float64, count=count),
        )


class MetricsPresenter(ResourcePresenter[Metric]):
    """Metrics by namespace and name; a metric's dimension sets with their newest value."""

    table = TableSpec("Metrics", METRIC_COLUMNS, "no metrics yet: services put them as they work")
    child_table = TableSpec("Dimension sets", SERIES_COLUMNS, "no dimension sets")

    def __init__(self, cloud: Cloud, settings: GraphSettings) -> None:
        super().__init__(cloud)
        self.cloudwatch = cloud.service(CloudWatchService)
        self.settings = settings

    def metrics(self) -> dict[str, Metric]:
        """Every metric in the store with data, by row key, sorted by namespace and name."""
        grouped: dict[tuple[str, str], list[Series]] = {}
        for series in self.cloud.metrics.all():
            grouped.setdefault((series.id.namespace, series.id.name), []).append(series)
        return {
            metric_key(*name): Metric(*name, tuple(series))
            for name, series in sorted(grouped.items())
        }

    def rows(self, palette: Palette) -> list[Row]:
        rows = []
        for key, metric in self.metrics().items():
            units = ", ".join(sorted({s.unit for s in metric.series}))
            newest = max((s.last_time or 0.0 for s in metric.series), default=0.0)
            rows.append(
                Row(
                    key=key,
                    cells=(
                        metric.namespace,
                        metric.name,
                        str(len(metric.series)),
                        units,
                        clock(newest) if newest else "-",
                    ),
                    sort=(metric.namespace, metric.name, len(metric.series), units, newest),
                )
            )
        return rows

    def find(self, key: str) -> Metric | None:
        return self.metrics().get(key)

    def name(self, resource: Metric) -> str:
        return f"{resource.namespace} {resource.name}"

    def key_of(self, name: str) -> str | None:
        """`NumberOfMessagesSent`, or `AWS/SQS NumberOfMessagesSent` where namespaces share it."""
        words = name.split()
        for key, metric in self.metrics().items():
            if words[-1:] == [metric.name] and words[:-1] in ([], [metric.namespace]):
                return key
        return None

    def child_columns(self, resource: Metric) -> list[Column]:
        """The value column is headed by what it shows: `Sum 1 min`."""
        label = f"{self.settings.statistic} {span_text(self.settings.period)}"
        columns = list(SERIES_COLUMNS)
        columns[2] = dataclasses.replace(columns[2], label=label, width=max(10, len(label)))
        return columns

    def child_rows(self, resource: Metric, palette: Palette) -> list[Row]:
        return [self.series_row(s, palette) for s in resource.series]

    def series_row(self, series: Series, palette: Palette) -> Row:
        """A dimension set: its newest complete period's value, its alarms, its overlay line."""
        settings = self.settings
        value = self.newest(series)
        alarms = self.alarms(series)
        firing = sum(1 for a in alarms if a.state == ALARM)
        if firing:
            alarm_cell = Text(f"{firing} ALARM", palette.error)
        else:
            alarm_cell = Text(f"{len(alarms)} OK" if alarms else "-")
        key = series_key(series)
        line = settings.overlay.index(key) + 1 if key in settings.overlay else 0
        dims = dimensions_text(series.id.dimensions)
        return Row(
            key=key,
            cells=(
                dims,
                series.unit,
                number_text(value) if value is not None else "-",
                alarm_cell,
                f"◆ {line}" if line else "",
            ),
            sort=(dims, series.unit, value if value is not None else -1.0, firing, line),
        )

    def child_title(self, resource: Metric, shown: int) -> str:
        return f"Dimension sets · {resource.name} · {shown}"

    def newest(self, series: Series) -> float | None:
        """The statistic over the newest complete period, as the graph's last point."""
        period = self.settings.period
        now = self.cloud.clock.now()
        end = int(now) // period * period
        points = merged_points((series,), end - period, end, period, now, self.settings.statistic)
        return points.get(end - period)

    def series(self, key: str) -> Series | None:
        """The series with row key `key` (`series_key`), if the store still has it.

        Read back from the key and looked up by identity: the pane asks on
        every tick, and a scan would cost a key per series in the store.
        """
        namespace, name, dims, unit = json.loads(key)
        metric = MetricId(namespace, name, tuple((k, v) for k, v in dims))
        return next((s for s in self.cloud.metrics.units(metric) if s.unit == unit), None)

    def alarms(self, series: Series) -> list[MetricAlarm]:
        """The alarms on the series' metric, as DescribeAlarmsForMetric finds them."""
        return alarms_on(self.cloudwatch, self.cloud.region, series.id)

    def band(self, series: Series, start: int, end: int) -> Band | None:
        """The anomaly detection band of the series' metric at the graph's statistic and
        period over [start, end), if a detector watches it (an anomaly alarm makes one).

        The width is the band alarm's (`ANOMALY_DETECTION_BAND(m1, 2)`), else 2.
        """
        stat, period = self.settings.statistic, self.settings.period
        detector = next(
            (
                found
                for (region, key), found in self.cloudwatch.detectors.items()
                if region == self.cloud.region and key.metric_id == series.id and key.stat == stat
            ),
            None,
        )
        if detector is None:
            return None
        now = self.cloud.clock.now()
        model = detector.model(self.cloud.metrics, period, series.unit, now)
        width = self._band_width(series)
        points = [(t, model.band(t, width)) for t in range(start, end, period)]
        kept = [(t, band) for t, band in points if band is not None]
        if not kept:
            return None
        return Band(
            np.array([t for t, _ in kept], dtype=np.float64),
            np.array([band[0] for _, band in kept], dtype=np.float64),
            np.array([band[1] for _, band in kept], dtype=np.float64),
            gap=period,
        )

    def _band_width(self, series: Series) -> float:
        for (region, _), alarm in self.cloudwatch.alarms.items():
            judged = judged_metric(alarm) if region == self.cloud.region else None
            if judged is None or judged.metric != series.id:
                continue
            for query in alarm.metrics:
                found = BAND_EXPRESSION.search(str(query.get("Expression", "")))
                if found is not None:
                    return float(found[1] or DEFAULT_BAND_WIDTH)
        return DEFAULT_BAND_WIDTH

    def caption(self, series: Series | None) -> str:
        """The graph's heading: what is drawn (first: it changes with the keys), and of what."""
        if series is None:
            return f"{self.settings.words} │ no metric highlighted"
        metric = series.id
        dims = dimensions_text(metric.dimensions)
        extra = len([k for k in self.settings.overlay if k != series_key(series)])
        overlaid = f" · +{extra} overlaid" if extra else ""
        return f"{self.settings.words}{overlaid} │ {metric.namespace} › {metric.name} › {dims}"
