"""Tags on CloudWatch resources: TagResource, UntagResource, ListTagsForResource.

CloudWatch tags alarms (`arn:aws:cloudwatch:<region>:<acct>:alarm:<name>`,
metric or composite) and dashboards (`arn:aws:cloudwatch::<acct>:dashboard/<name>`,
no region: dashboards are global). Keys are 1 to 128 characters, values up
to 256, at most 50 per resource: the rules of `backend.kit.tags`, raised as
CloudWatch's InvalidParameterValueException. A resource the ARN does not
name is ResourceNotFoundException, the tagging actions' own shape (the alarm
actions say ResourceNotFound).

PutMetricAlarm, PutCompositeAlarm and PutDashboard take `Tags` too, but only
when they create: AWS ignores them on an update (TagResource changes tags).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backend.kit import tags as tagging
from backend.service import Params, Request, Response, Service, action
from backend.services.cloudwatch import metric_params as read
from backend.services.cloudwatch.alarms import Alarm
from backend.services.cloudwatch.dashboards import Dashboard
from backend.services.cloudwatch.errors import (
    InvalidParameterValue,
    MissingParameter,
    ResourceNotFoundException,
)


def tag_list(params: Params, member: str = "Tags") -> dict[str, str]:
    """A request's `Tags` list of {Key, Value} as a checked dict (empty when absent)."""
    given = params.get(member)
    if given is None:
        return {}
    if not isinstance(given, list) or not all(isinstance(t, dict) for t in given):
        raise read.invalid(given, member)
    pairs: dict[Any, object] = {}
    for index, tag in enumerate(given, start=1):
        for part in ("Key", "Value"):
            if tag.get(part) is None:
                raise MissingParameter(f"The parameter {member}.member.{index}.{part} is required.")
        pairs[tag["Key"]] = tag["Value"]
    return tagging.merged({}, pairs, resource="the resource", error=InvalidParameterValue)


class TagActions(Service):
    """Tagging what `tagged` finds by ARN; the resources live in the other mixins."""

    #: The alarm lookup of `AlarmActions`, and the dashboards of `DashboardActions`.
    any_alarm: Callable[[str, str], Alarm | None]
    dashboards: dict[str, Dashboard]

    def tagged(self, params: Params, request: Request) -> Alarm | Dashboard:
        """The alarm or dashboard `ResourceARN` names, in this account (and region, for alarms)."""
        arn = read.text(params, "ResourceARN", high=1024)
        if arn is None:
            raise MissingParameter("The parameter ResourceARN is required.")
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[:3] != ["arn", "aws", "cloudwatch"]:
            raise read.invalid(arn, "ResourceARN")
        region, account, resource = parts[3], parts[4], parts[5]
        found: Alarm | Dashboard | None = None
        if account == request.account and resource.startswith("alarm:"):
            if region == request.region:
                found = self.any_alarm(region, resource.removeprefix("alarm:"))
        elif account == request.account and resource.startswith("dashboard/") and not region:
            found = self.dashboards.get(resource.removeprefix("dashboard/"))
        if found is None:
            raise ResourceNotFoundException(f"The resource {arn} does not exist.")
        return found

    @action("TagResource")
    def tag_resource(self, params: Params, request: Request) -> Response:
        if params.get("Tags") is None:
            raise MissingParameter("The parameter Tags is required.")
        new = tag_list(params)
        resource = self.tagged(params, request)
        resource.tags = tagging.merged(
            resource.tags, new, resource=resource.arn, error=InvalidParameterValue
        )
        return {}

    @action("UntagResource")
    def untag_resource(self, params: Params, request: Request) -> Response:
        keys = params.get("TagKeys")
        if keys is None:
            raise MissingParameter("The parameter TagKeys is required.")
        if not isinstance(keys, list):
            raise read.invalid(keys, "TagKeys")
        resource = self.tagged(params, request)
        resource.tags = tagging.without(resource.tags, keys, InvalidParameterValue)
        return {}

    @action("ListTagsForResource", read_only=True)
    def list_tags_for_resource(self, params: Params, request: Request) -> Response:
        resource = self.tagged(params, request)
        return {"Tags": [{"Key": k, "Value": v} for k, v in resource.tags.items()]}
