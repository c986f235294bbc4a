"""SNS over the query protocol, as boto3 speaks it: topics, subscriptions, fan-out, errors."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.wire.live import ACCOUNT, Live


def settle(live: Live) -> None:
    """Let the deliveries a publish queued run on the cloud's loop."""
    live.run(live.cloud.clock.settle())


def queue(live: Live, name: str) -> tuple[Any, str, str]:
    """An SQS client, and the URL and ARN of a new queue `name`."""
    sqs = live.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return sqs, url, arn


def test_create_subscribe_publish_and_the_queue_receives_the_envelope(live: Live) -> None:
    sns = live.client("sns")
    sqs, url, queue_arn = queue(live, "orders-q")
    topic = sns.create_topic(Name="orders", Attributes={"DisplayName": "Orders"})["TopicArn"]
    assert topic == f"arn:aws:sns:us-east-1:{ACCOUNT}:orders"
    subscription = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)[
        "SubscriptionArn"
    ]
    published = sns.publish(
        TopicArn=topic,
        Message="hello",
        Subject="greeting",
        MessageAttributes={
            "color": {"DataType": "String", "StringValue": "red"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x02\x03\x04"},
        },
    )
    settle(live)
    [message] = sqs.receive_message(QueueUrl=url)["Messages"]
    body = message["Body"]
    assert body.startswith('{\n  "Type" : "Notification",\n  "MessageId" : ')
    envelope = json.loads(body)
    assert list(envelope) == [
        "Type",
        "MessageId",
        "TopicArn",
        "Subject",
        "Message",
        "Timestamp",
        "SignatureVersion",
        "Signature",
        "SigningCertURL",
        "UnsubscribeURL",
        "MessageAttributes",
    ]
    assert envelope["MessageId"] == published["MessageId"]
    assert (envelope["TopicArn"], envelope["Subject"], envelope["Message"]) == (
        topic,
        "greeting",
        "hello",
    )
    assert envelope["MessageAttributes"] == {
        "color": {"Type": "String", "Value": "red"},
        "blob": {"Type": "Binary", "Value": "AgME"},
    }
    assert envelope["UnsubscribeURL"] == (
        f"{live.url}/?Action=Unsubscribe&SubscriptionArn={subscription}"
    )


def test_the_unsubscribe_url_works_over_the_endpoint(live: Live) -> None:
    sns = live.client("sns")
    sqs, url, queue_arn = queue(live, "q")
    topic = sns.create_topic(Name="t")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    sns.publish(TopicArn=topic, Message="bye")
    settle(live)
    [message] = sqs.receive_message(QueueUrl=url)["Messages"]
    link = json.loads(message["Body"])["UnsubscribeURL"]
    with urllib.request.urlopen(link, timeout=10) as reply:
        assert reply.status == 200
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []


def test_raw_delivery_and_attributes_round_trip(live: Live) -> None:
    sns = live.client("sns")
    sqs, url, queue_arn = queue(live, "raw")
    topic = sns.create_topic(Name="t")["TopicArn"]
    subscription = sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "true", "FilterPolicy": '{"kind": ["order"]}'},
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    attributes = sns.get_subscription_attributes(SubscriptionArn=subscription)["Attributes"]
    assert attributes["RawMessageDelivery"] == "true"
    assert attributes["FilterPolicyScope"] == "MessageAttributes"
    order = {"kind": {"DataType": "String", "StringValue": "order"}}
    refund = {"kind": {"DataType": "String", "StringValue": "refund"}}
    sns.publish(TopicArn=topic, Message='{"n": 1}', MessageAttributes=order)
    sns.publish(TopicArn=topic, Message='{"n": 2}', MessageAttributes=refund)
    settle(live)
    [message] = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    )["Messages"]
    assert message["Body"] == '{"n": 1}'
    assert message["MessageAttributes"] == order


