"""Internet gateways and route tables: the way out of a VPC to the internet.

A subnet is public when its route table (its own, else its VPC's main one)
sends 0.0.0.0/0 to an internet gateway attached to the VPC;
`reachability.py` reads exactly that. Attaching a gateway adds no route, as
in AWS: CreateRoute does.
"""

from __future__ import annotations

from backend.service import Params, Request, Response, action
from backend.services.ec2 import cidr, shapes
from backend.services.ec2.base import Ec2Base
from backend.services.ec2.errors import (
    GatewayNotAttached,
    InvalidParameterValue,
    ResourceAlreadyAssociated,
    RouteAlreadyExists,
)
from backend.services.ec2.network import InternetGateway, Route, RouteTable

GATEWAY_FILTERS = {
    "internet-gateway-id": lambda g: [g.id],
    "attachment.vpc-id": lambda g: [g.vpc_id] if g.vpc_id else [],
    "attachment.state": lambda g: ["available"] if g.vpc_id else [],
    "owner-id": lambda g: [g.owner],
}
ROUTE_TABLE_FILTERS = {
    "route-table-id": lambda t: [t.id],
    "vpc-id": lambda t: [t.vpc_id],
    "association.main": lambda t: ["true" if t.main else "false"],
    "association.subnet-id": lambda t: list(t.subnets.values()),
    "route.gateway-id": lambda t: [r.target for r in t.routes],
    "route.destination-cidr-block": lambda t: [str(r.destination) for r in t.routes],
    "owner-id": lambda t: [t.owner],
}


class GatewayActions(Ec2Base):
    @action("CreateInternetGateway")
    def create_internet_gateway(self, params: Params, request: Request) -> Response:
        tags = self.tags_from(params, "internet-gateway")
        self.check_dry_run(params)
        gateway = InternetGateway(self.new_id("igw"), self.cloud.account, tags=tags)
        self.internet_gateways[gateway.id] = gateway
        return {"InternetGateway": shapes.internet_gateway(gateway)}

    @action("AttachInternetGateway")
    def attach_internet_gateway(self, params: Params, request: Request) -> Response:
        gateway = self.find(
            self.internet_gateways, "igw", self.required(params, "InternetGatewayId")
        )
        vpc = self.find(self.vpcs, "vpc", self.required(params, "VpcId"))
        self.check_dry_run(params)
        if gateway.vpc_id is not None:
            raise ResourceAlreadyAssociated(
                f"resource {gateway.id} is already attached to network {gateway.vpc_id}"
            )
        if any(g.vpc_id == vpc.id for g in self.internet_gateways.values()):
            raise ResourceAlreadyAssociated(
                f"network {vpc.id} already has an internet gateway attached"
            )
        gateway.vpc_id = vpc.id
        return {}

    @action("DetachInternetGateway")
    def detach_internet_gateway(self, params: Params, request: Request) -> Response:
        gateway = self.find(
            self.internet_gateways, "igw", self.required(params, "InternetGatewayId")
        )
        vpc = self.find(self.vpcs, "vpc", self.required(params, "VpcId"))
        self.check_dry_run(params)
        if gateway.vpc_id != vpc.id:
            raise GatewayNotAttached(f"resource {gateway.id} is not attached to network {vpc.id}")
        gateway.vpc_id = None
        return {}

    @action("DescribeInternetGateways", read_only=True)
    def describe_internet_gateways(self, params: Params, request: Request) -> Response:
        return self.described(
            params,
            "InternetGateways",
            self.internet_gateways,
            "InternetGatewayIds",
            GATEWAY_FILTERS,
            shapes.internet_gateway,
        )

    @action("CreateRouteTable")
    def create_route_table(self, params: Params, request: Request) -> Response:
        vpc = self.find(self.vpcs, "vpc", self.required(params, "VpcId"))
        tags = self.tags_from(params, "route-table")
        self.check_dry_run(params)
        table = RouteTable(
            self.new_id("rtb"), vpc.id, False, self.cloud.account, [Route(vpc.cidr, "local")]
        )
        table.tags = tags
        self.route_tables[table.id] = table
        return {"RouteTable": shapes.route_table(table)}

    @action("CreateRoute")
    def create_route(self, params: Params, request: Request) -> Response:
        table = self.find(self.route_tables, "rtb", self.required(params, "RouteTableId"))
        destination = cidr.block(
            self.required(params, "DestinationCidrBlock"), "destinationCidrBlock"
        )
        gateway = self.find(self.internet_gateways, "igw", self.required(params, "GatewayId"))
        self.check_dry_run(params)
        if gateway.vpc_id != table.vpc_id:
            raise InvalidParameterValue(
                f"route table {table.id} and network gateway {gateway.id} belong to different "
                "networks"
            )
        if any(r.destination == destination for r in table.routes):
            raise RouteAlreadyExists(f"The route identified by {destination} already exists.")
        table.routes.append(Route(destination, gateway.id))
        return {"Return": True}

    @action("AssociateRouteTable")
    def associate_route_table(self, params: Params, request: Request) -> Response:
        table = self.find(self.route_tables, "rtb", self.required(params, "RouteTableId"))
        subnet = self.find(self.subnets, "subnet", self.required(params, "SubnetId"))
        self.check_dry_run(params)
        if subnet.vpc_id != table.vpc_id:
            raise InvalidParameterValue(
                f"Route table {table.id} and subnet {subnet.id} belong to different networks"
            )
        if subnet.id in table.subnets.values():
            raise ResourceAlreadyAssociated(
                f"the specified association for route table {table.id} conflicts with an "
                "existing association"
            )
        for other in self.route_tables.values():
            for assoc in [a for a, s in other.subnets.items() if s == subnet.id]:
                del other.subnets[assoc]
        association = self.new_id("rtbassoc")
        table.subnets[association] = subnet.id
        return {"AssociationId": association, "AssociationState": {"State": "associated"}}

    @action("DescribeRouteTables", read_only=True)
    def describe_route_tables(self, params: Params, request: Request) -> Response:
        return self.described(
            params,
            "RouteTables",
            self.route_tables,
            "RouteTableIds",
            ROUTE_TABLE_FILTERS,
            shapes.route_table,
        )
