"""SQS over the legacy query protocol: form requests, XML replies, XML errors.

Older SDKs (botocore before 1.31.81, Java v1, many scripts) send forms; the
first half of this file speaks them by hand, with the names AWS documents,
the second half lets botocore's own query serializer and XML parser drive
every action, as an old SDK would.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from backend.wire.models import missing_query_traits, wire_service
from tests.wire.live import ACCOUNT, Live
from tests.wire.rawhttp import SQS_NS, find, form, request


def test_the_restored_query_names_all_exist_in_the_model() -> None:
    assert missing_query_traits("sqs") == []


def test_create_send_receive_delete_by_hand(live: Live) -> None:
    created = form(
        live.url,
        {
            "Action": "CreateQueue",
            "Version": "2012-11-05",
            "QueueName": "legacy",
            "Attribute.1.Name": "VisibilityTimeout",
            "Attribute.1.Value": "40",
            "Tag.1.Key": "team",
            "Tag.1.Value": "data",
        },
    )
    assert created.status == 200
    assert created.headers["content-type"] == "text/xml"
    root = created.xml()
    assert root.tag == SQS_NS + "CreateQueueResponse"
    url = find(root, "CreateQueueResult/QueueUrl")
    assert url == f"{live.url}/{ACCOUNT}/legacy"
    assert find(root, "ResponseMetadata/RequestId") == created.request_id

    body = "line one\r\nline <two> & three"
    sent = form(
        live.url,
        {
            "Action": "SendMessage",
            "QueueUrl": url,
            "MessageBody": body,
            "MessageAttribute.1.Name": "colour",
            "MessageAttribute.1.Value.DataType": "String",
            "MessageAttribute.1.Value.StringValue": "blue",
            "MessageAttribute.2.Name": "raw",
            "MessageAttribute.2.Value.DataType": "Binary",
            "MessageAttribute.2.Value.BinaryValue": base64.b64encode(b"\x00\xff").decode(),
        },
    )
    assert sent.status == 200
    assert find(sent.xml(), "SendMessageResult/MD5OfMessageBody") == (
        hashlib.md5(body.encode()).hexdigest()
    )

    got = form(
        live.url,
        {
            "Action": "ReceiveMessage",
            "QueueUrl": url,
            "AttributeName.1": "All",
            "MessageAttributeName.1": "All",
            "MaxNumberOfMessages": "5",
        },
    )
    message = got.xml().find(f"{SQS_NS}ReceiveMessageResult/{SQS_NS}Message")
    assert message is not None
    assert find(message, "Body") == body
    attributes = {find(a, "Name"): find(a, "Value") for a in message.findall(SQS_NS + "Attribute")}
    assert attributes["ApproximateReceiveCount"] == "1"
    user = {
        find(a, "Name"): (
            find(a, "Value/DataType"),
            a.findtext(f"{SQS_NS}Value/{SQS_NS}StringValue")
            or a.findtext(f"{SQS_NS}Value/{SQS_NS}BinaryValue"),
        )
        for a in message.findall(SQS_NS + "MessageAttribute")
    }
    assert user == {"colour": ("String", "blue"), "raw": ("Binary", "AP8=")}

    deleted = form(
        live.url,
        {
            "Action": "DeleteMessage",
            "QueueUrl": url,
            "ReceiptHandle": find(message, "ReceiptHandle"),
        },
    )
    assert deleted.status == 200
    assert deleted.xml().tag == SQS_NS + "DeleteMessageResponse"


def test_queue_url_as_the_request_path(live: Live) -> None:
    form(live.url, {"Action": "CreateQueue", "QueueName": "pathy"})
    path = f"/{ACCOUNT}/pathy"
    sent = form(live.url, {"Action": "SendMessage", "MessageBody": "by path"}, path=path)
    assert sent.status == 200
    unsigned = form(live.url, {"Action": "ReceiveMessage"}, path=path, service=None)
    assert find(unsigned.xml(), "ReceiveMessageResult/Message/Body") == "by path"


def test_get_with_a_query_string(live: Live) -> None:
    form(live.url, {"Action": "CreateQueue", "QueueName": "got"})
    reply = request(live.url, "GET", "/?Action=GetQueueUrl&QueueName=got&Version=2012-11-05")
    assert reply.status == 200
    assert find(reply.xml(), "GetQueueUrlResult/QueueUrl") == f"{live.url}/{ACCOUNT}/got"


def test_lists_and_maps_in_replies(live: Live) -> None:
    for name in ("l-a", "l-b"):
        form(live.url, {"Action": "CreateQueue", "QueueName": name})
    listed = form(live.url, {"Action": "ListQueues", "QueueNamePrefix": "l-"})
    urls = [u.text or "" for u in listed.xml().iter(SQS_NS + "QueueUrl")]
    assert urls == [f"{live.url}/{ACCOUNT}/l-a", f"{live.url}/{ACCOUNT}/l-b"]
    url = urls[0]
    form(live.url, {"Action": "TagQueue", "QueueUrl": url, "Tags.1.Key": "k", "Tags.1.Value": "v"})
    tags = form(live.url, {"Action": "ListQueueTags", "QueueUrl": url}).xml()
    assert find(tags, "ListQueueTagsResult/Tag/Key") == "k"
    assert find(tags, "ListQueueTagsResult/Tag/Value") == "v"
    attributes = form(
        live.url,
        {"Action": "GetQueueAttributes", "QueueUrl": url, "AttributeName.1": "VisibilityTimeout"},
    ).xml()
    assert find(attributes, "GetQueueAttributesResult/Attribute/Name") == "VisibilityTimeout"
    assert find(attributes, "GetQueueAttributesResult/Attribute/Value") == "30"


def test_batches_by_hand(live: Live) -> None:
    form(live.url, {"Action": "CreateQueue", "QueueName": "bh"})
    url = f"{live.url}/{ACCOUNT}/bh"
    reply = form(
        live.url,
        {
            "Action": "SendMessageBatch",
            "QueueUrl": url,
            "SendMessageBatchRequestEntry.1.Id": "one",
            "SendMessageBatchRequestEntry.1.MessageBody": "first",
            "SendMessageBatchRequestEntry.2.Id": "two",
            "SendMessageBatchRequestEntry.2.MessageBody": "second",
            "SendMessageBatchRequestEntry.2.DelaySeconds": "5000",
        },
    ).xml()
    assert find(reply, "SendMessageBatchResult/SendMessageBatchResultEntry/Id") == "one"
    assert find(reply, "SendMessageBatchResult/BatchResultErrorEntry/Id") == "two"
    assert find(reply, "SendMessageBatchResult/BatchResultErrorEntry/SenderFault") == "true"
    assert find(reply, "SendMessageBatchResult/BatchResultErrorEntry/Code") == (
        "InvalidParameterValue"
    )


def test_errors_are_xml_with_the_legacy_code(live: Live) -> None:
    reply = form(live.url, {"Action": "GetQueueUrl", "QueueName": "absent"})
    assert reply.status == 400
    root = reply.xml()
    assert root.tag == SQS_NS + "ErrorResponse"
    assert find(root, "Error/Type") == "Sender"
    assert find(root, "Error/Code") == "AWS.SimpleQueueService.NonExistentQueue"
    assert find(root, "Error/Message") == "The specified queue does not exist."
    assert find(root, "RequestId") == reply.request_id
    bad = form(
        live.url, {"Action": "ReceiveMessage", "QueueUrl": "x", "MaxNumberOfMessages": "ten"}
    )
    assert bad.status == 400
    assert find(bad.xml(), "Error/Code") == "InvalidParameterValue"
    unknown = form(live.url, {"Action": "ReticulateSplines"})
    assert (unknown.status, find(unknown.xml(), "Error/Code")) == (400, "InvalidAction")
    # Modelled by botocore, not implemented here (every SQS action now is: STS's AssumeRole).
    unimplemented = form(live.url, {"Action": "AssumeRole", "Version": "2011-06-15"}, service="sts")
    assert unimplemented.status == 400
    assert unimplemented.xml().findtext("{*}Error/{*}Code") == "InvalidAction"


# -- an old SDK: botocore driving the query protocol -----------------------------------


@pytest.fixture(scope="module")
def query_session(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A botocore session whose SQS model says "query", as botocore's did until 1.31.81."""
    service = wire_service("sqs")
    assert service is not None and service.query_model is not None
    loader = botocore.session.get_session().get_component("data_loader")
    raw = copy.deepcopy(loader.load_service_model("sqs", "service-2"))
    from backend.services.sqs.wire import SQS
    from backend.wire.models import restore_query_traits

    model = restore_query_traits(raw, SQS)
    metadata = model["metadata"]
    metadata.update(protocol="query", protocols=["query"])
    for key in ("jsonVersion", "targetPrefix", "awsQueryCompatible"):
        metadata.pop(key, None)
    folder = Path(tmp_path_factory.mktemp("models")) / "sqs" / "2012-11-05"
    folder.mkdir(parents=True)
    (folder / "service-2.json").write_text(json.dumps(model))
    session = botocore.session.get_session()
    session.get_component("data_loader").search_paths.insert(0, str(folder.parent.parent))
    return session


