"""What Publish checks in a message: its attributes, its subject, and its size (AWS_FACTS §17).

SNS words these apart from SQS (ParameterValueInvalid, "The message
attribute 'a' ..."), takes String.Array besides String, Number and Binary,
and has no cap on how many attributes a message has: ten is the cap of a raw
delivery to SQS, where more fail that delivery, not the publish. What
counts toward the size limit (body, attribute names, types and values, in
UTF-8 bytes) and what a Number is are shared with SQS
(`backend/kit/message_attributes.py`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from backend.errors import AwsError
from backend.kit.message_attributes import attributes_size, is_number
from backend.services.sns.errors import ParameterValueInvalid, ValidationError, invalid

MAX_ATTRIBUTE_NAME = 256
MAX_SUBJECT = 99
_TYPE = re.compile(r"^(String|Number|Binary)(\..+)?$")
_NAME_CHAR = re.compile(r"[A-Za-z0-9_.-]")
_RESERVED = ("aws.", "amazon.")
#: Characters a subject may not hold: line breaks and other controls.
_SUBJECT_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

Attributes = dict[str, dict[str, Any]]


def check_attributes(attributes: object, where: str = "") -> Attributes:
    """Publish's MessageAttributes, each as AWS checks it; `where` is a batch entry's path
    (`publishBatchRequestEntries.2.member.`) for the one constraint failure AWS reports."""
    if attributes is None:
        return {}
    if not isinstance(attributes, dict):
        raise ParameterValueInvalid("Message attributes must be a map of name to value.")
    for name, value in attributes.items():
        _check_name(str(name))
        data_type = value.get("DataType") if isinstance(value, dict) else None
        if data_type is None:
            raise ValidationError(
                f"1 validation error detected: Value null at '{where}messageAttributes.{name}"
                ".member.dataType' failed to satisfy constraint: Member must not be null"
            )
        if not isinstance(data_type, str) or not _TYPE.match(data_type):
            raise ParameterValueInvalid(
                f"The message attribute '{name}' has an invalid message attribute type, the set "
                "of supported type prefixes is Binary, Number, and String."
            )
        assert isinstance(value, dict)
        binary = data_type.startswith("Binary")
        field = "BinaryValue" if binary else "StringValue"
        if "StringValue" not in value and "BinaryValue" not in value:
            raise _empty(name, data_type)
        if field not in value:
            raise ParameterValueInvalid(
                f"The message attribute '{name}' with type '{data_type}' must use field "
                f"'{field.removesuffix('Value')}'."
            )
        raw = value[field]
        if not raw:
            raise _empty(name, data_type)
        if not isinstance(raw, bytes if binary else str):
            raise ParameterValueInvalid(
                f"The message attribute '{name}' with type '{data_type}' must use field "
                f"'{field.removesuffix('Value')}'."
            )
        if data_type.startswith("Number") and not is_number(str(raw)):
            raise ParameterValueInvalid(
                f"Could not cast message attribute '{name}' value to number."
            )
    return attributes


def _empty(name: str, data_type: str) -> AwsError:
    return ParameterValueInvalid(
        f"The message attribute '{name}' must contain non-empty message attribute value for "
        f"message attribute type '{data_type}'."
    )


def _check_name(name: str) -> None:
    if len(name.encode("utf-8")) > MAX_ATTRIBUTE_NAME:
        raise ParameterValueInvalid("Length of message attribute name must be less than 256 bytes.")
    if not name:
        raise ParameterValueInvalid("The message attribute name can not be empty.")
    if name.startswith("."):
        raise ParameterValueInvalid(
            "Invalid message attribute name starting with character '.' was found."
        )
    if name.endswith("."):
        raise ParameterValueInvalid(
            "Invalid message attribute name ending with character '.' was found."
        )
    for char in name:
        if not _NAME_CHAR.match(char):
            raise ParameterValueInvalid(
                f"Invalid non-alphanumeric character '#x{ord(char):X}' was found in the message "
                "attribute name. Can only include alphanumeric characters, hyphens, underscores, "
                "or dots."
            )
    if ".." in name:
        raise ParameterValueInvalid("Message attribute name can not have successive '.' character.")
    if name.lower().startswith(_RESERVED):
        raise ParameterValueInvalid(
            f"The message attribute name '{name}' can not start with the reserved prefixes "
            "'AWS.' or 'Amazon.'."
        )


def check_subject(subject: str | None) -> None:
    """A Subject: 1 to 99 characters, no line breaks or other control characters."""
    if subject is None:
        return
    if not subject or len(subject) > MAX_SUBJECT or _SUBJECT_CONTROL.search(subject):
        raise invalid("Subject")


def size(message: str, attributes: Mapping[str, Mapping[str, Any]]) -> int:
    """Bytes the message counts against MaximumMessageSize: the body and every attribute."""
    return len(message.encode("utf-8")) + (attributes_size(attributes) if attributes else 0)
