"""VPCs and subnets: Create, Delete and DescribeVpcs; Create, Modify, Delete and DescribeSubnets.

A new VPC comes with its main route table, default security group and
default network ACL (`Ec2Base.make_vpc`), and is `pending` in CreateVpc's
reply, `available` after. Five VPCs a region and 200 subnets a VPC, as
AWS's default quotas. A VPC or subnet something still uses cannot be
deleted (DependencyViolation).
"""

from __future__ import annotations

from backend.service import Params, Request, Response, action
from backend.services.ec2 import cidr, shapes
from backend.services.ec2.base import Ec2Base
from backend.services.ec2.errors import (
    DependencyViolation,
    InvalidParameterValue,
    InvalidSubnetConflict,
    InvalidSubnetRange,
    InvalidVpcRange,
    SubnetLimitExceeded,
    VpcLimitExceeded,
)

MAX_VPCS = 5
MAX_SUBNETS = 200


def _flag(value: bool) -> list[str]:
    return ["true" if value else "false"]


VPC_FILTERS = {
    "vpc-id": lambda v: [v.id],
    "cidr": lambda v: [str(v.cidr)],
    "cidr-block-association.cidr-block": lambda v: [str(v.cidr)],
    "cidr-block-association.association-id": lambda v: [v.association_id],
    "cidr-block-association.state": lambda v: ["associated"],
    "is-default": lambda v: _flag(v.is_default),
    "isDefault": lambda v: _flag(v.is_default),
    "state": lambda v: [v.state],
    "owner-id": lambda v: [v.owner],
    "dhcp-options-id": lambda v: [v.dhcp_options_id],
}
SUBNET_FILTERS = {
    "subnet-id": lambda s: [s.id],
    "subnet-arn": lambda s: [s.arn],
    "vpc-id": lambda s: [s.vpc_id],
    "availability-zone": lambda s: [s.availability_zone],
    "availabilityZone": lambda s: [s.availability_zone],
    "cidr-block": lambda s: [str(s.cidr)],
    "cidr": lambda s: [str(s.cidr)],
    "cidrBlock": lambda s: [str(s.cidr)],
    "default-for-az": lambda s: _flag(s.default_for_az),
    "defaultForAz": lambda s: _flag(s.default_for_az),
    "map-public-ip-on-launch": lambda s: _flag(s.map_public_ip_on_launch),
    "available-ip-address-count": lambda s: [str(s.available_addresses)],
    "state": lambda s: [s.state],
    "owner-id": lambda s: [s.owner],
}


class VpcActions(Ec2Base):
    @action("CreateVpc")
    def create_vpc(self, params: Params, request: Request) -> Response:
        block = cidr.sized(self.required(params, "CidrBlock"), "cidrBlock", InvalidVpcRange)
        tags = self.tags_from(params, "vpc")
        self.check_dry_run(params)
        if len(self.vpcs) >= MAX_VPCS:
            raise VpcLimitExceeded("The maximum number of VPCs has been reached.")
        vpc = self.make_vpc(block)
        vpc.tags = tags
        shown = shapes.vpc(vpc)
        shown["State"] = "pending"
        return {"Vpc": shown}

    @action("DeleteVpc")
    def delete_vpc(self, params: Params, request: Request) -> Response:
        vpc = self.find(self.vpcs, "vpc", self.required(params, "VpcId"))
        self.check_dry_run(params)
        used = (
            any(s.vpc_id == vpc.id for s in self.subnets.values())
            or any(g.vpc_id == vpc.id for g in self.internet_gateways.values())
            or any(g.vpc_id == vpc.id and not g.is_default for g in self.security_groups.values())
            or any(a.vpc_id == vpc.id and not a.is_default for a in self.network_acls.values())
            or any(t.vpc_id == vpc.id and not t.main for t in self.route_tables.values())
        )
        if used:
            raise DependencyViolation(f"The vpc '{vpc.id}' has dependencies and cannot be deleted.")
        del self.vpcs[vpc.id]
        self.route_tables.pop(vpc.main_route_table, None)
        self.security_groups.pop(vpc.default_security_group, None)
        self.network_acls.pop(vpc.default_network_acl, None)
        return {}

    @action("DescribeVpcs", read_only=True)
    def describe_vpcs(self, params: Params, request: Request) -> Response:
        return self.described(params, "Vpcs", self.vpcs, "VpcIds", VPC_FILTERS, shapes.vpc)

    @action("CreateSubnet")
    def create_subnet(self, params: Params, request: Request) -> Response:
        vpc = self.find(self.vpcs, "vpc", self.required(params, "VpcId"))
        text = self.required(params, "CidrBlock")
        block = cidr.sized(text, "cidrBlock", InvalidSubnetRange)
        if not block.subnet_of(vpc.cidr):
            raise InvalidSubnetRange(f"The CIDR '{text}' is invalid.")
        zone = params.get("AvailabilityZone") or self.zones()[0]
        if zone not in self.zones():
            raise InvalidParameterValue(
                f"Value ({str(zone)[:100]}) for parameter availabilityZone is invalid. Subnets "
                f"can currently only be created in the following availability zones: "
                f"{', '.join(self.zones())}."
            )
        tags = self.tags_from(params, "subnet")
        self.check_dry_run(params)
        siblings = [s for s in self.subnets.values() if s.vpc_id == vpc.id]
        if any(block.overlaps(s.cidr) for s in siblings):
            raise InvalidSubnetConflict(f"The CIDR '{text}' conflicts with another subnet")
        if len(siblings) >= MAX_SUBNETS:
            raise SubnetLimitExceeded("The maximum number of subnets has been reached.")
        subnet = self.make_subnet(vpc, block, str(zone), default_for_az=False, public=False)
        subnet.tags = tags
        return {"Subnet": shapes.subnet(subnet)}

    @action("DeleteSubnet")
    def delete_subnet(self, params: Params, request: Request) -> Response:
        subnet = self.find(self.subnets, "subnet", self.required(params, "SubnetId"))
        self.check_dry_run(params)
        if any(i.subnet_id == subnet.id for i in self.interfaces.values()):
            raise DependencyViolation(
                f"The subnet '{subnet.id}' has dependencies and cannot be deleted."
            )
        del self.subnets[subnet.id]
        links = [a.associations for a in self.network_acls.values()]
        links += [t.subnets for t in self.route_tables.values()]
        for link in links:
            for assoc in [a for a, s in link.items() if s == subnet.id]:
                del link[assoc]
        return {}

    @action("ModifySubnetAttribute")
    def modify_subnet_attribute(self, params: Params, request: Request) -> Response:
        """Only `MapPublicIpOnLaunch`: the switch that makes a subnet's instances public."""
        subnet = self.find(self.subnets, "subnet", self.required(params, "SubnetId"))
        self.check_dry_run(params)
        public = params.get("MapPublicIpOnLaunch")
        if public is None or not isinstance(public.get("Value"), bool):
            raise InvalidParameterValue(
                "skydeck's ModifySubnetAttribute changes MapPublicIpOnLaunch only."
            )
        subnet.map_public_ip_on_launch = public["Value"]
        return {}

    @action("DescribeSubnets", read_only=True)
    def describe_subnets(self, params: Params, request: Request) -> Response:
        return self.described(
            params, "Subnets", self.subnets, "SubnetIds", SUBNET_FILTERS, shapes.subnet
        )