def test_an_old_query_sdk_drives_every_action(live: Live, query_session: Any) -> None:
    sqs = query_session.create_client(
        "sqs",
        endpoint_url=live.url,
        region_name="us-east-1",
        aws_access_key_id="AKIAOLDSDK0000000001",
        aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}),
    )
    assert sqs.meta.service_model.protocol == "query"
    dlq = sqs.create_queue(QueueName="old-dlq")["QueueUrl"]
    url = sqs.create_queue(
        QueueName="old",
        Attributes={
            "VisibilityTimeout": "20",
            "RedrivePolicy": json.dumps(
                {
                    "deadLetterTargetArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:old-dlq",
                    "maxReceiveCount": "5",
                }
            ),
        },
        tags={"era": "2019"},
    )["QueueUrl"]
    assert sqs.get_queue_url(QueueName="old")["QueueUrl"] == url
    assert sqs.list_queues(QueueNamePrefix="old")["QueueUrls"] == [url, dlq]
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [url]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "0"})
    assert (
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"][
            "VisibilityTimeout"
        ]
        == "20"
    )
    sqs.tag_queue(QueueUrl=url, Tags={"owner": "me"})
    sqs.untag_queue(QueueUrl=url, TagKeys=["era"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"owner": "me"}

    attributes = {
        "n": {"DataType": "Number", "StringValue": "7"},
        "b": {"DataType": "Binary", "BinaryValue": b"\x01\x02"},
    }
    sent = sqs.send_message(QueueUrl=url, MessageBody="single", MessageAttributes=attributes)
    batch = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[{"Id": "x", "MessageBody": "bx"}, {"Id": "y", "MessageBody": "by"}],
    )
    assert sorted(e["Id"] for e in batch["Successful"]) == ["x", "y"]
    got = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"]
    )["Messages"]
    assert sorted(m["Body"] for m in got) == ["bx", "by", "single"]
    single = next(m for m in got if m["Body"] == "single")
    assert single["MessageAttributes"] == attributes
    assert single["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert single["Attributes"]["ApproximateReceiveCount"] == "1"
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=single["ReceiptHandle"], VisibilityTimeout=0
    )
    others = [m for m in got if m is not single]
    changed = sqs.change_message_visibility_batch(
        QueueUrl=url,
        Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 60}
            for i, m in enumerate(others)
        ],
    )
    assert len(changed["Successful"]) == 2
    deleted = sqs.delete_message_batch(
        QueueUrl=url,
        Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(others)],
    )
    assert len(deleted["Successful"]) == 2
    again = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert again["Body"] == "single"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"])
    sqs.purge_queue(QueueUrl=url)
    with pytest.raises(ClientError) as raised:
        sqs.purge_queue(QueueUrl=url)
    assert raised.value.response["Error"]["Code"] == "AWS.SimpleQueueService.PurgeQueueInProgress"
    assert raised.value.response["Error"]["Type"] == "Sender"
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(ClientError) as gone:
        sqs.get_queue_url(QueueName="old")
    assert gone.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_every_queue_url_uses_the_host_the_client_called_by_hand(live: Live) -> None:
    port = live.endpoint.port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
        endpoint = f"http://{host}"
        base = f"{endpoint}/{ACCOUNT}"
        dlq_arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:h-dlq"
        created = [
            find(form(endpoint, fields).xml(), "CreateQueueResult/QueueUrl")
            for fields in (
                {"Action": "CreateQueue", "QueueName": "h-dlq"},
                {
                    "Action": "CreateQueue",
                    "QueueName": "h-src",
                    "Attribute.1.Name": "RedrivePolicy",
                    "Attribute.1.Value": json.dumps(
                        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"}
                    ),
                },
            )
        ]
        assert created == [f"{base}/h-dlq", f"{base}/h-src"]
        got = form(endpoint, {"Action": "GetQueueUrl", "QueueName": "h-src"}).xml()
        assert find(got, "GetQueueUrlResult/QueueUrl") == f"{base}/h-src"
        listed = form(endpoint, {"Action": "ListQueues", "QueueNamePrefix": "h-"}).xml()
        assert [u.text for u in listed.iter(SQS_NS + "QueueUrl")] == created
        sources = form(
            endpoint, {"Action": "ListDeadLetterSourceQueues", "QueueUrl": created[0]}
        ).xml()
        assert [u.text for u in sources.iter(SQS_NS + "QueueUrl")] == [f"{base}/h-src"]


