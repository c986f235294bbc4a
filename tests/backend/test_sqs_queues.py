"""SQS queue actions: create, delete, list, URLs, attributes, tags, purge."""

from __future__ import annotations

import json
from typing import Any

import pytest

from backend.bus import CloudEvent
from backend.cloud import Cloud
from backend.services.sqs import SqsService
from tests.backend.helpers import (
    counts,
    create_queue,
    queue,
    receive,
    send,
    sqs,
    sqs_error,
)

ACCOUNT = "123456789012"
BASE = f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}"
START = 1_795_942_800


async def attributes(cloud: Cloud, url: str, *names: str) -> dict[str, str]:
    response = await sqs(
        cloud, "GetQueueAttributes", {"QueueUrl": url, "AttributeNames": list(names or ["All"])}
    )
    found: dict[str, str] = response.get("Attributes", {})
    return found


# -- CreateQueue ----------------------------------------------------------------------


async def test_create_queue_with_defaults(cloud: Cloud) -> None:
    url = await create_queue(cloud, "orders")
    assert url == f"{BASE}/orders"
    assert await attributes(cloud, url) == {
        "QueueArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:orders",
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
        "ApproximateNumberOfMessagesDelayed": "0",
        "CreatedTimestamp": str(START),
        "LastModifiedTimestamp": str(START),
        "DelaySeconds": "0",
        "MaximumMessageSize": "1048576",
        "MessageRetentionPeriod": "345600",
        "ReceiveMessageWaitTimeSeconds": "0",
        "VisibilityTimeout": "30",
        "SqsManagedSseEnabled": "true",
    }


async def test_create_queue_with_every_standard_attribute(cloud: Cloud) -> None:
    dlq = await create_queue(cloud, "orders-dlq")
    redrive = json.dumps(
        {"deadLetterTargetArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:orders-dlq", "maxReceiveCount": 4}
    )
    allow = json.dumps({"redrivePermission": "denyAll"})
    policy = json.dumps({"Version": "2012-10-17", "Statement": []})
    url = await create_queue(
        cloud,
        "orders",
        DelaySeconds="5",
        MaximumMessageSize="2048",
        MessageRetentionPeriod="120",
        ReceiveMessageWaitTimeSeconds="3",
        VisibilityTimeout="40",
        Policy=policy,
        RedrivePolicy=redrive,
        RedriveAllowPolicy=allow,
        KmsMasterKeyId="alias/aws/sqs",
        KmsDataKeyReusePeriodSeconds="600",
    )
    found = await attributes(cloud, url)
    assert {k: v for k, v in found.items() if not k.startswith(("Approximate", "Queue"))} == {
        "CreatedTimestamp": str(START),
        "LastModifiedTimestamp": str(START),
        "DelaySeconds": "5",
        "MaximumMessageSize": "2048",
        "MessageRetentionPeriod": "120",
        "ReceiveMessageWaitTimeSeconds": "3",
        "VisibilityTimeout": "40",
        "Policy": policy,
        "RedrivePolicy": redrive,
        "RedriveAllowPolicy": allow,
        "KmsMasterKeyId": "alias/aws/sqs",
        "KmsDataKeyReusePeriodSeconds": "600",
        "SqsManagedSseEnabled": "false",
    }
    q = queue(cloud, "orders")
    assert (q.delay_seconds, q.maximum_message_size, q.retention_period) == (5, 2048, 120)
    assert (q.wait_time_seconds, q.visibility_timeout) == (3, 40)
    assert q.redrive is not None and q.redrive.max_receive_count == 4
    assert not q.redrive_allow.allows("arn:aws:sqs:us-east-1:123456789012:x")
    assert dlq.endswith("/orders-dlq")


