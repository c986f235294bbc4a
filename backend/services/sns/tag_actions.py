"""Tags: TagResource, UntagResource, ListTagsForResource, and CreateTopic's Tags.

SNS takes tags as a list of {Key, Value} (keys 1 to 128 characters, values
up to 256, checked as constraint failures), refuses a list that names a key
twice, and holds at most 50 per topic, counting what the topic would have
afterwards (TagLimitExceeded). A resource it can't find is
ResourceNotFound, not the NotFound of the topic actions.
"""

from __future__ import annotations

from backend.kit.validation import Checks
from backend.service import Params, Request, Response, action
from backend.services.sns.base import SnsBase, done
from backend.services.sns.errors import ResourceNotFound, TagLimitExceeded, bad_arn, invalid
from backend.services.sns.topic import Topic

MAX_TAGS = 50
_RESERVED = "aws:"


def read_tags(checks: Checks, name: str, *, required: bool) -> list[tuple[str, str]] | None:
    """The tag list `name` of a request as (Key, Value) pairs, each checked for length.

    The list itself is judged by `tag_map` once the request's constraint
    failures are out of the way (`done`).
    """
    entries = checks.structures(name, required=required)
    if entries is None:
        return None
    pairs: list[tuple[str, str]] = []
    for i, entry in enumerate(entries):
        item = checks.item(name, i, entry)
        key = item.string("Key", required=True, min_len=1, max_len=128)
        value = item.string("Value", required=True, max_len=256)
        if key is not None and value is not None:
            pairs.append((key, value))
    return pairs


def tag_map(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """The tags as a dict: no key twice, none in AWS's reserved `aws:` space."""
    tags = dict(pairs)
    if len(tags) != len(pairs):
        raise invalid("Duplicated keys are not allowed.")
    reserved = [key for key in tags if key.lower().startswith(_RESERVED)]
    if reserved:
        raise invalid("Tags", f"Tag keys can not start with '{_RESERVED}': {reserved[0]}")
    return tags


def limited(tags: dict[str, str]) -> dict[str, str]:
    if len(tags) > MAX_TAGS:
        raise TagLimitExceeded("Could not complete request: tag quota of per resource exceeded")
    return tags


class TagActions(SnsBase):
    """Tagging a topic and reading its tags back."""

    def _tagged(self, checks: Checks, request: Request) -> Topic:
        arn = checks.string("ResourceArn", required=True, min_len=1, max_len=1011)
        done(checks)
        assert arn is not None
        parts = arn.split(":")
        if len(parts) < 6:
            raise bad_arn("ResourceArn", arn)
        topic = self.topics.get(arn)
        if topic is None or topic.region != request.region:
            raise ResourceNotFound("Resource does not exist")
        return topic

    @action("TagResource")
    def tag_resource(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        pairs = read_tags(checks, "Tags", required=True)
        topic = self._tagged(checks, request)
        assert pairs is not None
        topic.tags = limited({**topic.tags, **tag_map(pairs)})
        return {}

    @action("UntagResource")
    def untag_resource(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        keys = checks.strings("TagKeys", required=True, item_max_len=128)
        topic = self._tagged(checks, request)
        assert keys is not None
        topic.tags = {k: v for k, v in topic.tags.items() if k not in keys}
        return {}

    @action("ListTagsForResource", read_only=True)
    def list_tags_for_resource(self, params: Params, request: Request) -> Response:
        topic = self._tagged(Checks(params), request)
        return {"Tags": [{"Key": k, "Value": v} for k, v in topic.tags.items()]}
