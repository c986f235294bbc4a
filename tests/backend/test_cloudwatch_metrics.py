"""CloudWatch's metric API in process: puts, statistics, listings and GetMetricData.

Each test starts from a fresh cloud at `DEFAULT_START` (a whole hour) and moves
the virtual clock by hand; expected figures are worked out by hand from the
points put.
"""

from __future__ import annotations

from typing import Any

import pytest

from backend.cloud import DEFAULT_START, Cloud
from tests.backend.helpers import cw, cw_error

T0 = int(DEFAULT_START)
NS = "Shop"


async def put(cloud: Cloud, name: str = "Latency", **datum: Any) -> None:
    await cw(cloud, "PutMetricData", Namespace=NS, MetricData=[{"MetricName": name, **datum}])


async def stats(
    cloud: Cloud, start: float, end: float, period: int = 60, **params: Any
) -> list[dict[str, Any]]:
    params.setdefault("Statistics", ["SampleCount", "Sum", "Average", "Minimum", "Maximum"])
    params.setdefault("MetricName", "Latency")
    response = await cw(
        cloud,
        "GetMetricStatistics",
        Namespace=NS,
        StartTime=start,
        EndTime=end,
        Period=period,
        **params,
    )
    assert response["Label"] == params["MetricName"]
    return sorted(response["Datapoints"], key=lambda d: d["Timestamp"])


# -- PutMetricData and GetMetricStatistics ------------------------------------------


async def test_values_put_come_back_as_the_five_statistics_per_period(cloud: Cloud) -> None:
    for value, at in [(10, 5), (20, 30), (60, 59), (7, 60), (3, 125)]:
        await put(cloud, Value=value, Unit="Milliseconds", Timestamp=T0 + at)
    points = await stats(cloud, T0, T0 + 180)
    assert points == [
        {
            "Timestamp": T0,
            "SampleCount": 3.0,
            "Sum": 90.0,
            "Average": 30.0,
            "Minimum": 10.0,
            "Maximum": 60.0,
            "Unit": "Milliseconds",
        },
        {
            "Timestamp": T0 + 60,
            "SampleCount": 1.0,
            "Sum": 7.0,
            "Average": 7.0,
            "Minimum": 7.0,
            "Maximum": 7.0,
            "Unit": "Milliseconds",
        },
        {
            "Timestamp": T0 + 120,
            "SampleCount": 1.0,
            "Sum": 3.0,
            "Average": 3.0,
            "Minimum": 3.0,
            "Maximum": 3.0,
            "Unit": "Milliseconds",
        },
    ]


async def test_start_is_inclusive_end_exclusive_and_periods_align_to_the_epoch(
    cloud: Cloud,
) -> None:
    for at in (0, 60, 120):
        await put(cloud, Value=1, Timestamp=T0 + at)
    points = await stats(cloud, T0 + 60, T0 + 120, Statistics=["Sum"])
    assert [p["Timestamp"] for p in points] == [T0 + 60]
    # A five-minute period starts on a multiple of 300 seconds, whatever StartTime says.
    points = await stats(cloud, T0 + 30, T0 + 600, period=300, Statistics=["SampleCount"])
    assert [(p["Timestamp"] - T0) % 300 for p in points] == [0]


async def test_values_and_counts_weigh_each_value_and_give_percentiles(cloud: Cloud) -> None:
    await put(cloud, Values=[1.0, 2.0, 100.0], Counts=[50, 49, 1], Timestamp=T0)
    [point] = await stats(
        cloud, T0, T0 + 60, Statistics=None, ExtendedStatistics=["p50", "p99", "p100"]
    )
    extended = point["ExtendedStatistics"]
    assert extended["p50"] == pytest.approx(1.0, rel=0.01)
    assert extended["p99"] == pytest.approx(2.0, rel=0.01)
    assert extended["p100"] == pytest.approx(100.0, rel=0.01)
    [point] = await stats(cloud, T0, T0 + 60, Statistics=["SampleCount", "Sum"])
    assert (point["SampleCount"], point["Sum"]) == (100.0, 50 + 98 + 100.0)


async def test_statistic_sets_give_no_percentiles_as_aws_does(cloud: Cloud) -> None:
    sets = {"SampleCount": 4, "Sum": 10, "Minimum": 1, "Maximum": 4}
    await put(cloud, StatisticValues=sets, Timestamp=T0)
    [point] = await stats(cloud, T0, T0 + 60, Statistics=None, ExtendedStatistics=["p90"])
    assert point["ExtendedStatistics"] == {}
    [point] = await stats(cloud, T0, T0 + 60, Statistics=["Average", "Maximum"])
    assert (point["Average"], point["Maximum"]) == (2.5, 4.0)


