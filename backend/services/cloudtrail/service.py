"""CloudTrail: `LookupEvents` over the 90-day event history, newest first, and trails.

The call path records every call in `cloud.trail`; this service only reads
it, with AWS's rules (AWS_FACTS §6): management events of the caller's region,
one lookup attribute at most, an inclusive time range, pages of at most 50,
and a `NextToken` that is only good for the same query. Data events (SQS
messages, Kinesis records) are not in the event history, as in AWS: only
trails with data-event selectors record them (`trail_actions.py`, `delivery.py`).
ListPublicKeys gives the region's key that signs the trails' digests (`digest.py`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, ClassVar

from backend.kit.pages import decode_token, encode_token, fingerprint
from backend.params import optional_list, optional_str
from backend.service import Params, Request, Response, action
from backend.services.cloudtrail import digest
from backend.services.cloudtrail.errors import (
    InvalidEventCategoryException,
    InvalidLookupAttributesException,
    InvalidMaxResultsException,
    InvalidNextTokenException,
    InvalidTimeRangeException,
)
from backend.services.cloudtrail.trail_actions import TrailActions
from backend.trail import EVENT_HISTORY_DAYS, TrailEntry

MAX_RESULTS = 50
MAX_ATTRIBUTE_VALUE = 2000

Match = Callable[[TrailEntry], bool]


def _resource_names(entry: TrailEntry) -> list[str]:
    names = []
    for resource in entry.resources():
        arn = resource.get("ARN", "")
        names += [arn, arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]]
    return names


#: LookupAttributes keys and how each matches a recorded call.
_ATTRIBUTES: dict[str, Callable[[TrailEntry, str], bool]] = {
    "EventId": lambda e, v: e.event_id == v,
    "EventName": lambda e, v: e.action == v,
    "ReadOnly": lambda e, v: ("true" if e.read_only else "false") == v.lower(),
    "Username": lambda e, v: e.caller.username == v,
    "ResourceType": lambda e, v: any(r.get("type") == v for r in e.resources()),
    "ResourceName": lambda e, v: v in _resource_names(e),
    "EventSource": lambda e, v: e.event_source == v,
    "AccessKeyId": lambda e, v: e.caller.access_key_id == v,
}


class CloudTrailService(TrailActions):
    """AWS CloudTrail: the event history over the cloud's recorded calls, and trails."""

    name: ClassVar[str] = "cloudtrail"
    event_source: ClassVar[str] = "cloudtrail.amazonaws.com"
    usage_name: ClassVar[str] = "CloudTrail"

    @action("LookupEvents", read_only=True)
    def lookup_events(self, params: Params, request: Request) -> Response:
        match = _lookup_match(optional_list(params, "LookupAttributes"))
        now = request.now
        start = _time(params, "StartTime", now - EVENT_HISTORY_DAYS * 86400)
        end = _time(params, "EndTime", now)
        if start > end:
            raise InvalidTimeRangeException("Start time must be earlier than end time.")
        limit = params.get("MaxResults", MAX_RESULTS)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_RESULTS:
            raise InvalidMaxResultsException(
                f"Value {limit} for MaxResults is invalid: it must be between 1 and {MAX_RESULTS}."
            )
        category = optional_str(params, "EventCategory")
        if category is not None and category != "insight":
            raise InvalidEventCategoryException(f"EventCategory {category} is not valid.")
        scope = fingerprint(params, request.region, ignore=("NextToken", "MaxResults"))
        token = optional_str(params, "NextToken")
        before = None
        if token is not None:
            before = decode_token(
                token,
                scope,
                InvalidNextTokenException,
                "Invalid NextToken.",
                elsewhere="The NextToken does not belong to a query with these parameters.",
            )
        if category == "insight":
            return {"Events": []}
        events: list[Response] = []
        more = False
        last = 0
        for entry in self.cloud.trail.history(now):
            if before is not None and entry.seq >= before:
                continue
            second = int(entry.time)
            if second > end:
                continue
            if second < start:
                break
            if entry.region != request.region or (match is not None and not match(entry)):
                continue
            if len(events) == limit:
                more = True
                break
            events.append(_event(entry))
            last = entry.seq
        response: Response = {"Events": events}
        if more:
            response["NextToken"] = encode_token(scope, last)
        return response

    @action("ListPublicKeys", read_only=True)
    def list_public_keys(self, params: Params, request: Request) -> Response:
        start = _time(params, "StartTime", request.now)
        end = _time(params, "EndTime", request.now)
        if start > end:
            raise InvalidTimeRangeException("Start time must be earlier than end time.")
        if end < digest.KEY_VALID_FROM or start > digest.KEY_VALID_UNTIL:
            return {"PublicKeyList": []}
        seed, region = self.cloud.seed, request.region
        key = {
            "Value": digest.public_key(seed, region),
            "ValidityStartTime": digest.KEY_VALID_FROM,
            "ValidityEndTime": digest.KEY_VALID_UNTIL,
            "Fingerprint": digest.fingerprint(seed, region),
        }
        return {"PublicKeyList": [key]}


def _lookup_match(attributes: list[Any]) -> Match | None:
    if not attributes:
        return None
    if len(attributes) > 1:
        raise InvalidLookupAttributesException("You can specify only one lookup attribute.")
    item = attributes[0]
    key = item.get("AttributeKey") if isinstance(item, dict) else None
    value = item.get("AttributeValue") if isinstance(item, dict) else None
    test = _ATTRIBUTES.get(key) if isinstance(key, str) else None
    if test is None:
        raise InvalidLookupAttributesException(
            f"{key} is not a valid lookup attribute key; use one of {', '.join(_ATTRIBUTES)}."
        )
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_ATTRIBUTE_VALUE:
        raise InvalidLookupAttributesException(
            f"The value of lookup attribute {key} must be 1 to {MAX_ATTRIBUTE_VALUE} characters."
        )
    return lambda entry: test(entry, value)


def _time(params: Params, name: str, default: float) -> float:
    value = params.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidTimeRangeException(f"{name} must be a time.")
    try:
        when = float(value)
    except OverflowError:
        when = math.inf
    if not math.isfinite(when):
        raise InvalidTimeRangeException(f"{name} must be a time.")
    return when


def _event(entry: TrailEntry) -> Response:
    caller = entry.caller
    event: Response = {
        "EventId": entry.event_id,
        "EventName": entry.action,
        "ReadOnly": "true" if entry.read_only else "false",
    }
    if caller.access_key_id:
        event["AccessKeyId"] = caller.access_key_id
    event["EventTime"] = float(int(entry.time))
    event["EventSource"] = entry.event_source
    event["Username"] = caller.username
    event["Resources"] = [
        {"ResourceType": r.get("type", ""), "ResourceName": r.get("ARN", "")}
        for r in entry.resources()
    ]
    event["CloudTrailEvent"] = json.dumps(entry.record())
    return event
