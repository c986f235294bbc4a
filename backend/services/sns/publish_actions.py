"""Publishing: Publish and PublishBatch, and the fan-out to each subscription.

A message is checked whole before anything is sent (AWS_FACTS §17): a
Subject of 1 to 99 characters, a non-empty body, attributes as SNS checks
them, MessageStructure `json` with a `default`, and body plus attributes
within the topic's MaximumMessageSize. A FIFO topic needs a MessageGroupId
and a deduplication id (given, or the body's SHA-256 under
ContentBasedDeduplication); a repeat within five minutes is answered with the
first message's ids and delivered to nobody. A standard topic refuses a
deduplication id and passes a MessageGroupId to standard queues only. A
PublishBatch of 1 to 10 entries is refused whole if any entry is.

Each confirmed SQS subscription whose filter policy passes the message gets
a delivery (`delivery.py`): the JSON envelope (`envelope.py`), or with
RawMessageDelivery the message itself with its attributes as SQS message
attributes. Subscriptions of protocols skydeck does not deliver to (HTTP/S,
email, SMS, Lambda, Firehose, platform endpoints) get nothing, and nothing is
counted for them. Publish by PhoneNumber is checked and answered, and sends
nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backend.kit.timestamps import iso_millis
from backend.kit.validation import Checks
from backend.service import Params, Request, Response, action
from backend.services.sns import envelope
from backend.services.sns.base import SnsBase, done
from backend.services.sns.dedup import Seen
from backend.services.sns.delivery import Delivery
from backend.services.sns.errors import (
    BatchEntryIdsNotDistinct,
    BatchRequestTooLong,
    EmptyBatchRequest,
    InvalidBatchEntryId,
    TooManyEntriesInBatchRequest,
    invalid,
)
from backend.services.sns.filtering import Judge, Verdict
from backend.services.sns.message import Attributes, check_attributes, check_subject, size
from backend.services.sns.subscription import Subscription
from backend.services.sns.topic import Topic
from backend.untrusted import json_document

MAX_BATCH = 10
_BATCH_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
#: MessageGroupId and MessageDeduplicationId: 1 to 128 printable ASCII characters.
_FIFO_ID = re.compile(r"^[!-~]{1,128}$")
_PHONE = re.compile(r"^\+?[1-9][0-9]{1,14}$")


@dataclass(frozen=True, slots=True)
class Prepared:
    """A message that passed every check, ready to be accepted by its topic."""

    #: What SQS subscribers get (MessageStructure json: the `sqs` entry or `default`).
    message: str
    subject: str | None
    attributes: Attributes
    size: int
    group_id: str | None
    dedup_id: str | None


class PublishActions(SnsBase):
    """Publishing to a topic, one message or a batch, and fanning each out."""

    @action("Publish", data_event=True)
    def publish(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        topic_arn = checks.string("TopicArn")
        target_arn = checks.string("TargetArn")
        phone = checks.string("PhoneNumber")
        checks.string("Message", required=True)
        done(checks)
        targets = [t for t in (topic_arn, target_arn, phone) if t is not None]
        if not targets:
            raise invalid("TopicArn or TargetArn", "no value for required parameter")
        if len(targets) > 1:
            raise invalid("TopicArn", "Only one of TopicArn, TargetArn or PhoneNumber may be given")
        if phone is not None:
            self._read(params, None, "")
            if not _PHONE.match(phone):
                raise invalid("PhoneNumber", f"{phone} is not valid to publish to")
            return {"MessageId": self._message_id()}
        member = "TopicArn" if topic_arn is not None else "TargetArn"
        arn = topic_arn or target_arn
        assert arn is not None
        if member == "TargetArn" and ":endpoint/" in arn:
            raise invalid("TargetArn", "No endpoint found for the target arn specified")
        topic = self._find_topic(arn, request, member)
        prepared = self._read(params, topic, "")
        return self._accept(topic, prepared, request)

    @action("PublishBatch", data_event=True)
    def publish_batch(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        arn = checks.string("TopicArn", required=True)
        entries = checks.structures("PublishBatchRequestEntries", required=True)
        done(checks)
        assert arn is not None and entries is not None
        if not entries:
            raise EmptyBatchRequest("The batch request doesn't contain any entries.")
        if len(entries) > MAX_BATCH:
            raise TooManyEntriesInBatchRequest(
                "The batch request contains more entries than permissible."
            )
        topic = self._find_topic(arn, request)
        for i, entry in enumerate(entries):
            item = checks.item("PublishBatchRequestEntries", i, entry)
            item.string("Id", required=True)
            item.string("Message", required=True)
        done(checks)
        ids = [str(entry["Id"]) for entry in entries]
        if len(set(ids)) != len(ids):
            raise BatchEntryIdsNotDistinct(
                "Two or more batch entries in the request have the same Id."
            )
        for ident in ids:
            if len(ident) > 80:
                raise InvalidBatchEntryId(
                    f"The Id of a batch entry in the batch request is too long: {ident}"
                )
            if not _BATCH_ID.match(ident):
                raise InvalidBatchEntryId(
                    "The Id of a batch entry in the batch request contains an impermissible "
                    f"character: {ident}"
                )
        prepared = [
            self._read(entry, topic, f"publishBatchRequestEntries.{i + 1}.member.")
            for i, entry in enumerate(entries)
        ]
        if sum(p.size for p in prepared) > topic.maximum_message_size:
            raise BatchRequestTooLong(
                "The length of all the messages put together is more than the limit."
            )
        successful = [
            {"Id": ident, **self._accept(topic, entry, request)}
            for ident, entry in zip(ids, prepared, strict=True)
        ]
        return {"Successful": successful, "Failed": []}

    # -- checking ---------------------------------------------------------------------

    def _read(self, params: Params, topic: Topic | None, where: str) -> Prepared:
        """One message's parts, checked as AWS checks them, in AWS's order."""
        checks = Checks(params)
        message = checks.string("Message", required=True)
        subject = checks.string("Subject")
        structure = checks.string("MessageStructure")
        group_id = checks.string("MessageGroupId")
        dedup_id = checks.string("MessageDeduplicationId")
        done(checks)
        assert message is not None
        check_subject(subject)
        if not message:
            raise invalid("Empty message")
        attributes = check_attributes(params.get("MessageAttributes"), where)
        for_sqs = message if structure is None else _structured(message, structure)
        total = size(message, attributes)
        if topic is None:
            return Prepared(for_sqs, subject, attributes, total, None, None)
        if total > topic.maximum_message_size:
            raise invalid("Message too long")
        if group_id is not None and not _FIFO_ID.match(group_id):
            raise invalid("MessageGroupId", "Invalid value")
        if dedup_id is not None and not _FIFO_ID.match(dedup_id):
            raise invalid("MessageDeduplicationId", "Invalid value")
        if topic.fifo:
            if group_id is None:
                raise invalid("The MessageGroupId parameter is required for FIFO topics")
            if dedup_id is None:
                if not topic.content_based_deduplication:
                    raise invalid(
                        "The topic should either have ContentBasedDeduplication enabled or "
                        "MessageDeduplicationId provided explicitly"
                    )
                dedup_id = hashlib.sha256(message.encode("utf-8")).hexdigest()
        elif dedup_id is not None:
            raise invalid(
                "MessageDeduplicationId",
                "The request includes MessageDeduplicationId parameter that is not valid for "
                "this topic type",
            )
        return Prepared(for_sqs, subject, attributes, total, group_id, dedup_id)

    # -- accepting and fanning out ---------------------------------------------------

    def _accept(self, topic: Topic, prepared: Prepared, request: Request) -> Response:
        """Count the message published, and deliver it unless it repeats a FIFO message."""
        now = request.now
        topic.metrics.published.add(now)
        topic.metrics.publish_size.add(now, prepared.size)
        topic.counters.published += 1
        key = None
        if topic.fifo:
            assert prepared.group_id is not None and prepared.dedup_id is not None
            scope = prepared.group_id if topic.dedup_per_group else ""
            key = (topic.serial, scope, prepared.dedup_id)
            first = self.dedup.find(key, now)
            if first is not None:
                return {"MessageId": first.message_id, "SequenceNumber": first.sequence_number}
        note = envelope.Notification(
            message_id=self._message_id(),
            topic_arn=topic.arn,
            region=topic.region,
            message=prepared.message,
            subject=prepared.subject,
            timestamp=iso_millis(now),
            attributes=prepared.attributes,
            sequence_number=topic.next_sequence_number() if topic.fifo else None,
            group_id=prepared.group_id,
            dedup_id=prepared.dedup_id,
        )
        if key is not None:
            assert note.sequence_number is not None
            self.dedup.remember(key, Seen(now, note.message_id, note.sequence_number))
        self._fan_out(topic, note)
        response: Response = {"MessageId": note.message_id}
        if note.sequence_number is not None:
            response["SequenceNumber"] = note.sequence_number
        return response

    def _fan_out(self, topic: Topic, note: envelope.Notification) -> None:
        judge = Judge(note.message, note.attributes)
        signed: envelope.Signed | None = None
        host = self.cloud.endpoint or f"https://sns.{topic.region}.amazonaws.com"
        deliveries = []
        for subscription in topic.subscriptions.values():
            if not subscription.confirmed or subscription.protocol != "sqs":
                continue
            verdict = judge.verdict(subscription.policy, subscription.scope)
            if verdict is not Verdict.PASS:
                self._filtered(topic, subscription.scope, verdict)
                continue
            params: dict[str, Any]
            if subscription.raw:
                params = {"MessageBody": note.message}
                if note.attributes:
                    params["MessageAttributes"] = _sqs_attributes(note.attributes)
            else:
                if signed is None and not topic.fifo:
                    signed = envelope.sign(note, self.cloud.seed, topic.signature_version)
                body = envelope.envelope(note, subscription.arn, host, signed)
                params = {"MessageBody": body}
            params.update(_fifo_ids(topic, subscription, note))
            held = size(params["MessageBody"], params.get("MessageAttributes") or {})
            deliveries.append(Delivery(subscription, params, held))
        self.courier.post(deliveries)

    def _filtered(self, topic: Topic, scope: str, verdict: Verdict) -> None:
        now = self.cloud.clock.now()
        metrics = topic.metrics
        topic.counters.filtered += 1
        metrics.filtered.add(now)
        if scope == "MessageBody":
            metrics.filtered_body.add(now)
        else:
            metrics.filtered_attributes.add(now)
        if verdict is Verdict.NO_ATTRIBUTES:
            metrics.filtered_no_attributes.add(now)
        elif verdict is Verdict.INVALID_ATTRIBUTES:
            metrics.filtered_invalid_attributes.add(now)
        elif verdict is Verdict.INVALID_BODY:
            metrics.filtered_invalid_body.add(now)


def _structured(message: str, structure: str) -> str:
    """MessageStructure json: the message SQS subscribers get, from a checked JSON object."""
    if structure != "json":
        raise invalid("MessageStructure")
    try:
        document = json_document(message)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise invalid("Message Structure - JSON message body failed to parse")
    default = document.get("default")
    if not isinstance(default, str):
        raise invalid("Message Structure - No default entry in JSON message body")
    sqs = document.get("sqs")
    return sqs if isinstance(sqs, str) else default


def _sqs_attributes(attributes: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Raw delivery's SQS message attributes: the same names, types and values."""
    out: dict[str, dict[str, Any]] = {}
    for name, value in attributes.items():
        data_type = value["DataType"]
        field = "BinaryValue" if data_type.startswith("Binary") else "StringValue"
        out[name] = {"DataType": data_type, field: value[field]}
    return out


def _fifo_ids(topic: Topic, subscription: Subscription, note: envelope.Notification) -> Params:
    """FIFO queues get the message group and deduplication ids; standard queues, from a
    standard topic, the group id alone (fair queues); nobody else gets either."""
    if subscription.endpoint.endswith(".fifo"):
        return {"MessageGroupId": note.group_id, "MessageDeduplicationId": note.dedup_id}
    if not topic.fifo and note.group_id is not None:
        return {"MessageGroupId": note.group_id}
    return {}
