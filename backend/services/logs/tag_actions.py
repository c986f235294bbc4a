"""Tags on log groups: TagResource, UntagResource, ListTagsForResource, and the older
TagLogGroup, UntagLogGroup and ListTagsLogGroup that name the group instead of its ARN.

Keys and values follow the rules most services share (`backend/kit/tags.py`),
50 tags a group at most; a group named by an ARN of another account or region,
or by nothing, is ResourceNotFoundException, as a missing group is.
"""

from __future__ import annotations

from typing import Final

from backend.kit import tags as tag_rules
from backend.kit.validation import Checks
from backend.service import Params, Request, Response, action
from backend.services.logs.base import LogsBase, done, read_group_name
from backend.services.logs.errors import InvalidParameterException, group_not_found
from backend.services.logs.group import LogGroup

ARN_PATTERN: Final = "[\\w+=/:,.@\\-*]*"


class TagActions(LogsBase):
    def _group_by_arn(self, arn: str, request: Request) -> LogGroup:
        prefix = f"arn:aws:logs:{request.region}:{request.account}:log-group:"
        if not arn.startswith(prefix):
            raise group_not_found()
        return self.find_group(arn.removeprefix(prefix).removesuffix(":*"), request)

    def _group_by_name(self, params: Params, request: Request) -> tuple[Checks, LogGroup]:
        checks = Checks(params)
        name = read_group_name(checks)
        done(checks)
        assert name is not None
        return checks, self.find_group(name, request)

    def _tag(self, group: LogGroup, new: dict[str, str]) -> None:
        group.tags = tag_rules.merged(
            group.tags, new, resource=f"log group {group.name}", error=InvalidParameterException
        )

    def _untag(self, group: LogGroup, keys: list[str]) -> None:
        group.tags = tag_rules.without(group.tags, keys, InvalidParameterException)

    @action("TagResource")
    def tag_resource(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        arn = checks.string("resourceArn", required=True, min_len=1, max_len=1011)
        new = checks.string_map("tags", required=True, min_items=1, max_items=tag_rules.MAX_TAGS)
        done(checks)
        assert arn is not None and new is not None
        self._tag(self._group_by_arn(arn, request), new)
        return {}

    @action("UntagResource")
    def untag_resource(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        arn = checks.string("resourceArn", required=True, min_len=1, max_len=1011)
        keys = checks.strings("tagKeys", required=True, min_items=0, max_items=50)
        done(checks)
        assert arn is not None and keys is not None
        self._untag(self._group_by_arn(arn, request), keys)
        return {}

    @action("ListTagsForResource", read_only=True)
    def list_tags_for_resource(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        arn = checks.string("resourceArn", required=True, min_len=1, max_len=1011)
        done(checks)
        assert arn is not None
        return {"tags": dict(self._group_by_arn(arn, request).tags)}

    @action("TagLogGroup")
    def tag_log_group(self, params: Params, request: Request) -> Response:
        checks, group = self._group_by_name(params, request)
        new = checks.string_map("tags", required=True, min_items=1, max_items=tag_rules.MAX_TAGS)
        done(checks)
        assert new is not None
        self._tag(group, new)
        return {}

    @action("UntagLogGroup")
    def untag_log_group(self, params: Params, request: Request) -> Response:
        checks, group = self._group_by_name(params, request)
        keys = checks.strings("tags", required=True, min_items=1)
        done(checks)
        assert keys is not None
        self._untag(group, keys)
        return {}

    @action("ListTagsLogGroup", read_only=True)
    def list_tags_log_group(self, params: Params, request: Request) -> Response:
        return {"tags": dict(self.named_group(params, request).tags)}
