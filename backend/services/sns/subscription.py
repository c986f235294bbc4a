"""A subscription: a protocol and endpoint on a topic, its attributes and its filter policy.

Plain Python with no wire shapes. What AWS checks when a subscription is
made or changed lives here too, as pure functions: which protocols exist and
what their endpoints look like (AWS_FACTS §17), which attributes may be set
and what their values may be. The filter policy itself is parsed by
`backend/kit/filter_policy.py`, which knows nothing of SNS; the errors are
worded here, "Invalid parameter: Attributes Reason: FilterPolicy: <why>"
from Subscribe and "Invalid parameter: FilterPolicy: <why>" from
SetSubscriptionAttributes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from backend.errors import AwsError
from backend.kit.filter_policy import FilterPolicy, FilterPolicyError, NestedPolicyError
from backend.kit.queue_sender import ARN, queue_arn_parts
from backend.services.sns.errors import InvalidParameter, invalid
from backend.untrusted import json_document

if TYPE_CHECKING:
    from backend.clock import TimerHandle
    from backend.services.sns.topic import Topic

PROTOCOLS = (
    "http",
    "https",
    "email",
    "email-json",
    "sms",
    "sqs",
    "application",
    "lambda",
    "firehose",
)
#: Protocols whose subscriptions wait for the endpoint's owner to confirm, always.
CONFIRMED_BY_OWNER = frozenset({"http", "https", "email", "email-json"})
#: Protocols whose endpoint is a resource of some account, confirmed at once in the
#: topic's own account and left pending in another.
ACCOUNT_ENDPOINTS = frozenset({"sqs", "lambda", "firehose"})
#: Protocols that take RawMessageDelivery.
RAW_PROTOCOLS = frozenset({"sqs", "http", "https", "firehose"})
SETTABLE = (
    "DeliveryPolicy",
    "FilterPolicy",
    "FilterPolicyScope",
    "RawMessageDelivery",
    "RedrivePolicy",
    "SubscriptionRoleArn",
)
SCOPES = ("MessageAttributes", "MessageBody")
#: What Subscribe answers in place of the ARN while a subscription waits for confirmation.
PENDING = "pending confirmation"
#: What ListSubscriptions shows in place of the ARN of such a subscription.
PENDING_ARN = "PendingConfirmation"
#: A confirmation token works for two days; AWS drops a subscription still unconfirmed after three.
TOKEN_LIFETIME = 2 * 86_400.0
UNCONFIRMED_LIFETIME = 3 * 86_400.0
#: Subscriptions a FIFO topic may have.
MAX_FIFO_SUBSCRIPTIONS = 100
#: Filter policies a topic, and an account, may have.
MAX_POLICIES_PER_TOPIC = 200
MAX_POLICIES_PER_ACCOUNT = 10_000

#: The service of the ARN each other protocol's endpoint is, and what a bad one is called.
_ARN_ENDPOINTS = {
    "lambda": ("lambda", "Lambda endpoint ARN"),
    "firehose": ("firehose", "Firehose endpoint ARN"),
    "application": ("sns", "ApplicationEndpoint ARN"),
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
#: E.164: a plus, then up to 15 digits not starting with 0.
_PHONE = re.compile(r"^\+?[1-9][0-9]{1,14}$")


class Subscription:
    """One endpoint subscribed to one topic."""

    def __init__(
        self,
        *,
        arn: str,
        topic: Topic,
        protocol: str,
        endpoint: str,
        principal: str,
        serial: int,
    ) -> None:
        self.arn = arn
        self.topic = topic
        self.protocol = protocol
        self.endpoint = endpoint
        #: Who subscribed (SubscriptionPrincipal).
        self.principal = principal
        #: Creation order, for listing and for the pages of a listing.
        self.serial = serial
        self.confirmed = False
        #: ConfirmSubscription's token while pending, and when it stops working.
        self.token: str | None = None
        self.token_expires = 0.0
        #: Drops the subscription if it is still unconfirmed after three days.
        self.expiry: TimerHandle | None = None
        #: Attributes set by Subscribe and SetSubscriptionAttributes, as AWS reports them.
        self.given: dict[str, str] = {}
        self.policy: FilterPolicy | None = None
        #: The error code of the current spell of failed deliveries, if one is going on.
        self.failing: str | None = None
        #: Whether the dead-letter queue refused the last failed delivery too.
        self.dlq_failing = False
        self.delivered = 0
        self.failed = 0

    @property
    def raw(self) -> bool:
        return self.given.get("RawMessageDelivery") == "true"

    @property
    def scope(self) -> str:
        return self.given.get("FilterPolicyScope", "MessageAttributes")

    @property
    def dead_letter_arn(self) -> str | None:
        """The RedrivePolicy's deadLetterTargetArn, if the subscription has one."""
        text = self.given.get("RedrivePolicy")
        return None if text is None else redrive_target(text)

    @property
    def listed_arn(self) -> str:
        """The ARN as List* show it: "PendingConfirmation" until confirmed."""
        return self.arn if self.confirmed else PENDING_ARN

    def attributes(self) -> dict[str, str]:
        """Everything GetSubscriptionAttributes reports, as strings."""
        out = {
            "ConfirmationWasAuthenticated": "true" if self.confirmed else "false",
            "Endpoint": self.endpoint,
            "Owner": self.topic.account,
            "PendingConfirmation": "false" if self.confirmed else "true",
            "Protocol": self.protocol,
            "RawMessageDelivery": "false",
            "SubscriptionArn": self.arn,
            "SubscriptionPrincipal": self.principal,
            "TopicArn": self.topic.arn,
        }
        out.update(self.given)
        if "FilterPolicy" in self.given:
            out["FilterPolicyScope"] = self.scope
        else:
            out.pop("FilterPolicyScope", None)
        return out

    def listing(self) -> dict[str, str]:
        """The subscription as ListSubscriptions and ListSubscriptionsByTopic show it."""
        return {
            "SubscriptionArn": self.listed_arn,
            "Owner": self.topic.account,
            "Protocol": self.protocol,
            "Endpoint": self.endpoint,
            "TopicArn": self.topic.arn,
        }