def test_permissions_by_hand(live: Live) -> None:
    form(live.url, {"Action": "CreateQueue", "QueueName": "perm"})
    url = f"{live.url}/{ACCOUNT}/perm"
    added = form(
        live.url,
        {
            "Action": "AddPermission",
            "QueueUrl": url,
            "Label": "Partners",
            "AWSAccountId.1": "111122223333",
            "AWSAccountId.2": "444455556666",
            "ActionName.1": "SendMessage",
            "ActionName.2": "GetQueueUrl",
        },
    )
    assert added.status == 200
    assert added.xml().tag == SQS_NS + "AddPermissionResponse"
    attributes = form(
        live.url, {"Action": "GetQueueAttributes", "QueueUrl": url, "AttributeName.1": "Policy"}
    ).xml()
    policy = json.loads(find(attributes, "GetQueueAttributesResult/Attribute/Value"))
    (statement,) = policy["Statement"]
    assert statement["Sid"] == "Partners"
    assert statement["Action"] == ["SQS:SendMessage", "SQS:GetQueueUrl"]
    assert statement["Principal"]["AWS"] == [
        "arn:aws:iam::111122223333:root",
        "arn:aws:iam::444455556666:root",
    ]
    again = form(
        live.url,
        {
            "Action": "AddPermission",
            "QueueUrl": url,
            "Label": "Partners",
            "AWSAccountId.1": "111122223333",
            "ActionName.1": "SendMessage",
        },
    )
    assert again.status == 400
    assert find(again.xml(), "Error/Message") == (
        "Value Partners for parameter Label is invalid. Reason: Already exists."
    )
    removed = form(live.url, {"Action": "RemovePermission", "QueueUrl": url, "Label": "Partners"})
    assert removed.status == 200


