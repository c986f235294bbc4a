"""Queue attributes: which exist, their ranges and defaults (AWS_FACTS §1).

Attribute values travel as strings, as in the AWS API; `validate` checks a
CreateQueue or SetQueueAttributes map against these rules and returns it in
canonical form, and the `Queue` derives its typed settings from that.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backend.numbers import whole_number
from backend.services.sqs.errors import InvalidAttributeName, InvalidAttributeValue
from backend.untrusted import json_document

MAX_MESSAGE_SIZE = 1_048_576
MAX_VISIBILITY_TIMEOUT = 43_200
MAX_WAIT_TIME = 20
MAX_DELAY = 900
MAX_RECEIVE_COUNT = 1000


@dataclass(frozen=True, slots=True)
class Spec:
    """One settable attribute: how its value is checked and what it defaults to."""

    kind: str  # "int", "bool", "json", "enum" or "text"
    default: str | None = None
    minimum: int = 0
    maximum: int = 0
    choices: tuple[str, ...] = ()
    fifo_only: bool = False
    create_only: bool = False


SETTABLE: dict[str, Spec] = {
    "DelaySeconds": Spec("int", "0", 0, MAX_DELAY),
    "MaximumMessageSize": Spec("int", str(MAX_MESSAGE_SIZE), 1024, MAX_MESSAGE_SIZE),
    "MessageRetentionPeriod": Spec("int", "345600", 60, 1_209_600),
    "ReceiveMessageWaitTimeSeconds": Spec("int", "0", 0, MAX_WAIT_TIME),
    "VisibilityTimeout": Spec("int", "30", 0, MAX_VISIBILITY_TIMEOUT),
    "Policy": Spec("json"),
    "RedrivePolicy": Spec("json"),
    "RedriveAllowPolicy": Spec("json"),
    "KmsMasterKeyId": Spec("text"),
    "KmsDataKeyReusePeriodSeconds": Spec("int", None, 60, 86_400),
    "SqsManagedSseEnabled": Spec("bool", "true"),
    "FifoQueue": Spec("bool", None, create_only=True),
    "ContentBasedDeduplication": Spec("bool", "false", fifo_only=True),
    "DeduplicationScope": Spec("enum", "queue", choices=("messageGroup", "queue"), fifo_only=True),
    "FifoThroughputLimit": Spec(
        "enum", "perQueue", choices=("perQueue", "perMessageGroupId"), fifo_only=True
    ),
}

#: Attributes only GetQueueAttributes reports; they cannot be set.
READ_ONLY = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
)


def defaults(fifo: bool) -> dict[str, str]:
    """The attributes a new queue has before the caller's are applied."""
    out = {
        name: spec.default
        for name, spec in SETTABLE.items()
        if spec.default is not None and (fifo or not spec.fifo_only)
    }
    if fifo:
        out["FifoQueue"] = "true"
    return out


def _text(name: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, str):
        return value
    raise InvalidAttributeValue(f"Invalid value for the parameter {name}.")


def validate(
    values: object, *, fifo: bool, creating: bool, current: Mapping[str, str] | None = None
) -> dict[str, str]:
    """`values` checked and in canonical string form, or the error AWS gives.

    `current` is the queue's attributes when `values` would change them: rules
    that tie two attributes together judge the queue as it would be afterwards,
    so setting one of the pair alone is judged against the other's current value.
    """
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise InvalidAttributeValue("Attributes must be a map of attribute name to value.")
    out: dict[str, str] = {}
    for name, raw in values.items():
        spec = SETTABLE.get(name)
        if spec is None or (spec.fifo_only and not fifo) or (spec.create_only and not creating):
            if name in READ_ONLY or (spec is not None and spec.create_only):
                raise InvalidAttributeName(f"Attribute {name} is read-only.")
            raise InvalidAttributeName(f"Unknown Attribute {name}.")
        value = _check(name, spec, _text(name, raw), fifo)
        if name == "FifoQueue" and not fifo:
            # FifoQueue=false only confirms the default: AWS reports no FifoQueue on a
            # standard queue, and storing it would make a repeated CreateQueue conflict.
            continue
        out[name] = value
    after = {**(current or {}), **out}
    if after.get("FifoThroughputLimit") == "perMessageGroupId" and (
        after.get("DeduplicationScope", "queue") != "messageGroup"
    ):
        raise InvalidAttributeValue(
            "Invalid value for the parameter FifoThroughputLimit. Reason: perMessageGroupId is "
            "only available when DeduplicationScope is messageGroup."
        )
    return out


