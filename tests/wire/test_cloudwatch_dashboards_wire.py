"""Dashboards, composite alarms and tags over the endpoint, through boto3 as a client sends them.

The client is botocore's default for CloudWatch (JSON 1.0, query-compatible):
what is checked here is that the shapes survive the codec (a DashboardBody
string comes back byte for byte, timestamps parse, an empty validation list
is a list) and that the errors reach the caller as the model's exception
classes, by their legacy codes (`InvalidParameterInput`, `ResourceNotFound`).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.wire.live import Live

BODY = json.dumps(
    {
        "widgets": [
            {
                "type": "metric",
                "x": 0,
                "y": 0,
                "width": 12,
                "height": 6,
                "properties": {
                    "metrics": [
                        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "orders"],
                        ["...", "payments", {"stat": "Maximum"}],
                    ],
                    "region": "us-east-1",
                    "title": "depth",
                },
            },
            {"type": "text", "x": 12, "y": 0, "properties": {"markdown": "# Shop"}},
        ]
    }
)


@pytest.fixture
def client(live: Live) -> Any:
    return live.client("cloudwatch")


def test_put_get_list_and_delete_a_dashboard(client: Any) -> None:
    put = client.put_dashboard(DashboardName="shop", DashboardBody=BODY)
    assert put["DashboardValidationMessages"] == []
    got = client.get_dashboard(DashboardName="shop")
    assert (got["DashboardName"], got["DashboardBody"]) == ("shop", BODY)
    assert got["DashboardArn"] == "arn:aws:cloudwatch::123456789012:dashboard/shop"
    [entry] = client.list_dashboards(DashboardNamePrefix="sh")["DashboardEntries"]
    assert entry["Size"] == len(BODY)
    assert entry["LastModified"].tzinfo is not None
    client.delete_dashboards(DashboardNames=["shop"])
    assert client.list_dashboards()["DashboardEntries"] == []


def test_dashboard_errors_are_the_modelled_exceptions(client: Any) -> None:
    with pytest.raises(client.exceptions.DashboardInvalidInputError) as raised:
        client.put_dashboard(DashboardName="shop", DashboardBody="{not json")
    error = raised.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "InvalidParameterInput",
        "The field DashboardBody must be a valid JSON object",
    )
    with pytest.raises(client.exceptions.ClientError) as missing:
        client.get_dashboard(DashboardName="nope")
    response = missing.value.response
    assert response["Error"]["Code"] == "ResourceNotFound"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_a_composite_alarm_over_the_wire(client: Any) -> None:
    client.put_metric_alarm(
        AlarmName="deep",
        Namespace="AWS/SQS",
        MetricName="ApproximateNumberOfMessagesVisible",
        Dimensions=[{"Name": "QueueName", "Value": "orders"}],
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=100.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    client.put_composite_alarm(
        AlarmName="orders-trouble",
        AlarmRule='ALARM("deep") OR FALSE',
        Tags=[{"Key": "team", "Value": "shop"}],
    )
    client.set_alarm_state(AlarmName="deep", StateValue="ALARM", StateReason="drill")
    found = client.describe_alarms(AlarmTypes=["CompositeAlarm"])
    [composite] = found["CompositeAlarms"]
    assert found["MetricAlarms"] == []
    assert (composite["AlarmName"], composite["StateValue"]) == ("orders-trouble", "ALARM")
    assert composite["StateReason"].startswith(
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:deep transitioned to ALARM at "
    )
    assert composite["StateUpdatedTimestamp"].tzinfo is not None
    tags = client.list_tags_for_resource(ResourceARN=composite["AlarmArn"])["Tags"]
    assert tags == [{"Key": "team", "Value": "shop"}]
    with pytest.raises(client.exceptions.ClientError) as refused:
        client.put_composite_alarm(AlarmName="x", AlarmRule="ALARM(gone)")
    assert refused.value.response["Error"]["Code"] == "ValidationError"
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.list_tags_for_resource(
            ResourceARN="arn:aws:cloudwatch:us-east-1:123456789012:alarm:gone"
        )
