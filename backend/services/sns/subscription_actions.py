"""Subscriptions: Subscribe, ConfirmSubscription, Unsubscribe, the two listings, and attributes.

Subscribing an endpoint that is already subscribed gives back its ARN, unless
an attribute differs. An SQS queue, Lambda function or Firehose stream of
the topic's own account, an SMS number or a platform endpoint is confirmed
at once; an HTTP/S or email endpoint, or another account's resource, waits
for ConfirmSubscription with the token AWS would have sent it (skydeck sends
nothing to such endpoints: the token is in the service's
`pending_confirmations()` view), and Subscribe answers "pending
confirmation" unless asked for the ARN. A token works for two days; a
subscription still unconfirmed after three is dropped, on the virtual clock.
"""

from __future__ import annotations

from backend.ids import uuid4
from backend.kit.pages import decode_token, encode_token
from backend.kit.validation import Checks
from backend.service import Params, Request, Response, action
from backend.services.sns.base import SnsBase, done
from backend.services.sns.errors import (
    FilterPolicyLimitExceeded,
    InvalidParameter,
    SubscriptionLimitExceeded,
    bad_arn,
    invalid,
)
from backend.services.sns.subscription import (
    MAX_FIFO_SUBSCRIPTIONS,
    MAX_POLICIES_PER_ACCOUNT,
    MAX_POLICIES_PER_TOPIC,
    PENDING,
    TOKEN_LIFETIME,
    UNCONFIRMED_LIFETIME,
    Subscription,
    check_endpoint,
    check_value,
    confirmed_at_once,
    parse_policy,
)
from backend.services.sns.topic import Topic

PAGE = 100
_MAP_LIMIT = 1_000_000


