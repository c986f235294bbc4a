"""The `[cloudwatch]` section of scenario files: metric alarms on any service's metrics.

```toml
[[cloudwatch.alarm]]
name = "orders-backlog"
namespace = "AWS/SQS"
metric = "ApproximateAgeOfOldestMessage"
dimensions = { QueueName = "orders" }
statistic = "Maximum"                     # or a percentile: "p99"
period = "1m"                             # 10 s, 20 s, 30 s or whole minutes
evaluation_periods = 3
datapoints_to_alarm = 2                   # default: evaluation_periods
comparison = "GreaterThanThreshold"       # AWS's ComparisonOperator names
threshold = 120                           # or anomaly_band = 2 (see below)
treat_missing_data = "notBreaching"       # default: missing
description = "orders wait too long"
alarm_actions = ["ops"]                   # SNS topic names (or full action ARNs)
ok_actions = ["ops"]
```

```toml
[[cloudwatch.composite_alarm]]
name = "orders-degraded"
rule = 'ALARM("orders-backlog") OR ALARM("orders-errors")'
description = "orders are late or failing"
alarm_actions = ["ops"]                   # as for an alarm
```

```toml
[[cloudwatch.dashboard]]
name = "orders"                           # A-Z a-z 0-9 - _
body = { widgets = [{ type = "text", properties = { markdown = "# Orders" } }] }
# or the DashboardBody as AWS takes it: body = '{"widgets": []}'
```

An alarm with `anomaly_band = k` instead of a threshold is an anomaly
detection alarm, put as AWS consoles put one: Metrics `m1` (the metric) and
`ad1` (`ANOMALY_DETECTION_BAND(m1, k)`), ThresholdMetricId `ad1`, with a
band comparison (`LessThanLowerOrGreaterThanUpperThreshold`, ...).

Alarms are put with PutMetricAlarm, composite alarms with PutCompositeAlarm
after them (their rule names alarms that must exist), by the scenario's
set-up role, so a scenario is refused with the API's own words; topic names become topic ARNs
in the scenario's region and account. Dashboards go through PutDashboard
the same way; their body is read when the scenario loads, so a widget out
of the grid fails there, saying where (`body: /widgets/0/width: Should be <= 24`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.identity import SETUP_ROLE
from backend.kit.scenario import Reader, ScenarioError
from backend.registry import ScenarioSection
from backend.services.cloudwatch.dashboards import NotAnObject, read_body

_ACTIONS = {
    "alarm_actions": "AlarmActions",
    "ok_actions": "OKActions",
    "insufficient_data_actions": "InsufficientDataActions",
}


@dataclass(frozen=True)
class AlarmSpec:
    name: str
    params: dict[str, Any]
    #: Action lists by PutMetricAlarm member, as written (topic names or ARNs).
    actions: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class DashboardSpec:
    name: str
    #: The DashboardBody as PutDashboard takes it (a TOML table, written as JSON).
    body: str


@dataclass(frozen=True)
class CloudWatchSpec:
    alarms: tuple[AlarmSpec, ...]
    dashboards: tuple[DashboardSpec, ...]
    #: Put after `alarms`, as PutCompositeAlarm with the action ARNs made alike.
    composites: tuple[AlarmSpec, ...] = ()


def parse(table: Reader, region: str) -> CloudWatchSpec:
    alarms = tuple(_alarm(alarm) for alarm in table.tables("alarm"))
    composites = tuple(_composite(alarm) for alarm in table.tables("composite_alarm"))
    dashboards = tuple(_dashboard(dashboard) for dashboard in table.tables("dashboard"))
    table.done()
    table.unique([a.name for a in (*alarms, *composites)], "alarm")
    table.unique([d.name for d in dashboards], "dashboard")
    return CloudWatchSpec(alarms, dashboards, composites)


def _dashboard(table: Reader) -> DashboardSpec:
    name = table.required("name", str)
    given = table.required("body", (str, dict))
    body = given if isinstance(given, str) else json.dumps(given)
    try:
        _, findings = read_body(body)
    except NotAnObject:
        raise table.fail("body must be a JSON object (or a TOML table)") from None
    if findings.errors:
        path, message = findings.errors[0]
        raise table.fail(f"body: {path or '/'}: {message}")
    table.done()
    return DashboardSpec(name, body)


def _alarm(table: Reader) -> AlarmSpec:
    name = table.required("name", str)
    statistic = table.get("statistic", str, "Average")
    period = table.duration("period", 60)
    assert period is not None
    evaluation_periods = int(table.number("evaluation_periods", 1, 1, 10_080))
    params: dict[str, Any] = {
        "AlarmName": name,
        "Namespace": table.required("namespace", str),
        "MetricName": table.required("metric", str),
        "Dimensions": [{"Name": k, "Value": v} for k, v in table.string_map("dimensions").items()],
        "Period": int(period),
        "EvaluationPeriods": evaluation_periods,
        "DatapointsToAlarm": int(
            table.number("datapoints_to_alarm", evaluation_periods, 1, evaluation_periods)
        ),
        "ComparisonOperator": table.required("comparison", str),
        "TreatMissingData": table.get("treat_missing_data", str, "missing"),
    }
    band = table.get("anomaly_band", (int, float))
    if band is None:
        params["Threshold"] = float(table.required("threshold", (int, float)))
        params["ExtendedStatistic" if statistic.startswith("p") else "Statistic"] = statistic
    else:
        _band_alarm(params, statistic, float(band))
    return _described(table, name, params)


def _composite(table: Reader) -> AlarmSpec:
    name = table.required("name", str)
    return _described(table, name, {"AlarmName": name, "AlarmRule": table.required("rule", str)})


def _described(table: Reader, name: str, params: dict[str, Any]) -> AlarmSpec:
    """What both kinds of alarm take alike: a description and the three action lists."""
    description = table.get("description", str)
    if description is not None:
        params["AlarmDescription"] = description
    actions: dict[str, tuple[str, ...]] = {}
    for key, member in _ACTIONS.items():
        given = table.get(key, list, [])
        if not all(isinstance(a, str) for a in given):
            raise table.fail(f"{key} must be a list of topic names or action ARNs")
        actions[member] = tuple(given)
    table.done()
    return AlarmSpec(name, params, actions)


def _band_alarm(params: dict[str, Any], statistic: str, width: float) -> None:
    """Turn the single-metric members into Metrics m1 and its band ad1 (module doc)."""
    metric = {k: params.pop(k) for k in ("Namespace", "MetricName", "Dimensions")}
    stat = {"Metric": metric, "Period": params.pop("Period"), "Stat": statistic}
    params["Metrics"] = [
        {"Id": "m1", "MetricStat": stat, "ReturnData": True},
        {"Id": "ad1", "Expression": f"ANOMALY_DETECTION_BAND(m1, {width:g})"},
    ]
    params["ThresholdMetricId"] = "ad1"


async def apply(spec: CloudWatchSpec, cloud: Cloud, source: str) -> None:
    await _apply_alarms(spec.alarms, cloud, source, "PutMetricAlarm")
    await _apply_alarms(spec.composites, cloud, source, "PutCompositeAlarm")
    for dashboard in spec.dashboards:
        params = {"DashboardName": dashboard.name, "DashboardBody": dashboard.body}
        try:
            await cloud.call("cloudwatch", "PutDashboard", params, caller=SETUP_ROLE)
        except AwsError as error:
            raise ScenarioError(
                f"{source}: dashboard {dashboard.name!r}: {error.code}: {error.message}"
            ) from None


async def _apply_alarms(
    alarms: tuple[AlarmSpec, ...], cloud: Cloud, source: str, action: str
) -> None:
    for spec in alarms:
        params = dict(spec.params)
        for member, targets in spec.actions.items():
            params[member] = [
                target
                if target.startswith("arn:")
                else f"arn:aws:sns:{cloud.region}:{cloud.account}:{target}"
                for target in targets
            ]
        try:
            await cloud.call("cloudwatch", action, params, caller=SETUP_ROLE)
        except AwsError as error:
            raise ScenarioError(
                f"{source}: alarm {spec.name!r}: {error.code}: {error.message}"
            ) from None


def names(spec: CloudWatchSpec) -> Mapping[str, set[str]]:
    return {
        "alarm": {a.name for a in (*spec.alarms, *spec.composites)},
        "dashboard": {d.name for d in spec.dashboards},
    }


SECTION = ScenarioSection("cloudwatch", parse, apply, names)