def test_an_old_query_sdk_drives_permissions_tags_and_move_tasks(
    live: Live, query_session: Any
) -> None:
    sqs = query_session.create_client(
        "sqs",
        endpoint_url=live.url,
        region_name="us-east-1",
        aws_access_key_id="AKIAOLDSDK0000000001",
        aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}),
    )
    dlq = sqs.create_queue(QueueName="old-redrive-dlq")["QueueUrl"]
    dlq_arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:old-redrive-dlq"
    source = sqs.create_queue(
        QueueName="old-redrive",
        Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "1"})
        },
    )["QueueUrl"]

    sqs.add_permission(
        QueueUrl=source, Label="Old", AWSAccountIds=["111122223333"], Actions=["SendMessage"]
    )
    with pytest.raises(ClientError) as over:
        sqs.add_permission(
            QueueUrl=source, Label="Over", AWSAccountIds=["111122223333"], Actions=["*"] * 8
        )
    assert over.value.response["Error"]["Code"] == "OverLimit"
    assert over.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    sqs.remove_permission(QueueUrl=source, Label="Old")

    with pytest.raises(ClientError) as no_keys:
        sqs.untag_queue(QueueUrl=source, TagKeys=[])
    assert no_keys.value.response["Error"]["Message"] == (
        "Tag keys must be between 1 and 128 characters in length."
    )

    batch = sqs.send_message_batch(
        QueueUrl=source,
        Entries=[
            {"Id": "a", "MessageBody": "one"},
            {"Id": "late", "MessageBody": "x", "DelaySeconds": 901},
            {"Id": "b", "MessageBody": "two"},
        ],
    )
    assert sorted(e["Id"] for e in batch["Successful"]) == ["a", "b"]
    assert [(f["Id"], f["Code"]) for f in batch["Failed"]] == [("late", "InvalidParameterValue")]
    for _ in range(2):
        sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10, VisibilityTimeout=0)

    handle = sqs.start_message_move_task(SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=1)[
        "TaskHandle"
    ]
    live.advance(0)
    (task,) = sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=5)["Results"]
    assert (task["Status"], task["TaskHandle"], task["ApproximateNumberOfMessagesMoved"]) == (
        "RUNNING",
        handle,
        1,
    )
    assert task["ApproximateNumberOfMessagesToMove"] == 2
    live.advance(1)
    (task,) = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
    assert task["Status"] == "COMPLETED"
    assert "TaskHandle" not in task
    with pytest.raises(ClientError) as gone:
        sqs.cancel_message_move_task(TaskHandle=handle)
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    moved = sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in moved) == ["one", "two"]
    assert "Messages" not in sqs.receive_message(QueueUrl=dlq)