# -- checks ----------------------------------------------------------------------------


def check_endpoint(protocol: str, endpoint: str | None, *, fifo_topic: bool) -> str:
    """The endpoint, if `protocol` takes it and a topic of this kind takes the protocol."""
    if protocol not in PROTOCOLS:
        raise invalid(f"Amazon SNS does not support this protocol string: {protocol}")
    if not endpoint:
        raise invalid("Endpoint")
    if fifo_topic and protocol != "sqs":
        raise invalid("Endpoint", f"FIFO topics can only deliver to SQS queues, not {protocol}")
    if protocol in ("http", "https"):
        if not endpoint.startswith(f"{protocol}://"):
            raise invalid("Endpoint must match the specified protocol")
    elif protocol in ("email", "email-json"):
        if not _EMAIL.match(endpoint):
            raise invalid("Email address")
    elif protocol == "sms":
        if not _PHONE.match(endpoint):
            raise InvalidParameter(f"Invalid SMS endpoint: {endpoint}")
    elif protocol == "sqs":
        if queue_arn_parts(endpoint) is None:
            raise invalid("SQS endpoint ARN")
        if endpoint.endswith(".fifo") and not fifo_topic:
            raise invalid(
                "Endpoint", "FIFO SQS Queues can not be subscribed to standard SNS topics"
            )
    else:
        service, what = _ARN_ENDPOINTS[protocol]
        found = ARN.match(endpoint)
        if found is None or found[2] != service:
            raise invalid(what)
    return endpoint


def confirmed_at_once(protocol: str, endpoint: str, account: str) -> bool:
    """Whether a new subscription needs no confirmation (AWS_FACTS §17).

    Endpoints that are resources of the topic's own account (a queue, a
    function, a delivery stream) are confirmed at once, as are SMS numbers
    and platform endpoints; HTTP/S and email endpoints, and resources of
    another account, wait for their owner.
    """
    if protocol in CONFIRMED_BY_OWNER:
        return False
    if protocol in ACCOUNT_ENDPOINTS:
        found = ARN.match(endpoint)
        return found is not None and found[4] == account
    return True


