"""Filter policies: every operator in both scopes, nesting, arrays of objects, and the limits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from backend.cloud import Cloud
from backend.kit.filter_policy import (
    FilterPolicy,
    FilterPolicyError,
    NestedPolicyError,
    body_fields,
)
from tests.backend.test_sns_helpers import (
    create_queue,
    create_topic,
    messages,
    metric,
    publish,
    queue_arn,
    sns,
    sns_error,
    subscribe_queue,
    topic_arn,
)

# -- the matcher, on JSON documents (MessageBody scope) ------------------------------------

ORDER = {
    "store": "example_corp",
    "event": "order_placed",
    "price": 120.5,
    "count": 3,
    "gift": True,
    "coupon": None,
    "ip": "10.0.0.12",
    "customer": {"name": "Ana", "tier": "gold", "address": {"country": "PT"}},
    "items": [{"sku": "A-1", "qty": 2}, {"sku": "B-7", "qty": 1}],
    "tags": ["red", "sale"],
    "empty": [],
    "meta.version": "2",
}

BODY_CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("exact string", {"store": ["example_corp"]}, True),
    ("exact string is case-sensitive", {"store": ["Example_Corp"]}, False),
    ("values are ORed", {"store": ["other", "example_corp"]}, True),
    ("keys are ANDed", {"store": ["example_corp"], "event": ["refund"]}, False),
    ("a named key that is absent", {"missing": ["x"]}, False),
    ("exact number", {"price": [120.5]}, True),
    ("integer and float are one number", {"count": [3.0]}, True),
    ("a number is not its text", {"count": ["3"]}, False),
    ("text is not a number", {"meta.version": [2]}, False),
    ("true", {"gift": [True]}, True),
    ("true is not 1", {"count": [True]}, False),
    ("null", {"coupon": [None]}, True),
    ("prefix", {"event": [{"prefix": "order_"}]}, True),
    ("prefix misses", {"event": [{"prefix": "refund"}]}, False),
    ("suffix", {"event": [{"suffix": "_placed"}]}, True),
    ("equals-ignore-case", {"store": [{"equals-ignore-case": "EXAMPLE_CORP"}]}, True),
    ("anything-but a value", {"store": [{"anything-but": "other"}]}, True),
    ("anything-but the value", {"store": [{"anything-but": "example_corp"}]}, False),
    ("anything-but a list", {"store": [{"anything-but": ["a", "example_corp"]}]}, False),
    ("anything-but numbers", {"price": [{"anything-but": [100, 200]}]}, True),
    ("anything-but a prefix", {"event": [{"anything-but": {"prefix": "refund"}}]}, True),
    ("anything-but the prefix", {"event": [{"anything-but": {"prefix": "order"}}]}, False),
    ("anything-but needs the key", {"missing": [{"anything-but": "x"}]}, False),
    ("numeric equals", {"price": [{"numeric": ["=", 120.5]}]}, True),
    ("numeric range", {"price": [{"numeric": [">", 100, "<=", 200]}]}, True),
    ("numeric range misses", {"price": [{"numeric": [">=", 0, "<", 100]}]}, False),
    ("numeric on text", {"store": [{"numeric": [">", 0]}]}, False),
    ("numeric to five decimals", {"price": [{"numeric": ["=", 120.500001]}]}, True),
    ("exists true", {"coupon": [{"exists": True}]}, True),
    ("exists false on an absent key", {"missing": [{"exists": False}]}, True),
    ("exists false on a present key", {"store": [{"exists": False}]}, False),
    ("an empty array is absent", {"empty": [{"exists": False}]}, True),
    ("cidr", {"ip": [{"cidr": "10.0.0.0/24"}]}, True),
    ("cidr misses", {"ip": [{"cidr": "10.0.1.0/24"}]}, False),
    ("cidr on text that is no address", {"store": [{"cidr": "10.0.0.0/8"}]}, False),
    ("nested key", {"customer": {"tier": ["gold"]}}, True),
    ("deeply nested key", {"customer": {"address": {"country": ["PT"]}}}, True),
    ("dotted key names the nested field", {"customer.address.country": ["PT"]}, True),
    ("dotted key names a dotted field", {"meta.version": ["2"]}, True),
    ("arrays of objects are searched", {"items": {"sku": ["B-7"]}}, True),
    ("arrays of objects, a value none has", {"items": {"sku": ["C-9"]}}, False),
    ("arrays of values", {"tags": ["sale"]}, True),
    ("an object is no value", {"customer": ["Ana"]}, False),
    ("$or takes either branch", {"$or": [{"store": ["x"]}, {"gift": [True]}]}, True),
    ("$or with neither", {"$or": [{"store": ["x"]}, {"gift": [False]}]}, False),
    ("$or inside a nested key", {"customer": {"$or": [{"tier": ["x"]}, {"name": ["Ana"]}]}}, True),
    ("$or and another key", {"event": ["refund"], "$or": [{"store": ["example_corp"]}]}, False),
    ("the empty policy", {}, True),
]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [(policy, expected) for _, policy, expected in BODY_CASES],
    ids=[name for name, _, _ in BODY_CASES],
)
def test_body_policies(policy: dict[str, Any], expected: bool) -> None:
    parsed = FilterPolicy.parse(json.dumps(policy))
    assert parsed.matches(body_fields(ORDER)) is expected


def test_body_fields_flatten_by_path_in_document_order() -> None:
    fields = body_fields({"a": {"b": [1, {"c": 2}, [3]]}, "d.e": None, "f": {}})
    assert fields == {"a.b": [1.0, 3.0], "a.b.c": [2.0], "d.e": [None]}


def test_body_fields_walk_a_document_deeper_than_the_recursion_limit() -> None:
    document: dict[str, Any] = {"leaf": 1}
    for _ in range(5_000):
        document = {"a": document}
    [path] = body_fields(document)
    assert path.count(".") == 5_000


# -- refused policies -------------------------------------------------------------------------

REFUSED: list[tuple[Any, str]] = [
    ({"a": "x"}, '"a" must be an object or an array'),
    ({"a": 5}, '"a" must be an object or an array'),
    ({"a": []}, "Empty arrays are not allowed"),
    ({"a": [["x"]]}, "Match value must be String, number, true, false, or null"),
    ({"a": [{"prefix": "x", "suffix": "y"}]}, "Only one key allowed in match expression"),
    ({"a": [{"wildcard": "x*"}]}, "Unrecognized match type wildcard"),
    ({"a": [{"prefix": 5}]}, "prefix match pattern must be a string"),
    ({"a": [{"suffix": None}]}, "suffix match pattern must be a string"),
    ({"a": [{"equals-ignore-case": 1}]}, "equals-ignore-case match pattern must be a string"),
    ({"a": [{"exists": "yes"}]}, "exists match pattern must be either true or false."),
    ({"a": [{"anything-but": {"suffix": "x"}}]}, "Unsupported anything-but pattern: suffix"),
    ({"a": [{"anything-but": {"prefix": 1}}]}, "prefix match pattern must be a string"),
    ({"a": [{"anything-but": []}]}, "Empty arrays are not allowed"),
    (
        {"a": [{"anything-but": [{"x": 1}]}]},
        "Match value must be String, number, true, false, or null",
    ),
    ({"a": [{"numeric": []}]}, "Invalid member in numeric match: ]"),
    ({"a": [{"numeric": [5]}]}, "Invalid member in numeric match: 5"),
    ({"a": [{"numeric": ["!=", 5]}]}, "Unrecognized numeric range operator: !="),
    ({"a": [{"numeric": ["=", "5"]}]}, "Value of equals must be numeric"),
    ({"a": [{"numeric": [">"]}]}, "Value of > must be numeric"),
    ({"a": [{"numeric": ["=", 5, "<", 6]}]}, "Too many elements in numeric expression"),
    ({"a": [{"numeric": [">", 5, 6, 7]}]}, "Bad value in numeric range: 6"),
    ({"a": [{"numeric": [">", 5, ">", 7]}]}, "Bad numeric range operator: >"),
    ({"a": [{"numeric": [">", 5, "<", "x"]}]}, "Value of < must be numeric"),
    ({"a": [{"numeric": [">", 5, "<", 5]}]}, "Bottom must be less than top"),
    ({"a": [{"numeric": [">", 5, "<", 6, 7]}]}, "Too many terms in numeric range expression"),
    ({"a": [{"cidr": 10}]}, "prefix match pattern must be a string"),
    ({"a": [{"cidr": "10.0.0.0"}]}, "Malformed CIDR, one '/' required"),
    ({"a": [{"cidr": "10.0.0.0/x"}]}, "Malformed CIDR, mask bits must be an integer"),
    ({"a": [{"cidr": "10.0.0.0/٢٤"}]}, "Malformed CIDR, mask bits must be an integer"),
    ({"a": [{"cidr": "10.0.0.0/-0"}]}, "Malformed CIDR, mask bits must be an integer"),
    ({"a": [{"cidr": "10.0.0.300/24"}]}, "Nonstandard IP address: 10.0.0.300"),
    ({f"k{n}": ["x"] for n in range(6)}, "Filter policy can not have more than 5 keys"),
    ({"a": [str(n) for n in range(151)]}, "Filter policy is too complex"),
    # 4 values three levels down, 3 two levels down: 4 x 3 x 3 x 2 = 72; a fifth value, 90;
    # times 2 more at the top, 180.
    (
        {
            "a": {"b": {"c": ["1", "2", "3", "4", "5"]}},
            "d": {"e": ["1", "2", "3"]},
            "f": ["1", "2"],
        },
        "Filter policy is too complex",
    ),
    ({"$or": "x"}, '"$or" must be an array of objects'),
    ({"$or": [{"a": ["x"]}, "y"]}, '"$or" must be an array of objects'),
    ([1, 2], "Filter policy must be a JSON object"),
]


@pytest.mark.parametrize(("policy", "reason"), REFUSED, ids=[reason for _, reason in REFUSED])
def test_refused_policies(policy: Any, reason: str) -> None:
    with pytest.raises(FilterPolicyError) as info:
        FilterPolicy.parse(json.dumps(policy))
    assert str(info.value) == reason


def test_complexity_is_counted_as_awss_example_counts_it() -> None:
    """Four values three levels down and three two levels down: 72, within the limit."""
    policy = {"a": {"b": {"c": ["1", "2", "3", "4"]}}, "d": {"e": ["1", "2", "3"]}}
    FilterPolicy.parse(json.dumps(policy))
    flat = {"a": [str(n) for n in range(150)]}
    FilterPolicy.parse(json.dumps(flat))


def test_or_branches_add_to_the_complexity_and_each_has_five_keys() -> None:
    branch = {f"k{n}": ["x"] for n in range(5)}
    FilterPolicy.parse(json.dumps({"$or": [branch, branch]}))
    with pytest.raises(FilterPolicyError, match="more than 5 keys"):
        FilterPolicy.parse(json.dumps({"z": ["x"], "$or": [branch, {"a": ["x"]}]}))
    wide = {"a": [str(n) for n in range(80)]}
    with pytest.raises(FilterPolicyError, match="too complex"):
        FilterPolicy.parse(json.dumps({"$or": [wide, wide]}))


def test_flat_only_policies_refuse_nesting() -> None:
    with pytest.raises(NestedPolicyError):
        FilterPolicy.parse('{"a": {"b": ["c"]}}', nested=False)
    FilterPolicy.parse('{"$or": [{"a": ["b"]}, {"c": ["d"]}]}', nested=False)


def test_a_deeply_nested_policy_is_too_complex_or_no_json_never_a_crash() -> None:
    policy = '{"a":' * 500 + '["x"]' + "}" * 500
    with pytest.raises(FilterPolicyError, match="too complex"):
        FilterPolicy.parse(policy)
    deeper = "[" * 20_000 + "]" * 20_000
    with pytest.raises(FilterPolicyError, match="failed to parse JSON"):
        FilterPolicy.parse(deeper)


def test_a_policy_over_256_kb_is_too_long() -> None:
    policy = json.dumps({"a": ["x" * (256 * 1024)]})
    with pytest.raises(FilterPolicyError, match="too long"):
        FilterPolicy.parse(policy)


# -- the MessageAttributes scope, through SNS ----------------------------------------------

ATTRIBUTES = {
    "store": {"DataType": "String", "StringValue": "example_corp"},
    "price": {"DataType": "Number", "StringValue": "120.5"},
    "sizes": {"DataType": "String.Array", "StringValue": '["S", "M", 42]'},
    "blob": {"DataType": "Binary", "BinaryValue": b"\x00"},
    "ip": {"DataType": "String", "StringValue": "192.168.1.7"},
}

ATTRIBUTE_CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("exact string", {"store": ["example_corp"]}, True),
    ("another string", {"store": ["other"]}, False),
    ("number", {"price": [120.5]}, True),
    ("a Number is not text", {"price": ["120.5"]}, False),
    ("numeric range", {"price": [{"numeric": [">", 100, "<", 121]}]}, True),
    ("numeric on a String", {"store": [{"numeric": [">", 0]}]}, False),
    ("String.Array element", {"sizes": ["M"]}, True),
    ("String.Array number element", {"sizes": [42]}, True),
    ("String.Array, none of them", {"sizes": ["XL"]}, False),
    ("prefix", {"store": [{"prefix": "example"}]}, True),
    ("suffix", {"store": [{"suffix": "corp"}]}, True),
    ("equals-ignore-case", {"store": [{"equals-ignore-case": "EXAMPLE_CORP"}]}, True),
    ("anything-but", {"store": [{"anything-but": ["a", "b"]}]}, True),
    ("anything-but a prefix", {"store": [{"anything-but": {"prefix": "ex"}}]}, False),
    ("exists", {"price": [{"exists": True}]}, True),
    ("exists false", {"colour": [{"exists": False}]}, True),
    ("Binary attributes are not looked at", {"blob": [{"exists": True}]}, False),
    ("cidr", {"ip": [{"cidr": "192.168.0.0/16"}]}, True),
    ("$or", {"$or": [{"store": ["x"]}, {"price": [{"numeric": ["<", 200]}]}]}, True),
    ("keys are ANDed", {"store": ["example_corp"], "price": [1]}, False),
]


async def subscribed(cloud: Cloud, policy: object, scope: str = "MessageAttributes") -> str:
    """A topic `t` with queue `q` subscribed under `policy`; the queue's URL."""
    url = await create_queue(cloud, "q")
    arn = await create_topic(cloud)
    await subscribe_queue(cloud, arn, "q", FilterPolicy=json.dumps(policy), FilterPolicyScope=scope)
    return url


