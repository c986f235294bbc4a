"""Anomaly detection: the model's band, ANOMALY_DETECTION_BAND, band alarms and the detector API.

The clock is stepped by hand. History is put with past time stamps after
the clock has moved on (PutMetricData takes two weeks back), so days of
data cost a few calls.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from backend.cloud import DEFAULT_START, Cloud
from backend.scenarios import apply, load_scenario, parse_scenario
from backend.services import new_cloud
from backend.services.cloudwatch import REGISTRATION
from tests.backend.helpers import cw, cw_error

T0 = int(DEFAULT_START)  # 09:00 UTC
DAY = 86_400
NS = "Shop"
TOPIC = "arn:aws:sns:us-east-1:123456789012:ops"


async def put(cloud: Cloud, points: list[tuple[float, float]], name: str = "Latency") -> None:
    """`points` (time stamp, value) of one metric, a thousand a call."""
    for at in range(0, len(points), 1000):
        data = [{"MetricName": name, "Timestamp": t, "Value": v} for t, v in points[at : at + 1000]]
        await cw(cloud, "PutMetricData", Namespace=NS, MetricData=data)


def stat_query(name: str = "Latency", period: int = 60, **extra: Any) -> dict[str, Any]:
    metric = {"Namespace": NS, "MetricName": name}
    return {
        "Id": "m1",
        "MetricStat": {"Metric": metric, "Period": period, "Stat": "Average"},
        **extra,
    }


async def band(
    cloud: Cloud,
    start: float,
    end: float,
    expression: str = "ANOMALY_DETECTION_BAND(m1, 2)",
    *,
    name: str = "Latency",
    period: int = 60,
) -> tuple[dict[float, float], dict[float, float]]:
    """The band's lower and upper series from GetMetricData, by time stamp."""
    response = await cw(
        cloud,
        "GetMetricData",
        MetricDataQueries=[
            stat_query(name, period, ReturnData=False),
            {"Id": "ad1", "Expression": expression},
        ],
        StartTime=start,
        EndTime=end,
        ScanBy="TimestampAscending",
    )
    lower, upper = response["MetricDataResults"]
    assert lower["Id"] == upper["Id"] == "ad1"
    return (
        dict(zip(lower["Timestamps"], lower["Values"], strict=True)),
        dict(zip(upper["Timestamps"], upper["Values"], strict=True)),
    )


def wobble(i: int) -> float:
    """A steady metric's small noise: 98 to 102."""
    return 100.0 + (i * 7 % 5) - 2


async def steady_hours(cloud: Cloud, hours: int) -> list[tuple[float, float]]:
    """`hours` of per-minute values around 100, ending now."""
    await cloud.clock.advance(hours * 3600)
    now = int(cloud.clock.now())
    points = [(float(now - 60 * (i + 1)), wobble(i)) for i in range(hours * 60)]
    await put(cloud, points)
    return points


# -- the band ---------------------------------------------------------------------------


async def test_a_steady_series_gets_a_narrow_band_around_its_values(cloud: Cloud) -> None:
    points = await steady_hours(cloud, 6)
    now = cloud.clock.now()
    lower, upper = await band(cloud, now - 3600, now)
    assert len(lower) == len(upper) == 60
    values = dict(points)
    for t, low in lower.items():
        assert low < upper[t]
        assert upper[t] - low < 20
        if t in values:
            assert low <= values[t] <= upper[t]


async def test_a_constant_series_still_has_a_band_of_some_width(cloud: Cloud) -> None:
    await cloud.clock.advance(3 * 3600)
    now = int(cloud.clock.now())
    await put(cloud, [(float(now - 60 * (i + 1)), 50.0) for i in range(120)])
    lower, upper = await band(cloud, now - 600, now)
    for t, low in lower.items():
        assert 0 < upper[t] - low <= 4.01  # 2 × 2 × 1% of 50
        assert low < 50 < upper[t]


async def test_a_spike_leaves_the_band(cloud: Cloud) -> None:
    await steady_hours(cloud, 6)
    now = int(cloud.clock.now())
    await put(cloud, [(float(now), 400.0)])
    lower, upper = await band(cloud, now - 300, now + 60)
    assert upper[float(now)] < 400
    assert lower[float(now - 60)] <= wobble(0) <= upper[float(now - 60)]


