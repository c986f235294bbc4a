"""Reading request parameters: what counts as a whole number, and the error when not."""

from __future__ import annotations

import pytest

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.params import optional_int
from tests.backend.helpers import create_queue, receive, send, sqs_error


@pytest.mark.parametrize("text", ["¹", "٣", "1_000", "1.0", "", "-", "0x1f"])
def test_only_ascii_whole_numbers_are_integers(text: str) -> None:
    with pytest.raises(AwsError) as error:
        optional_int({"N": text}, "N", -10, 10)
    assert error.value.code == "InvalidParameterValue"


@pytest.mark.parametrize(("text", "number"), [("7", 7), (" 7 ", 7), ("-3", -3)])
def test_numbers_sent_as_text_are_read(text: str, number: int) -> None:
    assert optional_int({"N": text}, "N", -10, 10) == number


async def test_a_superscript_visibility_timeout_is_an_aws_error(cloud: Cloud) -> None:
    """Found by hypothesis: '¹'.isdigit() is True, and int('¹') raised inside the handler."""
    url = await create_queue(cloud, "q")
    await send(cloud, url, "m")
    (message,) = await receive(cloud, url)
    params = {"QueueUrl": url, "ReceiptHandle": message["ReceiptHandle"], "VisibilityTimeout": "¹"}
    error = await sqs_error(cloud, "ChangeMessageVisibility", params)
    assert error.code == "InvalidParameterValue"
