"""A topic: its attributes, tags, subscriptions and what has gone through it.

Plain Python with no wire shapes. AWS reports a topic's attributes as
strings: the ones it always has (`Owner`, `Policy`, `TopicArn`, the
subscription counts...) and the ones set by CreateTopic or
SetTopicAttributes. Those set are kept apart (`given`) because CreateTopic
on an existing name compares against them: the same or no attributes give
back the topic, a different or new one is refused (AWS_FACTS §17).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from backend.errors import AwsError
from backend.numbers import whole_number
from backend.services.sns.errors import invalid
from backend.services.sns.topic_metrics import TopicMetrics
from backend.untrusted import json_document

if TYPE_CHECKING:
    from backend.metrics import MetricStore
    from backend.services.sns.subscription import Subscription

#: The default and largest MaximumMessageSize, and the least: 256 KiB, 1 MiB, 1 KiB.
DEFAULT_MESSAGE_SIZE = 262_144
MAX_MESSAGE_SIZE = 1_048_576
MIN_MESSAGE_SIZE = 1_024
#: Subscriptions a topic may have while its MaximumMessageSize is above 256 KiB, and
#: the protocols they may use.
LARGE_MESSAGE_SUBSCRIPTIONS = 100
LARGE_MESSAGE_PROTOCOLS = frozenset({"sqs", "firehose", "lambda"})

_FEEDBACK = ("HTTP", "Firehose", "Lambda", "Application", "SQS")

#: The retry policy AWS reports for HTTP/S deliveries when the topic sets none.
EFFECTIVE_DELIVERY_POLICY = json.dumps(
    {
        "http": {
            "defaultHealthyRetryPolicy": {
                "minDelayTarget": 20,
                "maxDelayTarget": 20,
                "numRetries": 3,
                "numMaxDelayRetries": 0,
                "numNoDelayRetries": 0,
                "numMinDelayRetries": 0,
                "backoffFunction": "linear",
            },
            "disableSubscriptionOverrides": False,
            "defaultRequestPolicy": {"headerContentType": "text/plain; charset=UTF-8"},
        }
    },
    separators=(",", ":"),
)


def default_policy(arn: str, account: str) -> str:
    """The access policy a new topic has: the owner's account may do the eight topic actions."""
    actions = [
        "GetTopicAttributes",
        "SetTopicAttributes",
        "AddPermission",
        "RemovePermission",
        "DeleteTopic",
        "Subscribe",
        "ListSubscriptionsByTopic",
        "Publish",
    ]
    policy = {
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [
            {
                "Sid": "__default_statement_ID",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": [f"SNS:{name}" for name in actions],
                "Resource": arn,
                "Condition": {"StringEquals": {"AWS:SourceOwner": account}},
            }
        ],
    }
    return json.dumps(policy, separators=(",", ":"))


# -- attribute values -----------------------------------------------------------------

Check = Callable[[str], str | None]


def _anything(value: str) -> str | None:
    return None


def _json_object(value: str) -> str | None:
    if value == "":
        return None
    try:
        document = json_document(value)
    except ValueError:
        return "failed to parse JSON."
    return None if isinstance(document, dict) else "must be a JSON object."


def _one_of(*choices: str) -> Check:
    def check(value: str) -> str | None:
        if value in choices:
            return None
        return f"Invalid value [{value}]. Must be {' or '.join(choices)}."

    return check


def _message_size(value: str) -> str | None:
    size = whole_number(value)
    if size is not None and MIN_MESSAGE_SIZE <= size <= MAX_MESSAGE_SIZE:
        return None
    return (
        f"Invalid value [{value}]. Must be an integer from {MIN_MESSAGE_SIZE} to "
        f"{MAX_MESSAGE_SIZE}."
    )


def _sample_rate(value: str) -> str | None:
    rate = whole_number(value)
    if rate is not None and not value.startswith("-") and rate <= 100:
        return None
    return f"Invalid value [{value}]. Must be an integer from 0 to 100."


@dataclass(frozen=True, slots=True)
class Setting:
    """A topic attribute a caller may set: how its value is checked, and for which topics."""

    check: Check
    fifo_only: bool = False


SETTINGS: dict[str, Setting] = {
    "DeliveryPolicy": Setting(_json_object),
    "DisplayName": Setting(_anything),
    "Policy": Setting(_json_object),
    "TracingConfig": Setting(_one_of("PassThrough", "Active")),
    "KmsMasterKeyId": Setting(_anything),
    "SignatureVersion": Setting(_one_of("1", "2")),
    "MaximumMessageSize": Setting(_message_size),
    "ArchivePolicy": Setting(_json_object, fifo_only=True),
    "ContentBasedDeduplication": Setting(_one_of("true", "false"), fifo_only=True),
    "FifoThroughputScope": Setting(_one_of("Topic", "MessageGroup"), fifo_only=True),
    **{f"{kind}SuccessFeedbackRoleArn": Setting(_anything) for kind in _FEEDBACK},
    **{f"{kind}SuccessFeedbackSampleRate": Setting(_sample_rate) for kind in _FEEDBACK},
    **{f"{kind}FailureFeedbackRoleArn": Setting(_anything) for kind in _FEEDBACK},
}


