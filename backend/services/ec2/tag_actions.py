"""Tags on any EC2 resource by ID: CreateTags, DeleteTags, DescribeTags.

EC2 tags are one namespace over every resource type; a call naming several
resources is all-or-nothing (an unknown ID fails it and tags none). The
key and value rules are the shared ones (`backend/kit/tags.py`).
DeleteTags with a value removes the tag only when the value matches, as AWS
does; with no Tag at all it removes every tag of the resources.
"""

from __future__ import annotations

from typing import Any

from backend.kit import tags as tag_rules
from backend.service import Params, Request, Response, action
from backend.services.ec2.base import Ec2Base
from backend.services.ec2.errors import InvalidId, not_found
from backend.services.ec2.filters import Filters

#: Resource types by ID prefix, as DescribeTags names them.
RESOURCE_TYPES = {
    "vpc": "vpc",
    "subnet": "subnet",
    "sg": "security-group",
    "acl": "network-acl",
    "igw": "internet-gateway",
    "rtb": "route-table",
    "eni": "network-interface",
    "i": "instance",
}
TAG_FILTERS = {
    "key": lambda t: [t["Key"]],
    "value": lambda t: [t["Value"]],
    "resource-id": lambda t: [t["ResourceId"]],
    "resource-type": lambda t: [t["ResourceType"]],
}


class TagActions(Ec2Base):
    def tables(self) -> dict[str, dict[str, Any]]:
        return {
            "vpc": self.vpcs,
            "subnet": self.subnets,
            "sg": self.security_groups,
            "acl": self.network_acls,
            "igw": self.internet_gateways,
            "rtb": self.route_tables,
            "eni": self.interfaces,
            "i": self.instances,
        }

    def _resources(self, params: Params) -> list[Any]:
        tables = self.tables()
        found = []
        for resource_id in self.required(params, "Resources"):
            text = str(resource_id)
            prefix = text.rsplit("-", 1)[0]
            if prefix not in tables:
                raise InvalidId(f"The ID '{text[:100]}' is not valid")
            resource = tables[prefix].get(text)
            if resource is None:
                raise not_found(prefix, [text])
            found.append(resource)
        return found

    @action("CreateTags")
    def create_tags(self, params: Params, request: Request) -> Response:
        resources = self._resources(params)
        given = {t.get("Key"): t.get("Value", "") for t in self.required(params, "Tags")}
        updated = [tag_rules.merged(r.tags, given, resource=f"resource {r.id}") for r in resources]
        self.check_dry_run(params)
        for resource, tags in zip(resources, updated, strict=True):
            resource.tags = tags
        return {}

    @action("DeleteTags")
    def delete_tags(self, params: Params, request: Request) -> Response:
        resources = self._resources(params)
        given = params.get("Tags")
        self.check_dry_run(params)
        for resource in resources:
            if given is None:
                resource.tags = {}
                continue
            for tag in given:
                key = tag.get("Key")
                if key in resource.tags and (
                    tag.get("Value") is None or tag.get("Value") == resource.tags[key]
                ):
                    del resource.tags[key]
        return {}

    @action("DescribeTags", read_only=True)
    def describe_tags(self, params: Params, request: Request) -> Response:
        self.check_dry_run(params)
        rows = [
            {
                "Key": key,
                "Value": value,
                "ResourceId": resource_id,
                "ResourceType": RESOURCE_TYPES[prefix],
            }
            for prefix, table in self.tables().items()
            for resource_id, resource in table.items()
            for key, value in resource.tags.items()
        ]
        rows.sort(key=lambda r: (r["ResourceId"], r["Key"]))
        filters = Filters(params.get("Filters"), TAG_FILTERS, None)
        page, token = self.page(params, filters.apply(rows), "tags")
        out: Response = {"Tags": page}
        if token:
            out["NextToken"] = token
        return out
