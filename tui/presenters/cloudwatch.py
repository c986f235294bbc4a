"""What the metrics and the alarms panes both say about CloudWatch, said once.

A metric's points per period, its dimensions and a period in words, the
alarms on a metric and how a threshold reads (`> 120`): the metrics pane
draws alarms' thresholds over a metric, the alarms pane draws an alarm's
metric, and the two must agree to the digit.
"""

from __future__ import annotations

from backend.metrics import Dimensions, MetricId
from backend.services.cloudwatch.alarms import MetricAlarm
from backend.services.cloudwatch.service import CloudWatchService

#: The statistics the panes offer, in the order `s` cycles through them: the
#: console's default first, then the simple ones, then a percentile.
STATISTICS = ("Average", "Sum", "Maximum", "Minimum", "SampleCount", "p99")

#: How a threshold alarm's ComparisonOperator reads between statistic and threshold.
OPERATOR_SIGNS = {
    "GreaterThanThreshold": ">",
    "GreaterThanOrEqualToThreshold": ">=",
    "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "<=",
    "LessThanLowerOrGreaterThanUpperThreshold": "outside band",
    "LessThanLowerThreshold": "below band",
    "GreaterThanUpperThreshold": "above band",
}

_SPANS = (("w", 604_800), ("d", 86_400), ("h", 3_600), ("min", 60))


def span_text(seconds: int) -> str:
    """`10 s`, `1 min`, `5 min`, `1 h`, `1 d`, `1 w`: a period or a window, as the console says."""
    for unit, size in _SPANS:
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def number_text(value: float) -> str:
    """`1,204`, `12.5`, `0.0031`: a datapoint, as many digits as tell it apart and no more."""
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{value:.3g}"


def dimensions_text(dims: Dimensions) -> str:
    """`QueueName=orders`, several joined by commas; a metric without dimensions says so."""
    return ", ".join(f"{name}={value}" for name, value in dims) or "(no dimensions)"


def alarm_metric(alarm: MetricAlarm) -> MetricId | None:
    """The one metric a single-metric alarm watches; None for a metric-math alarm."""
    config = alarm.config
    if alarm.metrics or "MetricName" not in config:
        return None
    dims = tuple(sorted((d["Name"], d["Value"]) for d in config.get("Dimensions") or []))
    return MetricId(config["Namespace"], config["MetricName"], dims)


def alarm_statistic(alarm: MetricAlarm) -> str:
    """Statistic or ExtendedStatistic, whichever the alarm was put with ("" for metric math)."""
    return str(alarm.config.get("Statistic") or alarm.config.get("ExtendedStatistic") or "")


def alarms_on(cloudwatch: CloudWatchService, region: str, metric: MetricId) -> list[MetricAlarm]:
    """The alarms DescribeAlarmsForMetric returns for `metric` (any statistic, period or unit)."""
    return [
        alarm
        for (where, _), alarm in sorted(cloudwatch.alarms.items())
        if where == region and alarm_metric(alarm) == metric
    ]


def condition_text(alarm: MetricAlarm) -> str:
    """`Maximum > 120 · 2 of 3 × 1 min`: what breaches, and how many periods make an ALARM."""
    rule = alarm.rule
    sign = OPERATOR_SIGNS.get(rule.operator, rule.operator)
    what = alarm_statistic(alarm) or "metric math"
    target = f" {number_text(rule.threshold)}" if rule.threshold is not None else ""
    counts = f"{rule.datapoints_to_alarm} of {rule.evaluation_periods}"
    return f"{what} {sign}{target} · {counts} × {span_text(rule.period)}"


def threshold_label(alarm: MetricAlarm) -> str:
    """`orders-backlog > 120`: a threshold line's name in a graph's legend."""
    rule = alarm.rule
    sign = OPERATOR_SIGNS.get(rule.operator, rule.operator)
    value = number_text(rule.threshold) if rule.threshold is not None else ""
    return f"{alarm.name} {sign} {value}".rstrip()
