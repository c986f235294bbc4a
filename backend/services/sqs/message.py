"""SQS messages: their lifecycle states, checksums and attribute rules.

A message is plain data owned by its `Queue`; the queue moves it between
states on the clock. The MD5 digests are computed exactly as AWS computes
them, because SDKs (Go v2, Java v2) verify `MD5OfMessageAttributes` and reject
a response whose digest does not match.
"""

from __future__ import annotations

import hashlib
import re
import struct
from enum import Enum
from typing import Any

from backend.errors import InvalidParameterValue
from backend.kit.message_attributes import is_number
from backend.services.sqs.errors import InvalidMessageContents

MAX_MESSAGE_ATTRIBUTES = 10
_ATTRIBUTE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,256}$")
#: Characters AWS allows in a body (XML 1.0's Char production).
_INVALID_BODY_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: The characters of that set below #x80 that it refuses: every control but tab, LF and CR.
_ASCII_CONTROLS = bytes(c for c in range(0x20) if c not in (0x9, 0xA, 0xD))
#: Characters past which an ASCII body is checked by `bytes.translate` rather than the regex.
_LONG_BODY = 4096


class State(Enum):
    DELAYED = "delayed"
    VISIBLE = "visible"
    INFLIGHT = "in flight"
    GONE = "gone"


#: The states as plain names: an Enum member lookup (`State.VISIBLE`) costs about
#: 75 ns on Python 3.11, and the queue's hot paths make a dozen per message.
DELAYED, VISIBLE, INFLIGHT, GONE = State.DELAYED, State.VISIBLE, State.INFLIGHT, State.GONE


#: Receives a message remembers for the dashboard's detail view, newest last.
RECEIVE_HISTORY = 10
#: Hosts a standard queue's messages are spread over, for short-poll sampling.
HOSTS = 8


class Extra:
    """What only some messages have: attributes, FIFO ids, a dead-letter source.

    Kept apart so that the common message (a body and nothing else) pays for
    one empty slot instead of a dozen: at a million queued messages, every
    slot is 8 MB.
    """

    __slots__ = (
        "attributes",
        "dead_letter_source",
        "dedup_id",
        "enqueued_at",
        "group_id",
        "md5_attributes",
        "md5_system_attributes",
        "sequence_number",
        "system_attributes",
    )

    def __init__(self) -> None:
        self.attributes: dict[str, dict[str, Any]] = _NONE
        self.system_attributes: dict[str, dict[str, Any]] = _NONE
        self.md5_attributes: str | None = None
        self.md5_system_attributes: str | None = None
        self.group_id: str | None = None
        self.dedup_id: str | None = None
        self.sequence_number: str | None = None
        self.dead_letter_source: str | None = None
        self.enqueued_at: float | None = None


#: Shared by every message without attributes; never mutated.
_NONE: dict[str, dict[str, Any]] = {}


def _extra_field(name: str, empty: Any) -> Any:
    """A property reading `name` from the message's `Extra` (`empty` when it has none)."""
    getter = Extra.__dict__[name].__get__

    def get(message: Message) -> Any:
        extra = message.extra
        return empty if extra is None else getter(extra)

    def set_(message: Message, value: Any) -> None:
        setattr(message.more(), name, value)

    return property(get, set_)


