"""CloudWatch Logs over JSON 1.1 as boto3 speaks it: groups, events, paginators, errors."""

from __future__ import annotations

from typing import Any

import pytest

from tests.wire.live import ACCOUNT, Live


def now_ms(live: Live) -> int:
    return int(live.cloud.clock.now() * 1000)


def group_with_events(live: Live, count: int = 30) -> tuple[Any, list[str]]:
    """A Logs client, and group g with streams a and b holding `count` events between them."""
    client = live.client("logs")
    client.create_log_group(logGroupName="g", tags={"team": "wire"})
    for stream in ("a", "b"):
        client.create_log_stream(logGroupName="g", logStreamName=stream)
    start = now_ms(live) - count
    messages = [f"{'ERROR' if i % 3 == 0 else 'INFO'} line {i:02d}" for i in range(count)]
    for stream, first in (("a", 0), ("b", 1)):
        response = client.put_log_events(
            logGroupName="g",
            logStreamName=stream,
            logEvents=[
                {"timestamp": start + i, "message": messages[i]} for i in range(first, count, 2)
            ],
        )
        assert "rejectedLogEventsInfo" not in response
    return client, messages


def test_put_then_get_both_ways_and_filter_with_a_paginator(live: Live) -> None:
    client, messages = group_with_events(live)
    got = client.get_log_events(logGroupName="g", logStreamName="a", startFromHead=True, limit=5)
    assert [e["message"] for e in got["events"]] == messages[0:10:2]
    assert got["nextForwardToken"].startswith("f/")
    rest = client.get_log_events(
        logGroupName="g", logStreamName="a", nextToken=got["nextForwardToken"]
    )
    assert [e["message"] for e in rest["events"]] == messages[10:30:2]
    end = client.get_log_events(
        logGroupName="g", logStreamName="a", nextToken=rest["nextForwardToken"]
    )
    assert (end["events"], end["nextForwardToken"]) == ([], rest["nextForwardToken"])
    newest = client.get_log_events(logGroupName="g", logStreamName="b", limit=5)
    assert [e["message"] for e in newest["events"]] == messages[21:30:2]
    older = client.get_log_events(
        logGroupName="g", logStreamName="b", limit=5, nextToken=newest["nextBackwardToken"]
    )
    assert [e["message"] for e in older["events"]] == messages[11:20:2]
    pages = list(
        client.get_paginator("filter_log_events").paginate(
            logGroupName="g", filterPattern="ERROR", PaginationConfig={"PageSize": 3}
        )
    )
    assert [len(p["events"]) for p in pages] == [3, 3, 3, 1]
    found = [e for p in pages for e in p["events"]]
    assert [e["message"] for e in found] == [m for m in messages if m.startswith("ERROR")]
    assert [e["logStreamName"] for e in found[:2]] == ["a", "b"]
    assert isinstance(found[0]["timestamp"], int)


def test_log_groups_page_through_the_paginator(live: Live) -> None:
    client = live.client("logs")
    for i in range(7):
        client.create_log_group(logGroupName=f"/wire/g{i}")
    pages = list(
        client.get_paginator("describe_log_groups").paginate(
            logGroupNamePrefix="/wire/", PaginationConfig={"PageSize": 3}
        )
    )
    assert [len(p["logGroups"]) for p in pages] == [3, 3, 1]
    first = pages[0]["logGroups"][0]
    assert first["logGroupName"] == "/wire/g0"
    assert first["arn"] == f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/wire/g0:*"
    assert first["storedBytes"] == 0
    client.put_retention_policy(logGroupName="/wire/g0", retentionInDays=30)
    [described] = client.describe_log_groups(logGroupNamePattern="G0")["logGroups"]
    assert described["retentionInDays"] == 30


def test_metric_filters_put_tested_and_described(live: Live) -> None:
    client, _ = group_with_events(live, count=4)
    client.put_metric_filter(
        logGroupName="g",
        filterName="bytes",
        filterPattern="[ip, user, status = 5*, bytes]",
        metricTransformations=[
            {
                "metricName": "ErrorBytes",
                "metricNamespace": "Wire",
                "metricValue": "$bytes",
                "dimensions": {"Status": "$status"},
            }
        ],
    )
    [found] = client.describe_metric_filters(logGroupName="g")["metricFilters"]
    assert found["metricTransformations"][0]["dimensions"] == {"Status": "$status"}
    tested = client.test_metric_filter(
        filterPattern="[ip, user, status = 5*, bytes]",
        logEventMessages=["10.0.0.1 bob 200 5", "10.0.0.2 amy 503 17"],
    )
    assert tested["matches"] == [
        {
            "eventNumber": 2,
            "eventMessage": "10.0.0.2 amy 503 17",
            "extractedValues": {
                "$ip": "10.0.0.2",
                "$user": "amy",
                "$status": "503",
                "$bytes": "17",
            },
        }
    ]
    client.put_log_events(
        logGroupName="g",
        logStreamName="a",
        logEvents=[{"timestamp": now_ms(live), "message": "10.0.0.2 amy 503 17"}],
    )
    metrics = live.client("cloudwatch").list_metrics(Namespace="Wire")["Metrics"]
    assert metrics == [
        {
            "Namespace": "Wire",
            "MetricName": "ErrorBytes",
            "Dimensions": [{"Name": "Status", "Value": "503"}],
        }
    ]


def test_errors_arrive_as_the_models_exception_classes(live: Live) -> None:
    client, _ = group_with_events(live, count=2)
    with pytest.raises(client.exceptions.ResourceNotFoundException) as missing:
        client.get_log_events(logGroupName="nope", logStreamName="a")
    assert missing.value.response["Error"]["Message"] == "The specified log group does not exist."
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(client.exceptions.ResourceAlreadyExistsException):
        client.create_log_group(logGroupName="g")
    with pytest.raises(client.exceptions.InvalidParameterException) as invalid:
        client.filter_log_events(logGroupName="g", filterPattern="[a")
    assert invalid.value.response["Error"]["Message"] == "Invalid filter pattern"
    with pytest.raises(client.exceptions.InvalidParameterException) as refused:
        client.put_log_events(
            logGroupName="g",
            logStreamName="a",
            logEvents=[
                {"timestamp": now_ms(live), "message": "b"},
                {"timestamp": now_ms(live) - 1, "message": "a"},
            ],
        )
    assert refused.value.response["Error"]["Message"] == (
        "Log events in a single PutLogEvents request must be in chronological order."
    )
    rejected = client.put_log_events(
        logGroupName="g",
        logStreamName="a",
        logEvents=[{"timestamp": now_ms(live) + 3 * 3_600_000, "message": "late"}],
    )
    assert rejected["rejectedLogEventsInfo"] == {"tooNewLogEventStartIndex": 0}
