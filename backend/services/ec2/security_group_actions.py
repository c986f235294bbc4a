"""Security groups: Create/Delete/DescribeSecurityGroups and Authorize/Revoke ingress and egress.

An `IpPermissions` entry becomes one rule per CIDR and per group it names,
as AWS keeps them (each its own `sgr-…`). Rules are checked before any is
added, so a call that fails adds nothing. The `default` group of a VPC
can't be deleted and its name can't be taken; 60 rules a direction.
"""

from __future__ import annotations

from typing import Any

from backend.service import Params, Request, Response, action
from backend.services.ec2 import cidr, shapes
from backend.services.ec2.base import Ec2Base
from backend.services.ec2.errors import (
    CannotDelete,
    DependencyViolation,
    InvalidGroupDuplicate,
    InvalidGroupReserved,
    InvalidParameterValue,
    InvalidPermissionDuplicate,
    InvalidPermissionNotFound,
    MissingParameter,
    RulesPerSecurityGroupLimitExceeded,
    VpcIdNotSpecified,
    not_found,
)
from backend.services.ec2.filters import Filters, own_tags
from backend.services.ec2.network import ANYWHERE
from backend.services.ec2.security_group import (
    ALL,
    PORTED,
    Permission,
    SecurityGroup,
    protocol_number,
)

MAX_RULES = 60
PORTS = range(65536)


def _rule_values(egress: bool, what: str) -> Any:
    def values(group: SecurityGroup) -> list[str]:
        out = []
        for rule in group.rules(egress):
            if what == "cidr" and rule.cidr is not None:
                out.append(str(rule.cidr))
            elif what == "group-id" and rule.group_id is not None:
                out.append(rule.group_id)
            elif what == "protocol":
                out.append(rule.protocol)
            elif what == "from-port" and rule.from_port is not None:
                out.append(str(rule.from_port))
            elif what == "to-port" and rule.to_port is not None:
                out.append(str(rule.to_port))
        return out

    return values


GROUP_FILTERS = {
    "group-id": lambda g: [g.id],
    "group-name": lambda g: [g.name],
    "vpc-id": lambda g: [g.vpc_id],
    "description": lambda g: [g.description],
    "owner-id": lambda g: [g.owner],
    **{
        f"{prefix}ip-permission.{what}": _rule_values(prefix == "egress.", what)
        for prefix in ("", "egress.")
        for what in ("cidr", "group-id", "protocol", "from-port", "to-port")
    },
}