async def test_create_fifo_queue_with_every_fifo_attribute(cloud: Cloud) -> None:
    url = await create_queue(
        cloud,
        "jobs.fifo",
        FifoQueue="true",
        ContentBasedDeduplication="true",
        DeduplicationScope="messageGroup",
        FifoThroughputLimit="perMessageGroupId",
    )
    found = await attributes(cloud, url)
    assert {k: found[k] for k in found if k.startswith(("Fifo", "Content", "Dedup"))} == {
        "FifoQueue": "true",
        "ContentBasedDeduplication": "true",
        "DeduplicationScope": "messageGroup",
        "FifoThroughputLimit": "perMessageGroupId",
    }
    defaults = await attributes(cloud, await create_queue(cloud, "plain.fifo", FifoQueue="true"))
    assert (
        defaults["FifoQueue"],
        defaults["ContentBasedDeduplication"],
        defaults["DeduplicationScope"],
        defaults["FifoThroughputLimit"],
    ) == ("true", "false", "queue", "perQueue")


async def test_attribute_values_of_other_json_types_are_canonical_strings(cloud: Cloud) -> None:
    params: dict[str, Any] = {
        "QueueName": "typed.fifo",
        "Attributes": {
            "FifoQueue": True,
            "VisibilityTimeout": 45,
            "ContentBasedDeduplication": "TRUE",
        },
    }
    url = (await sqs(cloud, "CreateQueue", params))["QueueUrl"]
    found = await attributes(
        cloud, url, "FifoQueue", "VisibilityTimeout", "ContentBasedDeduplication"
    )
    assert found == {
        "FifoQueue": "true",
        "VisibilityTimeout": "45",
        "ContentBasedDeduplication": "true",
    }


@pytest.mark.parametrize(
    "name",
    ["a", "A-b_9", "x" * 80, "UPPER", "under_score-dash"],
)
async def test_valid_standard_names(cloud: Cloud, name: str) -> None:
    assert await create_queue(cloud, name) == f"{BASE}/{name}"


@pytest.mark.parametrize("name", ["x" * 81, "has space", "dot.name", "slash/name", "ünï", "q!"])
async def test_invalid_standard_names(cloud: Cloud, name: str) -> None:
    error = await sqs_error(cloud, "CreateQueue", {"QueueName": name})
    assert error.code == "InvalidParameterValue"
    assert "1 to 80 in length" in error.message


async def test_missing_queue_name(cloud: Cloud) -> None:
    error = await sqs_error(cloud, "CreateQueue", {})
    assert (error.code, error.message) == (
        "MissingParameter",
        "The request must contain the parameter QueueName.",
    )


async def test_fifo_names(cloud: Cloud) -> None:
    longest = "f" * 75 + ".fifo"
    assert await create_queue(cloud, longest, FifoQueue="true") == f"{BASE}/{longest}"
    for name in ("f" * 76 + ".fifo", "no-suffix", "a.b.fifo", ".fifo"):
        error = await sqs_error(
            cloud, "CreateQueue", {"QueueName": name, "Attributes": {"FifoQueue": "true"}}
        )
        assert error.code == "InvalidParameterValue", name
    # A .fifo name is only for a FIFO queue.
    error = await sqs_error(cloud, "CreateQueue", {"QueueName": "jobs.fifo"})
    assert error.code == "InvalidParameterValue"
    error = await sqs_error(
        cloud, "CreateQueue", {"QueueName": "jobs.fifo", "Attributes": {"FifoQueue": "false"}}
    )
    assert error.code == "InvalidParameterValue"