def check_value(
    name: str,
    value: str,
    *,
    protocol: str,
    endpoint: str,
    topic_fifo: bool,
    subscribing: bool,
) -> str:
    """`value` for subscription attribute `name`, normalised as AWS stores it, or AWS's error.

    FilterPolicy is checked apart (`parse_policy`): whether it is valid
    depends on the scope the subscription will have.
    """
    if name not in SETTABLE:
        raise _refused("AttributeName", None, subscribing)
    if name == "RawMessageDelivery":
        lowered = value.lower()
        if lowered not in ("true", "false"):
            raise _refused(
                "RawMessageDelivery",
                f"Invalid value [{value}]. Must be true or false.",
                subscribing,
            )
        if lowered == "true" and protocol not in RAW_PROTOCOLS:
            raise _refused(
                "RawMessageDelivery",
                f"Delivery protocol [{protocol}] does not support raw message delivery.",
                subscribing,
            )
        return lowered
    if name == "FilterPolicyScope" and value not in SCOPES:
        raise _refused(
            "FilterPolicyScope",
            f"Invalid value [{value}]. Please use either MessageBody or MessageAttributes",
            subscribing,
        )
    if name == "RedrivePolicy":
        _check_redrive(value, endpoint, topic_fifo, subscribing)
    if name == "DeliveryPolicy" and value:
        try:
            document = json_document(value)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise _refused("DeliveryPolicy", "failed to parse JSON.", subscribing)
    return value


def parse_policy(text: str, scope: str, *, subscribing: bool) -> FilterPolicy | None:
    """The filter policy `text` for a subscription of `scope`; None for "" (no policy)."""
    if text == "":
        return None
    try:
        return FilterPolicy.parse(text, nested=scope == "MessageBody")
    except NestedPolicyError:
        prefix = "Attributes Reason: " if subscribing else ""
        raise invalid(
            f"{prefix}Filter policy scope MessageAttributes does not support nested filter policy"
        ) from None
    except FilterPolicyError as error:
        raise _refused("FilterPolicy", str(error), subscribing) from None


def redrive_target(text: str) -> str | None:
    """A RedrivePolicy's deadLetterTargetArn (policies are checked before they are kept)."""
    try:
        document = json_document(text)
    except ValueError:
        return None
    target = document.get("deadLetterTargetArn") if isinstance(document, dict) else None
    return target if isinstance(target, str) else None


def _check_redrive(text: str, endpoint: str, topic_fifo: bool, subscribing: bool) -> None:
    try:
        document = json_document(text)
    except ValueError:
        raise _refused("RedrivePolicy", "failed to parse JSON.", subscribing) from None
    target = document.get("deadLetterTargetArn") if isinstance(document, dict) else None
    parts = queue_arn_parts(target) if isinstance(target, str) else None
    if parts is None:
        raise _refused("RedrivePolicy", "deadLetterTargetArn is an invalid arn", subscribing)
    assert isinstance(target, str)
    if topic_fifo and endpoint.endswith(".fifo") and not target.endswith(".fifo"):
        raise _refused(
            "RedrivePolicy",
            "must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic.",
            subscribing,
        )


def _refused(name: str, why: str | None, subscribing: bool) -> AwsError:
    """ "Invalid parameter: Attributes Reason: <name>: <why>" (Subscribe) or
    "Invalid parameter: <name>: <why>" (SetSubscriptionAttributes)."""
    detail = name if why is None else f"{name}: {why}"
    return invalid("Attributes", detail) if subscribing else invalid(detail)


@dataclass(frozen=True, slots=True)
class Pending:
    """A subscription waiting for ConfirmSubscription, and the token AWS would have sent."""

    arn: str
    topic_arn: str
    protocol: str
    endpoint: str
    token: str
    expires: float