async def test_the_band_width_is_k_standard_deviations_two_by_default(cloud: Cloud) -> None:
    await steady_hours(cloud, 6)
    now = cloud.clock.now()
    default = await band(cloud, now - 120, now, "ANOMALY_DETECTION_BAND(m1)")
    two = await band(cloud, now - 120, now, "ANOMALY_DETECTION_BAND(m1, 2)")
    four = await band(cloud, now - 120, now, "ANOMALY_DETECTION_BAND(m1, 4)")
    assert default == two
    for t, low in two[0].items():
        middle = (low + two[1][t]) / 2
        assert four[1][t] - four[0][t] == pytest.approx(2 * (two[1][t] - low))
        assert (four[0][t] + four[1][t]) / 2 == pytest.approx(middle)


async def test_the_band_never_goes_below_zero_for_a_metric_that_never_did(cloud: Cloud) -> None:
    await cloud.clock.advance(3 * 3600)
    now = int(cloud.clock.now())
    await put(cloud, [(float(now - 60 * (i + 1)), float(i % 2)) for i in range(120)])
    lower, _ = await band(cloud, now - 600, now, "ANOMALY_DETECTION_BAND(m1, 5)")
    assert min(lower.values()) == 0.0


def daily(t: float) -> float:
    """A metric with a daily cycle: 150 at 06:00 UTC, 50 at 18:00."""
    return 100 + 50 * math.sin(2 * math.pi * (t % DAY) / DAY)


async def daily_days(cloud: Cloud, days: int, since: float) -> None:
    """Five-minute values of `daily` from `since` for `days`, the clock moved past them."""
    end = since + days * DAY
    await cloud.clock.advance_to(end)
    await put(cloud, [(float(t), daily(t)) for t in range(int(since), int(end), 300)])