def check_attribute(name: str, value: str, *, fifo: bool, creating: bool) -> None:
    """Refuse `name=value` as CreateTopic ("Attributes Reason: ...") or SetTopicAttributes would."""
    setting = SETTINGS.get(name)
    if setting is None:
        if creating:
            raise invalid("Attributes", f"Unknown attribute {name}")
        raise invalid("AttributeName")
    why = setting.check(value)
    if why is None and setting.fifo_only and not fifo:
        why = "only FIFO topics have this attribute."
    if why is not None:
        if creating:
            raise invalid("Attributes", f"{name}: {why}")
        raise invalid(f"{name}: {why}")


class Topic:
    """One SNS topic, standard or FIFO, and its subscriptions in the order they were made."""

    def __init__(
        self,
        *,
        name: str,
        region: str,
        account: str,
        given: dict[str, str],
        tags: dict[str, str],
        metrics: MetricStore,
        created: float,
        serial: int,
    ) -> None:
        self.name = name
        self.region = region
        self.account = account
        self.arn = f"arn:aws:sns:{region}:{account}:{name}"
        self.fifo = name.endswith(".fifo")
        self.created = created
        #: Attributes set by CreateTopic and SetTopicAttributes, as given.
        self.given = given
        self.tags = tags
        self.subscriptions: dict[str, Subscription] = {}
        #: Unsubscribed (or expired unconfirmed) subscriptions: SubscriptionsDeleted.
        self.deleted_subscriptions = 0
        self.metrics = TopicMetrics(metrics, name)
        self.counters = Counters()
        #: FIFO: how many SequenceNumbers have been given.
        self.sequence = 0
        #: Tells this topic apart from an earlier one of the same name (deduplication keys).
        self.serial = serial

    @property
    def maximum_message_size(self) -> int:
        return int(self.given.get("MaximumMessageSize", DEFAULT_MESSAGE_SIZE))

    @property
    def content_based_deduplication(self) -> bool:
        return self.given.get("ContentBasedDeduplication") == "true"

    @property
    def signature_version(self) -> str:
        return self.given.get("SignatureVersion", "1")

    @property
    def dedup_per_group(self) -> bool:
        return self.given.get("FifoThroughputScope") == "MessageGroup"

    def attributes(self) -> dict[str, str]:
        """Everything GetTopicAttributes reports, as strings."""
        confirmed = sum(1 for s in self.subscriptions.values() if s.confirmed)
        out = {
            "DisplayName": "",
            "Owner": self.account,
            "Policy": default_policy(self.arn, self.account),
            "EffectiveDeliveryPolicy": EFFECTIVE_DELIVERY_POLICY,
            "TopicArn": self.arn,
            "SubscriptionsConfirmed": str(confirmed),
            "SubscriptionsPending": str(len(self.subscriptions) - confirmed),
            "SubscriptionsDeleted": str(self.deleted_subscriptions),
        }
        if self.fifo:
            out["FifoTopic"] = "true"
            out["ContentBasedDeduplication"] = "false"
        out.update(self.given)
        return out

    def check_large_messages(self, size: int, protocol: str | None = None) -> AwsError | None:
        """Why this topic can't take messages over 256 KiB (with one more `protocol`
        subscription, when given), or None when it can."""
        if size <= DEFAULT_MESSAGE_SIZE:
            return None
        protocols = [s.protocol for s in self.subscriptions.values()]
        if protocol is not None:
            protocols.append(protocol)
        if len(protocols) > LARGE_MESSAGE_SUBSCRIPTIONS or any(
            p not in LARGE_MESSAGE_PROTOCOLS for p in protocols
        ):
            return invalid(
                "MaximumMessageSize",
                f"A topic with a MaximumMessageSize above {DEFAULT_MESSAGE_SIZE} bytes may have "
                f"at most {LARGE_MESSAGE_SUBSCRIPTIONS} subscriptions, each of them sqs, "
                "firehose or lambda",
            )
        return None

    def next_sequence_number(self) -> str:
        """A FIFO message's SequenceNumber: 20 digits, growing with each message."""
        self.sequence += 1
        return f"{10**19 + self.sequence * 1000:020d}"


@dataclass
class Counters:
    """Totals since the topic was made, for the summary and the dashboard."""

    published: int = 0
    delivered: int = 0
    filtered: int = 0
    failed: int = 0
    #: Failed deliveries that went on to the subscription's dead-letter queue.
    to_dlq: int = 0
