"""CloudWatch alarms as rows: their state, their metric's recent periods, why they are so.

`AlarmsPresenter` is the alarms pane's presenter (see `tui.presenters.resource`).
What a metric alarm holds, for the pane, is its last evaluation: the periods
it judged (`MetricAlarm.trace`), each with its value, whether it breached,
and whether it was missing and how TreatMissingData counted it. What a
composite alarm holds is the alarms its rule names, each with its state and
the state the rule tests it for. That and the StateReason say why the alarm
is in its state; the history says since when.

State is said in words and colours both (ALARM in the error colour, OK in
the success colour, INSUFFICIENT_DATA muted), so 16 colours and monochrome
still read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

from rich.text import Text

from backend.cloud import Cloud
from backend.metrics import MetricId, merged_points
from backend.services.cloudwatch.alarms import HistoryItem, MetricAlarm
from backend.services.cloudwatch.composite import children
from backend.services.cloudwatch.composite_alarms import CompositeAlarm
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

#: Either kind of alarm DescribeAlarms lists, as the pane lists them: together, by name.
AnyAlarm: TypeAlias = MetricAlarm | CompositeAlarm

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

RULE_COLUMNS = (
    Column("alarm", 0, min_width=16),
    Column("state", 17),
    Column("rule tests for", 17, drop=1),
    Column("since", 8, drop=2),
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


def judged_metric(alarm: AnyAlarm) -> Judged | None:
    """A single-metric alarm's metric, or the MetricStat query a metric-math alarm judges
    (an anomaly detection alarm's metric, its band aside); None for an expression, and
    for a composite alarm, which judges alarms.

    The query judged is the one the alarm engine picks: the first that returns
    data and is not the ThresholdMetricId.
    """
    if isinstance(alarm, CompositeAlarm):
        return None
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


def state_style(state: str, palette: Palette) -> str:
    """ALARM in bold error colour, OK in the success colour, the rest muted."""
    colour = {ALARM: palette.error, OK: palette.success}.get(state, palette.gone)
    return f"bold {colour}" if state == ALARM and colour else colour


def state_text(state: str, palette: Palette) -> Text:
    """The state in AWS's word, in its colour."""
    return Text(state, state_style(state, palette))


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


def rule_text(alarm: CompositeAlarm) -> str:
    """The AlarmRule as put, on one line."""
    return " ".join(str(alarm.config.get("AlarmRule", "")).split())


class AlarmsPresenter(ResourcePresenter[AnyAlarm]):
    """The region's metric and composite alarms keyed by ARN; the highlighted one's last
    evaluation, or the alarms its rule names."""

    table = TableSpec(
        "Alarms", ALARM_COLUMNS, "no alarms yet: n here, or a on a metric in the metrics pane"
    )
    child_table = TableSpec("Evaluation", TRACE_COLUMNS, "not evaluated yet")

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud)
        self.cloudwatch = cloud.service(CloudWatchService)

    def alarms(self) -> list[AnyAlarm]:
        """The region's alarms of both kinds, by name."""
        region = self.cloud.region
        found: list[AnyAlarm] = [
            a for (where, _), a in self.cloudwatch.alarms.items() if where == region
        ]
        found += [a for (where, _), a in self.cloudwatch.composites.items() if where == region]
        return sorted(found, key=lambda a: a.name)

    def rule_children(self, alarm: CompositeAlarm) -> list[AnyAlarm]:
        """The alarms `alarm`'s rule names that exist, each once, in rule order."""
        kids = self.cloudwatch.composite_engine.children_of(self.cloud.region, alarm)
        return [kid for kid in kids if isinstance(kid, MetricAlarm | CompositeAlarm)]

    def tested_for(self, alarm: CompositeAlarm, child: AnyAlarm) -> list[str]:
        """The states `alarm`'s rule tests `child` for (`ALARM`, `OK`, ...), in rule order."""
        engine = self.cloudwatch.composite_engine
        region = self.cloud.region
        tests = (c.state for c in children(alarm.rule) if engine.find(region, c.name) is child)
        return list(dict.fromkeys(tests))

    def recent(self, alarm: AnyAlarm) -> list[float | None]:
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

    def alarm_row(self, alarm: AnyAlarm, palette: Palette) -> Row:
        actions = "on" if alarm.actions_enabled else "off"
        if isinstance(alarm, CompositeAlarm):
            kids = self.rule_children(alarm)
            condition, watched = rule_text(alarm), f"composite of {len(kids)} alarms"
            recent = self.children_states(kids, palette)
        else:
            condition, watched = condition_text(alarm), metric_text(alarm)
            recent = spark(self.recent(alarm), palette, partial=True)
        return Row(
            key=alarm.arn,
            cells=(
                alarm.name,
                state_text(alarm.state, palette),
                clock(alarm.transitioned),
                condition,
                watched,
                actions,
                recent,
            ),
            sort=(alarm.name, alarm.state, alarm.transitioned, condition, watched, actions, None),
        )

    @staticmethod
    def children_states(kids: Sequence[AnyAlarm], palette: Palette) -> Text:
        """A composite's "recent": a dot per alarm its rule names, in that alarm's state colour."""
        text = Text(no_wrap=True)
        for kid in kids[:SPARK_PERIODS]:
            text.append("●" if kid.state == ALARM else "○", state_style(kid.state, palette))
        return text

    def rows(self, palette: Palette) -> list[Row]:
        return [self.alarm_row(a, palette) for a in self.alarms()]

    def find(self, key: str) -> AnyAlarm | None:
        return next((a for a in self.alarms() if a.arn == key), None)

    def name(self, resource: AnyAlarm) -> str:
        return resource.name

    def key_of(self, name: str) -> str | None:
        key = (self.cloud.region, name)
        alarm = self.cloudwatch.alarms.get(key) or self.cloudwatch.composites.get(key)
        return alarm.arn if alarm is not None else None

    def detail(self, resource: AnyAlarm) -> str:
        """Its state since when, and why in words (AWS's StateReason is the pane's, wrapped)."""
        disabled = "" if resource.actions_enabled else " · actions disabled"
        if isinstance(resource, CompositeAlarm):
            tests = " · ".join(
                f"{test}({kid.name}) is {'true' if kid.state == test else 'false'}"
                for kid in self.rule_children(resource)
                for test in self.tested_for(resource, kid)
            )
            return (
                f"{resource.state} since {clock(resource.transitioned)} · rule "
                f"{'true' if resource.state == ALARM else 'false'}: {tests or 'names no alarm'}"
                f"{disabled} · {rule_text(resource)}"
            )
        return (
            f"{resource.state} since {clock(resource.transitioned)} · {verdict(resource)}"
            f"{disabled} · {condition_text(resource)}"
        )

    def child_columns(self, resource: AnyAlarm) -> Sequence[Column]:
        return RULE_COLUMNS if isinstance(resource, CompositeAlarm) else TRACE_COLUMNS

    def child_rows(self, resource: AnyAlarm, palette: Palette) -> list[Row]:
        if isinstance(resource, CompositeAlarm):
            return [self.rule_row(resource, kid, palette) for kid in self.rule_children(resource)]
        treat = resource.rule.treat_missing
        return [trace_row(p, treat, palette) for p in reversed(resource.trace)]

    def rule_row(self, alarm: CompositeAlarm, kid: AnyAlarm, palette: Palette) -> Row:
        """An alarm `alarm`'s rule names, keyed by its name (Enter goes to it)."""
        tests = ", ".join(self.tested_for(alarm, kid))
        return Row(
            key=kid.name,
            cells=(kid.name, state_text(kid.state, palette), tests, clock(kid.transitioned)),
            sort=(kid.name, kid.state, tests, kid.transitioned),
        )

    def child_title(self, resource: AnyAlarm, shown: int) -> str:
        if isinstance(resource, CompositeAlarm):
            return f"Rule · {resource.name} · {shown} alarms, in rule order"
        return (
            f"Evaluation · {resource.name} · {shown} × {span_text(resource.rule.period)}, "
            "newest first"
        )

    def history(self, alarm: AnyAlarm) -> list[Row]:
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
