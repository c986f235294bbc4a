"""Metric filters: putting, listing, testing, and the metric points the events put give.

Points go into the cloud's metric store at each event's own time, and are read
back through CloudWatch's GetMetricStatistics; an alarm on a filter's metric
judges them as any metric's.
"""

from __future__ import annotations

from typing import Any

import pytest

from backend.cloud import Cloud
from tests.backend.helpers import cw
from tests.backend.logs_helpers import (
    MINUTE,
    T0,
    count_json_reads,
    logs,
    logs_error,
    make_stream,
    put,
)

NS = "Skydeck/Orders"


async def put_filter(
    cloud: Cloud, name: str = "errors", pattern: str = "ERROR", group: str = "g", **spec: Any
) -> None:
    transformation = {"metricName": "Errors", "metricNamespace": NS, "metricValue": "1", **spec}
    await logs(
        cloud,
        "PutMetricFilter",
        logGroupName=group,
        filterName=name,
        filterPattern=pattern,
        metricTransformations=[transformation],
    )


async def filter_error(cloud: Cloud, pattern: str = "ERROR", **spec: Any) -> tuple[str, str]:
    transformation = {"metricName": "Errors", "metricNamespace": NS, "metricValue": "1", **spec}
    error = await logs_error(
        cloud,
        "PutMetricFilter",
        logGroupName="g",
        filterName="f",
        filterPattern=pattern,
        metricTransformations=[transformation],
    )
    return error.code, error.message


async def per_minute(
    cloud: Cloud,
    name: str = "Errors",
    dimensions: dict[str, str] | None = None,
    statistic: str = "Sum",
) -> dict[int, float]:
    """The metric's `statistic` per minute over the hour around T0, by minute from T0."""
    response = await cw(
        cloud,
        "GetMetricStatistics",
        Namespace=NS,
        MetricName=name,
        Dimensions=[{"Name": k, "Value": v} for k, v in (dimensions or {}).items()],
        StartTime=T0 / 1000 - 1800,
        EndTime=T0 / 1000 + 1800,
        Period=60,
        Statistics=[statistic],
    )
    return {int(p["Timestamp"] * 1000 - T0) // MINUTE: p[statistic] for p in response["Datapoints"]}


# -- PutMetricFilter --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "spec", "expected"),
    [
        ("[a", {}, "Invalid metric filter pattern"),
        ('{ $.a = "x"', {}, "If a filter pattern starts with '{' it must end with '}'"),
        (
            "{ $.a = 1 }",
            {"defaultValue": 0, "dimensions": {"A": "$.a"}},
            "A metric filter with dimensions cannot have a default value.",
        ),
        (
            "{ $.a = 1 }",
            {"dimensions": {"A": "$.a", "B": "$.b", "C": "$.c", "D": "$.d"}},
            "A metric filter can have at most 3 dimensions.",
        ),
        (
            "ERROR",
            {"dimensions": {"Host": "$host"}},
            "The specified filter pattern does not support dimensions",
        ),
        (
            "ERROR",
            {"unit": "Parsecs"},
            "1 validation error detected: Value 'Parsecs' at "
            "'metricTransformations.1.member.unit' failed to satisfy constraint: "
            "Member must satisfy enum value set: [",
        ),
    ],
    ids=["bad", "unclosed-json", "dims-and-default", "four-dims", "dims-on-terms", "unit"],
)
async def test_put_metric_filter_refuses_what_aws_refuses(
    cloud: Cloud, pattern: str, spec: dict[str, Any], expected: str
) -> None:
    await make_stream(cloud)
    code, message = await filter_error(cloud, pattern, **spec)
    assert code == "InvalidParameterException"
    assert message.startswith(expected)
    assert (await logs(cloud, "DescribeMetricFilters", logGroupName="g"))["metricFilters"] == []


