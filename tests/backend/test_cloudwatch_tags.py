"""Tags on alarms (metric and composite) and dashboards, by ARN, with AWS's limits."""

from __future__ import annotations

from typing import Any

import pytest

from backend.cloud import Cloud
from tests.backend.helpers import cw, cw_error

ALARM = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:"
DASHBOARD = "arn:aws:cloudwatch::123456789012:dashboard/"


async def put_alarm(cloud: Cloud, **params: Any) -> None:
    await cw(
        cloud,
        "PutMetricAlarm",
        AlarmName="slow",
        Namespace="Shop",
        MetricName="Latency",
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=100.0,
        ComparisonOperator="GreaterThanThreshold",
        **params,
    )


async def tags(cloud: Cloud, arn: str) -> dict[str, str]:
    listed = await cw(cloud, "ListTagsForResource", ResourceARN=arn)
    return {t["Key"]: t["Value"] for t in listed["Tags"]}


async def test_tags_given_at_creation_are_kept_and_ignored_on_update(cloud: Cloud) -> None:
    await put_alarm(cloud, Tags=[{"Key": "team", "Value": "shop"}])
    await put_alarm(cloud, Tags=[{"Key": "team", "Value": "other"}])
    assert await tags(cloud, f"{ALARM}slow") == {"team": "shop"}
    await cw(
        cloud,
        "PutCompositeAlarm",
        AlarmName="c",
        AlarmRule="TRUE",
        Tags=[{"Key": "k", "Value": ""}],
    )
    assert await tags(cloud, f"{ALARM}c") == {"k": ""}
    await cw(
        cloud,
        "PutDashboard",
        DashboardName="d",
        DashboardBody='{"widgets": []}',
        Tags=[{"Key": "owner", "Value": "ops"}],
    )
    assert await tags(cloud, f"{DASHBOARD}d") == {"owner": "ops"}


async def test_tag_and_untag_an_alarm_and_a_dashboard(cloud: Cloud) -> None:
    await put_alarm(cloud)
    await cw(cloud, "PutDashboard", DashboardName="d", DashboardBody='{"widgets": []}')
    for arn in (f"{ALARM}slow", f"{DASHBOARD}d"):
        await cw(
            cloud,
            "TagResource",
            ResourceARN=arn,
            Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}],
        )
        await cw(cloud, "TagResource", ResourceARN=arn, Tags=[{"Key": "a", "Value": "one"}])
        assert await tags(cloud, arn) == {"a": "one", "b": "2"}
        await cw(cloud, "UntagResource", ResourceARN=arn, TagKeys=["a", "absent"])
        assert await tags(cloud, arn) == {"b": "2"}


async def test_at_most_fifty_tags_counting_what_the_alarm_keeps(cloud: Cloud) -> None:
    await put_alarm(cloud, Tags=[{"Key": f"k{i}", "Value": ""} for i in range(50)])
    await cw(cloud, "TagResource", ResourceARN=f"{ALARM}slow", Tags=[{"Key": "k0", "Value": "x"}])
    error = await cw_error(
        cloud, "TagResource", ResourceARN=f"{ALARM}slow", Tags=[{"Key": "k50", "Value": ""}]
    )
    assert (error.code, error.legacy_code) == (
        "InvalidParameterValueException",
        "InvalidParameterValue",
    )
    assert len(await tags(cloud, f"{ALARM}slow")) == 50


@pytest.mark.parametrize(
    ("tag", "says"),
    [
        ({"Key": "", "Value": "v"}, "Tag keys must be between 1 and 128 characters"),
        ({"Key": "k" * 129, "Value": "v"}, "Tag keys must be between 1 and 128 characters"),
        ({"Key": "k", "Value": "v" * 257}, "Tag values must be between 0 and 256 characters"),
        ({"Key": "aws:team", "Value": "v"}, "The prefix aws: is reserved"),
        ({"Key": "a#b", "Value": "v"}, "Tag keys can only contain"),
        ({"Key": "k"}, "The parameter Tags.member.1.Value is required."),
    ],
)
async def test_bad_tags_are_refused_and_change_nothing(
    cloud: Cloud, tag: dict[str, str], says: str
) -> None:
    await put_alarm(cloud, Tags=[{"Key": "keep", "Value": "me"}])
    error = await cw_error(cloud, "TagResource", ResourceARN=f"{ALARM}slow", Tags=[tag])
    assert says in error.message
    assert await tags(cloud, f"{ALARM}slow") == {"keep": "me"}
    error = await cw_error(cloud, "PutCompositeAlarm", AlarmName="c", AlarmRule="TRUE", Tags=[tag])
    assert says in error.message


@pytest.mark.parametrize(
    "arn",
    [
        f"{ALARM}missing",
        f"{DASHBOARD}missing",
        "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:slow",
        "arn:aws:cloudwatch:us-east-1:999999999999:alarm:slow",
        "arn:aws:cloudwatch:us-east-1:123456789012:insight-rule/r",
    ],
)
async def test_a_resource_the_arn_does_not_name_is_not_found(cloud: Cloud, arn: str) -> None:
    await put_alarm(cloud)
    for action, extra in (
        ("ListTagsForResource", {}),
        ("TagResource", {"Tags": [{"Key": "k", "Value": "v"}]}),
        ("UntagResource", {"TagKeys": ["k"]}),
    ):
        error = await cw_error(cloud, action, ResourceARN=arn, **extra)
        assert (error.code, error.status) == ("ResourceNotFoundException", 404)


async def test_an_arn_that_is_no_cloudwatch_arn_is_invalid(cloud: Cloud) -> None:
    error = await cw_error(cloud, "ListTagsForResource", ResourceARN="arn:aws:sqs:us-east-1:1:q")
    assert error.legacy_code == "InvalidParameterValue"
    error = await cw_error(cloud, "UntagResource", ResourceARN=f"{ALARM}x")
    assert error.legacy_code == "MissingParameter"