class SecurityGroupActions(Ec2Base):
    @action("CreateSecurityGroup")
    def create_security_group(self, params: Params, request: Request) -> Response:
        name = str(self.required(params, "GroupName"))
        description = params.get("Description")
        if not description:
            raise MissingParameter("The request must contain the parameter GroupDescription")
        vpc_id = params.get("VpcId")
        if vpc_id is None:
            default = self.default_vpc()
            if default is None:
                raise VpcIdNotSpecified("No default VPC for this user")
            vpc_id = default.id
        vpc = self.find(self.vpcs, "vpc", vpc_id)
        tags = self.tags_from(params, "security-group")
        self.check_dry_run(params)
        if name == "default":
            raise InvalidGroupReserved("The security group name 'default' is reserved.")
        if self.group_named(vpc.id, name) is not None:
            raise InvalidGroupDuplicate(
                f"The security group '{name[:255]}' already exists for VPC '{vpc.id}'"
            )
        group_id = self.new_id("sg")
        group = SecurityGroup(
            group_id,
            name,
            str(description),
            vpc.id,
            self.cloud.account,
            self.arn("security-group", group_id),
            egress=[Permission(self.new_id("sgr"), "-1", None, None, cidr=ANYWHERE)],
            tags=tags,
        )
        self.security_groups[group.id] = group
        out: Response = {"GroupId": group.id, "SecurityGroupArn": group.arn}
        if tags:
            out["Tags"] = shapes.tag_list(tags)
        return out

    def _group(self, params: Params) -> SecurityGroup:
        """The group `GroupId` names, else `GroupName` in the default VPC."""
        group_id = params.get("GroupId")
        if group_id is not None:
            return self.find(self.security_groups, "sg", group_id)
        name = params.get("GroupName")
        if name is None:
            raise MissingParameter("The request must contain the parameter groupId")
        default = self.default_vpc()
        found = None if default is None else self.group_named(default.id, str(name))
        if found is None:
            raise InvalidParameterValue(
                f"The security group '{str(name)[:255]}' does not exist in default VPC"
            )
        return found

    @action("DeleteSecurityGroup")
    def delete_security_group(self, params: Params, request: Request) -> Response:
        group = self._group(params)
        self.check_dry_run(params)
        if group.is_default:
            raise CannotDelete(
                f'the specified group: "{group.id}" name: "default" cannot be deleted by a user'
            )
        in_use = any(group.id in i.group_ids for i in self.interfaces.values()) or any(
            rule.group_id == group.id
            for other in self.security_groups.values()
            if other is not group
            for rule in (*other.ingress, *other.egress)
        )
        if in_use:
            raise DependencyViolation(f"resource {group.id} has a dependent object")
        del self.security_groups[group.id]
        return {"Return": True, "GroupId": group.id}

    @action("DescribeSecurityGroups", read_only=True)
    def describe_security_groups(self, params: Params, request: Request) -> Response:
        self.check_dry_run(params)
        filters = Filters(params.get("Filters"), GROUP_FILTERS, own_tags)
        chosen = list(self.chosen(self.security_groups, "sg", params.get("GroupIds")))
        names = params.get("GroupNames")
        if names:
            default = self.default_vpc()
            chosen = [g for g in chosen if default is not None and g.vpc_id == default.id]
            missing = [n for n in names if not any(g.name == n for g in chosen)]
            if missing:
                raise not_found("sg", [str(n) for n in missing])
            chosen = [g for g in chosen if g.name in names]
        page, token = self.page(params, filters.apply(chosen), "sgs")
        out: Response = {"SecurityGroups": [shapes.security_group(g) for g in page]}
        if token:
            out["NextToken"] = token
        return out

    # -- rules ----------------------------------------------------------------------------

    def _permissions(self, params: Params, group: SecurityGroup, egress: bool) -> list[Permission]:
        """The rules a call names, read and checked; none is added yet."""
        given: list[dict[str, Any]] = list(params.get("IpPermissions") or ())
        if not given and params.get("IpProtocol") is not None:
            legacy: dict[str, Any] = {
                "IpProtocol": params["IpProtocol"],
                "FromPort": params.get("FromPort"),
                "ToPort": params.get("ToPort"),
            }
            if params.get("CidrIp") is not None:
                legacy["IpRanges"] = [{"CidrIp": params["CidrIp"]}]
            source = params.get("SourceSecurityGroupName")
            if source is not None and not egress:
                found = self.group_named(group.vpc_id, str(source))
                if found is None:
                    raise not_found("sg", [str(source)])
                legacy["UserIdGroupPairs"] = [{"GroupId": found.id}]
            given = [legacy]
        if not given:
            raise MissingParameter("The request must contain the parameter ipPermissions")
        rules: list[Permission] = []
        for entry in given:
            rules.extend(self._expanded(entry, group))
        return rules

    def _expanded(self, entry: dict[str, Any], group: SecurityGroup) -> list[Permission]:
        protocol = str(entry.get("IpProtocol", ""))
        number = protocol_number(protocol)
        if number is None:
            raise InvalidParameterValue(
                f"Invalid value '{protocol[:50]}' for IP protocol. Unknown protocol."
            )
        low, high = entry.get("FromPort"), entry.get("ToPort")
        if number == ALL:
            low = high = None
        elif number in PORTED:
            if low is None or high is None:
                raise InvalidParameterValue(
                    f"Invalid value 'Must specify both from and to ports with TCP/UDP.' for "
                    f"IP protocol {protocol}"
                )
            if low not in PORTS or high not in PORTS or low > high:
                raise InvalidParameterValue(
                    f"Invalid port range: from port {low} and to port {high}"
                )
        else:
            low = ALL if low is None else low
            high = ALL if high is None else high
        protocol = protocol.lower() if protocol.lower() in ("tcp", "udp", "icmp") else protocol
        rules: list[Permission] = []
        for item in entry.get("IpRanges") or ():
            block = cidr.block(item.get("CidrIp"), "cidrIp")
            rules.append(
                Permission(
                    self.new_id("sgr"),
                    protocol,
                    low,
                    high,
                    cidr=block,
                    description=str(item.get("Description") or ""),
                )
            )
        for pair in entry.get("UserIdGroupPairs") or ():
            other_id = pair.get("GroupId")
            if other_id is None and pair.get("GroupName") is not None:
                other = self.group_named(group.vpc_id, str(pair["GroupName"]))
                if other is None:
                    raise not_found("sg", [str(pair["GroupName"])])
                other_id = other.id
            other_group = self.find(self.security_groups, "sg", other_id)
            rules.append(
                Permission(
                    self.new_id("sgr"),
                    protocol,
                    low,
                    high,
                    group_id=other_group.id,
                    description=str(pair.get("Description") or ""),
                )
            )
        if not rules:
            raise MissingParameter(
                "The request must contain the parameter IpRanges or UserIdGroupPairs"
            )
        return rules

    def _named_rules(
        self, params: Params, egress: bool
    ) -> tuple[SecurityGroup, list[Permission], list[Permission]]:
        """The group a rule call names (egress: by GroupId only), its rules read, and its list."""
        if egress:
            group = self.find(self.security_groups, "sg", self.required(params, "GroupId"))
        else:
            group = self._group(params)
        rules = self._permissions(params, group, egress)
        self.check_dry_run(params)
        return group, rules, group.rules(egress)

    def _authorize(self, params: Params, egress: bool) -> Response:
        group, rules, existing = self._named_rules(params, egress)
        for index, rule in enumerate(rules):
            if any(rule.same_as(r) for r in (*existing, *rules[:index])):
                raise InvalidPermissionDuplicate(
                    f'the specified rule "peer: {rule.cidr or rule.group_id}, '
                    f"{rule.protocol.upper()}, from port: {rule.from_port}, to port: "
                    f'{rule.to_port}, ALLOW" already exists'
                )
        if len(existing) + len(rules) > MAX_RULES:
            raise RulesPerSecurityGroupLimitExceeded(
                "The maximum number of rules per security group has been reached."
            )
        existing.extend(rules)
        return {
            "Return": True,
            "SecurityGroupRules": [shapes.security_group_rule(group, r, egress) for r in rules],
        }

    def _revoke(self, params: Params, egress: bool) -> Response:
        _, rules, existing = self._named_rules(params, egress)
        doomed = []
        for rule in rules:
            match = next((r for r in existing if r.same_as(rule)), None)
            if match is None:
                raise InvalidPermissionNotFound(
                    "The specified rule does not exist in this security group."
                )
            doomed.append(match)
        for rule in doomed:
            if rule in existing:
                existing.remove(rule)
        return {"Return": True}

    @action("AuthorizeSecurityGroupIngress")
    def authorize_ingress(self, params: Params, request: Request) -> Response:
        return self._authorize(params, egress=False)

    @action("AuthorizeSecurityGroupEgress")
    def authorize_egress(self, params: Params, request: Request) -> Response:
        return self._authorize(params, egress=True)

    @action("RevokeSecurityGroupIngress")
    def revoke_ingress(self, params: Params, request: Request) -> Response:
        return self._revoke(params, egress=False)

    @action("RevokeSecurityGroupEgress")
    def revoke_egress(self, params: Params, request: Request) -> Response:
        return self._revoke(params, egress=True)