async def test_a_group_holds_100_filters_and_putting_a_name_again_replaces_it(
    cloud: Cloud,
) -> None:
    await make_stream(cloud)
    for i in range(100):
        await put_filter(cloud, f"f{i:03d}")
    assert await filter_error(cloud) == ("LimitExceededException", "Resource limit exceeded.")
    await put_filter(cloud, "f000", pattern="WARN", unit="Count", defaultValue=0)
    [found] = (
        await logs(cloud, "DescribeMetricFilters", logGroupName="g", filterNamePrefix="f000")
    )["metricFilters"]
    assert found == {
        "filterName": "f000",
        "filterPattern": "WARN",
        "metricTransformations": [
            {
                "metricName": "Errors",
                "metricNamespace": NS,
                "metricValue": "1",
                "defaultValue": 0,
                "unit": "Count",
            }
        ],
        "creationTime": T0,
        "logGroupName": "g",
        "applyOnTransformedLogs": False,
    }
    [group] = (await logs(cloud, "DescribeLogGroups"))["logGroups"]
    assert group["metricFilterCount"] == 100
    error = await logs_error(
        cloud,
        "PutMetricFilter",
        logGroupName="nope",
        filterName="f",
        filterPattern="",
        metricTransformations=[{"metricName": "E", "metricNamespace": NS, "metricValue": "1"}],
    )
    assert (error.code, error.message) == (
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    )


# -- DescribeMetricFilters and DeleteMetricFilter -----------------------------------------


async def test_describe_by_group_prefix_and_metric_pages_and_delete(cloud: Cloud) -> None:
    await make_stream(cloud, group="a")
    await make_stream(cloud, group="b")
    for i in range(3):
        await put_filter(cloud, f"err-{i}", group="a")
    await put_filter(cloud, "warn", group="a", metricName="Warnings")
    await put_filter(cloud, "err-x", group="b")

    async def names(**params: Any) -> list[tuple[str, str]]:
        response = await logs(cloud, "DescribeMetricFilters", **params)
        return [(f["logGroupName"], f["filterName"]) for f in response["metricFilters"]]

    everything = [("a", "err-0"), ("a", "err-1"), ("a", "err-2"), ("a", "warn"), ("b", "err-x")]
    assert await names() == everything
    assert await names(logGroupName="a", filterNamePrefix="err") == everything[:3]
    assert await names(metricName="Warnings", metricNamespace=NS) == [("a", "warn")]
    for refused, message in [
        (
            {"filterNamePrefix": "err"},
            "If you specify filterNamePrefix, you must also specify logGroupName.",
        ),
        ({"metricName": "Errors"}, "metricName and metricNamespace must be specified together."),
        ({"metricNamespace": NS}, "metricName and metricNamespace must be specified together."),
    ]:
        error = await logs_error(cloud, "DescribeMetricFilters", **refused)
        assert (error.code, error.message) == ("InvalidParameterException", message)
    # Pages of two cover all once; a token belongs to its listing.
    seen: list[tuple[str, str]] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        response = await logs(cloud, "DescribeMetricFilters", **params)
        seen += [(f["logGroupName"], f["filterName"]) for f in response["metricFilters"]]
        if "nextToken" not in response:
            break
        params["nextToken"] = response["nextToken"]
    assert seen == everything
    # A token continues its own listing only: not one with other filters, nor another
    # action's with the same filters.
    first = await logs(cloud, "DescribeMetricFilters", limit=2)
    for action, other in [
        ("DescribeMetricFilters", {"logGroupName": "a"}),
        ("DescribeLogGroups", {}),
    ]:
        error = await logs_error(cloud, action, limit=2, nextToken=first["nextToken"], **other)
        assert (error.code, error.message) == (
            "InvalidParameterException",
            "The specified nextToken is invalid.",
        )
    in_a = await logs(cloud, "DescribeMetricFilters", logGroupName="a", limit=2)
    for action in ("FilterLogEvents", "DescribeLogStreams"):
        error = await logs_error(cloud, action, logGroupName="a", nextToken=in_a["nextToken"])
        assert (error.code, error.message) == (
            "InvalidParameterException",
            "The specified nextToken is invalid.",
        )
    await logs(cloud, "DeleteMetricFilter", logGroupName="a", filterName="warn")
    assert await names(logGroupName="a") == everything[:3]
    error = await logs_error(cloud, "DeleteMetricFilter", logGroupName="a", filterName="warn")
    assert (error.code, error.message) == (
        "ResourceNotFoundException",
        "The specified metric filter does not exist.",
    )