class Message:
    """One message and where it is in its life.

    `deadline` is when the current state ends on its own: the end of the delay
    for DELAYED, the end of the visibility timeout for INFLIGHT. A deadline
    entry on the queue's heap is current while the message is still in that
    state with that deadline; anything else is a stale entry to skip.

    A queued message is mostly its body: the object holds ten slots, the
    MD5 digest as 16 raw bytes, and whatever only some messages have in an
    `Extra` (see `bench/message_memory.py` for what a message costs).
    """

    __slots__ = (
        "body",
        "deadline",
        "extra",
        "md5",
        "message_id",
        "receive_count",
        "received",
        "sender_id",
        "sent_at",
        "state",
    )

    def __init__(
        self, message_id: str, body: str, sent_at: float, sender_id: str, md5: bytes
    ) -> None:
        self.message_id = message_id
        self.body = body
        self.sent_at = sent_at
        self.sender_id = sender_id
        self.md5 = md5
        self.state = State.VISIBLE
        self.deadline = 0.0
        self.receive_count = 0
        #: Once received: `[received_at, first_receive_at, when, who, when, who, ...]`,
        #: the last `RECEIVE_HISTORY` receives. One flat list, made by the first
        #: receive, is what a receive can afford on the hot path.
        self.received: list[Any] | None = None
        self.extra: Extra | None = None

    def copy(self) -> Message:
        """A new message with this one's id, body, send and attributes, in no queue yet."""
        copy = Message(self.message_id, self.body, self.sent_at, self.sender_id, self.md5)
        extra = self.extra
        if extra is not None:
            twin = copy.extra = Extra()
            for name in Extra.__slots__:
                setattr(twin, name, getattr(extra, name))
        if self.received is not None:
            copy.received = list(self.received)
        return copy

    def more(self) -> Extra:
        """This message's `Extra`, made on first use."""
        extra = self.extra
        if extra is None:
            extra = self.extra = Extra()
        return extra

    @property
    def md5_body(self) -> str:
        """`MD5OfBody`, as hex."""
        return self.md5.hex()

    @property
    def receipt(self) -> int:
        """The number of the receive whose handle is current: each receive issues a new one."""
        return self.receive_count

    @property
    def host(self) -> int:
        """The server holding this (standard) message, read off its random id: no extra draw."""
        return int(self.message_id[-1], 16) % HOSTS

    @property
    def enqueued_at(self) -> float:
        """When the message entered this queue: its send, unless a redrive says otherwise."""
        extra = self.extra
        if extra is None or extra.enqueued_at is None:
            return self.sent_at
        return extra.enqueued_at

    @enqueued_at.setter
    def enqueued_at(self, value: float) -> None:
        if value != self.sent_at or self.extra is not None:
            self.more().enqueued_at = value

    attributes = _extra_field("attributes", _NONE)
    system_attributes = _extra_field("system_attributes", _NONE)
    md5_attributes = _extra_field("md5_attributes", None)
    md5_system_attributes = _extra_field("md5_system_attributes", None)
    group_id = _extra_field("group_id", None)
    dedup_id = _extra_field("dedup_id", None)
    sequence_number = _extra_field("sequence_number", None)
    dead_letter_source = _extra_field("dead_letter_source", None)

    @property
    def received_at(self) -> float | None:
        """When the latest receive took the message (its visibility timeout runs from there)."""
        received = self.received
        return None if received is None else received[0]

    @property
    def first_receive_at(self) -> float | None:
        received = self.received
        return None if received is None else received[1]

    @property
    def receives(self) -> list[tuple[float, str]]:
        """The most recent receives (time, receiver), oldest first, at most RECEIVE_HISTORY."""
        received = self.received
        if received is None:
            return []
        return list(zip(received[2::2], received[3::2], strict=True))

    def note_receive(self, now: float, receiver: str) -> None:
        """A receive took the message now: remember when and by whom."""
        received = self.received
        if received is None:
            self.received = [now, now, now, receiver]
            return
        received[0] = now
        if len(received) >= 2 + 2 * RECEIVE_HISTORY:
            del received[2:4]
        received += (now, receiver)


def md5_of_attributes(attributes: dict[str, dict[str, Any]]) -> str | None:
    """`MD5OfMessageAttributes`: AWS's length-prefixed encoding, names sorted."""
    if not attributes:
        return None
    digest = hashlib.md5()
    for name in sorted(attributes):
        value = attributes[name]
        data_type: str = value["DataType"]
        for part in (name.encode("utf-8"), data_type.encode("utf-8")):
            digest.update(struct.pack(">I", len(part)))
            digest.update(part)
        if data_type.startswith("Binary"):
            raw: bytes = value["BinaryValue"]
            digest.update(b"\x02")
        else:
            raw = value["StringValue"].encode("utf-8")
            digest.update(b"\x01")
        digest.update(struct.pack(">I", len(raw)))
        digest.update(raw)
    return digest.hexdigest()


def check_body(body: object) -> str:
    """The body as AWS accepts it, or the error AWS gives."""
    if not isinstance(body, str) or not body:
        raise InvalidParameterValue(
            "Value for parameter MessageBody is invalid. Reason: Message must be at least one "
            "character."
        )
    if len(body) > _LONG_BODY and body.isascii():
        # A document of hundreds of KiB: deleting the controls from its bytes
        # and comparing lengths is a C loop five times faster than the regex,
        # which is left to find (and name) the first bad character.
        raw = body.encode("ascii")
        if len(raw.translate(None, _ASCII_CONTROLS)) == len(raw):
            return body
    bad = _INVALID_BODY_CHAR.search(body)
    if bad is not None:
        raise InvalidMessageContents(
            f"Invalid binary character '#x{ord(bad.group()):X}' was found in the message body, "
            "the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD "
            "| #x10000 to #x10FFFF"
        )
    return body