async def test_units_are_never_converted(cloud: Cloud) -> None:
    await put(cloud, Value=1, Unit="Seconds", Timestamp=T0)
    await put(cloud, Value=1000, Unit="Milliseconds", Timestamp=T0)
    assert [p["Unit"] for p in await stats(cloud, T0, T0 + 60, Unit="Seconds")] == ["Seconds"]
    assert await stats(cloud, T0, T0 + 60, Unit="Microseconds") == []
    both = await stats(cloud, T0, T0 + 60, Statistics=["Sum"])
    assert sorted((p["Unit"], p["Sum"]) for p in both) == [
        ("Milliseconds", 1000.0),
        ("Seconds", 1.0),
    ]


async def test_the_services_own_metrics_answer_through_the_api(cloud: Cloud) -> None:
    url = (await cloud.call("sqs", "CreateQueue", {"QueueName": "orders"}))["QueueUrl"]
    for _ in range(3):
        await cloud.call("sqs", "SendMessage", {"QueueUrl": url, "MessageBody": "x"})
    await cloud.clock.advance(60)
    response = await cw(
        cloud,
        "GetMetricStatistics",
        Namespace="AWS/SQS",
        MetricName="NumberOfMessagesSent",
        Dimensions=[{"Name": "QueueName", "Value": "orders"}],
        StartTime=T0,
        EndTime=T0 + 60,
        Period=60,
        Statistics=["Sum"],
    )
    assert [p["Sum"] for p in response["Datapoints"]] == [3.0]


@pytest.mark.parametrize(
    ("datum", "code", "message"),
    [
        (
            {"Value": float("nan")},
            "InvalidParameterValueException",
            "The value nan for parameter MetricData.member.1.Value is invalid.",
        ),
        (
            {"Value": 2.0**361},
            "InvalidParameterValueException",
            "MetricData.member.1.Value is invalid",
        ),
        (
            {
                "Value": 1,
                "StatisticValues": {"SampleCount": 1, "Sum": 1, "Minimum": 1, "Maximum": 1},
            },
            "InvalidParameterCombinationException",
            "mutually exclusive",
        ),
        (
            {"Values": [1, 2], "Counts": [1]},
            "InvalidParameterValueException",
            "must be of the same size",
        ),
        ({"Values": list(range(151))}, "InvalidParameterValueException", "greater than 150"),
        ({}, "MissingRequiredParameterException", "At least one of the parameters"),
        (
            {"Value": 1, "StorageResolution": 30},
            "InvalidParameterValueException",
            "StorageResolution is invalid",
        ),
        (
            {"Value": 1, "Unit": "Furlongs"},
            "InvalidParameterValueException",
            "The value Furlongs for parameter MetricData.member.1.Unit is invalid.",
        ),
        (
            {"Value": 1, "Timestamp": T0 - 15 * 86_400},
            "InvalidParameterValueException",
            "two weeks in the past",
        ),
        (
            {"Value": 1, "Timestamp": T0 + 3 * 3600},
            "InvalidParameterValueException",
            "two hours in the future",
        ),
        (
            {"Value": 1, "Dimensions": [{"Name": f"d{i}", "Value": "v"} for i in range(31)]},
            "InvalidParameterValueException",
            "greater than 30",
        ),
        (
            {"Value": 1, "Dimensions": [{"Name": "a", "Value": "1"}, {"Name": "a", "Value": "2"}]},
            "InvalidParameterValueException",
            "same dimension name twice",
        ),
    ],
)
async def test_a_bad_datum_is_refused_and_nothing_of_the_put_is_stored(
    cloud: Cloud, datum: dict[str, Any], code: str, message: str
) -> None:
    good = {"MetricName": "Good", "Value": 1}
    error = await cw_error(
        cloud, "PutMetricData", Namespace=NS, MetricData=[{"MetricName": "Latency", **datum}, good]
    )
    assert (error.code, error.status) == (code, 400)
    assert message in error.message
    assert (await cw(cloud, "ListMetrics", Namespace=NS))["Metrics"] == []