@pytest.mark.parametrize(
    ("policy", "expected"),
    [(policy, expected) for _, policy, expected in ATTRIBUTE_CASES],
    ids=[name for name, _, _ in ATTRIBUTE_CASES],
)
async def test_attribute_policies(cloud: Cloud, policy: dict[str, Any], expected: bool) -> None:
    url = await subscribed(cloud, policy)
    await publish(cloud, topic_arn("t"), "m", MessageAttributes=ATTRIBUTES)
    assert (await messages(cloud, url) == ["m"]) is expected
    assert metric(cloud, "NumberOfNotificationsFilteredOut") == (0 if expected else 1)
    assert metric(cloud, "NumberOfNotificationsFilteredOut-MessageAttributes") == (
        0 if expected else 1
    )


async def test_body_scope_through_sns(cloud: Cloud) -> None:
    url = await subscribed(cloud, {"customer": {"tier": ["gold"]}}, "MessageBody")
    await publish(cloud, topic_arn("t"), json.dumps(ORDER))
    await publish(cloud, topic_arn("t"), json.dumps({**ORDER, "customer": {"tier": "silver"}}))
    await publish(cloud, topic_arn("t"), "not json")
    assert len(await messages(cloud, url)) == 1
    assert metric(cloud, "NumberOfNotificationsFilteredOut") == 2
    assert metric(cloud, "NumberOfNotificationsFilteredOut-MessageBody") == 2
    assert metric(cloud, "NumberOfNotificationsFilteredOut-InvalidMessageBody") == 1


