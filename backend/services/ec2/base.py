"""What every EC2 action shares: the model's tables, IDs, lookups, tags and paging.

One region: the cloud's. Its default VPC is made when the service starts
(and again on reset), as every AWS account has one in every region: a
172.31.0.0/16 with one /20 default subnet per Availability Zone, an
attached internet gateway, a main route table sending 0.0.0.0/0 to it, a
default security group and a default network ACL (AWS_FACTS §18).

IDs are a prefix and 17 lowercase hex digits drawn from the cloud's seeded
rng, so a seed gives the same IDs every run. Calls naming several resources
are all-or-nothing: one unknown ID fails the call and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from ipaddress import IPv4Address, IPv4Network
from typing import Any, TypeVar

from backend.cloud import Cloud
from backend.kit import tags as tag_rules
from backend.kit.pages import decode_token, encode_token, fingerprint
from backend.service import Params, Service
from backend.services.ec2.errors import (
    InvalidInstanceIdMalformed,
    InvalidNextToken,
    InvalidParameterValue,
    MissingParameter,
    dry_run,
    not_found,
)
from backend.services.ec2.filters import Filters, Values, own_tags
from backend.services.ec2.instance import Instance, NetworkInterface
from backend.services.ec2.instance_metrics import InstanceMetrics
from backend.services.ec2.network import (
    ANYWHERE,
    InternetGateway,
    Route,
    RouteTable,
    Subnet,
    Vpc,
)
from backend.services.ec2.network_acl import AclEntry, NetworkAcl
from backend.services.ec2.security_group import ALL, Permission, SecurityGroup

T = TypeVar("T")

DEFAULT_VPC_CIDR = IPv4Network("172.31.0.0/16")
#: Availability Zones by region (letters after the region name); others get three.
ZONES = {"us-east-1": "abcdef", "us-west-2": "abcd"}
#: Where public IPv4 addresses come from (an Amazon range).
PUBLIC_POOL = IPv4Network("3.80.0.0/12")
_INSTANCE_ID = re.compile(r"i-(?:[0-9a-f]{8}|[0-9a-f]{17})")
_PAGE_SIZES = range(5, 1001)
#: The ID prefix (and not-found error) of each Describe* call's list of IDs.
_ID_KINDS = {
    "VpcIds": "vpc",
    "SubnetIds": "subnet",
    "InternetGatewayIds": "igw",
    "RouteTableIds": "rtb",
    "NetworkAclIds": "acl",
    "NetworkInterfaceIds": "eni",
    "GroupIds": "sg",
    "InstanceIds": "i",
}


class Ec2Base(Service):
    """The service state and lookups the action groups share."""

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud)
        self._ids = cloud.rng("ec2")
        self.vpcs: dict[str, Vpc] = {}
        self.subnets: dict[str, Subnet] = {}
        self.internet_gateways: dict[str, InternetGateway] = {}
        self.route_tables: dict[str, RouteTable] = {}
        self.security_groups: dict[str, SecurityGroup] = {}
        self.network_acls: dict[str, NetworkAcl] = {}
        self.interfaces: dict[str, NetworkInterface] = {}
        #: Every instance not yet gone (terminated ones stay an hour), in launch order.
        self.instances: dict[str, Instance] = {}
        #: Each instance's AWS/EC2 series, made at its first metrics tick.
        self.metrics: dict[str, InstanceMetrics] = {}
        self._metric_rng = cloud.rng("ec2/metrics")
        self._make_default_vpc()

    def reset(self) -> None:
        for instance in self.instances.values():
            self.stop_timers(instance)
        for table in (
            self.vpcs,
            self.subnets,
            self.internet_gateways,
            self.route_tables,
            self.security_groups,
            self.network_acls,
            self.interfaces,
            self.instances,
            self.metrics,
        ):
            table.clear()
        self._make_default_vpc()

    def stop_timers(self, instance: Instance) -> None:
        """Cancel what is scheduled for `instance` (its next state, its metrics)."""
        for timer in (instance.timer, instance.metrics_timer):
            if timer is not None:
                timer.cancel()
        instance.timer = instance.metrics_timer = None

    # -- ids ------------------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        return f"{prefix}-{self._ids.getrandbits(68):017x}"

    def public_address(self) -> IPv4Address:
        return PUBLIC_POOL[self._ids.randrange(1, PUBLIC_POOL.num_addresses - 1)]

    def mac_address(self) -> str:
        return "0e:" + ":".join(f"{self._ids.randrange(256):02x}" for _ in range(5))

    def arn(self, kind: str, resource_id: str) -> str:
        return f"arn:aws:ec2:{self.cloud.region}:{self.cloud.account}:{kind}/{resource_id}"

    # -- the model ------------------------------------------------------------------------

    def zones(self) -> list[str]:
        region = self.cloud.region
        return [f"{region}{letter}" for letter in ZONES.get(region, "abc")]

    def _make_default_vpc(self) -> None:
        vpc = self.make_vpc(DEFAULT_VPC_CIDR, is_default=True)
        gateway = InternetGateway(self.new_id("igw"), self.cloud.account, vpc.id)
        self.internet_gateways[gateway.id] = gateway
        self.route_tables[vpc.main_route_table].routes.append(Route(ANYWHERE, gateway.id))
        for index, zone in enumerate(self.zones()):
            cidr = IPv4Network((int(DEFAULT_VPC_CIDR.network_address) + (index << 12), 20))
            self.make_subnet(vpc, cidr, zone, default_for_az=True, public=True)

    def make_vpc(self, cidr: IPv4Network, *, is_default: bool = False) -> Vpc:
        """A VPC with its main route table, default security group and default network ACL."""
        owner = self.cloud.account
        vpc = Vpc(
            id=self.new_id("vpc"),
            cidr=cidr,
            is_default=is_default,
            association_id=self.new_id("vpc-cidr-assoc"),
            dhcp_options_id=self.new_id("dopt"),
            owner=owner,
        )
        table = RouteTable(self.new_id("rtb"), vpc.id, True, owner, [Route(cidr, "local")])
        table.main_association = self.new_id("rtbassoc")
        group_id = self.new_id("sg")
        group = SecurityGroup(
            group_id,
            "default",
            "default VPC security group",
            vpc.id,
            owner,
            self.arn("security-group", group_id),
            ingress=[Permission(self.new_id("sgr"), "-1", None, None, group_id=group_id)],
            egress=[Permission(self.new_id("sgr"), "-1", None, None, cidr=ANYWHERE)],
        )
        acl = NetworkAcl(self.new_id("acl"), vpc.id, True, owner)
        acl.entries = [AclEntry(100, egress, ALL, True, ANYWHERE) for egress in (False, True)]
        vpc.main_route_table, vpc.default_security_group = table.id, group.id
        vpc.default_network_acl = acl.id
        self.vpcs[vpc.id] = vpc
        self.route_tables[table.id] = table
        self.security_groups[group.id] = group
        self.network_acls[acl.id] = acl
        return vpc

    def make_subnet(
        self, vpc: Vpc, cidr: IPv4Network, zone: str, *, default_for_az: bool, public: bool
    ) -> Subnet:
        subnet_id = self.new_id("subnet")
        subnet = Subnet(
            id=subnet_id,
            vpc_id=vpc.id,
            cidr=cidr,
            availability_zone=zone,
            default_for_az=default_for_az,
            map_public_ip_on_launch=public,
            owner=self.cloud.account,
            arn=self.arn("subnet", subnet_id),
        )
        self.subnets[subnet.id] = subnet
        acl = self.network_acls[vpc.default_network_acl]
        acl.associations[self.new_id("aclassoc")] = subnet.id
        return subnet

    def network_acl_of(self, subnet: Subnet) -> NetworkAcl:
        """The network ACL a subnet is associated with (each subnet has exactly one)."""
        for acl in self.network_acls.values():
            if subnet.id in acl.associations.values():
                return acl
        return self.network_acls[self.vpcs[subnet.vpc_id].default_network_acl]

    def route_table_of(self, subnet: Subnet) -> RouteTable:
        """The route table a subnet uses: its explicit one, else its VPC's main table."""
        for table in self.route_tables.values():
            if subnet.id in table.subnets.values():
                return table
        return self.route_tables[self.vpcs[subnet.vpc_id].main_route_table]

    def default_vpc(self) -> Vpc | None:
        return next((v for v in self.vpcs.values() if v.is_default), None)

    def group_named(self, vpc_id: str, name: str) -> SecurityGroup | None:
        return next(
            (g for g in self.security_groups.values() if g.vpc_id == vpc_id and g.name == name),
            None,
        )

    # -- lookups --------------------------------------------------------------------------

    def find(self, table: Mapping[str, T], kind: str, resource_id: object) -> T:
        if not isinstance(resource_id, str):
            raise MissingParameter("The request must contain the parameter id")
        found = table.get(resource_id)
        if found is None:
            raise not_found(kind, [resource_id])
        return found

    def find_all(self, table: Mapping[str, T], kind: str, ids: Sequence[object]) -> list[T]:
        """Every resource `ids` name, in their order, or one error naming all that are unknown."""
        wanted = [str(i) for i in ids]
        if kind == "i":
            malformed = [i for i in wanted if not _INSTANCE_ID.fullmatch(i)]
            if malformed:
                raise InvalidInstanceIdMalformed(f'Invalid id: "{malformed[0][:100]}"')
        missing = [i for i in dict.fromkeys(wanted) if i not in table]
        if missing:
            raise not_found(kind, missing)
        return [table[i] for i in dict.fromkeys(wanted)]

    def chosen(
        self, table: Mapping[str, T], kind: str, ids: Sequence[object] | None
    ) -> Iterable[T]:
        """The resources `ids` names (all-or-nothing), or all of them when it names none."""
        if ids:
            return self.find_all(table, kind, ids)
        return table.values()

    # -- request helpers ------------------------------------------------------------------

    def check_dry_run(self, params: Params) -> None:
        if params.get("DryRun") is True:
            raise dry_run()

    def required(self, params: Params, name: str) -> Any:
        value = params.get(name)
        if value is None or value == "":
            raise MissingParameter(f"The request must contain the parameter {name}")
        return value

    def tags_from(
        self, params: Params, resource_type: str, also: tuple[str, ...] = ()
    ) -> dict[str, str]:
        """The tags `TagSpecifications` gives a new resource of `resource_type`.

        `also` names the other types the call may tag (RunInstances tags its
        network interfaces too); any other type is refused.
        """
        out: dict[str, str] = {}
        for spec in params.get("TagSpecifications") or ():
            kind = spec.get("ResourceType")
            if kind in also:
                continue
            if kind != resource_type:
                raise InvalidParameterValue(
                    f"'{str(kind)[:100]}' is not a valid taggable resource type for this operation."
                )
            given = {t.get("Key"): t.get("Value", "") for t in spec.get("Tags") or ()}
            out = tag_rules.merged(out, given, resource=resource_type)
        return out

    def described(
        self,
        params: Params,
        key: str,
        table: Mapping[str, T],
        ids: str,
        filters: Mapping[str, Values],
        shape: Callable[[T], Any],
    ) -> dict[str, Any]:
        """A plain Describe* reply: `ids` picked (all-or-nothing), filtered, paged, shaped."""
        self.check_dry_run(params)
        chosen = self.chosen(table, _ID_KINDS[ids], params.get(ids))
        found = Filters(params.get("Filters"), filters, own_tags).apply(chosen)
        page, token = self.page(params, found, key)
        out: dict[str, Any] = {key: [shape(item) for item in page]}
        if token:
            out["NextToken"] = token
        return out

    def page(self, params: Params, items: list[T], scope: str) -> tuple[list[T], str | None]:
        """One page of `items` by `MaxResults` and `NextToken` (5 to 1000 a page)."""
        size = params.get("MaxResults")
        token = params.get("NextToken")
        if size is None and token is None:
            return items, None
        if size is not None and size not in _PAGE_SIZES:
            raise InvalidParameterValue(
                f"Value ( {size} ) for parameter maxResults is invalid. "
                "Expecting a value between 5 and 1000."
            )
        bound = fingerprint(params, scope, ignore=("MaxResults", "NextToken", "DryRun"))
        start = 0
        if token is not None:
            position = decode_token(str(token), bound, InvalidNextToken, "Invalid NextToken")
            if not isinstance(position, int) or position < 0:
                raise InvalidNextToken("Invalid NextToken")
            start = position
        end = start + (size or 1000)
        more = encode_token(bound, end) if end < len(items) else None
        return items[start:end], more