# -- TestMetricFilter ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("ERROR", [(2, {}), (3, {})]),
        ('{ $.level = "ERROR" }', [(3, {})]),
        (
            "[ip, user, status = 5*, bytes]",
            [(2, {"$ip": "10.0.0.2", "$user": "ERROR", "$status": "503", "$bytes": "0"})],
        ),
    ],
    ids=["terms", "json", "delimited"],
)
async def test_test_metric_filter_numbers_matches_from_one(
    cloud: Cloud, pattern: str, expected: list[tuple[int, dict[str, str]]]
) -> None:
    lines = [
        "10.0.0.1 bob 200 512",
        "10.0.0.2 ERROR 503 0",
        '{"level": "ERROR", "msg": "declined"}',
    ]
    response = await logs(cloud, "TestMetricFilter", filterPattern=pattern, logEventMessages=lines)
    assert response == {
        "matches": [
            {"eventNumber": n, "eventMessage": lines[n - 1], "extractedValues": values}
            for n, values in expected
        ]
    }
    error = await logs_error(cloud, "TestMetricFilter", filterPattern="[a", logEventMessages=lines)
    assert (error.code, error.message) == (
        "InvalidParameterException",
        "Invalid metric filter pattern",
    )


# -- what the events put emit -------------------------------------------------------------


async def test_matching_events_emit_at_their_own_time_not_when_put(cloud: Cloud) -> None:
    await make_stream(cloud)
    await put(cloud, [(T0 - 7 * MINUTE, "ERROR before the filter")])  # never counted
    await put_filter(cloud, pattern="ERROR")
    await put(
        cloud,
        [
            (T0 - 5 * MINUTE, "ERROR a"),
            (T0 - 5 * MINUTE + 30_000, "ERROR b"),
            (T0 - 3 * MINUTE, "INFO c"),
            (T0 - 2 * MINUTE, "ERROR d"),
        ],
    )
    assert await per_minute(cloud) == {-5: 2.0, -2: 1.0}
    # Ten minutes on, a batch of now and then one of twenty minutes ago: each its own minute.
    await cloud.clock.advance(600)
    await put(cloud, [(T0 + 9 * MINUTE, "ERROR e")])
    await put(cloud, [(T0 - 20 * MINUTE, "ERROR f"), (T0 - 5 * MINUTE, "ERROR g")])
    assert await per_minute(cloud) == {-20: 1.0, -5: 3.0, -2: 1.0, 9: 1.0}


async def test_values_and_dimensions_are_read_from_json_and_delimited_events(
    cloud: Cloud,
) -> None:
    await make_stream(cloud)
    await put_filter(
        cloud,
        "latency",
        pattern="{ $.latency > 0 }",
        metricName="Latency",
        metricValue="$.latency",
        dimensions={"Queue": "$.queue"},
        unit="Milliseconds",
    )
    await put_filter(
        cloud,
        "bytes",
        pattern="[ip, user, status, bytes]",
        metricName="Bytes",
        metricValue="$bytes",
        dimensions={"Status": "$status"},
    )
    await put(
        cloud,
        [
            (T0, '{"latency": 120, "queue": "orders"}'),
            (T0 + 1, '{"latency": 80.5, "queue": "orders"}'),
            (T0 + 2, '{"latency": 7, "queue": "audit"}'),
            (T0 + 3, '{"latency": 9}'),  # no queue: no point
            (T0 + 4, '{"latency": "slow", "queue": "orders"}'),  # no number: no point
            (T0 + 5, "10.0.0.1 bob 200 512"),
            (T0 + 6, "10.0.0.2 amy 200 100"),
            (T0 + 7, "10.0.0.3 amy 404 -"),  # no number: no point
        ],
    )
    assert await per_minute(cloud, "Latency", {"Queue": "orders"}) == {0: 200.5}
    assert await per_minute(cloud, "Latency", {"Queue": "audit"}) == {0: 7.0}
    assert await per_minute(cloud, "Latency") == {}
    assert await per_minute(cloud, "Bytes", {"Status": "200"}) == {0: 612.0}
    assert await per_minute(cloud, "Bytes", {"Status": "404"}) == {}
    listed = await cw(cloud, "ListMetrics", Namespace=NS, MetricName="Latency")
    assert sorted(m["Dimensions"][0]["Value"] for m in listed["Metrics"]) == ["audit", "orders"]


