"""Tags: TagDeliveryStream, UntagDeliveryStream, ListTagsForDeliveryStream.

Firehose's tags are a list of {Key, Value} (CreateDeliveryStream takes the
same list). Keys and values are checked against the model's TagKey and
TagValue constraints (`backend/kit/validation.py`), which allow `%` besides
the usual punctuation and fail as constraint failures, so SQS's
InvalidParameterValue rules in `backend/kit/tags.py` do not apply; a stream
holds at most 50 tags, counting what it would have afterwards. Listing is by
key, in pages of `Limit` after `ExclusiveStartTagKey`.
"""

from __future__ import annotations

from typing import Any

from backend.kit.validation import Checks
from backend.service import Params, Request, Response, action
from backend.services.firehose.base import FirehoseBase
from backend.services.firehose.errors import LimitExceededException
from backend.services.firehose.limits import MAX_TAGS


def read_tags(checks: Checks, name: str, *, required: bool) -> dict[str, str] | None:
    """The tag list `name` of a request as a dict, each Key and Value checked."""
    entries = checks.structures(name, required=required, min_items=1, max_items=MAX_TAGS)
    if entries is None:
        return None
    tags: dict[str, str] = {}
    for i, entry in enumerate(entries):
        item = checks.item(name, i, entry)
        key = item.string("Key", required=True)
        value = item.string("Value") or ""
        if key is not None and item.tag_key("Key", key) and item.tag_value("Value", value):
            tags[key] = value
    return tags


def merged(current: dict[str, str], new: dict[str, str], stream: str) -> dict[str, str]:
    out = {**current, **new}
    if len(out) > MAX_TAGS:
        raise LimitExceededException(
            f"Firehose {stream} would have {len(out)} tags; a Firehose stream can have at most "
            f"{MAX_TAGS}."
        )
    return out


class TagActions(FirehoseBase):
    """Tagging a stream and reading its tags back."""

    @action("TagDeliveryStream")
    def tag_delivery_stream(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name = self._name(checks)
        tags = read_tags(checks, "Tags", required=True)
        checks.done()
        assert name is not None and tags is not None
        stream = self._find(name, request)
        stream.tags = merged(stream.tags, tags, name)
        return {}

    @action("UntagDeliveryStream")
    def untag_delivery_stream(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name = self._name(checks)
        keys = checks.strings("TagKeys", required=True, min_items=1, max_items=MAX_TAGS)
        for i, key in enumerate(keys or []):
            checks.tag_key(checks.entry("TagKeys", i), key)
        checks.done()
        assert name is not None and keys is not None
        stream = self._find(name, request)
        stream.tags = {k: v for k, v in stream.tags.items() if k not in keys}
        return {}

    @action("ListTagsForDeliveryStream", read_only=True)
    def list_tags_for_delivery_stream(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name = self._name(checks)
        after = checks.string("ExclusiveStartTagKey", min_len=1, max_len=128)
        limit = checks.integer("Limit", low=1, high=MAX_TAGS) or MAX_TAGS
        checks.done()
        assert name is not None
        stream = self._find(name, request)
        keys = sorted(k for k in stream.tags if after is None or k > after)
        page = keys[:limit]
        tags: list[dict[str, Any]] = [{"Key": k, "Value": stream.tags[k]} for k in page]
        return {"Tags": tags, "HasMoreTags": len(keys) > len(page)}
