"""What an SQS subscriber receives: the notification JSON, byte for byte as AWS writes it.

AWS pretty-prints the envelope with a two-space indent and `" : "` between
key and value, keys in a fixed order, `Subject` and `MessageAttributes` only
when the message has them, each attribute on one line of compact JSON
(AWS_FACTS §17):

    {
      "Type" : "Notification",
      "MessageId" : "...",
      "TopicArn" : "arn:aws:sns:us-east-1:123456789012:t",
      "Subject" : "s",
      "Message" : "hi",
      "Timestamp" : "2024-05-01T12:34:56.789Z",
      "SignatureVersion" : "1",
      "Signature" : "...",
      "SigningCertURL" : "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-....pem",
      "UnsubscribeURL" : "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=...",
      "MessageAttributes" : {
        "color" : {"Type":"String","Value":"red"}
      }
    }

FIFO topics add `SequenceNumber` after `MessageId` and sign nothing (no
SignatureVersion, Signature or SigningCertURL). Consumers parse this JSON,
but some compare bodies or digests (MD5OfBody), so the bytes are built by
hand rather than left to `json.dumps(indent=2)`, which writes `": "`.
Strings are escaped as Java's Jackson escapes them, which is what
`json.dumps(ensure_ascii=False)` does: quotes, backslashes and control
characters, nothing else.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backend.services.sns import signing


@dataclass(frozen=True, slots=True)
class Notification:
    """One published message as every subscriber of its topic gets it."""

    message_id: str
    topic_arn: str
    region: str
    #: The message for SQS subscribers (MessageStructure json picks the `sqs` entry).
    message: str
    subject: str | None
    timestamp: str
    attributes: Mapping[str, Mapping[str, Any]]
    #: FIFO topics only.
    sequence_number: str | None = None
    group_id: str | None = None
    dedup_id: str | None = None


@dataclass(frozen=True, slots=True)
class Signed:
    """A standard topic's notification signature: the same for every subscriber."""

    version: str
    signature: str
    cert_url: str


def sign(note: Notification, seed: str, version: str) -> Signed:
    """Sign `note` with the cloud's key (`seed` names it) as SignatureVersion `version`."""
    fields = [("Message", note.message), ("MessageId", note.message_id)]
    if note.subject is not None:
        fields.append(("Subject", note.subject))
    fields += [
        ("Timestamp", note.timestamp),
        ("TopicArn", note.topic_arn),
        ("Type", "Notification"),
    ]
    text = signing.string_to_sign(fields)
    cert_url = f"https://sns.{note.region}.amazonaws.com/{signing.certificate_name(seed)}"
    return Signed(version, signing.sign(seed, text, version), cert_url)


def envelope(note: Notification, subscription_arn: str, host: str, signed: Signed | None) -> str:
    """The JSON body an SQS subscriber (without raw delivery) receives.

    `host` is where UnsubscribeURL points (the local endpoint while it
    serves, so the link works; AWS's host otherwise); `signed` is None for
    a FIFO topic's notification, which carries no signature.
    """
    fields: list[tuple[str, str]] = [("Type", "Notification"), ("MessageId", note.message_id)]
    if note.sequence_number is not None:
        fields.append(("SequenceNumber", note.sequence_number))
    fields.append(("TopicArn", note.topic_arn))
    if note.subject is not None:
        fields.append(("Subject", note.subject))
    fields += [("Message", note.message), ("Timestamp", note.timestamp)]
    if signed is not None:
        fields += [
            ("SignatureVersion", signed.version),
            ("Signature", signed.signature),
            ("SigningCertURL", signed.cert_url),
        ]
    fields.append(
        ("UnsubscribeURL", f"{host}/?Action=Unsubscribe&SubscriptionArn={subscription_arn}")
    )
    lines = [f"  {_text(name)} : {_text(value)}" for name, value in fields]
    if note.attributes:
        shown = ",\n".join(
            f"    {_text(name)} : {_attribute(value)}" for name, value in note.attributes.items()
        )
        lines.append(f'  "MessageAttributes" : {{\n{shown}\n  }}')
    return "{\n" + ",\n".join(lines) + "\n}"


def _text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _attribute(value: Mapping[str, Any]) -> str:
    """`{"Type":"String","Value":"red"}`: binary values in base64, numbers as their text."""
    data_type: str = value["DataType"]
    if data_type.startswith("Binary"):
        shown = base64.b64encode(value["BinaryValue"]).decode("ascii")
    else:
        shown = value["StringValue"]
    return f'{{"Type":{_text(data_type)},"Value":{_text(shown)}}}'
