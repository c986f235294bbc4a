"""Reading request parameters: what counts as a whole number, and the error when not."""

from __future__ import annotations

import pytest

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.params import optional_int
from tests.backend.helpers import create_queue, receive, send, sqs_error


@pytest.mark.parametrize(
    "text", ["¹", "٣", "\uff13", "--5", "+3", " 7 ", "1_000", "1.0", "", "-", "0x1f", "9" * 5000]
)
def test_only_ascii_whole_numbers_are_integers(text: str) -> None:
    with pytest.raises(AwsError) as error:
        optional_int({"N": text}, "N", -10, 10)
    assert error.value.code == "InvalidParameterValue"
    assert len(error.value.message) < 200


@pytest.mark.parametrize(("text", "number"), [("7", 7), ("-3", -3), ("007", 7)])
def test_numbers_sent_as_text_are_read(text: str, number: int) -> None:
    assert optional_int({"N": text}, "N", -10, 10) == number


@pytest.mark.parametrize("value", [True, 7.0, [7], 11])
def test_other_values_are_not_integers_in_range(value: object) -> None:
    with pytest.raises(AwsError, match="InvalidParameterValue"):
        optional_int({"N": value}, "N", -10, 10)


@pytest.mark.parametrize("text", ["¹", "٣", "--5"])
async def test_a_visibility_timeout_that_is_not_a_number_is_an_aws_error(
    cloud: Cloud, text: str
) -> None:
    """Found by hypothesis: '¹' passed `str.isdigit` and `int('¹')` raised inside the handler.

    '٣' (Arabic-Indic three) was worse: `int` took it, and the change went through.
    """
    url = await create_queue(cloud, "q")
    await send(cloud, url, "m")
    (message,) = await receive(cloud, url)
    params = {
        "QueueUrl": url,
        "ReceiptHandle": message["ReceiptHandle"],
        "VisibilityTimeout": text,
    }
    error = await sqs_error(cloud, "ChangeMessageVisibility", params)
    assert error.code == "InvalidParameterValue"
    assert error.message == (
        f"Value {text} for parameter VisibilityTimeout is invalid. "
        "Reason: Must be >= 0 and <= 43200, if provided."
    )
