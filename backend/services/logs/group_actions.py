"""Log groups: CreateLogGroup, DeleteLogGroup, DescribeLogGroups and retention policies.

DescribeLogGroups lists a region's groups by name, 50 a page at most, by
prefix (case-sensitive) or by pattern (a case-insensitive substring), never
both. `storedBytes` is what the group's events hold now: UTF-8 message bytes
plus 26 each, shrinking as retention removes events (AWS reports compressed
bytes, updated lazily: docs/deviations.md).
"""

from __future__ import annotations

from typing import Any, Final

from backend.kit import tags as tag_rules
from backend.kit.pages import decode_token, encode_token
from backend.kit.validation import Checks
from backend.service import Params, Request, Response, action
from backend.services.logs.base import (
    GROUP_NAME_PATTERN,
    LogsBase,
    done,
    read_group_name,
    token_scope,
)
from backend.services.logs.errors import (
    InvalidOperationException,
    InvalidParameterException,
    LimitExceededException,
    ResourceAlreadyExistsException,
)
from backend.services.logs.group import GROUP_CLASSES, RETENTION_DAYS, LogGroup

#: Groups a region may hold (AWS_FACTS §5).
MAX_GROUPS: Final = 1_000_000
MAX_PAGE: Final = 50
RESERVED_PREFIX: Final = "aws/"


def group_view(group: LogGroup) -> dict[str, Any]:
    """A group as DescribeLogGroups answers it."""
    out: dict[str, Any] = {
        "logGroupName": group.name,
        "creationTime": group.created,
        "metricFilterCount": len(group.metric_filters),
        "arn": f"{group.arn}:*",
        "storedBytes": group.stored_bytes,
        "logGroupClass": group.group_class,
        "logGroupArn": group.arn,
        "deletionProtectionEnabled": group.deletion_protection,
    }
    if group.retention_days is not None:
        out["retentionInDays"] = group.retention_days
    if group.kms_key_id is not None:
        out["kmsKeyId"] = group.kms_key_id
    return out


class GroupActions(LogsBase):
    @action("CreateLogGroup")
    def create_log_group(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name = read_group_name(checks)
        kms_key_id = checks.string("kmsKeyId", max_len=256)
        group_class = checks.string("logGroupClass", enum=GROUP_CLASSES) or "STANDARD"
        protected = checks.boolean("deletionProtectionEnabled")
        new_tags = checks.string_map("tags", min_items=1, max_items=tag_rules.MAX_TAGS)
        done(checks)
        assert name is not None
        if name.startswith(RESERVED_PREFIX):
            raise InvalidParameterException(
                f"Log group names starting with '{RESERVED_PREFIX}' are reserved for AWS."
            )
        if (request.region, name) in self.groups:
            raise ResourceAlreadyExistsException("The specified log group already exists")
        if sum(1 for region, _ in self.groups if region == request.region) >= MAX_GROUPS:
            raise LimitExceededException("Resource limit exceeded.")
        group = LogGroup(
            name, request.region, request.account, self.now_ms(), group_class, self.cloud.metrics
        )
        if new_tags:
            group.tags = tag_rules.merged(
                {}, new_tags, resource=f"log group {name}", error=InvalidParameterException
            )
        group.kms_key_id = kms_key_id
        group.deletion_protection = protected
        self.groups[(request.region, name)] = group
        return {}

    @action("DeleteLogGroup")
    def delete_log_group(self, params: Params, request: Request) -> Response:
        group = self.named_group(params, request)
        name = group.name
        if group.deletion_protection:
            raise InvalidOperationException(
                f"Log group {name} has deletion protection enabled and cannot be deleted."
            )
        del self.groups[(request.region, name)]
        return {}

    @action("DescribeLogGroups", read_only=True)
    def describe_log_groups(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        prefix = checks.string(
            "logGroupNamePrefix", min_len=1, max_len=512, pattern=GROUP_NAME_PATTERN
        )
        pattern = checks.string(
            "logGroupNamePattern", min_len=0, max_len=512, pattern="[\\.\\-_/#A-Za-z0-9]*"
        )
        group_class = checks.string("logGroupClass", enum=GROUP_CLASSES)
        identifiers = checks.strings("logGroupIdentifiers", min_items=1, max_items=50)
        limit = checks.integer("limit", low=1, high=MAX_PAGE) or MAX_PAGE
        token = checks.string("nextToken", min_len=1)
        checks.boolean("includeLinkedAccounts")
        checks.strings("accountIdentifiers", max_items=20)
        done(checks)
        if prefix is not None and pattern is not None:
            raise InvalidParameterException(
                "LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters."
            )
        if identifiers is not None and (prefix is not None or pattern is not None):
            raise InvalidParameterException(
                "LogGroupIdentifiers cannot be used with LogGroupNamePrefix or LogGroupNamePattern."
            )
        groups = self.group_list(request.region)
        if prefix is not None:
            groups = [g for g in groups if g.name.startswith(prefix)]
        if pattern:
            wanted = pattern.lower()
            groups = [g for g in groups if wanted in g.name.lower()]
        if identifiers is not None:
            named = {i.removesuffix(":*") for i in identifiers}
            groups = [g for g in groups if g.name in named or g.arn in named]
        if group_class is not None:
            groups = [g for g in groups if g.group_class == group_class]
        scope = token_scope("DescribeLogGroups", params, request)
        if token is not None:
            after = decode_token(
                token, scope, InvalidParameterException, "The specified nextToken is invalid."
            )
            groups = [g for g in groups if g.name > after]
        page = groups[:limit]
        out: Response = {"logGroups": [group_view(g) for g in page]}
        if len(groups) > limit:
            out["nextToken"] = encode_token(scope, page[-1].name)
        return out

    @action("PutRetentionPolicy")
    def put_retention_policy(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name = read_group_name(checks)
        days = checks.integer("retentionInDays", required=True)
        done(checks)
        assert name is not None and days is not None
        if days not in RETENTION_DAYS:
            raise InvalidParameterException(
                f"1 validation error detected: Value '{days}' at 'retentionInDays' failed to "
                "satisfy constraint: Member must satisfy enum value set: "
                f"[{', '.join(str(d) for d in RETENTION_DAYS)}]"
            )
        group = self.find_group(name, request)
        group.retention_days = days
        self.ensure_sweeper()
        return {}

    @action("DeleteRetentionPolicy")
    def delete_retention_policy(self, params: Params, request: Request) -> Response:
        self.named_group(params, request).retention_days = None
        return {}
