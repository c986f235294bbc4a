"""Network ACLs: Create/Delete/DescribeNetworkAcls, their entries, and subnet associations.

Every subnet is associated with exactly one ACL (its VPC's default until
ReplaceNetworkAclAssociation moves it), so there is no disassociate: moving
a subnet gives its association a new id. A new ACL denies everything until
entries are added; 20 entries a direction (AWS's default quota).
"""

from __future__ import annotations

from backend.service import Params, Request, Response, action
from backend.services.ec2 import cidr, shapes
from backend.services.ec2.base import Ec2Base
from backend.services.ec2.errors import (
    DependencyViolation,
    InvalidNetworkAclEntryNotFound,
    InvalidParameterValue,
    MissingParameter,
    NetworkAclEntryAlreadyExists,
    NetworkAclEntryLimitExceeded,
    not_found,
)
from backend.services.ec2.network_acl import RULE_NUMBERS, AclEntry, NetworkAcl
from backend.services.ec2.security_group import ALL, PORTED, protocol_number

MAX_ENTRIES = 20
PORTS = range(65536)

ACL_FILTERS = {
    "network-acl-id": lambda a: [a.id],
    "vpc-id": lambda a: [a.vpc_id],
    "default": lambda a: ["true" if a.is_default else "false"],
    "association.subnet-id": lambda a: list(a.associations.values()),
    "association.association-id": lambda a: list(a.associations),
    "entry.rule-number": lambda a: [str(e.number) for e in a.entries],
    "entry.rule-action": lambda a: ["allow" if e.allow else "deny" for e in a.entries],
    "entry.cidr": lambda a: [str(e.cidr) for e in a.entries],
    "entry.protocol": lambda a: [str(e.protocol) for e in a.entries],
    "entry.egress": lambda a: ["true" if e.egress else "false" for e in a.entries],
    "owner-id": lambda a: [a.owner],
}


class NetworkAclActions(Ec2Base):
    @action("CreateNetworkAcl")
    def create_network_acl(self, params: Params, request: Request) -> Response:
        vpc = self.find(self.vpcs, "vpc", self.required(params, "VpcId"))
        tags = self.tags_from(params, "network-acl")
        self.check_dry_run(params)
        acl = NetworkAcl(self.new_id("acl"), vpc.id, False, self.cloud.account, tags=tags)
        self.network_acls[acl.id] = acl
        return {"NetworkAcl": shapes.network_acl(acl)}

    @action("DeleteNetworkAcl")
    def delete_network_acl(self, params: Params, request: Request) -> Response:
        acl = self.find(self.network_acls, "acl", self.required(params, "NetworkAclId"))
        self.check_dry_run(params)
        if acl.is_default:
            raise InvalidParameterValue(f"cannot delete default network ACL {acl.id}")
        if acl.associations:
            raise DependencyViolation(
                f"The network ACL '{acl.id}' has dependencies and cannot be deleted."
            )
        del self.network_acls[acl.id]
        return {}

    @action("DescribeNetworkAcls", read_only=True)
    def describe_network_acls(self, params: Params, request: Request) -> Response:
        return self.described(
            params,
            "NetworkAcls",
            self.network_acls,
            "NetworkAclIds",
            ACL_FILTERS,
            shapes.network_acl,
        )

    def _entry(self, params: Params) -> AclEntry:
        number = self.required(params, "RuleNumber")
        if number not in RULE_NUMBERS:
            raise InvalidParameterValue(
                f"Value ({number}) for parameter ruleNumber is invalid. "
                "Rule numbers must be between 1 and 32766."
            )
        text = str(self.required(params, "Protocol"))
        protocol = protocol_number(text)
        if protocol is None:
            raise InvalidParameterValue(f"Value ({text[:50]}) for parameter protocol is invalid.")
        allow = self.required(params, "RuleAction")
        if allow not in ("allow", "deny"):
            raise InvalidParameterValue(
                f"Value ({str(allow)[:50]}) for parameter ruleAction is invalid."
            )
        block = cidr.block(self.required(params, "CidrBlock"), "cidrBlock")
        low = high = None
        if protocol != ALL and protocol in PORTED:
            ports = params.get("PortRange")
            if not ports or ports.get("From") is None or ports.get("To") is None:
                raise MissingParameter("The request must contain the parameter portRange")
            low, high = ports["From"], ports["To"]
            if low not in PORTS or high not in PORTS or low > high:
                raise InvalidParameterValue(f"Invalid port range: from {low} to {high}")
        return AclEntry(
            number, bool(params.get("Egress")), protocol, allow == "allow", block, low, high
        )

    @action("CreateNetworkAclEntry")
    def create_network_acl_entry(self, params: Params, request: Request) -> Response:
        acl = self.find(self.network_acls, "acl", self.required(params, "NetworkAclId"))
        entry = self._entry(params)
        self.check_dry_run(params)
        if acl.find(entry.number, entry.egress) is not None:
            raise NetworkAclEntryAlreadyExists(
                f"The network acl entry identified by {entry.number} already exists."
            )
        if sum(e.egress == entry.egress for e in acl.entries) >= MAX_ENTRIES:
            raise NetworkAclEntryLimitExceeded(
                "The maximum number of network acl entries has been reached."
            )
        acl.entries.append(entry)
        return {}

    @action("ReplaceNetworkAclEntry")
    def replace_network_acl_entry(self, params: Params, request: Request) -> Response:
        acl = self.find(self.network_acls, "acl", self.required(params, "NetworkAclId"))
        entry = self._entry(params)
        self.check_dry_run(params)
        old = acl.find(entry.number, entry.egress)
        if old is None:
            raise InvalidNetworkAclEntryNotFound(
                f"The network acl entry identified by {entry.number} does not exist."
            )
        acl.entries[acl.entries.index(old)] = entry
        return {}

    @action("DeleteNetworkAclEntry")
    def delete_network_acl_entry(self, params: Params, request: Request) -> Response:
        acl = self.find(self.network_acls, "acl", self.required(params, "NetworkAclId"))
        number = self.required(params, "RuleNumber")
        egress = bool(params.get("Egress"))
        self.check_dry_run(params)
        old = acl.find(number, egress)
        if old is None:
            raise InvalidNetworkAclEntryNotFound(
                f"The network acl entry identified by {number} does not exist."
            )
        acl.entries.remove(old)
        return {}

    @action("ReplaceNetworkAclAssociation")
    def replace_network_acl_association(self, params: Params, request: Request) -> Response:
        association = str(self.required(params, "AssociationId"))
        acl = self.find(self.network_acls, "acl", self.required(params, "NetworkAclId"))
        current = next(
            (a for a in self.network_acls.values() if association in a.associations), None
        )
        if current is None:
            raise not_found("aclassoc", [association])
        subnet = self.subnets[current.associations[association]]
        self.check_dry_run(params)
        if subnet.vpc_id != acl.vpc_id:
            raise InvalidParameterValue(
                f"Network ACL {acl.id} and subnet {subnet.id} belong to different networks"
            )
        del current.associations[association]
        new = self.new_id("aclassoc")
        acl.associations[new] = subnet.id
        return {"NewAssociationId": new}
