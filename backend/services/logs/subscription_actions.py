"""Subscription filters: PutSubscriptionFilter, DescribeSubscriptionFilters,
DeleteSubscriptionFilter (`subscriptions.py` says how events are forwarded).

A group holds at most two; a destination is a Kinesis data stream or a
Firehose delivery stream of this account and region (Lambda, and logical
destinations, are refused until those land). Putting a filter sends the
destination AWS's CONTROL_MESSAGE first and refuses the filter when that
cannot be delivered, as AWS does.
"""

from __future__ import annotations

from typing import Any, Final

from backend.errors import AwsError
from backend.kit.pages import decode_token, encode_token
from backend.kit.validation import Checks
from backend.service import Params, Request, Response, action
from backend.services.logs.base import (
    LogsBase,
    done,
    read_group_name,
    read_stream_name,
    token_scope,
)
from backend.services.logs.errors import (
    InvalidParameterException,
    LimitExceededException,
    ResourceNotFoundException,
)
from backend.services.logs.group import LogGroup
from backend.services.logs.patterns import FilterPatternError, compile_pattern
from backend.services.logs.subscriptions import (
    DISTRIBUTIONS,
    SubscriptionFilter,
    control_message,
    destination_of,
    put,
)

MAX_FILTERS: Final = 2
MAX_PAGE: Final = 50


def subscription_view(found: SubscriptionFilter) -> dict[str, Any]:
    out: dict[str, Any] = {
        "filterName": found.name,
        "logGroupName": found.group,
        "filterPattern": found.pattern.text,
        "destinationArn": found.destination.arn,
        "distribution": found.distribution,
        "applyOnTransformedLogs": False,
        "creationTime": found.created,
    }
    if found.role_arn is not None:
        out["roleArn"] = found.role_arn
    return out


class SubscriptionActions(LogsBase):
    @action("PutSubscriptionFilter")
    async def put_subscription_filter(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        group_name = read_group_name(checks)
        name = read_stream_name(checks, "filterName")
        text = checks.string("filterPattern", required=True, min_len=0, max_len=1024)
        arn = checks.string("destinationArn", required=True, min_len=1)
        role = checks.string("roleArn", min_len=1)
        distribution = checks.string("distribution", enum=DISTRIBUTIONS) or "ByLogStream"
        if checks.boolean("applyOnTransformedLogs"):
            raise InvalidParameterException(
                "applyOnTransformedLogs needs a log transformer on the group, and skydeck "
                "has none (docs/deviations.md)."
            )
        done(checks)
        assert group_name is not None and name is not None and text is not None
        assert arn is not None
        try:
            pattern = compile_pattern(text)
        except FilterPatternError as error:
            raise InvalidParameterException(error.message()) from None
        group = self.find_group(group_name, request)
        destination = destination_of(arn, request.region, request.account)
        if destination is None:
            raise InvalidParameterException(
                f"The destination {arn} is not a Kinesis data stream or a Firehose delivery "
                "stream of this account and region (skydeck forwards to those only)."
            )
        if role is None:
            raise InvalidParameterException(
                "roleArn is required for a Kinesis or Firehose destination."
            )
        if name not in group.subscriptions and len(group.subscriptions) >= MAX_FILTERS:
            raise LimitExceededException("Resource limit exceeded.")
        try:
            await put(self.cloud, destination, control_message(destination, self.now_ms()), name)
        except AwsError:
            kind = "Kinesis stream" if destination.service == "kinesis" else "Firehose stream"
            raise InvalidParameterException(
                f"Could not deliver test message to specified {kind}. Check if the given "
                f"{kind.split()[0].lower()} stream is in ACTIVE state."
            ) from None
        group.subscriptions[name] = SubscriptionFilter(
            name,
            group.name,
            pattern,
            destination,
            role,
            distribution,
            self.now_ms(),
            self.cloud.rng(f"logs/subscription/{group.name}/{name}"),
        )
        return {}

    @action("DeleteSubscriptionFilter")
    def delete_subscription_filter(self, params: Params, request: Request) -> Response:
        group, name = self.named_filter(params, request)
        if group.subscriptions.pop(name, None) is None:
            raise ResourceNotFoundException("The specified subscription filter does not exist.")
        return {}

    @action("DescribeSubscriptionFilters", read_only=True)
    def describe_subscription_filters(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        group_name = read_group_name(checks)
        prefix = read_stream_name(checks, "filterNamePrefix", required=False)
        limit = checks.integer("limit", low=1, high=MAX_PAGE) or MAX_PAGE
        token = checks.string("nextToken", min_len=1)
        done(checks)
        assert group_name is not None
        group: LogGroup = self.find_group(group_name, request)
        found = sorted(
            (
                f
                for f in group.subscriptions.values()
                if prefix is None or f.name.startswith(prefix)
            ),
            key=lambda f: f.name,
        )
        scope = token_scope("DescribeSubscriptionFilters", params, request)
        if token is not None:
            after = decode_token(
                token, scope, InvalidParameterException, "The specified nextToken is invalid."
            )
            found = [f for f in found if f.name > str(after)]
        page = found[:limit]
        out: Response = {"subscriptionFilters": [subscription_view(f) for f in page]}
        if len(found) > limit:
            out["nextToken"] = encode_token(scope, page[-1].name)
        return out
