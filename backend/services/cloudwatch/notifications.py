"""What an alarm publishes to an SNS topic when it changes state, as CloudWatch writes it.

The subject is `ALARM: "<name>" in US East (N. Virginia)` and the message is
CloudWatch's compact JSON, its keys in AWS's order (AWS_FACTS §17), so a
program that parses real alarm notifications parses these. It goes to the
topic through `cloud.call("sns", "Publish")` as the CloudWatch service
principal, like any other caller: SNS delivers it to the topic's
subscribers (a queue in the demo) and the trail shows who published.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from backend.identity import service_principal
from backend.services.cloudwatch.alarms import Alarm, MetricAlarm
from backend.services.cloudwatch.composite_alarms import CompositeAlarm

if TYPE_CHECKING:
    from backend.cloud import Cloud

CLOUDWATCH = service_principal("cloudwatch.amazonaws.com")

#: The long names alarm notifications give regions.
REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "ca-central-1": "Canada (Central)",
    "eu-west-1": "EU (Ireland)",
    "eu-west-2": "EU (London)",
    "eu-west-3": "EU (Paris)",
    "eu-central-1": "EU (Frankfurt)",
    "eu-north-1": "EU (Stockholm)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-northeast-2": "Asia Pacific (Seoul)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-south-1": "Asia Pacific (Mumbai)",
    "sa-east-1": "South America (Sao Paulo)",
}


def cloudwatch_time(t: float) -> str:
    """`t` as CloudWatch writes times in notifications and reason data (`...T15:57:45.394+0000`)."""
    moment = datetime.fromtimestamp(t, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def alarm_message(alarm: Alarm, old_state: str, region: str, account: str) -> dict[str, Any]:
    if isinstance(alarm, CompositeAlarm):
        return composite_message(alarm, old_state, region, account)
    assert isinstance(alarm, MetricAlarm)
    config = alarm.config
    trigger: dict[str, Any]
    if alarm.metrics:
        trigger = {"Metrics": alarm.metrics}
    else:
        trigger = {"MetricName": config["MetricName"], "Namespace": config["Namespace"]}
        if "Statistic" in config:
            trigger |= {"StatisticType": "Statistic", "Statistic": config["Statistic"].upper()}
        else:
            trigger |= {
                "StatisticType": "ExtendedStatistic",
                "ExtendedStatistic": config["ExtendedStatistic"],
            }
        trigger |= {
            "Unit": config.get("Unit"),
            "Dimensions": [
                {"value": d["Value"], "name": d["Name"]} for d in config.get("Dimensions", [])
            ],
            "Period": config["Period"],
        }
    trigger |= {
        "EvaluationPeriods": config["EvaluationPeriods"],
        "DatapointsToAlarm": config["DatapointsToAlarm"],
        "ComparisonOperator": config["ComparisonOperator"],
    }
    if "Threshold" in config:
        trigger["Threshold"] = config["Threshold"]
    else:
        trigger["ThresholdMetricId"] = config["ThresholdMetricId"]
    trigger |= {
        "TreatMissingData": config["TreatMissingData"],
        "EvaluateLowSampleCountPercentile": config.get("EvaluateLowSampleCountPercentile", ""),
    }
    return {
        "AlarmName": alarm.name,
        "AlarmDescription": config.get("AlarmDescription") or None,
        "AWSAccountId": account,
        "AlarmConfigurationUpdatedTimestamp": cloudwatch_time(alarm.config_updated),
        "NewStateValue": alarm.state,
        "NewStateReason": alarm.reason,
        "StateChangeTime": cloudwatch_time(alarm.state_updated),
        "Region": REGION_NAMES.get(region, region),
        "AlarmArn": alarm.arn,
        "OldStateValue": old_state,
        "OKActions": alarm.actions_for("OK"),
        "AlarmActions": alarm.actions_for("ALARM"),
        "InsufficientDataActions": alarm.actions_for("INSUFFICIENT_DATA"),
        "Trigger": trigger,
    }


def composite_message(
    alarm: CompositeAlarm, old_state: str, region: str, account: str
) -> dict[str, Any]:
    """AWS's composite form: the rule and the triggering children instead of a Trigger."""
    data = json.loads(alarm.reason_data or "{}")  # SetAlarmState may have put any JSON
    triggering = data.get("triggeringAlarms") if isinstance(data, dict) else None
    return {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.config.get("AlarmDescription") or None,
        "AWSAccountId": account,
        "NewStateValue": alarm.state,
        "NewStateReason": alarm.reason,
        "StateChangeTime": cloudwatch_time(alarm.state_updated),
        "Region": REGION_NAMES.get(region, region),
        "AlarmArn": alarm.arn,
        "OKActions": alarm.actions_for("OK"),
        "AlarmActions": alarm.actions_for("ALARM"),
        "InsufficientDataActions": alarm.actions_for("INSUFFICIENT_DATA"),
        "OldStateValue": old_state,
        "AlarmRule": alarm.config["AlarmRule"],
        "TriggeringChildren": [
            {
                "Arn": t.get("arn"),
                "State": {
                    "Value": t["state"].get("value"),
                    "Timestamp": t["state"].get("timestamp"),
                },
            }
            for t in triggering or []
            if isinstance(t, dict) and isinstance(t.get("state"), dict)
        ],
    }


async def publish(cloud: Cloud, alarm: Alarm, old_state: str, region: str, arn: str) -> str:
    """Publish the alarm's notification to topic `arn`; the MessageId, for the history."""
    message = alarm_message(alarm, old_state, region, cloud.account)
    params = {
        "TopicArn": arn,
        "Subject": f'{alarm.state}: "{alarm.name}" in {REGION_NAMES.get(region, region)}'[:99],
        "Message": json.dumps(message, separators=(",", ":")),
    }
    response = await cloud.call("sns", "Publish", params, caller=CLOUDWATCH, region=region)
    return str(response.get("MessageId", ""))