def test_listings_attributes_and_tags(live: Live) -> None:
    sns = live.client("sns")
    topic = sns.create_topic(
        Name="jobs.fifo",
        Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"},
        Tags=[{"Key": "team", "Value": "ops"}],
    )["TopicArn"]
    attributes = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    assert attributes["FifoTopic"] == "true"
    assert attributes["ContentBasedDeduplication"] == "true"
    assert sns.list_topics()["Topics"] == [{"TopicArn": topic}]
    assert sns.list_tags_for_resource(ResourceArn=topic)["Tags"] == [
        {"Key": "team", "Value": "ops"}
    ]
    sns.untag_resource(ResourceArn=topic, TagKeys=["team"])
    assert sns.list_tags_for_resource(ResourceArn=topic)["Tags"] == []
    pending = sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:210987654321:theirs.fifo"
    )
    assert pending["SubscriptionArn"] == "pending confirmation"
    [listed] = sns.list_subscriptions()["Subscriptions"]
    assert listed["SubscriptionArn"] == "PendingConfirmation"
    published = sns.publish(TopicArn=topic, Message="m", MessageGroupId="g")
    assert len(published["SequenceNumber"]) == 20
    batch = sns.publish_batch(
        TopicArn=topic,
        PublishBatchRequestEntries=[
            {"Id": "a", "Message": "one", "MessageGroupId": "g"},
            {"Id": "b", "Message": "two", "MessageGroupId": "g"},
        ],
    )
    assert [s["Id"] for s in batch["Successful"]] == ["a", "b"]
    assert batch["Failed"] == []


def test_delete_and_set_answer_with_no_result(live: Live) -> None:
    sns = live.client("sns")
    topic = sns.create_topic(Name="t")["TopicArn"]
    sns.set_topic_attributes(TopicArn=topic, AttributeName="DisplayName", AttributeValue="x")
    sns.delete_topic(TopicArn=topic)
    sns.delete_topic(TopicArn=topic)
    assert sns.list_topics()["Topics"] == []


@pytest.mark.parametrize(
    ("call", "error_class", "code", "status", "message"),
    [
        (
            lambda sns: sns.get_topic_attributes(
                TopicArn=f"arn:aws:sns:us-east-1:{ACCOUNT}:missing"
            ),
            "NotFoundException",
            "NotFound",
            404,
            "Topic does not exist",
        ),
        (
            lambda sns: sns.subscribe(
                TopicArn=sns.create_topic(Name="t")["TopicArn"], Protocol="pigeon", Endpoint="x"
            ),
            "InvalidParameterException",
            "InvalidParameter",
            400,
            "Invalid parameter: Amazon SNS does not support this protocol string: pigeon",
        ),
        (
            lambda sns: sns.publish(
                TopicArn=sns.create_topic(Name="t")["TopicArn"],
                Message="x",
                MessageAttributes={"a": {"DataType": "Number", "StringValue": "ten"}},
            ),
            "InvalidParameterValueException",
            "ParameterValueInvalid",
            400,
            "Could not cast message attribute 'a' value to number.",
        ),
        (
            lambda sns: sns.publish_batch(
                TopicArn=sns.create_topic(Name="t")["TopicArn"], PublishBatchRequestEntries=[]
            ),
            "EmptyBatchRequestException",
            "EmptyBatchRequest",
            400,
            "The batch request doesn't contain any entries.",
        ),
        (
            lambda sns: sns.tag_resource(
                ResourceArn=f"arn:aws:sns:us-east-1:{ACCOUNT}:missing",
                Tags=[{"Key": "k", "Value": "v"}],
            ),
            "ResourceNotFoundException",
            "ResourceNotFound",
            404,
            "Resource does not exist",
        ),
    ],
    ids=["not-found", "invalid-parameter", "invalid-parameter-value", "empty-batch", "tags"],
)
def test_errors_reach_boto3_as_their_classes(
    live: Live, call: Any, error_class: str, code: str, status: int, message: str
) -> None:
    sns = live.client("sns")
    with pytest.raises(ClientError) as info:
        call(sns)
    assert type(info.value).__name__ == error_class
    error = info.value.response["Error"]
    assert (error["Code"], error["Message"]) == (code, message)
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == status


def test_a_constraint_failure_is_a_plain_client_error(live: Live) -> None:
    sns = live.client("sns", validate=False)
    topic = sns.create_topic(Name="t")["TopicArn"]
    with pytest.raises(ClientError) as info:
        sns.publish(TopicArn=topic, Message="x", MessageAttributes={"a": {"StringValue": "v"}})
    assert type(info.value).__name__ == "ClientError"
    assert info.value.response["Error"]["Code"] == "ValidationError"