async def test_the_default_value_fills_the_minutes_of_a_batch_with_no_match(
    cloud: Cloud,
) -> None:
    await make_stream(cloud)
    await put_filter(cloud, pattern="ERROR", defaultValue=0)
    await put(
        cloud,
        [
            (T0 - 3 * MINUTE, "INFO a"),
            (T0 - 3 * MINUTE + 1, "INFO b"),
            (T0 - 2 * MINUTE, "ERROR c"),
            (T0 - 2 * MINUTE + 1, "INFO d"),
            (T0, "INFO e"),
        ],
    )
    assert await per_minute(cloud) == {-3: 0.0, -2: 1.0, 0: 0.0}
    # One default point for a quiet minute, not one per quiet event.
    assert await per_minute(cloud, statistic="SampleCount") == {-3: 1.0, -2: 1.0, 0: 1.0}


async def test_an_alarm_on_a_filters_metric_goes_to_alarm_when_errors_are_logged(
    cloud: Cloud,
) -> None:
    """The seed's "metric filter on a log group with a pattern, and an alarm on it"."""
    await make_stream(cloud)
    await put_filter(cloud, pattern='{ $.level = "ERROR" }', defaultValue=0)
    await cw(
        cloud,
        "PutMetricAlarm",
        AlarmName="order-errors",
        Namespace=NS,
        MetricName="Errors",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=3,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )

    async def state() -> str:
        [found] = (await cw(cloud, "DescribeAlarms", AlarmNames=["order-errors"]))["MetricAlarms"]
        return str(found["StateValue"])

    async def minute_of_logs(levels: list[str]) -> None:
        """Lines spread over the coming minute, put as it ends, then the clock past it."""
        now = int(cloud.clock.now() * 1000)
        lines = [
            (now + i * 10_000, f'{{"level": "{level}", "msg": "m{i}"}}')
            for i, level in enumerate(levels)
        ]
        await cloud.clock.advance(59)
        await put(cloud, lines)
        await cloud.clock.advance(1)

    assert await state() == "INSUFFICIENT_DATA"
    await minute_of_logs(["INFO", "ERROR", "INFO", "INFO"])
    assert await state() == "OK"
    await minute_of_logs(["ERROR", "INFO", "ERROR", "ERROR", "INFO"])
    assert await state() == "ALARM"


async def test_streams_putting_the_same_seconds_add_up_as_one_would(cloud: Cloud) -> None:
    """A batch's points go to the store a second at a time, also into seconds it already holds."""
    await make_stream(cloud)
    await make_stream(cloud, stream="t")
    await put_filter(cloud, "count", pattern="")
    await put_filter(
        cloud,
        "latency",
        pattern="{ $.latency >= 10 }",
        metricName="Latency",
        metricValue="$.latency",
        unit="Milliseconds",
    )
    latencies = {"s": [10, 20, 5, 30, 40], "t": [50, 10, 60, 1, 70]}
    for stream, values in latencies.items():
        # Two events a second, so that the second stream's seconds are already held.
        lines = [(T0 + 500 * i, f'{{"latency": {v}}}') for i, v in enumerate(values)]
        await put(cloud, lines, stream=stream)
    assert await per_minute(cloud) == {0: 10.0}
    assert await per_minute(cloud, statistic="SampleCount") == {0: 10.0}
    kept = [v for values in latencies.values() for v in values if v >= 10]
    for statistic, expected in [
        ("Sum", sum(kept)),
        ("SampleCount", len(kept)),
        ("Minimum", min(kept)),
        ("Maximum", max(kept)),
    ]:
        assert await per_minute(cloud, "Latency", statistic=statistic) == {0: expected}
    response = await cw(
        cloud,
        "GetMetricStatistics",
        Namespace=NS,
        MetricName="Latency",
        StartTime=T0 / 1000,
        EndTime=T0 / 1000 + 60,
        Period=60,
        ExtendedStatistics=["p100"],
    )
    [point] = response["Datapoints"]
    assert point["ExtendedStatistics"]["p100"] == pytest.approx(max(kept), rel=0.01)


async def test_the_json_filters_of_a_group_read_each_event_once(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = count_json_reads(monkeypatch)
    await make_stream(cloud)
    await put_filter(cloud, "errors", pattern='{ $.level = "ERROR" }')
    await put_filter(
        cloud, "latency", pattern="{ $.latency > 0 }", metricName="Latency", metricValue="$.latency"
    )
    lines = [f'{{"level": "ERROR", "latency": {i + 1}}}' for i in range(3)]
    await put(cloud, [(T0 + i, line) for i, line in enumerate(lines)])
    assert sorted(reads) == lines
    assert await per_minute(cloud) == {0: 3.0}
    assert await per_minute(cloud, "Latency") == {0: 6.0}