class SubscriptionActions(SnsBase):
    """Subscribing endpoints, confirming, listing, configuring and unsubscribing them."""

    @action("Subscribe")
    def subscribe(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        arn = checks.string("TopicArn", required=True)
        protocol = checks.string("Protocol", required=True)
        endpoint = checks.string("Endpoint")
        given = (
            checks.string_map("Attributes", key_max_len=_MAP_LIMIT, value_max_len=_MAP_LIMIT) or {}
        )
        return_arn = checks.boolean("ReturnSubscriptionArn")
        done(checks)
        assert arn is not None and protocol is not None
        topic = self._find_topic(arn, request)
        endpoint = check_endpoint(protocol, endpoint, fifo_topic=topic.fifo)
        values = {
            name: check_value(
                name,
                value,
                protocol=protocol,
                endpoint=endpoint,
                topic_fifo=topic.fifo,
                subscribing=True,
            )
            for name, value in given.items()
        }
        scope = values.get("FilterPolicyScope", "MessageAttributes")
        policy = parse_policy(values.get("FilterPolicy", ""), scope, subscribing=True)
        if policy is None:
            values.pop("FilterPolicy", None)
        existing = next(
            (
                s
                for s in topic.subscriptions.values()
                if s.protocol == protocol and s.endpoint == endpoint
            ),
            None,
        )
        if existing is not None:
            current = existing.attributes()
            if any(current.get(k) != v for k, v in values.items()):
                raise invalid("Attributes", "Subscription already exists with different attributes")
            return {"SubscriptionArn": self._answered(existing, return_arn)}
        if topic.fifo and len(topic.subscriptions) >= MAX_FIFO_SUBSCRIPTIONS:
            raise SubscriptionLimitExceeded(
                f"Invalid parameter: Topic Reason: a FIFO topic can have at most "
                f"{MAX_FIFO_SUBSCRIPTIONS} subscriptions"
            )
        if policy is not None:
            self._check_policy_limits(topic)
        refusal = topic.check_large_messages(topic.maximum_message_size, protocol)
        if refusal is not None:
            raise refusal
        subscription = Subscription(
            arn=f"{topic.arn}:{uuid4(self._ids)}",
            topic=topic,
            protocol=protocol,
            endpoint=endpoint,
            principal=request.caller.arn(request.account) or f"arn:aws:iam::{request.account}:root",
            serial=self._next_serial(),
        )
        subscription.given = values
        subscription.policy = policy
        if confirmed_at_once(protocol, endpoint, topic.account):
            subscription.confirmed = True
        else:
            token = subscription.token = self._token()
            subscription.token_expires = request.now + TOKEN_LIFETIME
            self.tokens[token] = subscription
            subscription.expiry = self.cloud.clock.call_at(
                request.now + UNCONFIRMED_LIFETIME, self._drop_unconfirmed, subscription
            )
        topic.subscriptions[subscription.arn] = subscription
        self.subscriptions[subscription.arn] = subscription
        return {"SubscriptionArn": self._answered(subscription, return_arn)}

    @staticmethod
    def _answered(subscription: Subscription, return_arn: bool) -> str:
        return subscription.arn if subscription.confirmed or return_arn else PENDING

    def _check_policy_limits(self, topic: Topic) -> None:
        on_topic = sum(1 for s in topic.subscriptions.values() if s.policy is not None)
        if on_topic >= MAX_POLICIES_PER_TOPIC:
            raise FilterPolicyLimitExceeded(
                f"Filter policy limit exceeded: a topic can have {MAX_POLICIES_PER_TOPIC}"
            )
        in_account = sum(1 for s in self.subscriptions.values() if s.policy is not None)
        if in_account >= MAX_POLICIES_PER_ACCOUNT:
            raise FilterPolicyLimitExceeded(
                f"Filter policy limit exceeded: an account can have {MAX_POLICIES_PER_ACCOUNT}"
            )

    def _drop_unconfirmed(self, subscription: Subscription) -> None:
        subscription.expiry = None
        if subscription.confirmed or subscription.arn not in self.subscriptions:
            return
        self._remove_subscription(subscription)
        subscription.topic.deleted_subscriptions += 1

    @action("ConfirmSubscription")
    def confirm_subscription(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        arn = checks.string("TopicArn", required=True)
        token = checks.string("Token", required=True)
        checks.string("AuthenticateOnUnsubscribe")
        done(checks)
        assert arn is not None and token is not None
        topic = self._find_topic(arn, request)
        subscription = self.tokens.get(token)
        if (
            subscription is None
            or subscription.topic is not topic
            or (not subscription.confirmed and request.now >= subscription.token_expires)
        ):
            raise invalid("Token")
        if not subscription.confirmed:
            subscription.confirmed = True
            if subscription.expiry is not None:
                subscription.expiry.cancel()
                subscription.expiry = None
        return {"SubscriptionArn": subscription.arn}

    @action("Unsubscribe")
    def unsubscribe(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        arn = checks.string("SubscriptionArn", required=True)
        done(checks)
        assert arn is not None
        parts = arn.split(":")
        if len(parts) < 6:
            raise bad_arn("SubscriptionArn", arn)
        if len(parts) == 6:
            raise invalid("SubscriptionId")
        subscription = self.subscriptions.get(arn)
        if subscription is None:
            return {}
        self._remove_subscription(subscription)
        subscription.topic.deleted_subscriptions += 1
        return {}

    @action("ListSubscriptions", read_only=True)
    def list_subscriptions(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        token = checks.string("NextToken")
        done(checks)
        found = [s for s in self.subscriptions.values() if s.topic.region == request.region]
        return self._page(found, f"subscriptions/{request.region}", token)

    @action("ListSubscriptionsByTopic", read_only=True)
    def list_subscriptions_by_topic(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        arn = checks.string("TopicArn", required=True)
        token = checks.string("NextToken")
        done(checks)
        assert arn is not None
        topic = self._find_topic(arn, request)
        return self._page(list(topic.subscriptions.values()), f"subscriptions/{arn}", token)

    @staticmethod
    def _page(found: list[Subscription], scope: str, token: str | None) -> Response:
        """A page of 100 in the order the subscriptions were made, after the token's."""
        after = 0
        if token is not None:
            position = decode_token(token, scope, InvalidParameter, "Invalid parameter: NextToken")
            if not isinstance(position, int):
                raise invalid("NextToken")
            after = position
        rest = [s for s in found if s.serial > after]
        page = rest[:PAGE]
        response: Response = {"Subscriptions": [s.listing() for s in page]}
        if len(rest) > PAGE:
            response["NextToken"] = encode_token(scope, page[-1].serial)
        return response

    @action("GetSubscriptionAttributes", read_only=True)
    def get_subscription_attributes(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        arn = checks.string("SubscriptionArn", required=True)
        done(checks)
        assert arn is not None
        return {"Attributes": self._find_subscription(arn).attributes()}

    @action("SetSubscriptionAttributes")
    def set_subscription_attributes(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        arn = checks.string("SubscriptionArn", required=True)
        name = checks.string("AttributeName", required=True)
        value = checks.string("AttributeValue") or ""
        done(checks)
        assert arn is not None and name is not None
        subscription = self._find_subscription(arn)
        value = check_value(
            name,
            value,
            protocol=subscription.protocol,
            endpoint=subscription.endpoint,
            topic_fifo=subscription.topic.fifo,
            subscribing=False,
        )
        given = subscription.given
        if name == "FilterPolicy":
            policy = parse_policy(value, subscription.scope, subscribing=False)
            if policy is not None and subscription.policy is None:
                self._check_policy_limits(subscription.topic)
            subscription.policy = policy
        elif name == "FilterPolicyScope" and "FilterPolicy" in given:
            subscription.policy = parse_policy(given["FilterPolicy"], value, subscribing=False)
        if value == "":
            given.pop(name, None)
        else:
            given[name] = value
        return {}