def _check(name: str, spec: Spec, value: str, fifo: bool) -> str:
    invalid = InvalidAttributeValue(f"Invalid value for the parameter {name}.")
    if spec.kind == "int":
        number = whole_number(value)
        if number is None or not spec.minimum <= number <= spec.maximum:
            raise invalid
        return str(number)
    if spec.kind == "bool":
        lowered = value.lower()
        if lowered not in ("true", "false"):
            raise invalid
        if name == "FifoQueue" and lowered == "true" and not fifo:
            raise InvalidAttributeValue(
                "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
                "underscores, must end with .fifo suffix and be 1 to 80 in length."
            )
        return lowered
    if spec.kind == "enum":
        if value not in spec.choices:
            raise invalid
        return value
    if spec.kind == "json":
        if value == "":
            return value
        try:
            parsed = json_document(value)
        except ValueError:
            raise InvalidAttributeValue(
                f"Invalid value for the parameter {name}. Reason: {name} is not a valid JSON map."
            ) from None
        if not isinstance(parsed, dict):
            raise invalid
        return value
    return value


@dataclass(frozen=True, slots=True)
class RedrivePolicy:
    dead_letter_target_arn: str
    max_receive_count: int


def parse_redrive_policy(value: str) -> RedrivePolicy | None:
    """The redrive policy in a validated `RedrivePolicy` string, or None when cleared."""
    if not value:
        return None
    parsed: dict[str, Any] = json.loads(value)
    target = parsed.get("deadLetterTargetArn")
    count = parsed.get("maxReceiveCount")
    reason = ""
    if not isinstance(target, str) or not target.startswith("arn:aws:sqs:"):
        reason = "Dead letter target ARN is missing or invalid."
    else:
        count = _receive_count(count)
        if count is None:
            reason = "Invalid value for maxReceiveCount: must be an integer from 1 to 1000."
        elif not 1 <= count <= MAX_RECEIVE_COUNT:
            reason = f"maxReceiveCount {count} is not between 1 and {MAX_RECEIVE_COUNT}."
    if reason:
        raise InvalidAttributeValue(
            f"Value {value} for parameter RedrivePolicy is invalid. Reason: {reason}"
        )
    assert isinstance(target, str) and isinstance(count, int)
    return RedrivePolicy(target, count)


def _receive_count(value: object) -> int | None:
    """`maxReceiveCount` as a number: SDK examples quote it ("5"), JSON writers may not (5, 5.0).

    `Infinity` is valid to Python's JSON reader and `int()` of it raised
    OverflowError (a 500), so only whole numbers are taken.
    """
    if isinstance(value, str):
        return whole_number(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


@dataclass(frozen=True, slots=True)
class RedriveAllowPolicy:
    permission: str
    source_queue_arns: tuple[str, ...]

    def allows(self, source_arn: str) -> bool:
        if self.permission == "allowAll":
            return True
        if self.permission == "denyAll":
            return False
        return source_arn in self.source_queue_arns


def parse_redrive_allow_policy(value: str) -> RedriveAllowPolicy:
    if not value:
        return RedriveAllowPolicy("allowAll", ())
    parsed: dict[str, Any] = json.loads(value)
    permission = parsed.get("redrivePermission")
    arns = parsed.get("sourceQueueArns") or []
    reason = ""
    if permission not in ("allowAll", "denyAll", "byQueue"):
        reason = "Invalid value for redrivePermission."
    elif not isinstance(arns, list) or not all(isinstance(a, str) for a in arns):
        reason = "sourceQueueArns must be a list of queue ARNs."
    elif permission == "byQueue" and not 1 <= len(arns) <= 10:
        reason = "byQueue needs between 1 and 10 sourceQueueArns."
    elif permission != "byQueue" and arns:
        reason = "sourceQueueArns can only be given when redrivePermission is byQueue."
    if reason:
        raise InvalidAttributeValue(
            f"Value {value} for parameter RedriveAllowPolicy is invalid. Reason: {reason}"
        )
    return RedriveAllowPolicy(str(permission), tuple(arns))