async def test_names_are_case_sensitive(cloud: Cloud) -> None:
    await create_queue(cloud, "Orders")
    await create_queue(cloud, "orders")
    await send(cloud, f"{BASE}/Orders", "upper")
    assert counts(cloud, "Orders") == (1, 0, 0)
    assert counts(cloud, "orders") == (0, 0, 0)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DelaySeconds", "-1"),
        ("DelaySeconds", "901"),
        ("MaximumMessageSize", "1023"),
        ("MaximumMessageSize", "1048577"),
        ("MessageRetentionPeriod", "59"),
        ("MessageRetentionPeriod", "1209601"),
        ("ReceiveMessageWaitTimeSeconds", "21"),
        ("VisibilityTimeout", "43201"),
        ("VisibilityTimeout", "ten"),
        ("VisibilityTimeout", "1.5"),
        ("KmsDataKeyReusePeriodSeconds", "59"),
        ("SqsManagedSseEnabled", "yes"),
        ("Policy", "{not json"),
        ("Policy", "[1, 2]"),
        ("RedrivePolicy", '{"maxReceiveCount": 3}'),
        ("RedriveAllowPolicy", '{"redrivePermission": "sometimes"}'),
        ("RedriveAllowPolicy", '{"redrivePermission": "byQueue"}'),
        ("RedriveAllowPolicy", '{"redrivePermission": "allowAll", "sourceQueueArns": ["a"]}'),
    ],
)
async def test_invalid_attribute_values(cloud: Cloud, name: str, value: str) -> None:
    error = await sqs_error(cloud, "CreateQueue", {"QueueName": "q", "Attributes": {name: value}})
    assert error.code == "InvalidAttributeValue"
    assert error.status == 400
    assert cloud.service(SqsService).queues == {}


async def test_range_edges_are_accepted(cloud: Cloud) -> None:
    url = await create_queue(
        cloud,
        "edges",
        DelaySeconds="900",
        MaximumMessageSize="1024",
        MessageRetentionPeriod="1209600",
        ReceiveMessageWaitTimeSeconds="20",
        VisibilityTimeout="43200",
    )
    found = await attributes(cloud, url, "DelaySeconds", "VisibilityTimeout")
    assert found == {"DelaySeconds": "900", "VisibilityTimeout": "43200"}
    url = await create_queue(
        cloud, "low", DelaySeconds="0", MessageRetentionPeriod="60", VisibilityTimeout="0"
    )
    assert (await attributes(cloud, url, "MessageRetentionPeriod")) == {
        "MessageRetentionPeriod": "60"
    }


@pytest.mark.parametrize(
    ("name", "attributes", "message"),
    [
        ("q", {"Colour": "blue"}, "Unknown Attribute Colour."),
        ("q", {"QueueArn": "arn:x"}, "Attribute QueueArn is read-only."),
        (
            "q",
            {"ContentBasedDeduplication": "true"},
            "Unknown Attribute ContentBasedDeduplication.",
        ),
        ("q", {"DeduplicationScope": "queue"}, "Unknown Attribute DeduplicationScope."),
    ],
)
async def test_invalid_attribute_names(
    cloud: Cloud, name: str, attributes: dict[str, str], message: str
) -> None:
    error = await sqs_error(cloud, "CreateQueue", {"QueueName": name, "Attributes": attributes})
    assert (error.code, error.message) == ("InvalidAttributeName", message)


async def test_fifo_throughput_limit_needs_message_group_dedup_scope(cloud: Cloud) -> None:
    error = await sqs_error(
        cloud,
        "CreateQueue",
        {
            "QueueName": "x.fifo",
            "Attributes": {"FifoQueue": "true", "FifoThroughputLimit": "perMessageGroupId"},
        },
    )
    assert error.code == "InvalidAttributeValue"
    error = await sqs_error(
        cloud,
        "CreateQueue",
        {"QueueName": "x.fifo", "Attributes": {"FifoQueue": "true", "DeduplicationScope": "group"}},
    )
    assert error.code == "InvalidAttributeValue"


