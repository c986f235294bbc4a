"""Log groups: creating, listing, retention on the hourly sweep, deleting, tags."""

from __future__ import annotations

import pytest

from backend.bus import CloudEvent
from backend.cloud import Cloud
from tests.backend.logs_helpers import (
    ACCOUNT,
    DAY,
    HOUR,
    REGION,
    T0,
    billed,
    group_arn,
    logs,
    logs_error,
    make_stream,
    put,
    stored_bytes,
)

#: PutRetentionPolicy's values, from the API reference (AWS_FACTS §5).
AWS_RETENTION_DAYS = (
    *(1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096),
    *(1827, 2192, 2557, 2922, 3288, 3653),
)
NAME_RULE = "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+"


async def describe(cloud: Cloud, **params: object) -> list[dict[str, object]]:
    groups = (await logs(cloud, "DescribeLogGroups", **params))["logGroups"]
    assert isinstance(groups, list)
    return groups


# -- CreateLogGroup --------------------------------------------------------------------


async def test_a_new_group_is_described_as_aws_does(cloud: Cloud) -> None:
    await logs(cloud, "CreateLogGroup", logGroupName="/skydeck/orders")
    [group] = await describe(cloud)
    assert group == {
        "logGroupName": "/skydeck/orders",
        "creationTime": T0,
        "metricFilterCount": 0,
        "arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/skydeck/orders:*",
        "storedBytes": 0,
        "logGroupClass": "STANDARD",
        "logGroupArn": group_arn("/skydeck/orders"),
        "deletionProtectionEnabled": False,
    }


@pytest.mark.parametrize(
    "name",
    ["a", "/aws/lambda/fn", "A.b-c_d/e#9", "x" * 512, "aws"],
    ids=["one", "aws-under-slash", "each-character", "512", "aws"],
)
async def test_names_of_the_allowed_characters_are_taken(cloud: Cloud, name: str) -> None:
    await logs(cloud, "CreateLogGroup", logGroupName=name)
    assert [g["logGroupName"] for g in await describe(cloud)] == [name]


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("a b", f"Value 'a b' at 'logGroupName' failed to satisfy constraint: {NAME_RULE}"),
        ("a:b", f"Value 'a:b' at 'logGroupName' failed to satisfy constraint: {NAME_RULE}"),
        ("é", f"Value 'é' at 'logGroupName' failed to satisfy constraint: {NAME_RULE}"),
        (
            "x" * 513,
            f"Value '{'x' * 100}...' at 'logGroupName' failed to satisfy constraint: "
            "Member must have length less than or equal to 512",
        ),
        (
            None,
            "Value null at 'logGroupName' failed to satisfy constraint: Member must not be null",
        ),
    ],
    ids=["space", "colon", "accent", "513", "missing"],
)
async def test_names_breaking_the_model_are_refused(
    cloud: Cloud, name: str | None, problem: str
) -> None:
    params = {} if name is None else {"logGroupName": name}
    error = await logs_error(cloud, "CreateLogGroup", **params)
    assert (error.code, error.message) == (
        "InvalidParameterException",
        f"1 validation error detected: {problem}",
    )


async def test_names_starting_aws_slash_are_reserved_and_a_name_is_taken_once(
    cloud: Cloud,
) -> None:
    error = await logs_error(cloud, "CreateLogGroup", logGroupName="aws/things")
    assert (error.code, error.message) == (
        "InvalidParameterException",
        "Log group names starting with 'aws/' are reserved for AWS.",
    )
    await logs(cloud, "CreateLogGroup", logGroupName="g")
    error = await logs_error(cloud, "CreateLogGroup", logGroupName="g")
    assert (error.code, error.message) == (
        "ResourceAlreadyExistsException",
        "The specified log group already exists",
    )
    # Another region is another namespace.
    await cloud.call("logs", "CreateLogGroup", {"logGroupName": "g"}, region="eu-west-1")
    assert len(await describe(cloud)) == 1


async def test_class_key_protection_and_tags_are_kept(cloud: Cloud) -> None:
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    await logs(
        cloud,
        "CreateLogGroup",
        logGroupName="cold",
        logGroupClass="INFREQUENT_ACCESS",
        kmsKeyId=key,
        deletionProtectionEnabled=True,
        tags={"team": "checkout"},
    )
    [group] = await describe(cloud)
    assert group["logGroupClass"] == "INFREQUENT_ACCESS"
    assert group["kmsKeyId"] == key
    assert group["deletionProtectionEnabled"] is True
    tags = await logs(cloud, "ListTagsForResource", resourceArn=group_arn("cold"))
    assert tags == {"tags": {"team": "checkout"}}
    error = await logs_error(cloud, "CreateLogGroup", logGroupName="x", logGroupClass="HOT")
    assert error.code == "InvalidParameterException"
    assert error.message.endswith(
        "Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY, ESSENTIALS]"
    )


# -- DescribeLogGroups -----------------------------------------------------------------


