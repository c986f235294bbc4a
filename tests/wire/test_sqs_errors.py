"""SQS errors as boto3 sees them: the exception class, the legacy code and the status.

Two halves. The table half sends every error of AWS_FACTS §1 through the
wire from a stub action and checks what botocore makes of it, so the
encoding (`__type`, `x-amzn-query-error`, status) is right for every code,
including those no current behaviour raises (KMS). The behaviour half makes
the real service fail in the ways a client can provoke.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from botocore.exceptions import ClientError

from backend.errors import AwsError
from backend.service import Params, Request, Response, action
from backend.services.sqs import SqsService
from backend.services.sqs import errors as sqs_errors
from tests.wire.live import ACCOUNT, Live, start_live

_SQS = "AWS.SimpleQueueService."
#: AWS_FACTS §1: (shape, legacy code, HTTP status).
ERRORS = [
    ("QueueDoesNotExist", _SQS + "NonExistentQueue", 400),
    ("QueueNameExists", "QueueAlreadyExists", 400),
    ("QueueDeletedRecently", _SQS + "QueueDeletedRecently", 400),
    ("MessageNotInflight", _SQS + "MessageNotInflight", 400),
    ("UnsupportedOperation", _SQS + "UnsupportedOperation", 400),
    ("TooManyEntriesInBatchRequest", _SQS + "TooManyEntriesInBatchRequest", 400),
    ("EmptyBatchRequest", _SQS + "EmptyBatchRequest", 400),
    ("BatchEntryIdsNotDistinct", _SQS + "BatchEntryIdsNotDistinct", 400),
    ("BatchRequestTooLong", _SQS + "BatchRequestTooLong", 400),
    ("InvalidBatchEntryId", _SQS + "InvalidBatchEntryId", 400),
    ("PurgeQueueInProgress", _SQS + "PurgeQueueInProgress", 403),
    ("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", 404),
    ("InvalidAddress", "InvalidAddress", 404),
    ("ResourceNotFoundException", "ResourceNotFoundException", 404),
    ("OverLimit", "OverLimit", 403),
    ("RequestThrottled", "RequestThrottled", 403),
    ("InvalidSecurity", "InvalidSecurity", 403),
    ("InvalidAttributeName", "InvalidAttributeName", 400),
    ("InvalidAttributeValue", "InvalidAttributeValue", 400),
    ("InvalidIdFormat", "InvalidIdFormat", 400),
    ("InvalidMessageContents", "InvalidMessageContents", 400),
    ("KmsDisabled", "KMS.DisabledException", 400),
    ("KmsNotFound", "KMS.NotFoundException", 400),
    ("KmsInvalidState", "KMS.InvalidStateException", 400),
    ("KmsAccessDenied", "KMS.AccessDeniedException", 400),
    ("KmsThrottled", "KMS.ThrottlingException", 400),
    ("KmsInvalidKeyUsage", "KMS.InvalidKeyUsageException", 400),
    ("KmsOptInRequired", "KMS.OptInRequired", 403),
]
#: Not in the model: botocore raises plain ClientError with the code.
UNMODELED = [("InvalidParameterValue", 400), ("MissingParameter", 400)]
_BY_SHAPE = {shape: (legacy, status) for shape, legacy, status in ERRORS}


class FailingSqs(SqsService):
    """SQS whose ListQueues fails with the error its QueueNamePrefix names."""

    name: ClassVar[str] = "sqs"

    @action("ListQueues", read_only=True)
    def list_queues(self, params: Params, request: Request) -> Response:
        shape = params["QueueNamePrefix"]
        legacy, status = _BY_SHAPE.get(shape, (shape, 400))
        raise AwsError(shape, f"{shape} happened", status=status, legacy_code=legacy)


@pytest.fixture(scope="module")
def failing(loop: asyncio.AbstractEventLoop, boto_session: Any) -> Iterator[Live]:
    served = start_live(loop, boto_session, services=[FailingSqs])
    yield served
    served.run(served.endpoint.close())


@pytest.mark.parametrize(("shape", "legacy", "status"), ERRORS)
def test_each_sqs_error_raises_its_boto3_class(
    failing: Live, shape: str, legacy: str, status: int
) -> None:
    sqs = failing.client("sqs")
    error_class = getattr(sqs.exceptions, shape)
    with pytest.raises(error_class) as raised:
        sqs.list_queues(QueueNamePrefix=shape)
    response = raised.value.response
    assert response["Error"] == {
        "Code": legacy,
        "QueryErrorCode": shape,
        "Type": "Sender",
        "Message": f"{shape} happened",
    }
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-query-error"] == f"{legacy};Sender"


@pytest.mark.parametrize(("code", "status"), UNMODELED)
def test_unmodeled_errors_are_client_errors_with_their_code(
    failing: Live, code: str, status: int
) -> None:
    sqs = failing.client("sqs")
    with pytest.raises(ClientError) as raised:
        sqs.list_queues(QueueNamePrefix=code)
    assert type(raised.value) is ClientError
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status


def test_the_service_declares_the_codes_aws_uses() -> None:
    for shape, legacy, status in ERRORS:
        declared = getattr(sqs_errors, shape, None)
        if declared is None:
            continue
        error = declared("x")
        assert (error.code, error.legacy_code, error.status) == (shape, legacy, status)


# -- the real service, provoked -----------------------------------------------------


def failure(call: Any, **kwargs: Any) -> ClientError:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    return raised.value


def code_of(error: ClientError) -> tuple[str, str, int]:
    response = error.response
    return (
        type(error).__name__,
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def test_queue_errors(live: Live) -> None:
    sqs = live.client("sqs")
    url = sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "10"})["QueueUrl"]
    assert code_of(failure(sqs.get_queue_url, QueueName="missing")) == (
        "QueueDoesNotExist",
        _SQS + "NonExistentQueue",
        400,
    )
    assert code_of(
        failure(sqs.create_queue, QueueName="q", Attributes={"VisibilityTimeout": "20"})
    ) == ("QueueNameExists", "QueueAlreadyExists", 400)
    sqs.delete_queue(QueueUrl=url)
    assert code_of(failure(sqs.create_queue, QueueName="q")) == (
        "QueueDeletedRecently",
        _SQS + "QueueDeletedRecently",
        400,
    )
    live.advance(60)
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    assert code_of(failure(sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["Colour"])) == (
        "InvalidAttributeName",
        "InvalidAttributeName",
        400,
    )
    assert code_of(
        failure(sqs.set_queue_attributes, QueueUrl=url, Attributes={"DelaySeconds": "901"})
    ) == ("InvalidAttributeValue", "InvalidAttributeValue", 400)
    assert code_of(failure(sqs.send_message, QueueUrl="/a/b/c", MessageBody="x")) == (
        "InvalidAddress",
        "InvalidAddress",
        404,
    )
    assert code_of(failure(sqs.send_message, QueueUrl=f"/{ACCOUNT}/nope", MessageBody="x")) == (
        "QueueDoesNotExist",
        _SQS + "NonExistentQueue",
        400,
    )


def test_message_errors(live: Live) -> None:
    sqs = live.client("sqs")
    url = sqs.create_queue(QueueName="m")["QueueUrl"]
    assert code_of(failure(sqs.send_message, QueueUrl=url, MessageBody="bad \x01 char")) == (
        "InvalidMessageContents",
        "InvalidMessageContents",
        400,
    )
    assert code_of(failure(sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=11)) == (
        "ClientError",
        "InvalidParameterValue",
        400,
    )
    assert code_of(failure(sqs.delete_message, QueueUrl=url, ReceiptHandle="garbage")) == (
        "ReceiptHandleIsInvalid",
        "ReceiptHandleIsInvalid",
        404,
    )
    sqs.send_message(QueueUrl=url, MessageBody="once")
    handle = sqs.receive_message(QueueUrl=url, VisibilityTimeout=5)["Messages"][0]["ReceiptHandle"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
    assert code_of(
        failure(
            sqs.change_message_visibility, QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=9
        )
    ) == ("MessageNotInflight", _SQS + "MessageNotInflight", 400)
    unchecked = live.client("sqs", validate=False)
    assert code_of(failure(unchecked.send_message, QueueUrl=url)) == (
        "ClientError",
        "MissingParameter",
        400,
    )


def test_batch_errors(live: Live) -> None:
    sqs = live.client("sqs")
    url = sqs.create_queue(QueueName="b")["QueueUrl"]
    unchecked = live.client("sqs", validate=False)
    assert code_of(failure(unchecked.send_message_batch, QueueUrl=url, Entries=[])) == (
        "EmptyBatchRequest",
        _SQS + "EmptyBatchRequest",
        400,
    )
    eleven = [{"Id": f"e{i}", "MessageBody": "x"} for i in range(11)]
    assert code_of(failure(sqs.send_message_batch, QueueUrl=url, Entries=eleven)) == (
        "TooManyEntriesInBatchRequest",
        _SQS + "TooManyEntriesInBatchRequest",
        400,
    )
    twice = [{"Id": "same", "MessageBody": "x"}, {"Id": "same", "MessageBody": "y"}]
    assert code_of(failure(sqs.send_message_batch, QueueUrl=url, Entries=twice)) == (
        "BatchEntryIdsNotDistinct",
        _SQS + "BatchEntryIdsNotDistinct",
        400,
    )
    bad_id = [{"Id": "no spaces", "MessageBody": "x"}]
    assert code_of(failure(sqs.send_message_batch, QueueUrl=url, Entries=bad_id)) == (
        "InvalidBatchEntryId",
        _SQS + "InvalidBatchEntryId",
        400,
    )
    huge = [{"Id": f"h{i}", "MessageBody": "x" * 300_000} for i in range(4)]
    assert code_of(failure(sqs.send_message_batch, QueueUrl=url, Entries=huge)) == (
        "BatchRequestTooLong",
        _SQS + "BatchRequestTooLong",
        400,
    )


def test_fifo_throttling(live: Live) -> None:
    sqs = live.client("sqs")
    url = sqs.create_queue(QueueName="t.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    with pytest.raises(ClientError) as raised:
        for i in range(301):
            sqs.send_message(
                QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId=str(i)
            )
    assert i == 300
    assert raised.value.response["Error"]["Code"] == "ThrottlingException"


def test_permission_and_move_task_errors(live: Live) -> None:
    sqs = live.client("sqs")
    url = sqs.create_queue(QueueName="p")["QueueUrl"]
    assert code_of(
        failure(
            sqs.add_permission,
            QueueUrl=url,
            Label="L",
            AWSAccountIds=["111122223333"],
            Actions=["SendMessage"] * 8,
        )
    ) == ("OverLimit", "OverLimit", 403)
    assert code_of(failure(sqs.remove_permission, QueueUrl=url, Label="L")) == (
        "ClientError",
        "InvalidParameterValue",
        400,
    )
    missing = f"arn:aws:sqs:us-east-1:{ACCOUNT}:absent"
    assert code_of(failure(sqs.start_message_move_task, SourceArn=missing)) == (
        "ResourceNotFoundException",
        "ResourceNotFoundException",
        404,
    )
    assert code_of(failure(sqs.list_message_move_tasks, SourceArn=missing)) == (
        "ResourceNotFoundException",
        "ResourceNotFoundException",
        404,
    )
    not_a_dlq = f"arn:aws:sqs:us-east-1:{ACCOUNT}:p"
    error = failure(sqs.start_message_move_task, SourceArn=not_a_dlq)
    assert code_of(error) == ("ClientError", "InvalidParameterValue", 400)
    assert error.response["Error"]["Message"] == (
        "Source queue must be configured as a Dead Letter Queue."
    )
    assert code_of(failure(sqs.cancel_message_move_task, TaskHandle="foobared")) == (
        "ClientError",
        "InvalidParameterValue",
        400,
    )
