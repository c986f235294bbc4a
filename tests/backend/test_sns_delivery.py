"""SNS to SQS: the envelope's bytes, signatures, raw delivery, FIFO, failures and dead letters."""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from backend.bus import CloudEvent
from backend.cloud import Cloud
from backend.services.sns import SnsService
from tests.backend.test_sns_helpers import (
    create_queue,
    create_topic,
    fan_out,
    metric,
    publish,
    queue_arn,
    received,
    sns,
    subscribe_queue,
    topic,
    topic_arn,
)

KEYS = [
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


def verify(cloud: Cloud, envelope: dict[str, str]) -> None:
    """Check the envelope's Signature against the cloud's certificate, as a consumer would."""
    certificate = x509.load_pem_x509_certificate(cloud.service(SnsService).signing_certificate())
    key = certificate.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    names = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
    text = "".join(f"{n}\n{envelope[n]}\n" for n in names if n in envelope)
    algorithm = hashes.SHA256() if envelope["SignatureVersion"] == "2" else hashes.SHA1()
    key.verify(
        base64.b64decode(envelope["Signature"]), text.encode(), padding.PKCS1v15(), algorithm
    )


async def test_the_envelope_is_awss_pretty_json_in_awss_order(cloud: Cloud) -> None:
    url = await fan_out(cloud)
    arn = topic_arn("t")
    response = await publish(
        cloud,
        arn,
        'hi "there"\nünïcode',
        Subject="s",
        MessageAttributes={
            "color": {"DataType": "String", "StringValue": "red"},
            "n": {"DataType": "Number", "StringValue": "1.5"},
            "b": {"DataType": "Binary", "BinaryValue": b"\x02\x03\x04"},
        },
    )
    [message] = await received(cloud, url)
    body = message["Body"]
    envelope = json.loads(body)
    assert list(envelope) == KEYS
    [subscription] = topic(cloud).subscriptions
    assert envelope["Type"] == "Notification"
    assert envelope["MessageId"] == response["MessageId"]
    assert envelope["MessageId"][14] == "5"
    assert envelope["MessageId"] != message["MessageId"]
    assert envelope["TopicArn"] == arn
    assert envelope["Message"] == 'hi "there"\nünïcode'
    assert envelope["Timestamp"] == "2026-11-29T09:00:00.000Z"
    assert envelope["SignatureVersion"] == "1"
    assert envelope["SigningCertURL"].startswith(
        "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-"
    )
    assert envelope["UnsubscribeURL"] == (
        f"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscription}"
    )
    assert envelope["MessageAttributes"] == {
        "color": {"Type": "String", "Value": "red"},
        "n": {"Type": "Number", "Value": "1.5"},
        "b": {"Type": "Binary", "Value": "AgME"},
    }
    lines = body.split("\n")
    assert lines[0] == "{"
    assert lines[1] == '  "Type" : "Notification",'
    assert lines[4] == '  "Subject" : "s",'
    assert lines[5] == '  "Message" : "hi \\"there\\"\\nünïcode",'
    assert lines[-6] == '  "MessageAttributes" : {'
    assert lines[-5] == '    "color" : {"Type":"String","Value":"red"},'
    assert lines[-3] == '    "b" : {"Type":"Binary","Value":"AgME"}'
    assert lines[-2:] == ["  }", "}"]
    verify(cloud, envelope)


async def test_subject_and_attributes_appear_only_when_given(cloud: Cloud) -> None:
    url = await fan_out(cloud)
    await publish(cloud, topic_arn("t"), "plain")
    [message] = await received(cloud, url)
    envelope = json.loads(message["Body"])
    assert list(envelope) == [k for k in KEYS if k not in ("Subject", "MessageAttributes")]
    assert message["Body"].endswith(
        '",\n  "UnsubscribeURL" : "' + envelope["UnsubscribeURL"] + '"\n}'
    )
    verify(cloud, envelope)


async def test_signature_version_2_signs_with_sha256(cloud: Cloud) -> None:
    url = await fan_out(cloud)
    await sns(
        cloud,
        "SetTopicAttributes",
        {"TopicArn": topic_arn("t"), "AttributeName": "SignatureVersion", "AttributeValue": "2"},
    )
    await publish(cloud, topic_arn("t"), "hello", Subject="x")
    [message] = await received(cloud, url)
    envelope = json.loads(message["Body"])
    assert envelope["SignatureVersion"] == "2"
    verify(cloud, envelope)


async def test_each_subscriber_gets_its_own_unsubscribe_url(cloud: Cloud) -> None:
    first = await create_queue(cloud, "a")
    second = await create_queue(cloud, "b")
    arn = await create_topic(cloud)
    sub_a = await subscribe_queue(cloud, arn, "a")
    sub_b = await subscribe_queue(cloud, arn, "b")
    cloud.endpoint = "http://127.0.0.1:4566"
    await publish(cloud, arn, "fan")
    [a] = await received(cloud, first)
    [b] = await received(cloud, second)
    envelope_a, envelope_b = json.loads(a["Body"]), json.loads(b["Body"])
    assert envelope_a["UnsubscribeURL"] == (
        f"http://127.0.0.1:4566/?Action=Unsubscribe&SubscriptionArn={sub_a}"
    )
    assert envelope_b["UnsubscribeURL"].endswith(sub_b)
    assert envelope_a["Signature"] == envelope_b["Signature"]
    assert metric(cloud, "NumberOfNotificationsDelivered") == 2


async def test_deliveries_are_sqs_sends_invoked_by_sns(cloud: Cloud) -> None:
    url = await fan_out(cloud)
    await publish(cloud, topic_arn("t"), "x")
    [send] = [e for e in cloud.trail.data if e.action == "SendMessage"]
    record = send.record()
    assert record["userIdentity"] == {"type": "AWSService", "invokedBy": "sns.amazonaws.com"}
    [publish_entry] = [e for e in cloud.trail.data if e.action == "Publish"]
    assert publish_entry.record()["requestParameters"]["message"] == (
        "HIDDEN_DUE_TO_SECURITY_REASONS"
    )
    [message] = await received(cloud, url, AttributeNames=["All"])
    assert message["Attributes"]["SenderId"] == "sns.amazonaws.com"


async def test_raw_delivery_sends_the_message_and_its_attributes(cloud: Cloud) -> None:
    url = await fan_out(cloud, RawMessageDelivery="true")
    attributes = {
        "color": {"DataType": "String", "StringValue": "red"},
        "sizes": {"DataType": "String.Array", "StringValue": '["S", "M"]'},
        "n": {"DataType": "Number", "StringValue": "7"},
        "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
    }
    await publish(
        cloud, topic_arn("t"), '{"order": 1}', Subject="ignored", MessageAttributes=attributes
    )
    [message] = await received(cloud, url, MessageAttributeNames=["All"])
    assert message["Body"] == '{"order": 1}'
    assert message["MessageAttributes"] == attributes


async def test_a_raw_delivery_with_more_than_ten_attributes_fails(cloud: Cloud) -> None:
    url = await fan_out(cloud, RawMessageDelivery="true")
    attributes = {f"a{n}": {"DataType": "String", "StringValue": "v"} for n in range(11)}
    response = await publish(cloud, topic_arn("t"), "many", MessageAttributes=attributes)
    assert response["MessageId"]
    assert await received(cloud, url) == []
    assert metric(cloud, "NumberOfNotificationsFailed") == 1
    assert metric(cloud, "NumberOfNotificationsDelivered") == 0


async def test_a_standard_topic_passes_a_message_group_to_standard_queues(cloud: Cloud) -> None:
    url = await fan_out(cloud)
    await publish(cloud, topic_arn("t"), "fair", MessageGroupId="tenant-1")
    [message] = await received(cloud, url, AttributeNames=["All"])
    assert message["Attributes"]["MessageGroupId"] == "tenant-1"


async def test_message_structure_json_gives_sqs_its_own_message(cloud: Cloud) -> None:
    url = await fan_out(cloud)
    both = json.dumps({"default": "for everyone", "sqs": "for queues", "email": "for people"})
    await publish(cloud, topic_arn("t"), both, MessageStructure="json")
    only_default = json.dumps({"default": "for everyone", "sqs": 5})
    await publish(cloud, topic_arn("t"), only_default, MessageStructure="json")
    bodies = [json.loads(m["Body"])["Message"] for m in await received(cloud, url)]
    assert bodies == ["for queues", "for everyone"]


# -- FIFO --------------------------------------------------------------------------------


async def fifo_fan_out(cloud: Cloud, **attributes: str) -> tuple[str, str]:
    """A FIFO topic `t.fifo` with a FIFO queue and a standard queue subscribed; their URLs."""
    fifo = await create_queue(cloud, "q.fifo")
    standard = await create_queue(cloud, "std")
    arn = await create_topic(cloud, "t.fifo", **attributes)
    await subscribe_queue(cloud, arn, "q.fifo")
    await subscribe_queue(cloud, arn, "std")
    return fifo, standard


async def test_fifo_notifications_are_unsigned_and_carry_a_sequence_number(cloud: Cloud) -> None:
    fifo, standard = await fifo_fan_out(cloud)
    arn = topic_arn("t.fifo")
    response = await publish(cloud, arn, "first", MessageGroupId="g1", MessageDeduplicationId="d1")
    assert len(response["SequenceNumber"]) == 20
    [message] = await received(cloud, fifo, AttributeNames=["All"])
    envelope = json.loads(message["Body"])
    assert list(envelope) == [
        "Type",
        "MessageId",
        "SequenceNumber",
        "TopicArn",
        "Message",
        "Timestamp",
        "UnsubscribeURL",
    ]
    assert envelope["SequenceNumber"] == response["SequenceNumber"]
    assert message["Attributes"]["MessageGroupId"] == "g1"
    assert message["Attributes"]["MessageDeduplicationId"] == "d1"
    [plain] = await received(cloud, standard, AttributeNames=["All"])
    assert "MessageGroupId" not in plain["Attributes"]
    assert "MessageDeduplicationId" not in plain["Attributes"]


async def test_fifo_order_holds_per_group_through_the_queue(cloud: Cloud) -> None:
    fifo, _ = await fifo_fan_out(cloud, ContentBasedDeduplication="true")
    arn = topic_arn("t.fifo")
    for n in range(20):
        await sns(cloud, "Publish", {"TopicArn": arn, "Message": f"m{n}", "MessageGroupId": "g"})
    await cloud.clock.settle()
    got = []
    while batch := await received(cloud, fifo):
        got += [json.loads(m["Body"])["Message"] for m in batch]
        for m in batch:
            await cloud.call(
                "sqs", "DeleteMessage", {"QueueUrl": fifo, "ReceiptHandle": m["ReceiptHandle"]}
            )
    assert got == [f"m{n}" for n in range(20)]


async def test_a_duplicate_within_five_minutes_is_not_delivered(cloud: Cloud) -> None:
    fifo, _ = await fifo_fan_out(cloud)
    arn = topic_arn("t.fifo")
    params = {"MessageGroupId": "g", "MessageDeduplicationId": "same"}
    first = await publish(cloud, arn, "one", **params)
    await cloud.clock.advance(299)
    again = await publish(cloud, arn, "two", **params)
    assert again == first
    await cloud.clock.advance(1)
    third = await publish(cloud, arn, "three", **params)
    assert third["MessageId"] != first["MessageId"]
    assert int(third["SequenceNumber"]) > int(first["SequenceNumber"])
    # The queue's own five minutes of "same" ended with SNS's, so it takes "three" too.
    got = [json.loads(m["Body"])["Message"] for m in await received(cloud, fifo)]
    assert got == ["one", "three"]
    assert metric(cloud, "NumberOfMessagesPublished", "t.fifo") == 3
    assert metric(cloud, "NumberOfNotificationsDelivered", "t.fifo") == 4


async def test_content_based_deduplication_hashes_the_body(cloud: Cloud) -> None:
    fifo, _ = await fifo_fan_out(cloud, ContentBasedDeduplication="true")
    arn = topic_arn("t.fifo")
    first = await publish(cloud, arn, "same body", MessageGroupId="g")
    second = await publish(cloud, arn, "same body", MessageGroupId="other")
    assert second == first
    [message] = await received(cloud, fifo, AttributeNames=["All"])
    expected = hashlib.sha256(b"same body").hexdigest()
    assert message["Attributes"]["MessageDeduplicationId"] == expected


async def test_message_group_scope_deduplicates_per_group(cloud: Cloud) -> None:
    _, standard = await fifo_fan_out(cloud, FifoThroughputScope="MessageGroup")
    arn = topic_arn("t.fifo")
    first = await publish(cloud, arn, "a", MessageGroupId="g1", MessageDeduplicationId="d")
    second = await publish(cloud, arn, "b", MessageGroupId="g2", MessageDeduplicationId="d")
    again = await publish(cloud, arn, "c", MessageGroupId="g2", MessageDeduplicationId="d")
    assert second["MessageId"] != first["MessageId"]
    assert again == second
    got = [json.loads(m["Body"])["Message"] for m in await received(cloud, standard)]
    assert got == ["a", "b"]


# -- failures ------------------------------------------------------------------------------


async def test_a_delivery_to_a_missing_queue_fails_and_goes_to_the_dead_letter_queue(
    cloud: Cloud,
) -> None:
    dlq = await create_queue(cloud, "dlq")
    arn = await create_topic(cloud)
    policy = json.dumps({"deadLetterTargetArn": queue_arn("dlq")})
    subscription = await subscribe_queue(cloud, arn, "gone", RedrivePolicy=policy)
    events: list[CloudEvent] = []
    cloud.bus.subscribe(events.append)
    await publish(cloud, arn, "one")
    await publish(cloud, arn, "two")
    assert metric(cloud, "NumberOfNotificationsFailed") == 2
    assert metric(cloud, "NumberOfNotificationsRedrivenToDlq") == 2
    dead = [json.loads(m["Body"]) for m in await received(cloud, dlq)]
    assert [d["Message"] for d in dead] == ["one", "two"]
    assert dead[0]["UnsubscribeURL"].endswith(subscription)
    assert [e.kind for e in events] == ["NotificationFailed"]
    assert "QueueDoesNotExist" in events[0].summary
    assert events[0].resource == subscription
    await create_queue(cloud, "gone")
    await publish(cloud, arn, "three")
    assert [e.kind for e in events] == ["NotificationFailed", "NotificationsDelivered"]
    assert topic(cloud).counters.delivered == 1
    assert topic(cloud).counters.to_dlq == 2


async def test_a_message_too_big_for_the_queue_fails(cloud: Cloud) -> None:
    url = await create_queue(cloud, "small", MaximumMessageSize="1024")
    arn = await create_topic(cloud)
    await subscribe_queue(cloud, arn, "small")
    await publish(cloud, arn, "x" * 2000)
    assert await received(cloud, url) == []
    assert metric(cloud, "NumberOfNotificationsFailed") == 1


async def test_a_dead_letter_queue_that_refuses_too_loses_the_message(cloud: Cloud) -> None:
    arn = await create_topic(cloud)
    policy = json.dumps({"deadLetterTargetArn": queue_arn("missing-dlq")})
    await subscribe_queue(cloud, arn, "gone", RedrivePolicy=policy)
    events: list[CloudEvent] = []
    cloud.bus.subscribe(events.append)
    await publish(cloud, arn, "lost")
    await publish(cloud, arn, "lost too")
    assert metric(cloud, "NumberOfNotificationsFailedToRedriveToDlq") == 2
    assert [e.kind for e in events] == ["NotificationFailed", "RedriveToDlqFailed"]


async def test_a_throttled_delivery_is_tried_again_a_second_later(cloud: Cloud) -> None:
    """A FIFO queue takes 300 SendMessage calls a second; SNS retries what it refuses."""
    await fifo_fan_out(cloud, ContentBasedDeduplication="true")
    arn = topic_arn("t.fifo")
    for n in range(310):
        await sns(cloud, "Publish", {"TopicArn": arn, "Message": f"m{n}", "MessageGroupId": "g"})
    await cloud.clock.settle()
    assert topic(cloud, "t.fifo").counters.delivered == 310 + 300
    assert cloud.service(SnsService).courier.retrying > 0
    await cloud.clock.advance(1)
    assert topic(cloud, "t.fifo").counters.delivered == 620
    assert topic(cloud, "t.fifo").counters.failed == 0
    assert cloud.service(SnsService).courier.retrying == 0


async def test_publish_metrics(cloud: Cloud) -> None:
    await fan_out(cloud)
    await publish(
        cloud,
        topic_arn("t"),
        "12345",
        MessageAttributes={"k": {"DataType": "String", "StringValue": "vv"}},
    )
    assert metric(cloud, "NumberOfMessagesPublished") == 1
    # Body 5 bytes, plus the attribute's name (1), type (6) and value (2).
    assert metric(cloud, "PublishSize") == 14
    assert metric(cloud, "NumberOfNotificationsDelivered") == 1


async def test_subscriptions_that_skydeck_does_not_deliver_to_get_nothing(cloud: Cloud) -> None:
    arn = await create_topic(cloud)
    await sns(
        cloud,
        "Subscribe",
        {"TopicArn": arn, "Protocol": "sms", "Endpoint": "+14155550100"},
    )
    await publish(cloud, arn, "text me")
    assert metric(cloud, "NumberOfNotificationsDelivered") == 0
    assert metric(cloud, "NumberOfNotificationsFailed") == 0
    assert cloud.usage.get(("sqs", "SendMessage"), 0) == 0
