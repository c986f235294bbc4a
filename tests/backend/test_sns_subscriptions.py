"""SNS subscriptions: protocols and endpoints, confirmation, attributes, listing, unsubscribing."""

from __future__ import annotations

import json

import pytest

from backend.cloud import Cloud
from backend.services.sns import SnsService
from tests.backend.test_sns_helpers import (
    ACCOUNT,
    create_queue,
    create_topic,
    queue_arn,
    sns,
    sns_error,
    subscribe_queue,
    topic_arn,
)

OTHER_ACCOUNT = "210987654321"


async def test_an_sqs_subscription_in_the_same_account_is_confirmed_at_once(
    cloud: Cloud,
) -> None:
    arn = await create_topic(cloud)
    subscription = await subscribe_queue(cloud, arn, "q")
    assert subscription.startswith(f"{arn}:")
    assert len(subscription.rsplit(":", 1)[1]) == 36
    attributes = (await sns(cloud, "GetSubscriptionAttributes", {"SubscriptionArn": subscription}))[
        "Attributes"
    ]
    assert attributes == {
        "ConfirmationWasAuthenticated": "true",
        "Endpoint": queue_arn("q"),
        "Owner": ACCOUNT,
        "PendingConfirmation": "false",
        "Protocol": "sqs",
        "RawMessageDelivery": "false",
        "SubscriptionArn": subscription,
        "SubscriptionPrincipal": f"arn:aws:iam::{ACCOUNT}:user/console",
        "TopicArn": arn,
    }
    topic_attributes = (await sns(cloud, "GetTopicAttributes", {"TopicArn": arn}))["Attributes"]
    assert topic_attributes["SubscriptionsConfirmed"] == "1"


async def test_a_missing_queue_may_be_subscribed(cloud: Cloud) -> None:
    arn = await create_topic(cloud)
    assert (await subscribe_queue(cloud, arn, "not-made-yet")).startswith(arn)


@pytest.mark.parametrize(
    ("protocol", "endpoint"),
    [
        ("https", "https://example.com/hook"),
        ("http", "http://example.com/hook"),
        ("email", "ops@example.com"),
        ("email-json", "ops@example.com"),
        ("sqs", f"arn:aws:sqs:us-east-1:{OTHER_ACCOUNT}:theirs"),
    ],
)
async def test_endpoints_of_others_wait_for_confirmation(
    cloud: Cloud, protocol: str, endpoint: str
) -> None:
    arn = await create_topic(cloud)
    params = {"TopicArn": arn, "Protocol": protocol, "Endpoint": endpoint}
    assert (await sns(cloud, "Subscribe", params))["SubscriptionArn"] == "pending confirmation"
    full = (await sns(cloud, "Subscribe", {**params, "ReturnSubscriptionArn": True}))[
        "SubscriptionArn"
    ]
    assert full.startswith(f"{arn}:")
    listed = (await sns(cloud, "ListSubscriptionsByTopic", {"TopicArn": arn}))["Subscriptions"]
    assert listed == [
        {
            "SubscriptionArn": "PendingConfirmation",
            "Owner": ACCOUNT,
            "Protocol": protocol,
            "Endpoint": endpoint,
            "TopicArn": arn,
        }
    ]
    attributes = (await sns(cloud, "GetSubscriptionAttributes", {"SubscriptionArn": full}))[
        "Attributes"
    ]
    assert attributes["PendingConfirmation"] == "true"
    assert attributes["ConfirmationWasAuthenticated"] == "false"
    topic_attributes = (await sns(cloud, "GetTopicAttributes", {"TopicArn": arn}))["Attributes"]
    assert topic_attributes["SubscriptionsPending"] == "1"


async def test_confirm_subscription_with_the_token(cloud: Cloud) -> None:
    arn = await create_topic(cloud)
    await sns(
        cloud,
        "Subscribe",
        {"TopicArn": arn, "Protocol": "https", "Endpoint": "https://example.com/hook"},
    )
    [pending] = cloud.service(SnsService).pending_confirmations()
    assert len(pending.token) == 288
    error = await sns_error(cloud, "ConfirmSubscription", {"TopicArn": arn, "Token": "nope"})
    assert (error.code, error.message) == ("InvalidParameter", "Invalid parameter: Token")
    confirmed = await sns(cloud, "ConfirmSubscription", {"TopicArn": arn, "Token": pending.token})
    assert confirmed == {"SubscriptionArn": pending.arn}
    again = await sns(cloud, "ConfirmSubscription", {"TopicArn": arn, "Token": pending.token})
    assert again == confirmed
    assert cloud.service(SnsService).pending_confirmations() == []
    listed = (await sns(cloud, "ListSubscriptions"))["Subscriptions"]
    assert listed[0]["SubscriptionArn"] == pending.arn