async def test_create_is_idempotent_with_the_same_attributes(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q", VisibilityTimeout="60")
    await cloud.clock.advance(100)
    assert await create_queue(cloud, "q", VisibilityTimeout="60") == url
    assert await create_queue(cloud, "q") == url
    assert await create_queue(cloud, "q", FifoQueue="false") == url
    assert queue(cloud, "q").created_at == START
    fifo = await create_queue(cloud, "f.fifo", FifoQueue="true")
    assert await create_queue(cloud, "f.fifo", FifoQueue="true") == fifo
    assert len(cloud.service(SqsService).queues) == 2


async def test_create_with_different_attributes_is_a_conflict(cloud: Cloud) -> None:
    await create_queue(cloud, "q", VisibilityTimeout="60")
    error = await sqs_error(
        cloud, "CreateQueue", {"QueueName": "q", "Attributes": {"VisibilityTimeout": "61"}}
    )
    assert (error.code, error.legacy_code, error.status) == (
        "QueueNameExists",
        "QueueAlreadyExists",
        400,
    )
    error = await sqs_error(
        cloud, "CreateQueue", {"QueueName": "q", "Attributes": {"DelaySeconds": "1"}}
    )
    assert error.code == "QueueNameExists"


async def test_standard_queues_do_not_report_fifo_queue(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q", FifoQueue="false")
    assert "FifoQueue" not in await attributes(cloud, url)


async def test_a_name_cannot_be_reused_for_sixty_seconds_after_delete(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q", VisibilityTimeout="60")
    await send(cloud, url, "old")
    await sqs(cloud, "DeleteQueue", {"QueueUrl": url})
    error = await sqs_error(cloud, "CreateQueue", {"QueueName": "q"})
    assert (error.code, error.legacy_code) == (
        "QueueDeletedRecently",
        "AWS.SimpleQueueService.QueueDeletedRecently",
    )
    await cloud.clock.advance(59.9)
    assert (await sqs_error(cloud, "CreateQueue", {"QueueName": "q"})).code == (
        "QueueDeletedRecently"
    )
    await cloud.clock.advance(0.1)
    assert await create_queue(cloud, "q") == url
    assert counts(cloud, "q") == (0, 0, 0)
    assert (await attributes(cloud, url, "VisibilityTimeout")) == {"VisibilityTimeout": "30"}
    # Other names were never blocked.
    await create_queue(cloud, "other")


# -- DeleteQueue, GetQueueUrl, queue URLs -----------------------------------------------


async def test_delete_queue(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    await send(cloud, url, "m")
    assert await sqs(cloud, "DeleteQueue", {"QueueUrl": url}) == {}
    for action, params in (
        ("GetQueueUrl", {"QueueName": "q"}),
        ("SendMessage", {"QueueUrl": url, "MessageBody": "x"}),
        ("DeleteQueue", {"QueueUrl": url}),
        ("GetQueueAttributes", {"QueueUrl": url}),
    ):
        assert (await sqs_error(cloud, action, params)).code == "QueueDoesNotExist"
    assert await sqs(cloud, "ListQueues") == {}


async def test_get_queue_url(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    assert await sqs(cloud, "GetQueueUrl", {"QueueName": "q"}) == {"QueueUrl": url}
    assert await sqs(
        cloud, "GetQueueUrl", {"QueueName": "q", "QueueOwnerAWSAccountId": ACCOUNT}
    ) == {"QueueUrl": url}
    for params in (
        {"QueueName": "nope"},
        {"QueueName": "q", "QueueOwnerAWSAccountId": "210987654321"},
    ):
        error = await sqs_error(cloud, "GetQueueUrl", params)
        assert (error.code, error.message) == (
            "QueueDoesNotExist",
            "The specified queue does not exist.",
        )


async def test_urls_follow_the_endpoint_and_any_host_or_path_form_is_accepted(
    cloud: Cloud,
) -> None:
    response = await cloud.call(
        "sqs", "CreateQueue", {"QueueName": "q"}, endpoint="http://127.0.0.1:4566"
    )
    assert response["QueueUrl"] == f"http://127.0.0.1:4566/{ACCOUNT}/q"
    cloud.endpoint = "http://localhost:9999"
    assert (await sqs(cloud, "GetQueueUrl", {"QueueName": "q"}))["QueueUrl"] == (
        f"http://localhost:9999/{ACCOUNT}/q"
    )
    for url in (f"{BASE}/q", f"http://elsewhere/{ACCOUNT}/q", f"/{ACCOUNT}/q", "q"):
        await send(cloud, url, "m")
    assert counts(cloud, "q") == (4, 0, 0)
    error = await sqs_error(cloud, "SendMessage", {"QueueUrl": f"{BASE}/a/b", "MessageBody": "m"})
    assert (error.code, error.status) == ("InvalidAddress", 404)
    error = await sqs_error(
        cloud, "SendMessage", {"QueueUrl": "https://x/210987654321/q", "MessageBody": "m"}
    )
    assert error.code == "QueueDoesNotExist"
    error = await sqs_error(cloud, "SendMessage", {"MessageBody": "m"})
    assert (error.code, error.message) == (
        "MissingParameter",
        "The request must contain the parameter QueueUrl.",
    )


async def test_every_url_in_a_response_uses_the_host_the_request_came_to(cloud: Cloud) -> None:
    """The request's endpoint first, then the endpoint the cloud serves on, then AWS's host."""
    dlq = await create_queue(cloud, "dlq")
    redrive = json.dumps(
        {"deadLetterTargetArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:dlq", "maxReceiveCount": 3}
    )
    await create_queue(cloud, "src", RedrivePolicy=redrive)

    async def urls(endpoint: str | None) -> list[str]:
        async def call(action: str, params: dict[str, Any]) -> dict[str, Any]:
            return await cloud.call("sqs", action, params, endpoint=endpoint)

        return [
            (await call("CreateQueue", {"QueueName": "src"}))["QueueUrl"],
            (await call("GetQueueUrl", {"QueueName": "src"}))["QueueUrl"],
            *(await call("ListQueues", {"QueueNamePrefix": "s"}))["QueueUrls"],
            *(await call("ListDeadLetterSourceQueues", {"QueueUrl": dlq}))["queueUrls"],
        ]

    assert await urls(None) == [f"{BASE}/src"] * 4
    cloud.endpoint = "http://127.0.0.1:4566"
    assert await urls(None) == [f"http://127.0.0.1:4566/{ACCOUNT}/src"] * 4
    assert await urls("http://localhost:4566") == [f"http://localhost:4566/{ACCOUNT}/src"] * 4


async def test_queues_live_in_their_region(cloud: Cloud) -> None:
    await create_queue(cloud, "q")
    response = await cloud.call("sqs", "CreateQueue", {"QueueName": "q"}, region="eu-west-1")
    assert response["QueueUrl"] == f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/q"
    west = await cloud.call("sqs", "ListQueues", {}, region="eu-west-1")
    assert west == {"QueueUrls": [f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/q"]}
    assert (await sqs(cloud, "ListQueues")) == {"QueueUrls": [f"{BASE}/q"]}


# -- ListQueues -------------------------------------------------------------------------


async def test_list_queues_prefix_and_paging(cloud: Cloud) -> None:
    for name in ("b-1", "a-2", "a-1", "a-3", "c"):
        await create_queue(cloud, name)
    assert (await sqs(cloud, "ListQueues"))["QueueUrls"] == [
        f"{BASE}/{n}" for n in ("a-1", "a-2", "a-3", "b-1", "c")
    ]
    assert (await sqs(cloud, "ListQueues", {"QueueNamePrefix": "a-"}))["QueueUrls"] == [
        f"{BASE}/{n}" for n in ("a-1", "a-2", "a-3")
    ]
    assert await sqs(cloud, "ListQueues", {"QueueNamePrefix": "zzz"}) == {}
    pages: list[list[str]] = []
    params: dict[str, Any] = {"QueueNamePrefix": "a-", "MaxResults": 2}
    while True:
        page = await sqs(cloud, "ListQueues", params)
        pages.append(page["QueueUrls"])
        if "NextToken" not in page:
            break
        params = {**params, "NextToken": page["NextToken"]}
    assert pages == [[f"{BASE}/a-1", f"{BASE}/a-2"], [f"{BASE}/a-3"]]
    exact = await sqs(cloud, "ListQueues", {"MaxResults": 5})
    assert len(exact["QueueUrls"]) == 5 and "NextToken" not in exact


async def test_list_queues_rejects_bad_tokens_and_limits(cloud: Cloud) -> None:
    await create_queue(cloud, "a-1")
    await create_queue(cloud, "a-2")
    first = await sqs(cloud, "ListQueues", {"QueueNamePrefix": "a", "MaxResults": 1})
    for params in (
        {"MaxResults": 1, "NextToken": "not-a-token"},
        {"MaxResults": 1, "NextToken": "bm90IGpzb24="},
        {"QueueNamePrefix": "b", "MaxResults": 1, "NextToken": first["NextToken"]},
        {"MaxResults": 0},
        {"MaxResults": 1001},
    ):
        error = await sqs_error(cloud, "ListQueues", params)
        assert error.code == "InvalidParameterValue", params


# -- GetQueueAttributes / SetQueueAttributes ------------------------------------------


async def test_get_queue_attributes_by_name(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q", VisibilityTimeout="12")
    assert await attributes(cloud, url, "VisibilityTimeout", "QueueArn") == {
        "VisibilityTimeout": "12",
        "QueueArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:q",
    }
    # Settable but unset: silently absent.
    assert await attributes(cloud, url, "Policy", "RedrivePolicy", "KmsMasterKeyId") == {}
    assert await sqs(cloud, "GetQueueAttributes", {"QueueUrl": url}) == {}
    for name in ("Colour", "FifoThroughputLimit", "ContentBasedDeduplication"):
        error = await sqs_error(
            cloud, "GetQueueAttributes", {"QueueUrl": url, "AttributeNames": [name]}
        )
        assert (error.code, error.message) == ("InvalidAttributeName", f"Unknown Attribute {name}.")


async def test_approximate_counts(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    await send(cloud, url, "visible-1")
    await send(cloud, url, "visible-2")
    await send(cloud, url, "delayed", DelaySeconds=30)
    await receive(cloud, url)
    assert await attributes(
        cloud,
        url,
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ) == {
        "ApproximateNumberOfMessages": "1",
        "ApproximateNumberOfMessagesNotVisible": "1",
        "ApproximateNumberOfMessagesDelayed": "1",
    }
    await cloud.clock.advance(30)
    assert counts(cloud, "q") == (3, 0, 0)


async def test_set_queue_attributes(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    await cloud.clock.advance(42)
    params = {"QueueUrl": url, "Attributes": {"VisibilityTimeout": "5", "DelaySeconds": 2}}
    assert await sqs(cloud, "SetQueueAttributes", params) == {}
    found = await attributes(cloud, url)
    assert (found["VisibilityTimeout"], found["DelaySeconds"]) == ("5", "2")
    assert (found["CreatedTimestamp"], found["LastModifiedTimestamp"]) == (
        str(START),
        str(START + 42),
    )
    await send(cloud, url, "m")
    assert counts(cloud, "q") == (0, 0, 1)
    await cloud.clock.advance(2)
    await receive(cloud, url)
    await cloud.clock.advance(4.9)
    assert counts(cloud, "q") == (0, 1, 0)
    await cloud.clock.advance(0.1)
    assert counts(cloud, "q") == (1, 0, 0)


async def test_set_queue_attributes_is_all_or_nothing(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    for bad in (
        {"VisibilityTimeout": "5", "DelaySeconds": "1000"},
        {"VisibilityTimeout": "5", "Colour": "red"},
        {"VisibilityTimeout": "5", "FifoQueue": "true"},
        {"VisibilityTimeout": "5", "QueueArn": "x"},
    ):
        error = await sqs_error(cloud, "SetQueueAttributes", {"QueueUrl": url, "Attributes": bad})
        assert error.code in ("InvalidAttributeValue", "InvalidAttributeName")
    assert (await attributes(cloud, url, "VisibilityTimeout")) == {"VisibilityTimeout": "30"}
    error = await sqs_error(cloud, "SetQueueAttributes", {"QueueUrl": url})
    assert error.code == "MissingParameter"


async def test_clearing_a_policy_with_an_empty_string(cloud: Cloud) -> None:
    policy = json.dumps({"Statement": []})
    url = await create_queue(cloud, "q", Policy=policy)
    assert await attributes(cloud, url, "Policy") == {"Policy": policy}
    await sqs(cloud, "SetQueueAttributes", {"QueueUrl": url, "Attributes": {"Policy": ""}})
    assert await attributes(cloud, url, "Policy") == {}


# -- Tags -------------------------------------------------------------------------------


async def test_tags(cloud: Cloud) -> None:
    response = await sqs(cloud, "CreateQueue", {"QueueName": "q", "tags": {"team": "data"}})
    url = response["QueueUrl"]
    assert await sqs(cloud, "ListQueueTags", {"QueueUrl": url}) == {"Tags": {"team": "data"}}
    await sqs(cloud, "TagQueue", {"QueueUrl": url, "Tags": {"env": "dev", "team": "ops"}})
    assert await sqs(cloud, "ListQueueTags", {"QueueUrl": url}) == {
        "Tags": {"team": "ops", "env": "dev"}
    }
    await sqs(cloud, "UntagQueue", {"QueueUrl": url, "TagKeys": ["team", "absent"]})
    assert await sqs(cloud, "ListQueueTags", {"QueueUrl": url}) == {"Tags": {"env": "dev"}}
    await sqs(cloud, "UntagQueue", {"QueueUrl": url, "TagKeys": ["env"]})
    assert await sqs(cloud, "ListQueueTags", {"QueueUrl": url}) == {}


async def test_tag_rules(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    for tags in (
        {"aws:reserved": "x"},
        {"": "x"},
        {"k" * 129: "x"},
        {"k": "v" * 257},
        {f"k{i}": "v" for i in range(51)},
    ):
        error = await sqs_error(cloud, "TagQueue", {"QueueUrl": url, "Tags": tags})
        assert error.code == "InvalidParameterValue"
    await sqs(cloud, "TagQueue", {"QueueUrl": url, "Tags": {f"k{i}": "v" for i in range(50)}})
    error = await sqs_error(cloud, "TagQueue", {"QueueUrl": url, "Tags": {"one-more": "v"}})
    assert error.code == "InvalidParameterValue"
    assert (await sqs_error(cloud, "TagQueue", {"QueueUrl": url})).code == "MissingParameter"
    assert (await sqs_error(cloud, "UntagQueue", {"QueueUrl": url})).code == "MissingParameter"


# -- PurgeQueue ------------------------------------------------------------------------


async def test_purge_deletes_everything_once_a_minute(cloud: Cloud) -> None:
    events: list[CloudEvent] = []
    cloud.bus.subscribe(events.append)
    url = await create_queue(cloud, "q")
    await send(cloud, url, "visible")
    await send(cloud, url, "in flight")
    await send(cloud, url, "delayed", DelaySeconds=60)
    [held] = await receive(cloud, url)
    assert await sqs(cloud, "PurgeQueue", {"QueueUrl": url}) == {}
    assert counts(cloud, "q") == (0, 0, 0)
    assert len(queue(cloud, "q")) == 0
    assert queue(cloud, "q").counters.purged == 3
    assert events == [
        CloudEvent(
            START,
            "sqs",
            "QueuePurged",
            "q purged: 3 messages deleted",
            "warning",
            f"arn:aws:sqs:us-east-1:{ACCOUNT}:q",
        )
    ]
    # A handle to a purged message deletes nothing, quietly.
    await sqs(cloud, "DeleteMessage", {"QueueUrl": url, "ReceiptHandle": held["ReceiptHandle"]})
    await cloud.clock.advance(120)
    assert await receive(cloud, url) == []
    await send(cloud, url, "after")
    assert await sqs(cloud, "PurgeQueue", {"QueueUrl": url}) == {}
    assert counts(cloud, "q") == (0, 0, 0)
    error = await sqs_error(cloud, "PurgeQueue", {"QueueUrl": url})
    assert (error.code, error.status, error.legacy_code) == (
        "PurgeQueueInProgress",
        403,
        "AWS.SimpleQueueService.PurgeQueueInProgress",
    )
    await cloud.clock.advance(59)
    assert (await sqs_error(cloud, "PurgeQueue", {"QueueUrl": url})).code == "PurgeQueueInProgress"
    await cloud.clock.advance(1)
    assert await sqs(cloud, "PurgeQueue", {"QueueUrl": url}) == {}
    assert queue(cloud, "q").counters.purged == 4
