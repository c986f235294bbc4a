"""The `[ec2]` section of scenario files: VPCs, subnets, groups, network ACLs and instances.

```toml
[[ec2.vpc]]
name = "shop"                          # its Name tag; others name it by this
cidr = "10.0.0.0/16"

[[ec2.subnet]]
name = "public-a"
vpc = "shop"
cidr = "10.0.1.0/24"
zone = "us-east-1a"                    # default: the region's first zone
public = true                          # an internet gateway, a route to it, public IPs

[[ec2.subnet]]
name = "private-a"
vpc = "shop"
cidr = "10.0.2.0/24"
network_acl = "private"                # default: the VPC's default ACL

[[ec2.security_group]]
name = "web"
vpc = "shop"                           # default: the default VPC
description = "web tier"
ingress = [
  { protocol = "tcp", ports = 443, from = "0.0.0.0/0" },
  { protocol = "tcp", ports = "22", from = "bastion" },   # another group, by name
]
egress = [{ protocol = "all", to = "10.0.0.0/16" }]       # default: all outbound

[[ec2.network_acl]]
name = "private"
vpc = "shop"
entries = [
  { rule = 100, protocol = "tcp", ports = "5432", cidr = "10.0.1.0/24", action = "allow" },
  { rule = 100, egress = true, protocol = "tcp", ports = "1024-65535", cidr = "10.0.1.0/24" },
]

[[ec2.instance]]
name = "web-1"                         # its Name tag
subnet = "public-a"                    # default: a default subnet of the default VPC
groups = ["web"]                       # default: the VPC's default group
type = "t3.micro"                      # default: m1.small
count = 2                              # default: 1
monitoring = true                      # detailed (1-minute) metrics

[[ec2.flow_log]]
resource = "shop"                      # a VPC's, a subnet's or an instance's name
traffic_type = "ALL"                   # or ACCEPT, REJECT
log_group = "/skydeck/vpc-flow-logs"   # or bucket = "flow-logs" (+ prefix = "vpc/")
interval = 60                          # MaxAggregationInterval: 60 or 600 (default)
format = "${version} ${interface-id} ${srcaddr} ${dstaddr} ${action}"  # default: v2's
```

Protocols are `tcp`, `udp`, `icmp`, `all` or an IANA number; `ports` a port
or `"low-high"` (needed for tcp and udp); a rule's `from`/`to` is a CIDR or a
group's name in the same VPC. A flow log to a log group is made with
`DeliverLogsPermissionArn` `arn:aws:iam::<account>:role/skydeck-flow-logs`;
the `[logs]` and `[s3]` sections are applied before `[ec2]`, so the group or
bucket it names may be one of theirs (a missing bucket fails the scenario; a
missing group is made at the first delivery). Names are checked when the
file loads; the resources are made through `cloud.call` by the scenario's
set-up role, so AWS's own refusals (an overlapping subnet) fail the scenario with their
words. A public subnet's VPC gets one internet gateway and one route table
sending 0.0.0.0/0 to it, shared by its public subnets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.identity import SETUP_ROLE
from backend.kit.scenario import Reader, ScenarioError
from backend.registry import ScenarioSection
from backend.services.ec2.flow_log_actions import TRAFFIC_TYPES
from backend.services.ec2.flow_logs import parse_log_format
from backend.services.ec2.flow_logs.aggregate import INTERVALS
from backend.services.ec2.security_group import ALL, PORTED, protocol_number

DEFAULT = ""  # the default VPC, for resources that name none


@dataclass(frozen=True)
class RuleSpec:
    protocol: str
    low: int | None
    high: int | None
    #: A CIDR, or a group's name.
    peer: str


@dataclass(frozen=True)
class VpcSpec:
    name: str
    cidr: str
    tags: dict[str, str]


@dataclass(frozen=True)
class SubnetSpec:
    name: str
    vpc: str
    cidr: str
    zone: str | None
    public: bool
    network_acl: str | None
    tags: dict[str, str]


@dataclass(frozen=True)
class GroupSpec:
    name: str
    vpc: str
    description: str
    ingress: tuple[RuleSpec, ...]
    egress: tuple[RuleSpec, ...] | None
    tags: dict[str, str]


@dataclass(frozen=True)
class EntrySpec:
    rule: int
    egress: bool
    protocol: int
    low: int | None
    high: int | None
    cidr: str
    allow: bool


@dataclass(frozen=True)
class AclSpec:
    name: str
    vpc: str
    entries: tuple[EntrySpec, ...]


@dataclass(frozen=True)
class InstanceSpec:
    name: str
    subnet: str | None
    groups: tuple[str, ...]
    instance_type: str
    image: str
    count: int
    monitoring: bool
    tags: dict[str, str]


@dataclass(frozen=True)
class FlowLogSpec:
    resource: str
    traffic_type: str
    log_group: str | None
    bucket: str | None
    prefix: str
    interval: int
    format: str | None


@dataclass(frozen=True)
class Ec2Spec:
    vpcs: tuple[VpcSpec, ...]
    subnets: tuple[SubnetSpec, ...]
    groups: tuple[GroupSpec, ...]
    acls: tuple[AclSpec, ...]
    instances: tuple[InstanceSpec, ...]
    flow_logs: tuple[FlowLogSpec, ...] = ()


def parse(table: Reader, region: str) -> Ec2Spec:
    vpcs = tuple(_vpc(t) for t in table.tables("vpc"))
    table.unique([v.name for v in vpcs], "vpc")
    names = {v.name for v in vpcs}
    subnets = tuple(_subnet(t, names, region) for t in table.tables("subnet"))
    table.unique([s.name for s in subnets], "subnet")
    acls = tuple(_acl(t, names) for t in table.tables("network_acl"))
    table.unique([a.name for a in acls], "network_acl")
    groups = tuple(_group(t, names) for t in table.tables("security_group"))
    for vpc in {g.vpc for g in groups}:
        table.unique([g.name for g in groups if g.vpc == vpc], "security_group")
    instances = tuple(_instance(t) for t in table.tables("instance"))
    table.unique([i.name for i in instances], "instance")
    flow_logs = tuple(_flow_log(t) for t in table.tables("flow_log"))
    table.done()
    spec = Ec2Spec(vpcs, subnets, groups, acls, instances, flow_logs)
    _check_references(table, spec)
    return spec


def _vpc_name(table: Reader, names: set[str]) -> str:
    vpc = table.get("vpc", str, DEFAULT)
    if vpc != DEFAULT and vpc not in names:
        raise table.fail(f"vpc {vpc!r} is not defined in [[ec2.vpc]]")
    return str(vpc)


def _vpc(table: Reader) -> VpcSpec:
    spec = VpcSpec(
        table.required("name", str), table.required("cidr", str), table.string_map("tags")
    )
    table.done()
    return spec


def _subnet(table: Reader, vpcs: set[str], region: str) -> SubnetSpec:
    zone = table.get("zone", str)
    if zone is not None and not zone.startswith(region):
        raise table.fail(f"zone {zone!r} is not in the scenario's region {region}")
    spec = SubnetSpec(
        name=table.required("name", str),
        vpc=_vpc_name(table, vpcs),
        cidr=table.required("cidr", str),
        zone=zone,
        public=bool(table.get("public", bool, False)),
        network_acl=table.get("network_acl", str),
        tags=table.string_map("tags"),
    )
    if spec.vpc == DEFAULT:
        raise table.fail("vpc is required: the default VPC's subnets are made for you")
    table.done()
    return spec


def _ports(table: Reader, protocol: int) -> tuple[int | None, int | None]:
    raw = table.get("ports", (int, str))
    if raw is None:
        if protocol in PORTED:
            raise table.fail("ports is required for tcp and udp (a port or 'low-high')")
        return None, None
    text = str(raw)
    low_text, _, high_text = text.partition("-")
    try:
        low = int(low_text)
        high = int(high_text) if high_text else low
    except ValueError:
        raise table.fail(f"ports must be a port or 'low-high', not {text!r}") from None
    if not 0 <= low <= high <= 65535:
        raise table.fail(f"ports must lie within 0-65535, low first, not {text!r}")
    return low, high


def _protocol(table: Reader) -> int:
    raw = table.required("protocol", (str, int))
    number = protocol_number(str(raw))
    if number is None:
        raise table.fail(f"protocol must be tcp, udp, icmp, all or a number, not {raw!r}")
    return number


def _rule(table: Reader, peer_key: str) -> RuleSpec:
    number = _protocol(table)
    low, high = _ports(table, number)
    raw = str(table.required("protocol", (str, int))).lower()
    spec = RuleSpec("-1" if number == ALL else raw, low, high, table.required(peer_key, str))
    table.done()
    return spec


def _group(table: Reader, vpcs: set[str]) -> GroupSpec:
    name = table.required("name", str)
    if name == "default":
        raise table.fail("the name 'default' is the VPC's own group's")
    egress = [_rule(t, "to") for t in table.tables("egress")] if "egress" in table.table else None
    spec = GroupSpec(
        name=name,
        vpc=_vpc_name(table, vpcs),
        description=table.get("description", str, name),
        ingress=tuple(_rule(t, "from") for t in table.tables("ingress")),
        egress=None if egress is None else tuple(egress),
        tags=table.string_map("tags"),
    )
    table.done()
    return spec


def _entry(table: Reader) -> EntrySpec:
    rule = int(table.number("rule", 0, 1, 32766))
    protocol = _protocol(table)
    low, high = _ports(table, protocol)
    action = table.get("action", str, "allow")
    if action not in ("allow", "deny"):
        raise table.fail(f"action must be allow or deny, not {action!r}")
    spec = EntrySpec(
        rule=rule,
        egress=bool(table.get("egress", bool, False)),
        protocol=protocol,
        low=low,
        high=high,
        cidr=table.required("cidr", str),
        allow=action == "allow",
    )
    table.done()
    return spec


def _acl(table: Reader, vpcs: set[str]) -> AclSpec:
    name = table.required("name", str)
    vpc = _vpc_name(table, vpcs)
    entries = tuple(_entry(t) for t in table.tables("entries"))
    table.done()
    return AclSpec(name, vpc, entries)


def _instance(table: Reader) -> InstanceSpec:
    groups = table.get("groups", list, [])
    if not all(isinstance(g, str) for g in groups):
        raise table.fail("groups must be a list of security group names")
    spec = InstanceSpec(
        name=table.required("name", str),
        subnet=table.get("subnet", str),
        groups=tuple(groups),
        instance_type=table.get("type", str, "m1.small"),
        image=table.get("image", str, "ami-0abcdef1234567890"),
        count=int(table.number("count", 1, 1, 100)),
        monitoring=bool(table.get("monitoring", bool, False)),
        tags=table.string_map("tags"),
    )
    table.done()
    return spec


def _flow_log(table: Reader) -> FlowLogSpec:
    traffic_type = table.get("traffic_type", str, "ALL")
    if traffic_type not in TRAFFIC_TYPES:
        raise table.fail(f"traffic_type must be one of {', '.join(TRAFFIC_TYPES)}")
    group, bucket = table.get("log_group", str), table.get("bucket", str)
    if (group is None) == (bucket is None):
        raise table.fail("give either log_group or bucket")
    prefix = table.get("prefix", str, "")
    if prefix and bucket is None:
        raise table.fail("prefix goes with bucket")
    interval = int(table.number("interval", 600, 60, 600))
    if interval not in INTERVALS:
        raise table.fail(f"interval must be 60 or 600, not {interval}")
    text = table.get("format", str)
    try:
        parse_log_format(text)
    except AwsError as error:
        raise table.fail(f"format: {error.message}") from None
    spec = FlowLogSpec(
        table.required("resource", str), traffic_type, group, bucket, prefix, interval, text
    )
    table.done()
    return spec


def _check_references(table: Reader, spec: Ec2Spec) -> None:
    """Every name a resource gives must be one the section defines, in the right VPC."""
    acls = {a.name: a.vpc for a in spec.acls}
    subnets = {s.name: s.vpc for s in spec.subnets}
    groups = {(g.vpc, g.name) for g in spec.groups}
    for index, subnet in enumerate(spec.subnets):
        if subnet.network_acl is not None and acls.get(subnet.network_acl) != subnet.vpc:
            raise ScenarioError(
                f"{table.source}: ec2.subnet[{index}]: network_acl {subnet.network_acl!r} is "
                f"not defined in [[ec2.network_acl]] for vpc {subnet.vpc!r}"
            )
    for index, group in enumerate(spec.groups):
        for rule in (*group.ingress, *(group.egress or ())):
            if "/" not in rule.peer and (group.vpc, rule.peer) not in groups:
                raise ScenarioError(
                    f"{table.source}: ec2.security_group[{index}]: {rule.peer!r} is neither a "
                    f"CIDR nor a security group of the same VPC"
                )
    for index, instance in enumerate(spec.instances):
        where = f"{table.source}: ec2.instance[{index}]"
        vpc = DEFAULT
        if instance.subnet is not None:
            if instance.subnet not in subnets:
                raise ScenarioError(
                    f"{where}: subnet {instance.subnet!r} is not defined in [[ec2.subnet]]"
                )
            vpc = subnets[instance.subnet]
        for name in instance.groups:
            if (vpc, name) not in groups:
                raise ScenarioError(
                    f"{where}: security group {name!r} is not defined in "
                    f"[[ec2.security_group]] for the instance's VPC"
                )
    named = names(spec)
    known = named["vpc"] | named["subnet"] | named["instance"]
    for index, flow_log in enumerate(spec.flow_logs):
        if flow_log.resource not in known:
            raise ScenarioError(
                f"{table.source}: ec2.flow_log[{index}]: resource {flow_log.resource!r} is not "
                "a VPC, subnet or instance the [ec2] section defines"
            )


# -- applying ------------------------------------------------------------------------------


class _Applier:
    def __init__(self, cloud: Cloud, source: str) -> None:
        self.cloud = cloud
        self.source = source
        self.vpcs: dict[str, str] = {}
        self.subnets: dict[str, str] = {}
        #: Each subnet's VPC, by their scenario names.
        self.subnet_vpcs: dict[str, str] = {}
        self.groups: dict[tuple[str, str], str] = {}
        self.acls: dict[str, str] = {}
        #: Each instance name's network interfaces.
        self.interfaces: dict[str, list[str]] = {}

    async def call(self, action: str, params: dict[str, Any], where: str) -> dict[str, Any]:
        try:
            return await self.cloud.call("ec2", action, params, caller=SETUP_ROLE)
        except AwsError as error:
            raise ScenarioError(f"{self.source}: {where}: {error.code}: {error.message}") from None

    async def apply(self, spec: Ec2Spec) -> None:
        described = await self.call("DescribeVpcs", {"Filters": _default_filter()}, "default VPC")
        self.vpcs[DEFAULT] = described["Vpcs"][0]["VpcId"] if described["Vpcs"] else ""
        for vpc in spec.vpcs:
            params = {"CidrBlock": vpc.cidr, "TagSpecifications": _named("vpc", vpc.name, vpc.tags)}
            made = await self.call("CreateVpc", params, f"vpc {vpc.name!r}")
            self.vpcs[vpc.name] = made["Vpc"]["VpcId"]
        for acl in spec.acls:
            await self._acl(acl)
        public_tables: dict[str, str] = {}
        for subnet in spec.subnets:
            await self._subnet(subnet, public_tables)
        for group in spec.groups:
            await self._group(group)
        for group in spec.groups:
            await self._rules(group)
        for instance in spec.instances:
            await self._instance(instance)
        for flow_log in spec.flow_logs:
            await self._flow_log(flow_log)

    async def _acl(self, acl: AclSpec) -> None:
        where = f"network_acl {acl.name!r}"
        params = {"VpcId": self.vpcs[acl.vpc], "TagSpecifications": _named("network-acl", acl.name)}
        acl_id = (await self.call("CreateNetworkAcl", params, where))["NetworkAcl"]["NetworkAclId"]
        self.acls[acl.name] = acl_id
        for entry in acl.entries:
            fields: dict[str, Any] = {
                "NetworkAclId": acl_id,
                "RuleNumber": entry.rule,
                "Protocol": str(entry.protocol),
                "RuleAction": "allow" if entry.allow else "deny",
                "Egress": entry.egress,
                "CidrBlock": entry.cidr,
            }
            if entry.low is not None:
                fields["PortRange"] = {"From": entry.low, "To": entry.high}
            await self.call("CreateNetworkAclEntry", fields, f"{where}: rule {entry.rule}")

    async def _subnet(self, subnet: SubnetSpec, public_tables: dict[str, str]) -> None:
        where = f"subnet {subnet.name!r}"
        vpc_id = self.vpcs[subnet.vpc]
        params: dict[str, Any] = {
            "VpcId": vpc_id,
            "CidrBlock": subnet.cidr,
            "TagSpecifications": _named("subnet", subnet.name, subnet.tags),
        }
        if subnet.zone:
            params["AvailabilityZone"] = subnet.zone
        subnet_id = (await self.call("CreateSubnet", params, where))["Subnet"]["SubnetId"]
        self.subnets[subnet.name] = subnet_id
        self.subnet_vpcs[subnet.name] = subnet.vpc
        if subnet.public:
            table = public_tables.get(vpc_id) or await self._way_out(vpc_id, subnet.vpc)
            public_tables[vpc_id] = table
            await self.call(
                "AssociateRouteTable", {"RouteTableId": table, "SubnetId": subnet_id}, where
            )
            flag = {"SubnetId": subnet_id, "MapPublicIpOnLaunch": {"Value": True}}
            await self.call("ModifySubnetAttribute", flag, where)
        if subnet.network_acl is not None:
            found = await self.call(
                "DescribeNetworkAcls",
                {"Filters": [{"Name": "association.subnet-id", "Values": [subnet_id]}]},
                where,
            )
            association = next(
                a["NetworkAclAssociationId"]
                for a in found["NetworkAcls"][0]["Associations"]
                if a["SubnetId"] == subnet_id
            )
            params = {"AssociationId": association, "NetworkAclId": self.acls[subnet.network_acl]}
            await self.call("ReplaceNetworkAclAssociation", params, where)

    async def _way_out(self, vpc_id: str, vpc: str) -> str:
        """An internet gateway for the VPC and a route table sending 0.0.0.0/0 to it."""
        where = f"vpc {vpc!r}: internet gateway"
        gateway = (await self.call("CreateInternetGateway", {}, where))["InternetGateway"]
        gateway_id = gateway["InternetGatewayId"]
        await self.call(
            "AttachInternetGateway", {"InternetGatewayId": gateway_id, "VpcId": vpc_id}, where
        )
        table = (await self.call("CreateRouteTable", {"VpcId": vpc_id}, where))["RouteTable"]
        route = {
            "RouteTableId": table["RouteTableId"],
            "DestinationCidrBlock": "0.0.0.0/0",
            "GatewayId": gateway_id,
        }
        await self.call("CreateRoute", route, where)
        return str(table["RouteTableId"])

    async def _group(self, group: GroupSpec) -> None:
        params: dict[str, Any] = {
            "GroupName": group.name,
            "Description": group.description,
            "VpcId": self.vpcs[group.vpc],
        }
        if group.tags:
            params["TagSpecifications"] = [
                {"ResourceType": "security-group", "Tags": _tag_list(group.tags)}
            ]
        made = await self.call("CreateSecurityGroup", params, f"security_group {group.name!r}")
        self.groups[(group.vpc, group.name)] = made["GroupId"]

    async def _rules(self, group: GroupSpec) -> None:
        where = f"security_group {group.name!r}"
        group_id = self.groups[(group.vpc, group.name)]
        if group.ingress:
            permissions = [self._permission(group.vpc, r) for r in group.ingress]
            params = {"GroupId": group_id, "IpPermissions": permissions}
            await self.call("AuthorizeSecurityGroupIngress", params, where)
        if group.egress is not None:
            everything = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
            params = {"GroupId": group_id, "IpPermissions": [everything]}
            await self.call("RevokeSecurityGroupEgress", params, where)
            if group.egress:
                permissions = [self._permission(group.vpc, r) for r in group.egress]
                params = {"GroupId": group_id, "IpPermissions": permissions}
                await self.call("AuthorizeSecurityGroupEgress", params, where)

    def _permission(self, vpc: str, rule: RuleSpec) -> dict[str, Any]:
        out: dict[str, Any] = {"IpProtocol": rule.protocol}
        if rule.low is not None:
            out["FromPort"], out["ToPort"] = rule.low, rule.high
        if "/" in rule.peer:
            out["IpRanges"] = [{"CidrIp": rule.peer}]
        else:
            out["UserIdGroupPairs"] = [{"GroupId": self.groups[(vpc, rule.peer)]}]
        return out

    async def _instance(self, instance: InstanceSpec) -> None:
        params: dict[str, Any] = {
            "ImageId": instance.image,
            "InstanceType": instance.instance_type,
            "MinCount": instance.count,
            "MaxCount": instance.count,
            "TagSpecifications": _named("instance", instance.name, instance.tags),
        }
        vpc = DEFAULT
        if instance.subnet is not None:
            params["SubnetId"] = self.subnets[instance.subnet]
            vpc = self.subnet_vpcs[instance.subnet]
        if instance.groups:
            params["SecurityGroupIds"] = [self.groups[(vpc, name)] for name in instance.groups]
        if instance.monitoring:
            params["Monitoring"] = {"Enabled": True}
        made = await self.call("RunInstances", params, f"instance {instance.name!r}")
        self.interfaces[instance.name] = [
            eni["NetworkInterfaceId"] for i in made["Instances"] for eni in i["NetworkInterfaces"]
        ]

    async def _flow_log(self, flow_log: FlowLogSpec) -> None:
        where = f"flow_log on {flow_log.resource!r}"
        name = flow_log.resource
        if name in self.vpcs:
            kind, ids = "VPC", [self.vpcs[name]]
        elif name in self.subnets:
            kind, ids = "Subnet", [self.subnets[name]]
        else:
            kind, ids = "NetworkInterface", self.interfaces[name]
        params: dict[str, Any] = {
            "ResourceIds": ids,
            "ResourceType": kind,
            "TrafficType": flow_log.traffic_type,
            "MaxAggregationInterval": flow_log.interval,
        }
        if flow_log.format is not None:
            params["LogFormat"] = flow_log.format
        if flow_log.log_group is not None:
            params["LogGroupName"] = flow_log.log_group
            params["DeliverLogsPermissionArn"] = (
                f"arn:aws:iam::{self.cloud.account}:role/skydeck-flow-logs"
            )
        else:
            prefix = f"/{flow_log.prefix.strip('/')}" if flow_log.prefix.strip("/") else ""
            params["LogDestinationType"] = "s3"
            params["LogDestination"] = f"arn:aws:s3:::{flow_log.bucket}{prefix}"
        made = await self.call("CreateFlowLogs", params, where)
        for failed in made["Unsuccessful"]:
            error = failed["Error"]
            raise ScenarioError(f"{self.source}: {where}: {error['Code']}: {error['Message']}")


def _default_filter() -> list[dict[str, Any]]:
    return [{"Name": "is-default", "Values": ["true"]}]


def _tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _named(kind: str, name: str, tags: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": _tag_list({"Name": name, **(tags or {})})}]


async def apply(spec: Ec2Spec, cloud: Cloud, source: str) -> None:
    await _Applier(cloud, source).apply(spec)


def names(spec: Ec2Spec) -> Mapping[str, set[str]]:
    return {
        "vpc": {v.name for v in spec.vpcs},
        "subnet": {s.name for s in spec.subnets},
        "security_group": {g.name for g in spec.groups},
        "instance": {i.name for i in spec.instances},
    }


SECTION = ScenarioSection("ec2", parse, apply, names)