async def test_aws_namespaces_are_the_services_own(cloud: Cloud) -> None:
    error = await cw_error(
        cloud, "PutMetricData", Namespace="AWS/SQS", MetricData=[{"MetricName": "x", "Value": 1}]
    )
    assert (error.code, error.legacy_code) == (
        "InvalidParameterValueException",
        "InvalidParameterValue",
    )
    assert error.message == "The value AWS/SQS for parameter Namespace is invalid."
    error = await cw_error(
        cloud, "PutMetricData", Namespace=NS, MetricData=[{"MetricName": "x", "Value": 1}] * 1001
    )
    assert "greater than 1000" in error.message


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        (
            {"Period": 45},
            "InvalidParameterValueException",
            "must be 1, 5, 10, 20, 30, or a multiple of 60",
        ),
        (
            {"Period": 1, "EndTime": T0 + 1441},
            "InvalidParameterCombinationException",
            "You have requested up to 1,441 datapoints, which exceeds the limit of 1,440.",
        ),
        (
            {"EndTime": T0},
            "InvalidParameterValueException",
            "StartTime must be less than the parameter EndTime",
        ),
        (
            {"Statistics": None},
            "MissingRequiredParameterException",
            "Must specify either Statistics or ExtendedStatistics",
        ),
        ({"ExtendedStatistics": ["p99"]}, "InvalidParameterCombinationException", "but not both"),
        (
            {"Statistics": None, "ExtendedStatistics": ["p101"]},
            "InvalidParameterValueException",
            "p101",
        ),
        ({"Statistics": ["Median"]}, "InvalidParameterValueException", "Median"),
    ],
)
async def test_a_bad_statistics_query_gets_aws_error(
    cloud: Cloud, params: dict[str, Any], code: str, message: str
) -> None:
    query: dict[str, Any] = {
        "Namespace": NS,
        "MetricName": "Latency",
        "StartTime": T0,
        "EndTime": T0 + 3600,
        "Period": 60,
        "Statistics": ["Sum"],
        **params,
    }
    query = {k: v for k, v in query.items() if v is not None}
    error = await cw_error(cloud, "GetMetricStatistics", **query)
    assert error.code == code
    assert message in error.message


async def test_1440_datapoints_is_the_most_one_query_may_ask_for(cloud: Cloud) -> None:
    assert await stats(cloud, T0, T0 + 1440, period=1) == []


async def test_a_backdated_put_into_long_filed_minutes_is_answered_exactly(cloud: Cloud) -> None:
    """Ten hours of one count a minute, put at once with past timestamps (the store seals
    the older minutes into compressed blocks), then a late put into the oldest of them."""
    start = T0 - 600 * 60
    data = [
        {"MetricName": "Orders", "Value": m % 13, "Timestamp": start + 60 * m} for m in range(600)
    ]
    await cw(cloud, "PutMetricData", Namespace=NS, MetricData=data)
    await put(cloud, "Orders", Value=100, Timestamp=start + 60 * 5 + 30)
    statistics: dict[str, Any] = {
        "MetricName": "Orders",
        "Statistics": ["SampleCount", "Sum", "Maximum"],
    }
    expected = [
        {"Timestamp": start + 60 * m, "SampleCount": 1.0, "Sum": m % 13.0, "Maximum": m % 13.0}
        for m in range(10)
    ]
    expected[5] = {"Timestamp": start + 300, "SampleCount": 2.0, "Sum": 105.0, "Maximum": 100.0}
    for _ in range(2):
        points = await stats(cloud, start, start + 600, **statistics)
        assert [{k: v for k, v in p.items() if k != "Unit"} for p in points] == expected
        hours = await stats(cloud, start, T0, period=3600, **statistics)
        assert sum(p["Sum"] for p in hours) == sum(m % 13 for m in range(600)) + 100
        # An hour on, listing sweeps the store, which seals the opened block again.
        await cloud.clock.advance(3600)
        await cw(cloud, "ListMetrics", Namespace=NS)


# -- ListMetrics ----------------------------------------------------------------------


async def test_list_metrics_filters_by_namespace_name_and_dimensions(cloud: Cloud) -> None:
    for name, dims in [
        ("Latency", {"Host": "a", "Zone": "1"}),
        ("Latency", {"Host": "b"}),
        ("Errors", {"Host": "a"}),
    ]:
        await put(
            cloud, name, Value=1, Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()]
        )

    async def listed(**params: Any) -> list[tuple[str, dict[str, str]]]:
        metrics = (await cw(cloud, "ListMetrics", Namespace=NS, **params))["Metrics"]
        return [
            (m["MetricName"], {d["Name"]: d["Value"] for d in m["Dimensions"]}) for m in metrics
        ]

    assert len(await listed()) == 3
    assert await listed(MetricName="Errors") == [("Errors", {"Host": "a"})]
    assert [n for n, _ in await listed(Dimensions=[{"Name": "Zone"}])] == ["Latency"]
    assert await listed(Dimensions=[{"Name": "Host", "Value": "b"}]) == [("Latency", {"Host": "b"})]


async def test_recently_active_and_the_two_weeks_a_metric_stays_listed(cloud: Cloud) -> None:
    await put(cloud, Value=1)
    await cloud.clock.advance(3 * 3600 + 1)
    assert (await cw(cloud, "ListMetrics", Namespace=NS, RecentlyActive="PT3H"))["Metrics"] == []
    assert len((await cw(cloud, "ListMetrics", Namespace=NS))["Metrics"]) == 1
    await cloud.clock.advance(14 * 86_400)
    assert (await cw(cloud, "ListMetrics", Namespace=NS))["Metrics"] == []
    error = await cw_error(cloud, "ListMetrics", RecentlyActive="PT1H")
    assert error.code == "InvalidParameterValueException"