async def test_why_an_attribute_policy_turned_a_message_away_is_counted(cloud: Cloud) -> None:
    await subscribed(cloud, {"sizes": ["S"]})
    await publish(cloud, topic_arn("t"), "no attributes")
    broken = {"sizes": {"DataType": "String.Array", "StringValue": "not an array"}}
    await publish(cloud, topic_arn("t"), "broken", MessageAttributes=broken)
    assert metric(cloud, "NumberOfNotificationsFilteredOut") == 2
    assert metric(cloud, "NumberOfNotificationsFilteredOut-NoMessageAttributes") == 1
    assert metric(cloud, "NumberOfNotificationsFilteredOut-InvalidAttributes") == 1


async def test_policy_errors_are_worded_for_subscribe_and_for_set(cloud: Cloud) -> None:
    arn = await create_topic(cloud)
    too_many = json.dumps({f"k{n}": ["x"] for n in range(6)})
    error = await sns_error(
        cloud,
        "Subscribe",
        {
            "TopicArn": arn,
            "Protocol": "sqs",
            "Endpoint": queue_arn("q"),
            "Attributes": {"FilterPolicy": too_many},
        },
    )
    assert (error.code, error.message) == (
        "InvalidParameter",
        "Invalid parameter: Attributes Reason: FilterPolicy: Filter policy can not have more "
        "than 5 keys",
    )
    subscription = await subscribe_queue(cloud, arn, "q")
    error = await sns_error(
        cloud,
        "SetSubscriptionAttributes",
        {
            "SubscriptionArn": subscription,
            "AttributeName": "FilterPolicy",
            "AttributeValue": too_many,
        },
    )
    assert error.message == (
        "Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys"
    )
    nested = json.dumps({"a": {"b": ["c"]}})
    error = await sns_error(
        cloud,
        "Subscribe",
        {
            "TopicArn": arn,
            "Protocol": "sqs",
            "Endpoint": queue_arn("other"),
            "Attributes": {"FilterPolicy": nested},
        },
    )
    assert error.message == (
        "Invalid parameter: Attributes Reason: Filter policy scope MessageAttributes does not "
        "support nested filter policy"
    )


async def test_a_changed_policy_applies_to_the_next_message(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    arn = await create_topic(cloud)
    subscription = await subscribe_queue(cloud, arn, "q", FilterPolicy='{"k": ["a"]}')
    attribute = {"k": {"DataType": "String", "StringValue": "b"}}
    await publish(cloud, arn, "first", MessageAttributes=attribute)
    await sns(
        cloud,
        "SetSubscriptionAttributes",
        {
            "SubscriptionArn": subscription,
            "AttributeName": "FilterPolicy",
            "AttributeValue": '{"k": ["b"]}',
        },
    )
    await publish(cloud, arn, "second", MessageAttributes=attribute)
    assert await messages(cloud, url) == ["second"]