async def test_a_token_works_two_days_and_the_subscription_goes_after_three(
    cloud: Cloud,
) -> None:
    arn = await create_topic(cloud)
    params = {"TopicArn": arn, "Protocol": "email", "Endpoint": "ops@example.com"}
    await sns(cloud, "Subscribe", params)
    [pending] = cloud.service(SnsService).pending_confirmations()
    await cloud.clock.advance(2 * 86_400)
    error = await sns_error(cloud, "ConfirmSubscription", {"TopicArn": arn, "Token": pending.token})
    assert error.message == "Invalid parameter: Token"
    await cloud.clock.advance(86_400)
    assert (await sns(cloud, "ListSubscriptions"))["Subscriptions"] == []
    attributes = (await sns(cloud, "GetTopicAttributes", {"TopicArn": arn}))["Attributes"]
    assert attributes["SubscriptionsPending"] == "0"
    assert attributes["SubscriptionsDeleted"] == "1"


@pytest.mark.parametrize(
    ("protocol", "endpoint", "message"),
    [
        (
            "carrier-pigeon",
            "x",
            "Invalid parameter: Amazon SNS does not support this protocol string: carrier-pigeon",
        ),
        (
            "sqs",
            "https://sqs.us-east-1.amazonaws.com/123456789012/q",
            "Invalid parameter: SQS endpoint ARN",
        ),
        ("sqs", None, "Invalid parameter: Endpoint"),
        (
            "https",
            "http://example.com",
            "Invalid parameter: Endpoint must match the specified protocol",
        ),
        ("email", "not-an-address", "Invalid parameter: Email address"),
        ("sms", "call me", "Invalid SMS endpoint: call me"),
        (
            "lambda",
            "arn:aws:sqs:us-east-1:123456789012:q",
            "Invalid parameter: Lambda endpoint ARN",
        ),
        ("firehose", "stream", "Invalid parameter: Firehose endpoint ARN"),
        ("application", "x", "Invalid parameter: ApplicationEndpoint ARN"),
        (
            "sqs",
            queue_arn("q.fifo"),
            "Invalid parameter: Endpoint Reason: FIFO SQS Queues can "
            "not be subscribed to standard SNS topics",
        ),
    ],
)
async def test_every_protocol_checks_its_endpoint(
    cloud: Cloud, protocol: str, endpoint: str | None, message: str
) -> None:
    arn = await create_topic(cloud)
    params = {"TopicArn": arn, "Protocol": protocol}
    if endpoint is not None:
        params["Endpoint"] = endpoint
    error = await sns_error(cloud, "Subscribe", params)
    assert (error.code, error.message) == ("InvalidParameter", message)


