"""What every SNS action shares: the service's state, and how a request finds its topic.

Handlers are grouped by subject in mixins (`topic_actions.py`,
`subscription_actions.py`, `publish_actions.py`, `tag_actions.py`), all on
this base, and `service.py` puts them together. Topics live in their region
(the region is part of the ARN); an ARN of another region is refused as AWS
refuses it ("Invalid parameter: TopicArn"), one of this region that names
nothing is NotFound.

Request members are read with the shared Coral checks
(`backend/kit/validation.py`): a missing required member or a tag past its
length is SNS's ValidationError ("1 validation error detected: Value null at
'topicArn' failed to satisfy constraint: Member must not be null").
"""

from __future__ import annotations

from backend.cloud import Cloud
from backend.ids import uuid4
from backend.kit.validation import Checks, refused
from backend.service import Params, Request, Service
from backend.services.sns.dedup import Deduplication
from backend.services.sns.delivery import Courier
from backend.services.sns.errors import (
    ValidationError,
    bad_arn,
    invalid,
    subscription_not_found,
    topic_not_found,
)
from backend.services.sns.subscription import Subscription
from backend.services.sns.topic import Topic

_ARN_PARTS = 6


def done(checks: Checks) -> None:
    """Raise the request's constraint failures, if any, as SNS's ValidationError."""
    if checks.problems:
        raise refused(checks.problems, ValidationError)


class SnsBase(Service):
    """The service state and lookups the action groups share."""

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud)
        #: Every topic, by ARN (its region is in it).
        self.topics: dict[str, Topic] = {}
        #: Every subscription, confirmed or not, by ARN, in the order they were made.
        self.subscriptions: dict[str, Subscription] = {}
        #: Pending subscriptions by their confirmation token.
        self.tokens: dict[str, Subscription] = {}
        self.courier = Courier(cloud)
        self.dedup = Deduplication()
        self._ids = cloud.rng("sns")
        self._serial = 0

    def reset(self) -> None:
        for subscription in self.subscriptions.values():
            if subscription.expiry is not None:
                subscription.expiry.cancel()
        self.topics.clear()
        self.subscriptions.clear()
        self.tokens.clear()
        self.courier.reset()
        self.dedup.clear()

    def trail_resources(self, action: str, params: Params, region: str) -> list[dict[str, str]]:
        arn = params.get("TopicArn") or params.get("TargetArn") or params.get("ResourceArn")
        if not isinstance(arn, str):
            subscription = params.get("SubscriptionArn")
            if isinstance(subscription, str) and subscription.count(":") == _ARN_PARTS:
                arn = subscription.rsplit(":", 1)[0]
        name = params.get("Name")
        if not isinstance(arn, str) and isinstance(name, str):
            arn = f"arn:aws:sns:{region}:{self.cloud.account}:{name}"
        if not isinstance(arn, str) or arn.count(":") != _ARN_PARTS - 1:
            return []
        return [{"accountId": self.cloud.account, "type": "AWS::SNS::Topic", "ARN": arn}]

    def topic_list(self, region: str | None = None) -> list[Topic]:
        """The topics of `region` (default: the cloud's), by name."""
        region = region or self.cloud.region
        return sorted((t for t in self.topics.values() if t.region == region), key=lambda t: t.name)

    # -- lookups ------------------------------------------------------------------------

    def _check_topic_arn(self, arn: str, request: Request, member: str = "TopicArn") -> None:
        """Refuse what is not an ARN, or is one of another region."""
        parts = arn.split(":")
        if len(parts) < _ARN_PARTS:
            raise bad_arn(member, arn)
        if parts[3] != request.region:
            raise invalid(member)

    def _find_topic(self, arn: str, request: Request, member: str = "TopicArn") -> Topic:
        self._check_topic_arn(arn, request, member)
        topic = self.topics.get(arn)
        if topic is None:
            raise topic_not_found()
        return topic

    def _find_subscription(self, arn: str) -> Subscription:
        if len(arn.split(":")) < _ARN_PARTS:
            raise bad_arn("SubscriptionArn", arn)
        subscription = self.subscriptions.get(arn)
        if subscription is None:
            raise subscription_not_found()
        return subscription

    # -- shared -------------------------------------------------------------------------

    def _next_serial(self) -> int:
        self._serial += 1
        return self._serial

    def _message_id(self) -> str:
        """A MessageId shaped as SNS's are: UUIDs of version 5 (name-based), not 4."""
        drawn = uuid4(self._ids)
        return f"{drawn[:14]}5{drawn[15:]}"

    def _token(self) -> str:
        """A confirmation token: 288 hex digits, as AWS's are."""
        return f"{self._ids.getrandbits(1152):0288x}"

    def _remove_subscription(self, subscription: Subscription) -> None:
        """Take a subscription off its topic and out of the service (Unsubscribe, DeleteTopic)."""
        self.subscriptions.pop(subscription.arn, None)
        subscription.topic.subscriptions.pop(subscription.arn, None)
        if subscription.token is not None:
            self.tokens.pop(subscription.token, None)
        if subscription.expiry is not None:
            subscription.expiry.cancel()
            subscription.expiry = None
