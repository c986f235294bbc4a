"""CloudWatch alarms as rows: their state, their metric's recent periods, why they are so.

`AlarmsPresenter` is the alarms pane's presenter (see `tui.presenters.resource`).
What an alarm holds, for the pane, is its last evaluation: the periods it
judged (`MetricAlarm.trace`), each with its value, whether it breached, and
whether it was missing and how TreatMissingData counted it. That and the
StateReason say why the alarm is in its state; the history says since when.

State is said in words and colours both (ALARM in the error colour, OK in
the success colour, INSUFFICIENT_DATA muted), so 16 colours and monochrome
still read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text

from backend.cloud import Cloud
from backend.metrics import MetricId, merged_points
from backend.services.cloudwatch.alarms import HistoryItem, MetricAlarm
from backend.services.cloudwatch.evaluation import ALARM, INSUFFICIENT_DATA, OK, Period
from backend.services.cloudwatch.service import CloudWatchService
from tui.presenters.cloudwatch import (
    alarm_metric,
    alarm_statistic,
    condition_text,
    dimensions_text,
    number_text,
    span_text,
)
from tui.presenters.formats import clock, compact_count
from tui.presenters.palette import Palette
from tui.presenters.resource import ResourcePresenter, TableSpec
from widgets.live_table import Column, Row
from widgets.spark_row import BARS, bar_levels

#: Periods of the alarm's metric in its row's sparkline: the complete ones, then the one
#: in progress, last, so a datapoint shows as soon as it is put, not a period later.
SPARK_PERIODS = 12
#: History items listed for the highlighted alarm, newest first.
HISTORY_LIMIT = 100

ALARM_COLUMNS = (
    Column("name", 24),
    Column("state", 17),
    Column("since", 8, drop=6),
    Column("condition", 0, min_width=20, drop=2),
    Column("metric", 0, min_width=16, drop=5),
    Column("actions", 7, drop=7),
    Column("recent", SPARK_PERIODS),
)

TRACE_COLUMNS = (
    Column("period", 8),
    Column("value", 12, "right"),
    Column("judged", 15),
    Column("missing data", 0, min_width=12, drop=1),
)

HISTORY_COLUMNS = (
    Column("time", 8),
    Column("type", 19, drop=1),
    Column("summary", 0, min_width=20),
)

#: What a period left out of the data counts as, by TreatMissingData.
MISSING_COUNTS = {
    "breaching": "counted as breaching",
    "notBreaching": "counted as not breaching",
    "ignore": "not counted (ignore: the state stays)",
    "missing": "not counted",
}


@dataclass(frozen=True, slots=True)
class Judged:
    """The metric whose datapoints an alarm judges, as it judges them."""

    metric: MetricId
    statistic: str
    period: int
    unit: str | None = None


def judged_metric(alarm: MetricAlarm) -> Judged | None:
    """A single-metric alarm's metric, or the MetricStat query a metric-math alarm judges
    (an anomaly detection alarm's metric, its band aside); None for an expression.

    The query judged is the one the alarm engine picks: the first that returns
    data and is not the ThresholdMetricId.
    """
    metric = alarm_metric(alarm)
    if metric is not None:
        unit = alarm.config.get("Unit")
        return Judged(metric, alarm_statistic(alarm), alarm.rule.period, unit)
    threshold_id = alarm.config.get("ThresholdMetricId")
    chosen = next(
        (q for q in alarm.metrics if q.get("ReturnData", True) and q.get("Id") != threshold_id),
        None,
    )
    stat = chosen.get("MetricStat") if chosen is not None else None
    if not stat:
        return None
    watched = stat["Metric"]
    dims = tuple(sorted((d["Name"], d["Value"]) for d in watched.get("Dimensions") or []))
    return Judged(
        MetricId(watched["Namespace"], watched["MetricName"], dims),
        str(stat["Stat"]),
        int(stat["Period"]),
        stat.get("Unit"),
    )


def state_text(state: str, palette: Palette) -> Text:
    """The state in AWS's word, in its colour."""
    colour = {ALARM: palette.error, OK: palette.success}.get(state, palette.gone)
    return Text(state, f"bold {colour}" if state == ALARM and colour else colour)


def metric_text(alarm: MetricAlarm) -> str:
    """`AWS/SQS ApproximateAgeOfOldestMessage QueueName=orders`, or the metric-math expression."""
    metric = alarm_metric(alarm)
    if metric is None:
        expressions = [q["Expression"] for q in alarm.metrics if "Expression" in q]
        return f"metric math: {expressions[0]}" if expressions else "metric math"
    return f"{metric.namespace} {metric.name} {dimensions_text(metric.dimensions)}"


def spark(values: Sequence[float | None], palette: Palette, *, partial: bool = False) -> Text:
    """One bar per period; a period with no datapoint is a blank, not a zero.

    With `partial`, the last period is still in progress (its Sum may yet
    grow): its bar is drawn muted, as not final.
    """
    present = [v for v in values if v is not None]
    levels = iter(bar_levels(present))
    text = Text(no_wrap=True)
    last = len(values) - 1
    for index, value in enumerate(values):
        if value is None:
            text.append(" ")
        else:
            level = next(levels)
            final = level > 0 and not (partial and index == last)
            text.append(BARS[level], palette.accent if final else palette.gone)
    return text


def judged_text(period: Period, palette: Palette) -> Text:
    """`● breaching`, `○ not breaching`, or `· not judged`: a missing period counted as nothing."""
    if period.breaching is None:
        return Text("· not judged", palette.gone)
    if period.breaching:
        return Text("● breaching", palette.error)
    return Text("○ not breaching", palette.success)


def trace_row(period: Period, treat: str, palette: Palette) -> Row:
    value = number_text(period.value) if period.value is not None else "-"
    if period.band is not None:
        lower, upper = period.band
        value = f"{value} ({number_text(lower)}–{number_text(upper)})"
    missing = f"missing: {MISSING_COUNTS.get(treat, treat)}" if period.missing else ""
    return Row(
        key=str(period.timestamp),
        cells=(clock(period.timestamp), value, judged_text(period, palette), missing),
        sort=(
            period.timestamp,
            period.value if period.value is not None else float("-inf"),
            period.breaching,
            period.missing,
        ),
    )


def history_row(item: HistoryItem) -> Row:
    """Keyed by the item itself, which the history keeps until it ages out."""
    return Row(
        key=str(id(item)),
        cells=(clock(item.timestamp), item.item_type, item.summary),
        sort=(item.timestamp, item.item_type, item.summary),
    )


def judged_state(alarm: MetricAlarm) -> str | None:
    """The state the periods of the alarm's last evaluation make; None when they keep it.

    The M-out-of-N rule of `backend.services.cloudwatch.evaluation`, read back
    from the trace: with no real datapoint, `missing` makes INSUFFICIENT_DATA
    and `ignore` keeps the state as it was.
    """
    rule = alarm.rule
    if sum(1 for p in alarm.trace if p.breaching) >= rule.datapoints_to_alarm:
        return ALARM
    if all(p.missing for p in alarm.trace):
        if rule.treat_missing == "ignore":
            return None
        if rule.treat_missing == "missing":
            return INSUFFICIENT_DATA
    return OK


def verdict(alarm: MetricAlarm) -> str:
    """Why the alarm is in its state, from the periods its last evaluation judged.

    `2 of the last 3 periods breached (2 make an ALARM) · 1 missing: counted
    as breaching`: the words the trace says in rows. A state those periods do
    not make was set after the evaluation (SetAlarmState): said so, rather
    than an ALARM next to "0 of the last 3 periods breached".
    """
    trace = alarm.trace
    if not trace:
        every = span_text(10 if alarm.rule.period < 60 else 60)
        return f"not evaluated yet: CloudWatch evaluates it every {every}"
    rule = alarm.rule
    breached = sum(1 for p in trace if p.breaching)
    missing = sum(1 for p in trace if p.missing)
    words = (
        f"{breached} of the last {len(trace)} periods breached "
        f"({rule.datapoints_to_alarm} make an ALARM)"
    )
    if missing:
        counted = MISSING_COUNTS.get(rule.treat_missing, rule.treat_missing)
        words += f" · {missing} missing, TreatMissingData {rule.treat_missing}: {counted}"
    judged = judged_state(alarm)
    if judged is not None and judged != alarm.state:
        return (
            f"set by SetAlarmState until the next evaluation · the last one found {judged}: {words}"
        )
    return words


class AlarmsPresenter(ResourcePresenter[MetricAlarm]):
    """The region's metric alarms keyed by ARN; the highlighted one's last evaluation."""

    table = TableSpec(
        "Alarms", ALARM_COLUMNS, "no alarms yet: n here, or a on a metric in the metrics pane"
    )
    child_table = TableSpec("Evaluation", TRACE_COLUMNS, "not evaluated yet")

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud)
        self.cloudwatch = cloud.service(CloudWatchService)

    def alarms(self) -> list[MetricAlarm]:
        """The region's alarms by name, as DescribeAlarms lists them."""
        region = self.cloud.region
        return [a for (where, _), a in sorted(self.cloudwatch.alarms.items()) if where == region]

    def recent(self, alarm: MetricAlarm) -> list[float | None]:
        """The judged metric's statistic over its last `SPARK_PERIODS` periods, None where
        empty; [] when the alarm judges an expression.

        The last is the period in progress: the newest complete one alone
        left a new alarm's sparkline empty for a whole period (ten minutes
        for a ten-minute alarm) while its metric already had data.
        """
        judged = judged_metric(alarm)
        if judged is None:
            return []
        period = judged.period
        now = self.cloud.clock.now()
        end = int(now) // period * period + period
        start = end - period * SPARK_PERIODS
        series = [
            s
            for s in self.cloud.metrics.units(judged.metric)
            if judged.unit is None or s.unit == judged.unit
        ]
        points = merged_points(series, start, end, period, now, judged.statistic)
        return [points.get(t) for t in range(start, end, period)]

    def alarm_row(self, alarm: MetricAlarm, palette: Palette) -> Row:
        actions = "on" if alarm.actions_enabled else "off"
        return Row(
            key=alarm.arn,
            cells=(
                alarm.name,
                state_text(alarm.state, palette),
                clock(alarm.transitioned),
                condition_text(alarm),
                metric_text(alarm),
                actions,
                spark(self.recent(alarm), palette, partial=True),
            ),
            sort=(
                alarm.name,
                alarm.state,
                alarm.transitioned,
                condition_text(alarm),
                metric_text(alarm),
                actions,
                None,
            ),
        )

    def rows(self, palette: Palette) -> list[Row]:
        return [self.alarm_row(a, palette) for a in self.alarms()]

    def find(self, key: str) -> MetricAlarm | None:
        return next((a for a in self.alarms() if a.arn == key), None)

    def name(self, resource: MetricAlarm) -> str:
        return resource.name

    def key_of(self, name: str) -> str | None:
        alarm = self.cloudwatch.alarms.get((self.cloud.region, name))
        return alarm.arn if alarm is not None else None

    def detail(self, resource: MetricAlarm) -> str:
        """Its state since when, and why in words (AWS's StateReason is the pane's, wrapped)."""
        disabled = "" if resource.actions_enabled else " · actions disabled"
        return (
            f"{resource.state} since {clock(resource.transitioned)} · {verdict(resource)}"
            f"{disabled} · {condition_text(resource)}"
        )

    def child_rows(self, resource: MetricAlarm, palette: Palette) -> list[Row]:
        treat = resource.rule.treat_missing
        return [trace_row(p, treat, palette) for p in reversed(resource.trace)]

    def child_title(self, resource: MetricAlarm, shown: int) -> str:
        return (
            f"Evaluation · {resource.name} · {shown} × {span_text(resource.rule.period)}, "
            "newest first"
        )

    def history(self, alarm: MetricAlarm) -> list[Row]:
        """DescribeAlarmHistory's items for `alarm`, newest first, at most `HISTORY_LIMIT`."""
        found: list[Row] = []
        for item in reversed(self.cloudwatch.history(self.cloud.region).items):
            if item.alarm_name == alarm.name:
                found.append(history_row(item))
                if len(found) == HISTORY_LIMIT:
                    break
        return found

    def badge(self) -> tuple[str, bool]:
        """Alarms in ALARM, as an alert."""
        firing = sum(1 for a in self.alarms() if a.state == ALARM)
        return (compact_count(firing) if firing else ""), firing > 0