async def test_a_daily_pattern_is_learned_after_a_few_days(cloud: Cloud) -> None:
    first = (T0 // DAY + 1) * DAY  # midnight after the start
    peak, trough = 6 * 3600, 18 * 3600

    await daily_days(cloud, 2, first)
    day = first + 2 * DAY
    lower, upper = await band(cloud, day - DAY, day, period=300)
    at_peak, at_trough = day - DAY + peak, day - DAY + trough
    # Two days are not enough: one wide band for every hour.
    assert lower[at_peak] == lower[at_trough] and upper[at_peak] == upper[at_trough]
    assert lower[at_trough] < 50 and upper[at_peak] > 150

    await daily_days(cloud, 2, day)
    day += 2 * DAY
    lower, upper = await band(cloud, day - DAY, day, period=300)
    at_peak, at_trough = day - DAY + peak, day - DAY + trough
    assert 130 < lower[at_peak] < 150 < upper[at_peak] < 170
    assert 30 < lower[at_trough] < 50 < upper[at_trough] < 70
    for t, low in lower.items():
        assert low <= daily(t) <= upper[t]


async def test_excluded_time_ranges_are_not_trained_on(cloud: Cloud) -> None:
    await cloud.clock.advance(DAY)
    now = int(cloud.clock.now())
    # A day at 500 (a load test, say), then eight hours back at 100.
    shifted = [
        (float(t), 500.0 if t < now - 8 * 3600 else wobble(t // 60))
        for t in range(now - DAY, now, 60)
    ]
    for name in ("Latency", "Unmarked"):
        await put(cloud, shifted, name)
    await cw(
        cloud,
        "PutAnomalyDetector",
        SingleMetricAnomalyDetector={"Namespace": NS, "MetricName": "Latency", "Stat": "Average"},
        Configuration={"ExcludedTimeRanges": [{"StartTime": now - DAY, "EndTime": now - 8 * 3600}]},
    )
    lower, upper = await band(cloud, now - 600, now)
    assert all(lower[t] <= 100 <= upper[t] < 110 for t in lower)
    lower, upper = await band(cloud, now - 600, now, name="Unmarked")
    assert all(upper[t] > 400 and lower[t] > 100 for t in lower)


async def test_the_band_needs_a_metric_query(cloud: Cloud) -> None:
    await steady_hours(cloud, 1)
    now = cloud.clock.now()
    for expression, words in (
        ("ANOMALY_DETECTION_BAND(m1 * 2)", "takes the id of a MetricStat query"),
        ("ANOMALY_DETECTION_BAND(m1, -1)", "must be a positive number"),
        ("ANOMALY_DETECTION_BAND(m1, 2, 3)", "optionally a band width"),
    ):
        error = await cw_error(
            cloud,
            "GetMetricData",
            MetricDataQueries=[
                stat_query(ReturnData=False),
                {"Id": "ad1", "Expression": expression},
            ],
            StartTime=now - 600,
            EndTime=now,
        )
        assert error.code == "ValidationError"
        assert words in error.message


async def test_a_band_makes_the_metric_a_detector_as_aws_does(cloud: Cloud) -> None:
    await steady_hours(cloud, 1)
    now = cloud.clock.now()
    assert (await cw(cloud, "DescribeAnomalyDetectors"))["AnomalyDetectors"] == []
    await band(cloud, now - 600, now)
    [detector] = (await cw(cloud, "DescribeAnomalyDetectors"))["AnomalyDetectors"]
    assert detector["SingleMetricAnomalyDetector"] == {
        "Namespace": NS,
        "MetricName": "Latency",
        "Dimensions": [],
        "Stat": "Average",
    }
    assert detector["StateValue"] == "TRAINED"


# -- band alarms ------------------------------------------------------------------------


async def test_a_band_alarm_goes_to_alarm_on_a_spike_and_ok_after(cloud: Cloud) -> None:
    await cw(
        cloud,
        "PutMetricAlarm",
        AlarmName="latency-anomaly",
        Metrics=[
            stat_query(ReturnData=True),
            {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)"},
        ],
        ThresholdMetricId="ad1",
        ComparisonOperator="LessThanLowerOrGreaterThanUpperThreshold",
        EvaluationPeriods=1,
        AlarmActions=[TOPIC],
    )

    async def minute(value: float) -> str:
        await put(cloud, [(cloud.clock.now(), value)])
        await cloud.clock.advance(60)
        [found] = (await cw(cloud, "DescribeAlarms"))["MetricAlarms"]
        return str(found["StateValue"])

    states = [await minute(wobble(i)) for i in range(90)]
    # No band before the model has ten values: nothing to judge.
    assert states[0] == "INSUFFICIENT_DATA"
    assert states[20:] == ["OK"] * 70
    assert await minute(1000.0) == "ALARM"
    [found] = (await cw(cloud, "DescribeAlarms"))["MetricAlarms"]
    assert "outside the band" in found["StateReason"]
    assert await minute(wobble(0)) == "OK"


# -- the detector API -------------------------------------------------------------------


async def test_put_describe_and_delete_a_detector(cloud: Cloud) -> None:
    put_response = await cw(
        cloud,
        "PutAnomalyDetector",
        Namespace=NS,
        MetricName="Latency",
        Dimensions=[{"Name": "Host", "Value": "a"}],
        Stat="p99",
    )
    [detector] = (await cw(cloud, "DescribeAnomalyDetectors"))["AnomalyDetectors"]
    assert detector["AnomalyDetectorId"] == put_response["AnomalyDetectorId"]
    assert detector["Namespace"] == NS and detector["Stat"] == "p99"
    assert detector["Dimensions"] == [{"Name": "Host", "Value": "a"}]
    assert detector["StateValue"] == "PENDING_TRAINING"
    assert detector["Configuration"] == {"ExcludedTimeRanges": []}

    # Put again, the new form: the same detector, its configuration replaced.
    single = {
        "Namespace": NS,
        "MetricName": "Latency",
        "Dimensions": [{"Name": "Host", "Value": "a"}],
        "Stat": "p99",
    }
    again = await cw(
        cloud,
        "PutAnomalyDetector",
        SingleMetricAnomalyDetector=single,
        Configuration={
            "ExcludedTimeRanges": [{"StartTime": T0 - 3600, "EndTime": T0}],
            "MetricTimezone": "Europe/Paris",
        },
        MetricCharacteristics={"PeriodicSpikes": True},
    )
    assert again == put_response
    [detector] = (await cw(cloud, "DescribeAnomalyDetectors"))["AnomalyDetectors"]
    assert detector["Configuration"] == {
        "ExcludedTimeRanges": [{"StartTime": T0 - 3600, "EndTime": T0}],
        "MetricTimezone": "Europe/Paris",
    }
    assert detector["MetricCharacteristics"] == {"PeriodicSpikes": True}

    await cw(cloud, "DeleteAnomalyDetector", SingleMetricAnomalyDetector=single)
    assert (await cw(cloud, "DescribeAnomalyDetectors"))["AnomalyDetectors"] == []
    error = await cw_error(cloud, "DeleteAnomalyDetector", SingleMetricAnomalyDetector=single)
    assert (error.code, error.status) == ("ResourceNotFoundException", 404)


async def test_delete_by_id(cloud: Cloud) -> None:
    made = await cw(cloud, "PutAnomalyDetector", Namespace=NS, MetricName="A", Stat="Sum")
    await cw(cloud, "DeleteAnomalyDetector", AnomalyDetectorId=made["AnomalyDetectorId"])
    assert (await cw(cloud, "DescribeAnomalyDetectors"))["AnomalyDetectors"] == []
    error = await cw_error(
        cloud, "DeleteAnomalyDetector", AnomalyDetectorId=made["AnomalyDetectorId"]
    )
    assert error.code == "ResourceNotFoundException"


async def test_state_value_follows_the_training_data(cloud: Cloud) -> None:
    await cw(cloud, "PutAnomalyDetector", Namespace=NS, MetricName="Latency", Stat="Average")

    async def state() -> str:
        [detector] = (await cw(cloud, "DescribeAnomalyDetectors"))["AnomalyDetectors"]
        return str(detector["StateValue"])

    assert await state() == "PENDING_TRAINING"
    await cloud.clock.advance(3600)
    now = int(cloud.clock.now())
    await put(cloud, [(float(now - 300 * (i + 1)), 100.0) for i in range(3)])
    assert await state() == "TRAINED_INSUFFICIENT_DATA"
    await cloud.clock.advance(3600)
    now = int(cloud.clock.now())
    await put(cloud, [(float(now - 300 * (i + 1)), 100.0) for i in range(12)])
    assert await state() == "TRAINED"


@pytest.mark.parametrize(
    ("params", "code", "words"),
    [
        ({"MetricName": "A", "Stat": "Sum"}, "MissingRequiredParameterException", "Namespace"),
        ({"Namespace": NS, "Stat": "Sum"}, "MissingRequiredParameterException", "MetricName"),
        ({"Namespace": NS, "MetricName": "A"}, "MissingRequiredParameterException", "Stat"),
        (
            {"Namespace": NS, "MetricName": "A", "Stat": "Median"},
            "InvalidParameterValueException",
            "Stat",
        ),
        (
            {
                "Namespace": NS,
                "SingleMetricAnomalyDetector": {"Namespace": NS, "MetricName": "A", "Stat": "Sum"},
            },
            "InvalidParameterCombinationException",
            "SingleMetricAnomalyDetector",
        ),
        (
            {"MetricMathAnomalyDetector": {"MetricDataQueries": []}},
            "InvalidParameterValueException",
            "MetricMathAnomalyDetector",
        ),
        (
            {
                "Namespace": NS,
                "MetricName": "A",
                "Stat": "Sum",
                "Configuration": {"MetricTimezone": "Mars/Olympus"},
            },
            "InvalidParameterValueException",
            "MetricTimezone",
        ),
        (
            {
                "Namespace": NS,
                "MetricName": "A",
                "Stat": "Sum",
                "Configuration": {
                    "ExcludedTimeRanges": [
                        {"StartTime": T0 + i, "EndTime": T0 + 10} for i in range(11)
                    ]
                },
            },
            "InvalidParameterValueException",
            "must not have a size greater than 10",
        ),
        (
            {
                "Namespace": NS,
                "MetricName": "A",
                "Stat": "Sum",
                "Configuration": {"ExcludedTimeRanges": [{"StartTime": T0, "EndTime": T0}]},
            },
            "InvalidParameterValueException",
            "StartTime must be less than",
        ),
        (
            {
                "Namespace": NS,
                "MetricName": "A",
                "Stat": "Sum",
                "Configuration": {"ExcludedTimeRanges": [{"StartTime": T0}]},
            },
            "MissingRequiredParameterException",
            "EndTime",
        ),
    ],
)
async def test_put_anomaly_detector_refuses_what_aws_refuses(
    cloud: Cloud, params: dict[str, Any], code: str, words: str
) -> None:
    error = await cw_error(cloud, "PutAnomalyDetector", **params)
    assert error.code == code
    assert words in error.message
    assert (await cw(cloud, "DescribeAnomalyDetectors"))["AnomalyDetectors"] == []


async def test_describe_filters_and_pages(cloud: Cloud) -> None:
    ids = {}
    for name in ("A", "B", "C", "D", "E"):
        made = await cw(
            cloud,
            "PutAnomalyDetector",
            Namespace=NS,
            MetricName=name,
            Dimensions=[{"Name": "Host", "Value": name.lower()}, {"Name": "Zone", "Value": "z"}],
            Stat="Sum",
        )
        ids[name] = made["AnomalyDetectorId"]
    await cw(cloud, "PutAnomalyDetector", Namespace="Other", MetricName="A", Stat="Sum")

    async def names(**params: Any) -> list[str]:
        found = (await cw(cloud, "DescribeAnomalyDetectors", **params))["AnomalyDetectors"]
        return [f"{d['Namespace']}/{d['MetricName']}" for d in found]

    assert await names(Namespace="Other") == ["Other/A"]
    assert await names(MetricName="A") == ["Other/A", "Shop/A"]
    assert await names(Dimensions=[{"Name": "Host", "Value": "c"}]) == ["Shop/C"]
    assert await names(AnomalyDetectorIds=[ids["B"], ids["D"]]) == ["Shop/B", "Shop/D"]
    assert await names(AnomalyDetectorTypes=["METRIC_MATH"]) == []
    assert len(await names(AnomalyDetectorTypes=["SINGLE_METRIC"])) == 6

    seen: list[str] = []
    params: dict[str, Any] = {"Namespace": NS, "MaxResults": 2}
    pages = 0
    while True:
        page = await cw(cloud, "DescribeAnomalyDetectors", **params)
        seen += [d["MetricName"] for d in page["AnomalyDetectors"]]
        pages += 1
        if "NextToken" not in page:
            break
        params["NextToken"] = page["NextToken"]
    assert (seen, pages) == (["A", "B", "C", "D", "E"], 3)

    for bad, code in (
        ({"NextToken": "nope"}, "InvalidNextToken"),
        ({"MaxResults": 101}, "InvalidParameterValueException"),
        ({"AnomalyDetectorTypes": ["BOTH"]}, "InvalidParameterValueException"),
    ):
        assert (await cw_error(cloud, "DescribeAnomalyDetectors", **bad)).code == code


async def test_detectors_belong_to_their_region(cloud: Cloud) -> None:
    await cw(cloud, "PutAnomalyDetector", Namespace=NS, MetricName="A", Stat="Sum")
    elsewhere = await cloud.call("cloudwatch", "DescribeAnomalyDetectors", {}, region="eu-west-1")
    assert elsewhere["AnomalyDetectors"] == []


# -- scenarios --------------------------------------------------------------------------

BAND_ALARM = """
[scenario]
name = "banded"
start = 2026-01-01T00:00:00Z

[[cloudwatch.alarm]]
name = "clicks-anomaly"
namespace = "Shop"
metric = "Clicks"
dimensions = { Site = "www" }
statistic = "Sum"
period = "5m"
evaluation_periods = 3
datapoints_to_alarm = 2
comparison = "LessThanLowerOrGreaterThanUpperThreshold"
anomaly_band = 3
alarm_actions = ["ops"]
"""


async def test_a_scenario_alarm_with_anomaly_band_is_a_band_alarm() -> None:
    scenario = parse_scenario(BAND_ALARM, "banded.toml", (REGISTRATION,))
    cloud = new_cloud((REGISTRATION,), start=scenario.start)
    await apply(scenario, cloud, (REGISTRATION,))
    [found] = (await cw(cloud, "DescribeAlarms"))["MetricAlarms"]
    assert found["ThresholdMetricId"] == "ad1"
    assert found["Metrics"] == [
        {
            "Id": "m1",
            "MetricStat": {
                "Metric": {
                    "Namespace": "Shop",
                    "MetricName": "Clicks",
                    "Dimensions": [{"Name": "Site", "Value": "www"}],
                },
                "Period": 300,
                "Stat": "Sum",
            },
            "ReturnData": True,
        },
        {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 3)"},
    ]
    assert "Threshold" not in found


async def test_the_demo_watches_the_clickstream_with_a_band() -> None:
    scenario = load_scenario("demo")
    cloud = new_cloud(start=scenario.start)
    await apply(scenario, cloud)
    [found] = (await cw(cloud, "DescribeAlarms", AlarmNames=["clickstream-anomaly"]))[
        "MetricAlarms"
    ]
    assert found["ComparisonOperator"] == "LessThanLowerOrGreaterThanUpperThreshold"
    assert found["Metrics"][1]["Expression"] == "ANOMALY_DETECTION_BAND(m1, 2)"
    assert found["AlarmActions"] == [TOPIC]
