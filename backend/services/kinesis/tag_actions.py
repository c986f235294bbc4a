"""Tags on streams (AddTagsToStream & co.) and on any Kinesis resource ARN (TagResource & co.)."""

from __future__ import annotations

from backend.kit.validation import Checks
from backend.service import Params, Request, Response, action
from backend.services.kinesis import tags as tagging
from backend.services.kinesis.base import (
    RESOURCE_ARN_PATTERN,
    STREAM_ARN,
    STREAM_ID_PATTERN,
    KinesisBase,
)
from backend.services.kinesis.consumers import StreamConsumer
from backend.services.kinesis.errors import ResourceNotFoundException, stream_not_active
from backend.services.kinesis.stream import Stream


class TagActions(KinesisBase):
    """Tagging streams and consumers."""

    @action("AddTagsToStream")
    def add_tags_to_stream(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name, arn = self._names(checks)
        new = checks.string_map("Tags", required=True, min_items=1, max_items=200)
        checks.done()
        assert new is not None
        stream = self._tagged_stream(name, arn, request)
        stream.tags = tagging.added(stream.tags, new, stream.name, self.cloud.account)
        return {}

    @action("RemoveTagsFromStream")
    def remove_tags_from_stream(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name, arn = self._names(checks)
        keys = checks.strings("TagKeys", required=True, min_items=1, max_items=50, item_max_len=128)
        checks.done()
        assert keys is not None
        stream = self._tagged_stream(name, arn, request)
        stream.tags = tagging.removed(stream.tags, keys, stream.name, self.cloud.account)
        return {}

    def _tagged_stream(self, name: str | None, arn: str | None, request: Request) -> Stream:
        stream = self._find(name, arn, request)
        if stream.status == "DELETING":
            raise stream_not_active(stream.name, self.cloud.account, stream.status)
        return stream

    @action("ListTagsForStream", read_only=True)
    def list_tags_for_stream(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name, arn = self._names(checks)
        after = checks.string("ExclusiveStartTagKey", min_len=1, max_len=128)
        limit = checks.integer("Limit", low=1, high=50) or 10
        checks.done()
        stream = self._find(name, arn, request)
        keys = sorted(k for k in stream.tags if after is None or k > after)
        page = keys[:limit]
        return {
            "Tags": [{"Key": k, "Value": stream.tags[k]} for k in page],
            "HasMoreTags": len(keys) > len(page),
        }

    def _resource(self, arn: str, request: Request) -> Stream | StreamConsumer:
        """The stream or consumer a ResourceARN names."""
        if "/consumer/" in arn:
            return self._consumer(arn, request)
        if STREAM_ARN.fullmatch(arn) is None:
            raise ResourceNotFoundException(
                f"Resource {arn} under account {self.cloud.account} not found."
            )
        return self._find(None, arn, request)

    def _resource_arn(self, checks: Checks) -> str | None:
        return checks.string(
            "ResourceARN", required=True, min_len=1, max_len=2048, pattern=RESOURCE_ARN_PATTERN
        )

    @action("TagResource")
    def tag_resource(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        new = checks.string_map("Tags", required=True, min_items=1, max_items=200)
        arn = self._resource_arn(checks)
        checks.string("StreamId", min_len=1, max_len=24, pattern=STREAM_ID_PATTERN)
        checks.done()
        assert new is not None and arn is not None
        found = self._resource(arn, request)
        stream = found if isinstance(found, Stream) else found.stream
        found.tags = tagging.added(found.tags, new, stream.name, self.cloud.account)
        return {}

    @action("UntagResource")
    def untag_resource(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        keys = checks.strings("TagKeys", required=True, min_items=1, max_items=50, item_max_len=128)
        arn = self._resource_arn(checks)
        checks.string("StreamId", min_len=1, max_len=24, pattern=STREAM_ID_PATTERN)
        checks.done()
        assert keys is not None and arn is not None
        found = self._resource(arn, request)
        stream = found if isinstance(found, Stream) else found.stream
        found.tags = tagging.removed(found.tags, keys, stream.name, self.cloud.account)
        return {}

    @action("ListTagsForResource", read_only=True)
    def list_tags_for_resource(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        arn = self._resource_arn(checks)
        checks.string("StreamId", min_len=1, max_len=24, pattern=STREAM_ID_PATTERN)
        checks.done()
        assert arn is not None
        found = self._resource(arn, request)
        return {"Tags": [{"Key": k, "Value": v} for k, v in sorted(found.tags.items())]}