@pytest.mark.parametrize(
    ("protocol", "endpoint"),
    [
        ("sms", "+14155550100"),
        ("lambda", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f"),
        ("firehose", f"arn:aws:firehose:us-east-1:{ACCOUNT}:deliverystream/s"),
        ("application", f"arn:aws:sns:us-east-1:{ACCOUNT}:endpoint/GCM/app/1"),
    ],
)
async def test_other_protocols_of_the_account_are_confirmed_at_once(
    cloud: Cloud, protocol: str, endpoint: str
) -> None:
    arn = await create_topic(cloud)
    params = {"TopicArn": arn, "Protocol": protocol, "Endpoint": endpoint}
    assert (await sns(cloud, "Subscribe", params))["SubscriptionArn"].startswith(arn)


async def test_fifo_topics_take_sqs_queues_of_both_kinds_only(cloud: Cloud) -> None:
    arn = await create_topic(cloud, "t.fifo")
    await subscribe_queue(cloud, arn, "q.fifo")
    await subscribe_queue(cloud, arn, "standard")
    error = await sns_error(
        cloud,
        "Subscribe",
        {"TopicArn": arn, "Protocol": "https", "Endpoint": "https://example.com"},
    )
    assert error.code == "InvalidParameter"
    assert error.message.startswith("Invalid parameter: Endpoint Reason: ")


async def test_subscribing_again_gives_the_same_arn_unless_an_attribute_differs(
    cloud: Cloud,
) -> None:
    arn = await create_topic(cloud)
    first = await subscribe_queue(cloud, arn, "q", RawMessageDelivery="true")
    assert await subscribe_queue(cloud, arn, "q") == first
    assert await subscribe_queue(cloud, arn, "q", RawMessageDelivery="True") == first
    error = await sns_error(
        cloud,
        "Subscribe",
        {
            "TopicArn": arn,
            "Protocol": "sqs",
            "Endpoint": queue_arn("q"),
            "Attributes": {"RawMessageDelivery": "false"},
        },
    )
    assert error.message == (
        "Invalid parameter: Attributes Reason: Subscription already exists with different "
        "attributes"
    )


async def test_subscription_attributes_are_checked_on_subscribe_and_on_set(
    cloud: Cloud,
) -> None:
    arn = await create_topic(cloud)
    subscription = await subscribe_queue(cloud, arn, "q")
    cases = [
        (
            "RawMessageDelivery",
            "maybe",
            "RawMessageDelivery: Invalid value [maybe]. Must be true or false.",
        ),
        (
            "FilterPolicyScope",
            "Everything",
            "FilterPolicyScope: Invalid value [Everything]. "
            "Please use either MessageBody or MessageAttributes",
        ),
        ("FilterPolicy", "{", "FilterPolicy: failed to parse JSON."),
        ("RedrivePolicy", "{", "RedrivePolicy: failed to parse JSON."),
        (
            "RedrivePolicy",
            '{"deadLetterTargetArn": "q"}',
            "RedrivePolicy: deadLetterTargetArn is an invalid arn",
        ),
    ]
    for name, value, why in cases:
        error = await sns_error(
            cloud,
            "SetSubscriptionAttributes",
            {"SubscriptionArn": subscription, "AttributeName": name, "AttributeValue": value},
        )
        assert (error.code, error.message) == ("InvalidParameter", f"Invalid parameter: {why}")
        error = await sns_error(
            cloud,
            "Subscribe",
            {
                "TopicArn": arn,
                "Protocol": "sqs",
                "Endpoint": queue_arn("other"),
                "Attributes": {name: value},
            },
        )
        assert error.message == f"Invalid parameter: Attributes Reason: {why}"
    error = await sns_error(
        cloud,
        "SetSubscriptionAttributes",
        {"SubscriptionArn": subscription, "AttributeName": "Colour", "AttributeValue": "x"},
    )
    assert error.message == "Invalid parameter: AttributeName"


async def test_raw_delivery_is_for_queues_and_web_endpoints_only(cloud: Cloud) -> None:
    arn = await create_topic(cloud)
    error = await sns_error(
        cloud,
        "Subscribe",
        {
            "TopicArn": arn,
            "Protocol": "email",
            "Endpoint": "ops@example.com",
            "Attributes": {"RawMessageDelivery": "true"},
        },
    )
    assert error.message == (
        "Invalid parameter: Attributes Reason: RawMessageDelivery: Delivery protocol [email] "
        "does not support raw message delivery."
    )


async def test_filter_policy_scope_shows_once_a_policy_exists(cloud: Cloud) -> None:
    arn = await create_topic(cloud)
    subscription = await subscribe_queue(cloud, arn, "q", FilterPolicyScope="MessageBody")

    async def attributes() -> dict[str, str]:
        found = await sns(cloud, "GetSubscriptionAttributes", {"SubscriptionArn": subscription})
        return dict(found["Attributes"])

    assert "FilterPolicyScope" not in await attributes()
    policy = json.dumps({"a": {"b": ["c"]}})
    await sns(
        cloud,
        "SetSubscriptionAttributes",
        {
            "SubscriptionArn": subscription,
            "AttributeName": "FilterPolicy",
            "AttributeValue": policy,
        },
    )
    shown = await attributes()
    assert (shown["FilterPolicy"], shown["FilterPolicyScope"]) == (policy, "MessageBody")
    # A nested policy can't move to the attributes scope.
    error = await sns_error(
        cloud,
        "SetSubscriptionAttributes",
        {
            "SubscriptionArn": subscription,
            "AttributeName": "FilterPolicyScope",
            "AttributeValue": "MessageAttributes",
        },
    )
    assert error.message == (
        "Invalid parameter: Filter policy scope MessageAttributes does not support nested "
        "filter policy"
    )
    await sns(
        cloud,
        "SetSubscriptionAttributes",
        {"SubscriptionArn": subscription, "AttributeName": "FilterPolicy", "AttributeValue": ""},
    )
    assert "FilterPolicy" not in await attributes()
    assert "FilterPolicyScope" not in await attributes()


async def test_unsubscribe(cloud: Cloud) -> None:
    arn = await create_topic(cloud)
    subscription = await subscribe_queue(cloud, arn, "q")
    await sns(cloud, "Unsubscribe", {"SubscriptionArn": subscription})
    await sns(cloud, "Unsubscribe", {"SubscriptionArn": subscription})
    attributes = (await sns(cloud, "GetTopicAttributes", {"TopicArn": arn}))["Attributes"]
    assert attributes["SubscriptionsConfirmed"] == "0"
    assert attributes["SubscriptionsDeleted"] == "1"
    error = await sns_error(cloud, "Unsubscribe", {"SubscriptionArn": arn})
    assert error.message == "Invalid parameter: SubscriptionId"
    error = await sns_error(cloud, "Unsubscribe", {"SubscriptionArn": "x:y"})
    assert error.message == (
        "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 2"
    )
    error = await sns_error(cloud, "GetSubscriptionAttributes", {"SubscriptionArn": subscription})
    assert (error.code, error.message) == ("NotFound", "Subscription does not exist")


async def test_listings_page_by_100_in_the_order_made(cloud: Cloud) -> None:
    first = await create_topic(cloud, "a")
    second = await create_topic(cloud, "b")
    made = []
    for n in range(150):
        made.append(await subscribe_queue(cloud, first if n % 2 else second, f"q{n}"))
    page = await sns(cloud, "ListSubscriptions")
    assert [s["SubscriptionArn"] for s in page["Subscriptions"]] == made[:100]
    rest = await sns(cloud, "ListSubscriptions", {"NextToken": page["NextToken"]})
    assert [s["SubscriptionArn"] for s in rest["Subscriptions"]] == made[100:]
    assert "NextToken" not in rest
    by_topic = await sns(cloud, "ListSubscriptionsByTopic", {"TopicArn": first})
    assert [s["SubscriptionArn"] for s in by_topic["Subscriptions"]] == made[1::2]
    error = await sns_error(
        cloud, "ListSubscriptionsByTopic", {"TopicArn": second, "NextToken": page["NextToken"]}
    )
    assert error.message == "Invalid parameter: NextToken"
    error = await sns_error(cloud, "ListSubscriptionsByTopic", {"TopicArn": topic_arn("zz")})
    assert error.code == "NotFound"


async def test_a_fifo_topic_has_at_most_100_subscriptions(cloud: Cloud) -> None:
    arn = await create_topic(cloud, "t.fifo")
    for n in range(100):
        await subscribe_queue(cloud, arn, f"q{n}.fifo")
    error = await sns_error(
        cloud, "Subscribe", {"TopicArn": arn, "Protocol": "sqs", "Endpoint": queue_arn("x.fifo")}
    )
    assert (error.code, error.status) == ("SubscriptionLimitExceeded", 403)


async def test_a_topic_has_at_most_200_filter_policies(cloud: Cloud) -> None:
    arn = await create_topic(cloud)
    for n in range(200):
        await subscribe_queue(cloud, arn, f"q{n}", FilterPolicy='{"a": ["b"]}')
    await subscribe_queue(cloud, arn, "no-policy")
    error = await sns_error(
        cloud,
        "Subscribe",
        {
            "TopicArn": arn,
            "Protocol": "sqs",
            "Endpoint": queue_arn("one-more"),
            "Attributes": {"FilterPolicy": '{"a": ["b"]}'},
        },
    )
    assert (error.code, error.status) == ("FilterPolicyLimitExceeded", 403)


async def test_subscribing_to_a_queue_of_the_scenario_needs_no_queue(cloud: Cloud) -> None:
    """Subscribe never looks at SQS: the queue may come later (AWS accepts a missing one)."""
    await create_queue(cloud, "q")
    arn = await create_topic(cloud)
    await subscribe_queue(cloud, arn, "q")
    assert cloud.usage.get(("sqs", "GetQueueUrl"), 0) == 0