async def test_list_metrics_pages_by_500_and_a_token_is_bound_to_its_listing(cloud: Cloud) -> None:
    data = [{"MetricName": f"m{i:04}", "Value": 1} for i in range(1000)]
    await cw(cloud, "PutMetricData", Namespace=NS, MetricData=data)
    await put(cloud, "zzz", Value=1)
    first = await cw(cloud, "ListMetrics", Namespace=NS)
    assert len(first["Metrics"]) == 500
    second = await cw(cloud, "ListMetrics", Namespace=NS, NextToken=first["NextToken"])
    third = await cw(cloud, "ListMetrics", Namespace=NS, NextToken=second["NextToken"])
    names = [m["MetricName"] for page in (first, second, third) for m in page["Metrics"]]
    assert names == sorted(names) and len(set(names)) == 1001 and "NextToken" not in third
    error = await cw_error(cloud, "ListMetrics", Namespace="Other", NextToken=first["NextToken"])
    assert error.code == "InvalidNextToken"


# -- GetMetricData ----------------------------------------------------------------------


def stat(query_id: str, name: str, stat_name: str = "Sum", **extra: Any) -> dict[str, Any]:
    metric = {"Namespace": NS, "MetricName": name}
    return {
        "Id": query_id,
        "MetricStat": {"Metric": metric, "Period": 60, "Stat": stat_name},
        **extra,
    }


async def test_get_metric_data_answers_metrics_and_math_newest_first(cloud: Cloud) -> None:
    for minute, (ok, bad) in enumerate([(9, 1), (18, 2), (27, 3)]):
        await put(cloud, "Ok", Value=ok, Timestamp=T0 + 60 * minute)
        await put(cloud, "Bad", Value=bad, Timestamp=T0 + 60 * minute)
    response = await cw(
        cloud,
        "GetMetricData",
        MetricDataQueries=[
            stat("ok", "Ok", ReturnData=False),
            stat("bad", "Bad", ReturnData=False),
            {"Id": "rate", "Expression": "100 * bad / (ok + bad)", "Label": "error %"},
        ],
        StartTime=T0,
        EndTime=T0 + 180,
    )
    [result] = response["MetricDataResults"]
    assert result["Id"] == "rate" and result["Label"] == "error %"
    assert result["Timestamps"] == [T0 + 120, T0 + 60, T0]
    assert result["Values"] == [10.0, 10.0, 10.0]
    assert result["StatusCode"] == "Complete"


async def test_get_metric_data_pages_by_max_datapoints_oldest_first_when_asked(
    cloud: Cloud,
) -> None:
    for minute in range(5):
        await put(cloud, "Ok", Value=minute, Timestamp=T0 + 60 * minute)
    query = {
        "MetricDataQueries": [stat("ok", "Ok")],
        "StartTime": T0,
        "EndTime": T0 + 300,
        "ScanBy": "TimestampAscending",
        "MaxDatapoints": 3,
    }
    first = await cw(cloud, "GetMetricData", **query)
    assert first["MetricDataResults"][0]["Values"] == [0.0, 1.0, 2.0]
    assert first["MetricDataResults"][0]["StatusCode"] == "PartialData"
    second = await cw(cloud, "GetMetricData", **query, NextToken=first["NextToken"])
    assert second["MetricDataResults"][0]["Values"] == [3.0, 4.0]
    assert second["MetricDataResults"][0]["StatusCode"] == "Complete"
    assert "NextToken" not in second


@pytest.mark.parametrize(
    ("queries", "message"),
    [
        (
            [stat("Bad", "Ok")],
            "The value Bad for parameter MetricDataQueries.member.1.Id is invalid.",
        ),
        ([stat("a", "Ok"), stat("a", "Ok")], "is not unique"),
        ([{"Id": "e", "Expression": "m9 * 2"}], "Unrecognized metric or expression id 'm9'"),
        (
            [{"Id": "e", "Expression": "f * 2"}, {"Id": "f", "Expression": "e * 2"}],
            "Circular dependency",
        ),
        ([{"Id": "e", "Expression": "SUM(["}], "Error in expression"),
        ([stat("a", "Ok", ReturnData=False)], "At least one query must have ReturnData"),
        ([{"Id": "a"}], "Exactly one of"),
        ([stat("a", "Ok", "Median")], "Stat is invalid"),
    ],
)
async def test_bad_metric_data_queries_get_a_clear_error(
    cloud: Cloud, queries: list[dict[str, Any]], message: str
) -> None:
    await put(cloud, "Ok", Value=1)
    error = await cw_error(
        cloud, "GetMetricData", MetricDataQueries=queries, StartTime=T0, EndTime=T0 + 60
    )
    assert error.status == 400
    assert message in error.message
