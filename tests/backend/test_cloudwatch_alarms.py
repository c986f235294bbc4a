"""Metric alarms through the API, evaluated on the manual clock.

The clock starts at `DEFAULT_START`, a whole hour; alarms are evaluated at
each whole minute and judge the newest complete periods.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from backend.bus import CloudEvent
from backend.cloud import DEFAULT_START, Cloud
from backend.errors import AwsError
from tests.backend.helpers import cw, cw_error

T0 = int(DEFAULT_START)
NS = "Shop"
TOPIC = "arn:aws:sns:us-east-1:123456789012:ops"
EC2_STOP = "arn:aws:automate:us-east-1:ec2:stop"


async def put_alarm(cloud: Cloud, name: str = "slow", **params: Any) -> None:
    config: dict[str, Any] = {
        "AlarmName": name,
        "Namespace": NS,
        "MetricName": "Latency",
        "Statistic": "Average",
        "Period": 60,
        "EvaluationPeriods": 2,
        "Threshold": 100.0,
        "ComparisonOperator": "GreaterThanThreshold",
        **params,
    }
    await cw(cloud, "PutMetricAlarm", **{k: v for k, v in config.items() if v is not None})


async def latency(cloud: Cloud, value: float) -> None:
    await cw(
        cloud, "PutMetricData", Namespace=NS, MetricData=[{"MetricName": "Latency", "Value": value}]
    )


async def alarm(cloud: Cloud, name: str = "slow") -> dict[str, Any]:
    [found] = (await cw(cloud, "DescribeAlarms", AlarmNames=[name]))["MetricAlarms"]
    assert isinstance(found, dict)
    return found


async def minutes(cloud: Cloud, values: list[float]) -> None:
    """One value in each of the next minutes, then the clock at the start of the minute after."""
    for value in values:
        await latency(cloud, value)
        await cloud.clock.advance(60)


async def test_an_alarm_starts_insufficient_and_follows_its_metric(cloud: Cloud) -> None:
    events: list[CloudEvent] = []
    cloud.bus.subscribe(events.append)
    await put_alarm(cloud)
    described = await alarm(cloud)
    assert described["StateValue"] == "INSUFFICIENT_DATA"
    assert described["StateReason"] == "Unchecked: Initial alarm creation"
    assert described["AlarmArn"] == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:slow"
    await minutes(cloud, [50, 150])
    assert (await alarm(cloud))["StateValue"] == "OK"  # 50 then 150: one of two breaches
    await minutes(cloud, [200])
    described = await alarm(cloud)
    assert described["StateValue"] == "ALARM"
    assert "2 out of the last 2 datapoints [200.0" in described["StateReason"]
    assert json.loads(described["StateReasonData"])["recentDatapoints"] == [150.0, 200.0]
    await minutes(cloud, [300, 20])
    assert (await alarm(cloud))["StateValue"] == "OK"
    changes = [e.summary for e in events if e.kind == "AlarmStateChange"]
    assert changes == [
        "alarm slow: INSUFFICIENT_DATA → OK",
        "alarm slow: OK → ALARM",
        "alarm slow: ALARM → OK",
    ]


async def test_history_records_configuration_state_and_actions(cloud: Cloud) -> None:
    await put_alarm(cloud, AlarmActions=[TOPIC, EC2_STOP])
    await minutes(cloud, [500, 500])
    items = (
        await cw(cloud, "DescribeAlarmHistory", AlarmName="slow", ScanBy="TimestampAscending")
    )["AlarmHistoryItems"]
    kinds = [i["HistoryItemType"] for i in items]
    # One good minute is OK (missing data is not judged); the second bad one is ALARM.
    assert kinds == ["ConfigurationUpdate", "StateUpdate", "StateUpdate", "Action", "Action"]
    assert items[0]["HistorySummary"] == 'Alarm "slow" created'
    assert items[2]["HistorySummary"] == "Alarm updated from OK to ALARM"
    state = json.loads(items[2]["HistoryData"])
    assert state["oldState"]["stateValue"] == "OK"
    assert state["newState"]["stateValue"] == "ALARM"
    actions = {i["HistorySummary"]: json.loads(i["HistoryData"]) for i in items[3:]}
    # The topic does not exist: SNS's own error is the action's.
    assert "Topic does not exist" in actions[f"Failed to execute action {TOPIC}"]["error"]
    # EC2 is not simulated yet: recorded as failed, saying why.
    assert "does not simulate automate" in actions[f"Failed to execute action {EC2_STOP}"]["error"]
    only = await cw(cloud, "DescribeAlarmHistory", HistoryItemType="StateUpdate")
    assert [i["HistoryItemType"] for i in only["AlarmHistoryItems"]] == ["StateUpdate"] * 2


async def test_an_alarm_notifies_a_topic_and_its_queue_gets_the_message(cloud: Cloud) -> None:
    topic = (await cloud.call("sns", "CreateTopic", {"Name": "ops"}))["TopicArn"]
    url = (await cloud.call("sqs", "CreateQueue", {"QueueName": "ops-inbox"}))["QueueUrl"]
    queue_arn = "arn:aws:sqs:us-east-1:123456789012:ops-inbox"
    await cloud.call(
        "sns", "Subscribe", {"TopicArn": topic, "Protocol": "sqs", "Endpoint": queue_arn}
    )
    await put_alarm(cloud, AlarmActions=[topic], AlarmDescription="latency is up")
    await minutes(cloud, [500, 500])
    received = await cloud.call("sqs", "ReceiveMessage", {"QueueUrl": url})
    [message] = received["Messages"]
    envelope = json.loads(message["Body"])
    assert envelope["Subject"] == 'ALARM: "slow" in US East (N. Virginia)'
    notice = json.loads(envelope["Message"])
    assert list(notice)[:4] == [
        "AlarmName",
        "AlarmDescription",
        "AWSAccountId",
        "AlarmConfigurationUpdatedTimestamp",
    ]
    assert (notice["NewStateValue"], notice["OldStateValue"]) == ("ALARM", "OK")
    assert notice["Trigger"]["Statistic"] == "AVERAGE"
    assert notice["Trigger"]["Dimensions"] == []
    history = await cw(cloud, "DescribeAlarmHistory", HistoryItemType="Action")
    [action] = history["AlarmHistoryItems"]
    assert action["HistorySummary"] == f"Successfully executed action {topic}"


async def test_disabled_actions_are_not_taken(cloud: Cloud) -> None:
    await put_alarm(cloud, AlarmActions=[TOPIC])
    await cw(cloud, "DisableAlarmActions", AlarmNames=["slow"])
    assert (await alarm(cloud))["ActionsEnabled"] is False
    await minutes(cloud, [500, 500])
    history = await cw(cloud, "DescribeAlarmHistory", AlarmName="slow", HistoryItemType="Action")
    assert history["AlarmHistoryItems"] == []
    await cw(cloud, "EnableAlarmActions", AlarmNames=["slow"])
    assert (await alarm(cloud))["ActionsEnabled"] is True


async def test_set_alarm_state_holds_until_the_next_evaluation(cloud: Cloud) -> None:
    await put_alarm(cloud)
    await minutes(cloud, [1, 1])
    assert (await alarm(cloud))["StateValue"] == "OK"
    await cw(
        cloud,
        "SetAlarmState",
        AlarmName="slow",
        StateValue="ALARM",
        StateReason="testing the pager",
    )
    described = await alarm(cloud)
    assert (described["StateValue"], described["StateReason"]) == ("ALARM", "testing the pager")
    await minutes(cloud, [1])
    assert (await alarm(cloud))["StateValue"] == "OK"
    error = await cw_error(
        cloud, "SetAlarmState", AlarmName="nope", StateValue="OK", StateReason="x"
    )
    assert (error.code, error.status) == ("ResourceNotFound", 404)
    error = await cw_error(
        cloud,
        "SetAlarmState",
        AlarmName="slow",
        StateValue="OK",
        StateReason="x",
        StateReasonData="{not json",
    )
    assert error.legacy_code == "InvalidFormat"


async def test_setting_the_state_an_alarm_is_in_changes_only_its_reason(cloud: Cloud) -> None:
    await put_alarm(cloud)
    await minutes(cloud, [1, 1])
    before = await cw(cloud, "DescribeAlarmHistory", AlarmName="slow")
    changes: list[str] = []
    cloud.bus.subscribe(lambda event: changes.append(event.kind))
    await cw(cloud, "SetAlarmState", AlarmName="slow", StateValue="OK", StateReason="still fine")
    described = await alarm(cloud)
    assert (described["StateValue"], described["StateReason"]) == ("OK", "still fine")
    assert await cw(cloud, "DescribeAlarmHistory", AlarmName="slow") == before
    assert "AlarmStateChange" not in changes


async def test_putting_an_alarm_again_keeps_its_state(cloud: Cloud) -> None:
    await put_alarm(cloud)
    await minutes(cloud, [500, 500])
    await put_alarm(cloud, Threshold=1000.0, AlarmDescription="raised")
    described = await alarm(cloud)
    assert (described["StateValue"], described["Threshold"]) == ("ALARM", 1000.0)
    await minutes(cloud, [500])
    assert (await alarm(cloud))["StateValue"] == "OK"


async def test_a_metric_math_alarm_judges_its_expression(cloud: Cloud) -> None:
    metric = {"Namespace": NS, "MetricName": "Latency"}
    await cw(
        cloud,
        "PutMetricAlarm",
        AlarmName="doubled",
        EvaluationPeriods=1,
        Threshold=150.0,
        ComparisonOperator="GreaterThanThreshold",
        Metrics=[
            {
                "Id": "m1",
                "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Maximum"},
                "ReturnData": False,
            },
            {"Id": "e1", "Expression": "m1 * 2", "Label": "twice"},
        ],
    )
    await minutes(cloud, [100])
    assert (await alarm(cloud, "doubled"))["StateValue"] == "ALARM"


async def test_high_resolution_alarms_are_judged_every_ten_seconds(cloud: Cloud) -> None:
    await put_alarm(cloud, Period=10, EvaluationPeriods=1)
    await cw(
        cloud,
        "PutMetricData",
        Namespace=NS,
        MetricData=[{"MetricName": "Latency", "Value": 500, "StorageResolution": 1}],
    )
    await cloud.clock.advance(10)
    assert (await alarm(cloud))["StateValue"] == "ALARM"


def names(response: dict[str, Any]) -> list[str]:
    return [a["AlarmName"] for a in response["MetricAlarms"]]


async def test_describe_filters_and_pages(cloud: Cloud) -> None:
    for name in ("api-slow", "api-errors", "db-slow"):
        await put_alarm(cloud, name)
    assert names(await cw(cloud, "DescribeAlarms", AlarmNamePrefix="api-")) == [
        "api-errors",
        "api-slow",
    ]
    assert names(await cw(cloud, "DescribeAlarms", StateValue="ALARM")) == []
    first = await cw(cloud, "DescribeAlarms", MaxRecords=2)
    second = await cw(cloud, "DescribeAlarms", MaxRecords=2, NextToken=first["NextToken"])
    assert names(first) + names(second) == ["api-errors", "api-slow", "db-slow"]
    error = await cw_error(cloud, "DescribeAlarms", AlarmNames=["a"], AlarmNamePrefix="a")
    assert error.code == "InvalidParameterCombinationException"
    for_metric = await cw(cloud, "DescribeAlarmsForMetric", Namespace=NS, MetricName="Latency")
    assert len(for_metric["MetricAlarms"]) == 3
    assert (await cw(cloud, "DescribeAlarmsForMetric", Namespace=NS, MetricName="Other"))[
        "MetricAlarms"
    ] == []


async def test_delete_refuses_unknown_alarms_and_keeps_the_history(cloud: Cloud) -> None:
    await put_alarm(cloud)
    error = await cw_error(cloud, "DeleteAlarms", AlarmNames=["slow", "ghost"])
    assert (error.code, error.status) == ("ResourceNotFound", 404)
    assert (await cw(cloud, "DescribeAlarms"))["MetricAlarms"] != []
    await cw(cloud, "DeleteAlarms", AlarmNames=["slow"])
    assert (await cw(cloud, "DescribeAlarms"))["MetricAlarms"] == []
    items = (await cw(cloud, "DescribeAlarmHistory", AlarmName="slow"))["AlarmHistoryItems"]
    assert items[0]["HistorySummary"] == 'Alarm "slow" deleted'


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        (
            {"Period": 45},
            "InvalidParameterValueException",
            "must be 10, 20, 30, or a multiple of 60",
        ),
        ({"Period": 3600, "EvaluationPeriods": 169}, "InvalidParameterValueException", "604800"),
        ({"Period": 600, "EvaluationPeriods": 145}, "InvalidParameterValueException", "86400"),
        (
            {"DatapointsToAlarm": 3},
            "InvalidParameterValueException",
            "less than or equal to EvaluationPeriods",
        ),
        (
            {"ComparisonOperator": "GreaterThanUpperThreshold"},
            "InvalidParameterCombinationException",
            "requires ThresholdMetricId",
        ),
        (
            {"ExtendedStatistic": "p99"},
            "InvalidParameterCombinationException",
            "mutually exclusive",
        ),
        ({"Threshold": None}, "MissingRequiredParameterException", "Threshold"),
        ({"TreatMissingData": "sometimes"}, "InvalidParameterValueException", "TreatMissingData"),
        (
            {"AlarmActions": ["arn:aws:sqs:us-east-1:123456789012:q"]},
            "InvalidParameterValueException",
            "AlarmActions.member.1",
        ),
        ({"AlarmActions": [TOPIC] * 6}, "InvalidParameterValueException", "greater than 5"),
        (
            {"Metrics": [{"Id": "m1", "Expression": "1"}]},
            "InvalidParameterCombinationException",
            "mutually exclusive",
        ),
        ({"EvaluationCriteria": {}}, "InvalidParameterValueException", "not supported by skydeck"),
    ],
)
async def test_a_bad_alarm_is_refused_as_aws_refuses_it(
    cloud: Cloud, params: dict[str, Any], code: str, message: str
) -> None:
    with pytest.raises(AwsError) as info:
        await put_alarm(cloud, **params)
    assert info.value.code == code
    assert message in info.value.message
    assert (await cw(cloud, "DescribeAlarms"))["MetricAlarms"] == []
