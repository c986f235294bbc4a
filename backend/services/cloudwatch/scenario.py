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
threshold = 120
treat_missing_data = "notBreaching"       # default: missing
description = "orders wait too long"
alarm_actions = ["ops"]                   # SNS topic names (or full action ARNs)
ok_actions = ["ops"]
```

Alarms are put with PutMetricAlarm by the scenario's set-up role, so a
scenario is refused with the API's own words; topic names become topic ARNs
in the scenario's region and account.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.identity import SETUP_ROLE
from backend.kit.scenario import Reader, ScenarioError
from backend.registry import ScenarioSection

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


def parse(table: Reader, region: str) -> tuple[AlarmSpec, ...]:
    alarms = tuple(_alarm(alarm) for alarm in table.tables("alarm"))
    table.done()
    table.unique([a.name for a in alarms], "alarm")
    return alarms


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
        "Threshold": float(table.required("threshold", (int, float))),
        "TreatMissingData": table.get("treat_missing_data", str, "missing"),
    }
    params["ExtendedStatistic" if statistic.startswith("p") else "Statistic"] = statistic
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


async def apply(alarms: tuple[AlarmSpec, ...], cloud: Cloud, source: str) -> None:
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
            await cloud.call("cloudwatch", "PutMetricAlarm", params, caller=SETUP_ROLE)
        except AwsError as error:
            raise ScenarioError(
                f"{source}: alarm {spec.name!r}: {error.code}: {error.message}"
            ) from None


def names(alarms: tuple[AlarmSpec, ...]) -> Mapping[str, set[str]]:
    return {"alarm": {a.name for a in alarms}}


SECTION = ScenarioSection("cloudwatch", parse, apply, names)