async def test_groups_are_listed_by_name_by_prefix_or_by_pattern(cloud: Cloud) -> None:
    for name in ["/app/Orders-API", "/app/billing", "/ops/orders-batch", "/app/orders-web"]:
        await logs(cloud, "CreateLogGroup", logGroupName=name)

    async def names(**params: object) -> list[object]:
        return [g["logGroupName"] for g in await describe(cloud, **params)]

    assert await names() == [
        "/app/Orders-API",
        "/app/billing",
        "/app/orders-web",
        "/ops/orders-batch",
    ]
    # A prefix is case-sensitive; a pattern is a case-insensitive substring.
    assert await names(logGroupNamePrefix="/app/o") == ["/app/orders-web"]
    assert await names(logGroupNamePattern="ORDERS") == [
        "/app/Orders-API",
        "/app/orders-web",
        "/ops/orders-batch",
    ]
    assert await names(logGroupClass="STANDARD", logGroupNamePattern="bill") == ["/app/billing"]
    error = await logs_error(
        cloud, "DescribeLogGroups", logGroupNamePrefix="/app", logGroupNamePattern="orders"
    )
    assert (error.code, error.message) == (
        "InvalidParameterException",
        "LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.",
    )


async def test_pages_of_groups_cover_all_once_and_a_token_is_bound_to_its_filters(
    cloud: Cloud,
) -> None:
    names = [f"/app/g-{i:03d}" for i in range(120)]
    for name in reversed(names):
        await logs(cloud, "CreateLogGroup", logGroupName=name)
    first = await logs(cloud, "DescribeLogGroups")
    assert len(first["logGroups"]) == 50  # the default page
    seen: list[str] = []
    sizes: list[int] = []
    token: str | None = None
    while True:
        params: dict[str, object] = {"limit": 50}
        if token is not None:
            params["nextToken"] = token
        page = await logs(cloud, "DescribeLogGroups", **params)
        seen += [g["logGroupName"] for g in page["logGroups"]]
        sizes.append(len(page["logGroups"]))
        token = page.get("nextToken")
        if token is None:
            break
    assert (seen, sizes) == (names, [50, 50, 20])
    # A prefix narrows the listing; the last page has no token.
    page = await logs(cloud, "DescribeLogGroups", logGroupNamePrefix="/app/g-1", limit=15)
    assert [g["logGroupName"] for g in page["logGroups"]] == names[100:115]
    rest = await logs(
        cloud,
        "DescribeLogGroups",
        logGroupNamePrefix="/app/g-1",
        limit=15,
        nextToken=page["nextToken"],
    )
    assert [g["logGroupName"] for g in rest["logGroups"]] == names[115:]
    assert "nextToken" not in rest
    others: list[dict[str, str]] = [
        {"logGroupNamePrefix": "/app/g-0"},
        {},
        {"logGroupNamePattern": "g-1"},
    ]
    for other in others:
        error = await logs_error(cloud, "DescribeLogGroups", nextToken=page["nextToken"], **other)
        assert (error.code, error.message) == (
            "InvalidParameterException",
            "The specified nextToken is invalid.",
        )
    error = await logs_error(cloud, "DescribeLogGroups", limit=51)
    assert error.message == (
        "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 50"
    )


# -- retention -------------------------------------------------------------------------


async def test_exactly_awss_retention_values_are_taken(cloud: Cloud) -> None:
    await logs(cloud, "CreateLogGroup", logGroupName="g")
    assert "retentionInDays" not in (await describe(cloud))[0]  # never expire
    listed = ", ".join(str(d) for d in AWS_RETENTION_DAYS)
    # Every value, and each one's neighbours on either side.
    near = {d + step for d in AWS_RETENTION_DAYS for step in (-1, 0, 1)}
    for days in sorted(near | {-1, 10_000}):
        if days in AWS_RETENTION_DAYS:
            await logs(cloud, "PutRetentionPolicy", logGroupName="g", retentionInDays=days)
            assert (await describe(cloud))[0]["retentionInDays"] == days
            continue
        error = await logs_error(
            cloud, "PutRetentionPolicy", logGroupName="g", retentionInDays=days
        )
        assert (error.code, error.message) == (
            "InvalidParameterException",
            f"1 validation error detected: Value '{days}' at 'retentionInDays' failed to "
            f"satisfy constraint: Member must satisfy enum value set: [{listed}]",
        )
    assert (await describe(cloud))[0]["retentionInDays"] == 3653
    error = await logs_error(cloud, "PutRetentionPolicy", logGroupName="nope", retentionInDays=1)
    assert (error.code, error.message) == (
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    )