def check_attributes(attributes: object, *, system: bool = False) -> dict[str, dict[str, Any]]:
    """Message attributes as AWS validates them; returns them unchanged when valid."""
    if attributes is None:
        return {}
    if not isinstance(attributes, dict):
        raise InvalidParameterValue("Message attributes must be a map of name to value.")
    if len(attributes) > MAX_MESSAGE_ATTRIBUTES:
        raise InvalidParameterValue(
            f"Number of message attributes [{len(attributes)}] exceeds the allowed maximum "
            f"[{MAX_MESSAGE_ATTRIBUTES}]."
        )
    kind = "system" if system else "user"
    for name, value in attributes.items():
        if system:
            if name != "AWSTraceHeader":
                raise InvalidParameterValue(f"Message system attribute name '{name}' is invalid.")
        else:
            _check_attribute_name(name)
        data_type = value.get("DataType") if isinstance(value, dict) else None
        if not isinstance(data_type, str) or not data_type:
            raise InvalidParameterValue(
                f"The message attribute '{name}' must contain a non-empty message attribute type."
            )
        base = data_type.split(".", 1)[0]
        if base not in ("String", "Number", "Binary") or len(data_type) > 256:
            raise InvalidParameterValue(
                f"The type of message ({kind}) attribute '{name}' is invalid. You must use only "
                "the following supported type prefixes: Binary, Number, String."
            )
        field = "BinaryValue" if base == "Binary" else "StringValue"
        raw = value.get(field)
        if not raw or not isinstance(raw, bytes if base == "Binary" else str):
            raise InvalidParameterValue(
                f"The message attribute '{name}' with type '{base}' must use field '{field}'."
            )
        if base == "Number":
            _check_number(name, str(raw), kind)
    return attributes


def _check_attribute_name(name: object) -> None:
    text = str(name)
    reason = ""
    if not isinstance(name, str) or not _ATTRIBUTE_NAME.match(name):
        reason = "can only contain alphanumeric characters, hyphens, underscores and periods"
    elif name.lower().startswith(("aws.", "amazon.")):
        reason = "can not start with the reserved prefixes 'AWS.' or 'Amazon.'"
    elif name.startswith(".") or name.endswith(".") or ".." in name:
        reason = "can not start or end with a period or contain successive periods"
    if reason:
        raise InvalidParameterValue(
            f"Message (user) attribute name '{text}' is invalid: it {reason}."
        )


def _check_number(name: str, raw: str, kind: str) -> None:
    if not is_number(raw):
        raise InvalidParameterValue(
            f"Can't cast the value of message ({kind}) attribute '{name}' to a number."
        )


def system_attribute_values(message: Message, names: set[str]) -> dict[str, str]:
    """The message system attributes a ReceiveMessage asked for (`All` or by name)."""
    everything = "All" in names
    values: dict[str, str | None] = {
        "SenderId": message.sender_id,
        "SentTimestamp": str(int(message.sent_at * 1000)),
        "ApproximateReceiveCount": str(message.receive_count),
        "ApproximateFirstReceiveTimestamp": (
            str(int(message.first_receive_at * 1000)) if message.first_receive_at else None
        ),
        "SequenceNumber": message.sequence_number,
        "MessageDeduplicationId": message.dedup_id,
        "MessageGroupId": message.group_id,
        "AWSTraceHeader": message.system_attributes.get("AWSTraceHeader", {}).get("StringValue"),
        "DeadLetterQueueSourceArn": message.dead_letter_source,
    }
    return {
        name: value
        for name, value in values.items()
        if value is not None and (everything or name in names)
    }


def selected_attributes(
    attributes: dict[str, dict[str, Any]], names: list[str]
) -> dict[str, dict[str, Any]]:
    """The message attributes a ReceiveMessage asked for: `All`, `.*`, names, `prefix.*`."""
    if "All" in names or ".*" in names:
        return attributes
    prefixes = tuple(n[:-2] for n in names if n.endswith(".*"))
    wanted = set(names)
    return {
        name: value
        for name, value in attributes.items()
        if name in wanted or (prefixes and name.startswith(prefixes))
    }
