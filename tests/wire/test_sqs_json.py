"""SQS over JSON 1.0, as boto3 speaks it today: every action, through the endpoint."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from typing import Any

import pytest
from botocore.exceptions import ClientError

from backend.services.sqs import SqsService
from tests.wire.live import ACCESS_KEY, ACCOUNT, TIMEOUT, Live

#: Every SQS action these tests drive over the wire; a new action needs a test here.
COVERED = {
    "CreateQueue",
    "DeleteQueue",
    "ListQueues",
    "GetQueueUrl",
    "GetQueueAttributes",
    "SetQueueAttributes",
    "TagQueue",
    "UntagQueue",
    "ListQueueTags",
    "PurgeQueue",
    "ListDeadLetterSourceQueues",
    "SendMessage",
    "SendMessageBatch",
    "ReceiveMessage",
    "DeleteMessage",
    "DeleteMessageBatch",
    "ChangeMessageVisibility",
    "ChangeMessageVisibilityBatch",
    "AddPermission",
    "RemovePermission",
    "StartMessageMoveTask",
    "ListMessageMoveTasks",
    "CancelMessageMoveTask",
}


def test_every_sqs_action_is_driven_over_the_wire() -> None:
    assert set(SqsService.actions) <= COVERED


def create(sqs: Any, name: str, **attributes: str) -> str:
    kwargs: dict[str, Any] = {"QueueName": name}
    if attributes:
        kwargs["Attributes"] = attributes
    url: str = sqs.create_queue(**kwargs)["QueueUrl"]
    return url


def test_queue_lifecycle(live: Live) -> None:
    sqs = live.client("sqs")
    url = create(sqs, "orders")
    assert url == f"{live.url}/{ACCOUNT}/orders"
    assert sqs.create_queue(QueueName="orders")["QueueUrl"] == url
    assert sqs.get_queue_url(QueueName="orders")["QueueUrl"] == url
    for name in ("orders-dlq", "payments"):
        create(sqs, name)
    assert sqs.list_queues(QueueNamePrefix="orders")["QueueUrls"] == [
        url,
        f"{live.url}/{ACCOUNT}/orders-dlq",
    ]
    first = sqs.list_queues(MaxResults=2)
    assert len(first["QueueUrls"]) == 2
    rest = sqs.list_queues(MaxResults=2, NextToken=first["NextToken"])
    assert rest["QueueUrls"] == [f"{live.url}/{ACCOUNT}/payments"]
    assert "NextToken" not in rest
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName="orders")
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix="orders-x")


def test_queue_urls_use_the_host_the_client_called(live: Live) -> None:
    by_name = live.client("sqs", endpoint=live.url.replace("127.0.0.1", "localhost"))
    url = create(by_name, "hosted")
    assert url == f"http://localhost:{live.endpoint.port}/{ACCOUNT}/hosted"
    assert live.client("sqs").get_queue_url(QueueName="hosted")["QueueUrl"] == (
        f"{live.url}/{ACCOUNT}/hosted"
    )


@pytest.mark.parametrize(
    "form",
    [
        "https://sqs.us-east-1.amazonaws.com/{account}/{name}",
        "https://queue.amazonaws.com/{account}/{name}",
        "http://elsewhere:9324/{account}/{name}",
        "{name}",
    ],
)
def test_any_queue_url_form_resolves_by_name(live: Live, form: str) -> None:
    sqs = live.client("sqs")
    create(sqs, "anywhere")
    url = form.format(account=ACCOUNT, name="anywhere")
    sqs.send_message(QueueUrl=url, MessageBody="found")
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "found"


def test_regions_come_from_the_credential_scope(live: Live) -> None:
    east = live.client("sqs", region="us-east-1")
    west = live.client("sqs", region="eu-west-2")
    create(west, "regional")
    with pytest.raises(east.exceptions.QueueDoesNotExist):
        east.get_queue_url(QueueName="regional")
    arn = west.get_queue_attributes(
        QueueUrl=west.get_queue_url(QueueName="regional")["QueueUrl"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    assert arn == f"arn:aws:sqs:eu-west-2:{ACCOUNT}:regional"


def test_queue_attributes(live: Live) -> None:
    sqs = live.client("sqs")
    url = create(sqs, "tuned", VisibilityTimeout="45", DelaySeconds="2")
    everything = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert everything["VisibilityTimeout"] == "45"
    assert everything["DelaySeconds"] == "2"
    assert everything["QueueArn"] == f"arn:aws:sqs:us-east-1:{ACCOUNT}:tuned"
    assert everything["ApproximateNumberOfMessages"] == "0"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "5"})
    chosen = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["VisibilityTimeout", "ApproximateNumberOfMessages"]
    )["Attributes"]
    assert chosen == {"VisibilityTimeout": "5", "ApproximateNumberOfMessages": "0"}
    assert "Attributes" not in sqs.get_queue_attributes(QueueUrl=url)


def test_tags(live: Live) -> None:
    sqs = live.client("sqs")
    url = sqs.create_queue(QueueName="tagged", tags={"team": "data"})["QueueUrl"]
    sqs.tag_queue(QueueUrl=url, Tags={"env": "dev", "team": "ops"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "ops", "env": "dev"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "dev"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["env"])
    assert "Tags" not in sqs.list_queue_tags(QueueUrl=url)


def md5_of_attributes(attributes: dict[str, dict[str, Any]]) -> str:
    digest = hashlib.md5()
    for name in sorted(attributes):
        value = attributes[name]
        for part in (name.encode(), value["DataType"].encode()):
            digest.update(len(part).to_bytes(4, "big") + part)
        if "BinaryValue" in value:
            raw = value["BinaryValue"]
            digest.update(b"\x02")
        else:
            raw = value["StringValue"].encode()
            digest.update(b"\x01")
        digest.update(len(raw).to_bytes(4, "big") + raw)
    return digest.hexdigest()


def test_send_receive_delete_with_attributes(live: Live) -> None:
    sqs = live.client("sqs")
    url = create(sqs, "attributed")
    attributes: dict[str, dict[str, Any]] = {
        "colour": {"DataType": "String", "StringValue": "blue"},
        "count": {"DataType": "Number", "StringValue": "42"},
        "blob": {"DataType": "Binary", "BinaryValue": bytes(range(256))},
    }
    body = "héllo\r\nwörld ✓"
    sent = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes)
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(attributes)
    got = sqs.receive_message(
        QueueUrl=url, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"]
    )["Messages"]
    assert len(got) == 1
    message = got[0]
    assert message["MessageId"] == sent["MessageId"]
    assert message["Body"] == body
    assert message["MessageAttributes"] == attributes
    assert message["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    assert message["Attributes"]["SentTimestamp"] == str(int(live.cloud.clock.now() * 1000))
    assert message["Attributes"]["SenderId"].startswith("AIDA")
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    live.advance(60)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_batches(live: Live) -> None:
    sqs = live.client("sqs")
    url = create(sqs, "batched")
    sent = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "a", "MessageBody": "one"},
            {"Id": "b", "MessageBody": "two", "DelaySeconds": 0},
            {"Id": "bad", "MessageBody": "x", "DelaySeconds": 901},
        ],
    )
    assert sorted(e["Id"] for e in sent["Successful"]) == ["a", "b"]
    (failed,) = sent["Failed"]
    assert failed["Id"] == "bad"
    assert failed["SenderFault"] is True
    assert failed["Code"] == "InvalidParameterValue"
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in got) == ["one", "two"]
    changed = sqs.change_message_visibility_batch(
        QueueUrl=url,
        Entries=[
            {"Id": f"m{i}", "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 100}
            for i, m in enumerate(got)
        ],
    )
    assert sorted(e["Id"] for e in changed["Successful"]) == ["m0", "m1"]
    deleted = sqs.delete_message_batch(
        QueueUrl=url,
        Entries=[
            *({"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)),
            {"Id": "junk", "ReceiptHandle": "not-a-handle"},
        ],
    )
    assert sorted(e["Id"] for e in deleted["Successful"]) == ["d0", "d1"]
    assert deleted["Failed"] == [
        {
            "Id": "junk",
            "SenderFault": True,
            "Code": "ReceiptHandleIsInvalid",
            "Message": 'The input receipt handle "not-a-handle" is not a valid receipt handle.',
        }
    ]


def test_visibility_timeout_runs_on_the_clock(live: Live) -> None:
    sqs = live.client("sqs")
    url = create(sqs, "visible", VisibilityTimeout="30")
    sqs.send_message(QueueUrl=url, MessageBody="again")
    first = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    live.advance(29)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    live.advance(1)
    second = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])
    message = second["Messages"][0]
    assert message["MessageId"] == first["MessageId"]
    assert message["ReceiptHandle"] != first["ReceiptHandle"]
    assert message["Attributes"]["ApproximateReceiveCount"] == "2"
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=5
    )
    live.advance(5)
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "again"


def test_long_poll_wakes_on_a_send_from_another_client(live: Live) -> None:
    receiver = live.client("sqs")
    sender = live.client("sqs", key="AKIAWIRETEST00000002")
    url = create(receiver, "waiting")
    queue = live.cloud.service(SqsService).queues[("us-east-1", "waiting")]
    result: dict[str, Any] = {}

    def poll() -> None:
        result.update(receiver.receive_message(QueueUrl=url, WaitTimeSeconds=20))

    thread = threading.Thread(target=poll)
    thread.start()
    live.wait_until(lambda: queue.arrived.waiting == 1)
    started = live.cloud.clock.now()
    sender.send_message(QueueUrl=url, MessageBody="wake up")
    thread.join(TIMEOUT)
    assert not thread.is_alive()
    assert [m["Body"] for m in result["Messages"]] == ["wake up"]
    assert live.cloud.clock.now() == started


def test_long_poll_ends_empty_at_its_deadline(live: Live) -> None:
    sqs = live.client("sqs")
    url = create(sqs, "quiet")
    queue = live.cloud.service(SqsService).queues[("us-east-1", "quiet")]
    result: dict[str, Any] = {}
    thread = threading.Thread(
        target=lambda: result.update(sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10))
    )
    thread.start()
    live.wait_until(lambda: queue.arrived.waiting == 1)
    live.advance(9)
    assert thread.is_alive()
    live.advance(1)
    thread.join(TIMEOUT)
    assert "Messages" not in result
    assert result["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_fifo_queue(live: Live) -> None:
    sqs = live.client("sqs")
    url = create(sqs, "jobs.fifo", FifoQueue="true", ContentBasedDeduplication="true")
    first = sqs.send_message(QueueUrl=url, MessageBody="a", MessageGroupId="g")
    duplicate = sqs.send_message(QueueUrl=url, MessageBody="a", MessageGroupId="g")
    second = sqs.send_message(QueueUrl=url, MessageBody="b", MessageGroupId="g")
    assert duplicate["MessageId"] == first["MessageId"]
    assert int(second["SequenceNumber"]) > int(first["SequenceNumber"])
    got = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
    )["Messages"]
    assert [m["Body"] for m in got] == ["a", "b"]
    assert got[0]["Attributes"]["MessageGroupId"] == "g"
    assert got[0]["Attributes"]["SequenceNumber"] == first["SequenceNumber"]
    with pytest.raises(ClientError) as missing:
        sqs.send_message(QueueUrl=url, MessageBody="c")
    assert missing.value.response["Error"]["Code"] == "MissingParameter"


def test_purge_queue(live: Live) -> None:
    sqs = live.client("sqs")
    url = create(sqs, "purged")
    sqs.send_message(QueueUrl=url, MessageBody="gone")
    sqs.purge_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.PurgeQueueInProgress) as busy:
        sqs.purge_queue(QueueUrl=url)
    assert busy.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    live.advance(60)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    sqs.purge_queue(QueueUrl=url)


def test_dead_letter_queue(live: Live) -> None:
    sqs = live.client("sqs")
    dlq = create(sqs, "dead")
    dlq_arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:dead"
    source = create(
        sqs,
        "source",
        VisibilityTimeout="10",
        RedrivePolicy=f'{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"1"}}',
    )
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [source]
    sqs.send_message(QueueUrl=source, MessageBody="poison")
    sqs.receive_message(QueueUrl=source)
    live.advance(10)
    assert "Messages" not in sqs.receive_message(QueueUrl=source)
    moved = sqs.receive_message(QueueUrl=dlq)["Messages"]
    assert [m["Body"] for m in moved] == ["poison"]


def test_sender_id_and_trail_name_the_access_key(live: Live) -> None:
    sqs = live.client("sqs")
    url = create(sqs, "traced")
    response = sqs.send_message(QueueUrl=url, MessageBody="who")
    entry = live.call(lambda: live.cloud.trail.data[-1])
    assert entry.request_id == response["ResponseMetadata"]["RequestId"]
    record = entry.record()
    assert record["userIdentity"]["accessKeyId"] == ACCESS_KEY
    assert record["userIdentity"]["arn"] == f"arn:aws:iam::{ACCOUNT}:user/{ACCESS_KEY}"
    assert record["sourceIPAddress"] == "127.0.0.1"
    assert record["userAgent"].startswith("Boto3/")
    assert record["eventName"] == "SendMessage"


def test_binary_attributes_travel_base64_on_the_wire(live: Live) -> None:
    sqs = live.client("sqs")
    url = create(sqs, "binary")
    raw = b"\xff\x00binary"
    sqs.send_message(
        QueueUrl=url,
        MessageBody="b",
        MessageAttributes={"data": {"DataType": "Binary.gz", "BinaryValue": raw}},
    )
    entry = live.call(lambda: live.cloud.trail.data[-1])
    assert entry.params["MessageAttributes"]["data"]["BinaryValue"] == raw
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["data"])["Messages"][0]
    assert got["MessageAttributes"]["data"] == {"DataType": "Binary.gz", "BinaryValue": raw}


def test_every_queue_url_uses_the_host_the_client_called(live: Live) -> None:
    port = live.endpoint.port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
        sqs = live.client("sqs", endpoint=f"http://{host}")
        base = f"http://{host}/{ACCOUNT}"
        dlq = create(sqs, "hosted-dlq")
        redrive = f'{{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:{ACCOUNT}:hosted-dlq",'
        source = create(sqs, "hosted", RedrivePolicy=redrive + '"maxReceiveCount":"3"}')
        assert (dlq, source) == (f"{base}/hosted-dlq", f"{base}/hosted")
        assert sqs.get_queue_url(QueueName="hosted")["QueueUrl"] == source
        assert sqs.list_queues(QueueNamePrefix="hosted")["QueueUrls"] == [source, dlq]
        assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [source]


def test_a_batch_entry_with_a_bad_delay_fails_alone(live: Live) -> None:
    sqs = live.client("sqs")
    url = create(sqs, "delays")
    sent = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "early", "MessageBody": "one", "DelaySeconds": -1},
            {"Id": "ok", "MessageBody": "two", "DelaySeconds": 900},
        ],
    )
    assert [e["Id"] for e in sent["Successful"]] == ["ok"]
    assert sent["Failed"] == [
        {
            "Id": "early",
            "SenderFault": True,
            "Code": "InvalidParameterValue",
            "Message": "Value -1 for parameter DelaySeconds is invalid. Reason: DelaySeconds "
            "must be >= 0 and <= 900.",
        }
    ]


def test_tag_errors(live: Live) -> None:
    sqs = live.client("sqs")
    url = create(sqs, "tag-rules")
    with pytest.raises(ClientError) as empty:
        sqs.tag_queue(QueueUrl=url, Tags={})
    assert empty.value.response["Error"]["Code"] == "MissingParameter"
    with pytest.raises(ClientError) as many:
        sqs.tag_queue(QueueUrl=url, Tags={f"k{i}": "v" for i in range(51)})
    assert (many.value.response["Error"]["Code"], many.value.response["Error"]["Message"]) == (
        "InvalidParameterValue",
        "Too many tags added for queue tag-rules.",
    )
    with pytest.raises(ClientError) as no_keys:
        sqs.untag_queue(QueueUrl=url, TagKeys=[])
    assert no_keys.value.response["Error"]["Message"] == (
        "Tag keys must be between 1 and 128 characters in length."
    )


def test_permissions(live: Live) -> None:
    sqs = live.client("sqs")
    url = create(sqs, "shared")
    arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:shared"
    sqs.add_permission(
        QueueUrl=url, Label="Senders", AWSAccountIds=["111122223333"], Actions=["SendMessage"]
    )
    sqs.add_permission(
        QueueUrl=url,
        Label="Workers",
        AWSAccountIds=["111122223333", "444455556666"],
        Actions=["ReceiveMessage", "DeleteMessage"],
    )
    policy = json.loads(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"]
    )
    assert (policy["Version"], policy["Id"]) == ("2012-10-17", f"{arn}/SQSDefaultPolicy")
    assert policy["Statement"][1] == {
        "Sid": "Workers",
        "Effect": "Allow",
        "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"]},
        "Action": ["SQS:ReceiveMessage", "SQS:DeleteMessage"],
        "Resource": arn,
    }
    with pytest.raises(sqs.exceptions.OverLimit) as over:
        sqs.add_permission(
            QueueUrl=url, Label="Greedy", AWSAccountIds=["111122223333"], Actions=["*"] * 8
        )
    assert over.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    sqs.remove_permission(QueueUrl=url, Label="Senders")
    sqs.remove_permission(QueueUrl=url, Label="Workers")
    assert "Attributes" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])
    with pytest.raises(ClientError) as unknown:
        sqs.remove_permission(QueueUrl=url, Label="Workers")
    assert unknown.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_message_move_task(live: Live) -> None:
    sqs = live.client("sqs")
    dlq = create(sqs, "redrive-dlq")
    dlq_arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:redrive-dlq"
    source = create(
        sqs,
        "redrive-src",
        RedrivePolicy=f'{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"1"}}',
    )
    for i in range(3):
        sqs.send_message(QueueUrl=source, MessageBody=f"m{i}")
    for _ in range(2):
        sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10, VisibilityTimeout=0)
    handle = sqs.start_message_move_task(SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=2)[
        "TaskHandle"
    ]
    assert json.loads(base64.b64decode(handle))["sourceArn"] == dlq_arn
    live.advance(0)
    (running,) = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
    assert running == {
        "TaskHandle": handle,
        "Status": "RUNNING",
        "SourceArn": dlq_arn,
        "MaxNumberOfMessagesPerSecond": 2,
        "ApproximateNumberOfMessagesMoved": 2,
        "ApproximateNumberOfMessagesToMove": 3,
        "StartedTimestamp": int(live.cloud.clock.now() * 1000),
    }
    assert sqs.cancel_message_move_task(TaskHandle=handle)["ApproximateNumberOfMessagesMoved"] == 2
    live.advance(1)
    (cancelled,) = sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=10)["Results"]
    assert (cancelled["Status"], cancelled["ApproximateNumberOfMessagesMoved"]) == ("CANCELLED", 2)
    with pytest.raises(sqs.exceptions.ResourceNotFoundException) as gone:
        sqs.cancel_message_move_task(TaskHandle=handle)
    assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    sqs.start_message_move_task(SourceArn=dlq_arn)
    live.advance(0)
    moved = sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in moved) == ["m0", "m1", "m2"]
    assert "Messages" not in sqs.receive_message(QueueUrl=dlq)
    with pytest.raises(sqs.exceptions.ResourceNotFoundException):
        sqs.start_message_move_task(SourceArn=dlq_arn + "-missing")