async def test_retention_removes_old_events_on_the_hourly_sweep(cloud: Cloud) -> None:
    seen: list[CloudEvent] = []
    cloud.bus.subscribe(seen.append)
    await make_stream(cloud)
    await logs(cloud, "PutRetentionPolicy", logGroupName="g", retentionInDays=1)
    events = [
        (T0 - 23 * HOUR - 30 * 60_000, "oldest — é"),
        (T0 - 22 * HOUR - 30 * 60_000, "older ✓"),
        (T0 - HOUR, "recent"),
        (T0, "now 日本"),
    ]
    await put(cloud, events)
    messages = [m for _, m in events]
    assert await stored_bytes(cloud) == billed(messages)
    # At T0 + 3599 s the oldest is past the day, but the sweep has not come yet.
    await cloud.clock.advance(3599)
    assert await stored_bytes(cloud) == billed(messages)
    await cloud.clock.advance(1)
    assert await stored_bytes(cloud) == billed(messages[1:])
    assert [e.summary for e in seen if e.kind == "retention"] == [
        f"g: retention (1 d) removed {billed(messages[:1]):,} bytes"
    ]
    await cloud.clock.advance(3600)
    assert await stored_bytes(cloud) == billed(messages[2:])
    got = await logs(cloud, "GetLogEvents", logGroupName="g", logStreamName="s", startFromHead=True)
    assert [e["message"] for e in got["events"]] == messages[2:]
    # Without a policy the group keeps everything again.
    await logs(cloud, "DeleteRetentionPolicy", logGroupName="g")
    assert "retentionInDays" not in (await describe(cloud))[0]
    await cloud.clock.advance(3 * DAY / 1000)
    assert await stored_bytes(cloud) == billed(messages[2:])


# -- DeleteLogGroup --------------------------------------------------------------------


async def test_deleting_a_group_takes_its_streams_and_events(cloud: Cloud) -> None:
    await make_stream(cloud)
    await put(cloud, [(T0, "hello")])
    await logs(cloud, "DeleteLogGroup", logGroupName="g")
    assert await describe(cloud) == []
    for action, params in [
        ("DeleteLogGroup", {"logGroupName": "g"}),
        ("GetLogEvents", {"logGroupName": "g", "logStreamName": "s"}),
        ("DeleteRetentionPolicy", {"logGroupName": "g"}),
    ]:
        error = await logs_error(cloud, action, **params)
        assert (error.code, error.message) == (
            "ResourceNotFoundException",
            "The specified log group does not exist.",
        )
    # Made again, it starts empty.
    await make_stream(cloud)
    assert await stored_bytes(cloud) == 0


async def test_a_protected_group_is_not_deleted(cloud: Cloud) -> None:
    await logs(cloud, "CreateLogGroup", logGroupName="keep", deletionProtectionEnabled=True)
    error = await logs_error(cloud, "DeleteLogGroup", logGroupName="keep")
    assert (error.code, error.message) == (
        "InvalidOperationException",
        "Log group keep has deletion protection enabled and cannot be deleted.",
    )
    assert len(await describe(cloud)) == 1


# -- tags ------------------------------------------------------------------------------


async def test_tags_by_arn_and_by_the_older_name_based_actions_are_the_same_tags(
    cloud: Cloud,
) -> None:
    await logs(cloud, "CreateLogGroup", logGroupName="g", tags={"team": "a"})
    arn = group_arn("g")
    await logs(cloud, "TagResource", resourceArn=arn, tags={"env": "prod", "team": "b"})
    assert await logs(cloud, "ListTagsLogGroup", logGroupName="g") == {
        "tags": {"team": "b", "env": "prod"}
    }
    await logs(cloud, "TagLogGroup", logGroupName="g", tags={"cost": "42"})
    await logs(cloud, "UntagResource", resourceArn=arn, tagKeys=["team"])
    # DescribeLogGroups' `arn` (with :*) names the group too.
    assert await logs(cloud, "ListTagsForResource", resourceArn=f"{arn}:*") == {
        "tags": {"env": "prod", "cost": "42"}
    }
    await logs(cloud, "UntagLogGroup", logGroupName="g", tags=["env", "absent"])
    assert await logs(cloud, "ListTagsForResource", resourceArn=arn) == {"tags": {"cost": "42"}}


async def test_tags_of_a_missing_group_or_an_arn_elsewhere_are_not_found(cloud: Cloud) -> None:
    await logs(cloud, "CreateLogGroup", logGroupName="g")
    for arn in [
        group_arn("nope"),
        group_arn("g").replace(ACCOUNT, "210987654321"),
        group_arn("g").replace(REGION, "eu-west-1"),
    ]:
        error = await logs_error(cloud, "TagResource", resourceArn=arn, tags={"a": "b"})
        assert (error.code, error.message) == (
            "ResourceNotFoundException",
            "The specified log group does not exist.",
        )
    error = await logs_error(cloud, "ListTagsLogGroup", logGroupName="nope")
    assert error.code == "ResourceNotFoundException"


async def test_tag_rules_are_awss(cloud: Cloud) -> None:
    await logs(cloud, "CreateLogGroup", logGroupName="g")
    error = await logs_error(cloud, "TagLogGroup", logGroupName="g", tags={"aws:x": "1"})
    assert (error.code, error.message) == (
        "InvalidParameterException",
        "Tag key aws:x is invalid. Reason: The prefix aws: is reserved for AWS.",
    )
    await logs(cloud, "TagLogGroup", logGroupName="g", tags={f"k{i}": "v" for i in range(50)})
    error = await logs_error(cloud, "TagResource", resourceArn=group_arn("g"), tags={"one": "more"})
    assert (error.code, error.message) == (
        "InvalidParameterException",
        "Too many tags added for log group g.",
    )
    assert len((await logs(cloud, "ListTagsLogGroup", logGroupName="g"))["tags"]) == 50
