"""SG and NACL decisions as AWS makes them: stateful groups, stateless ACLs, the internet.

One world for every row: the default VPC, a `web` and a `db` instance in one
subnet and an `app` instance in another, with groups and ACL entries the
rows rely on.
"""

from __future__ import annotations

from typing import Any

import pytest

from backend.cloud import Cloud
from backend.services.ec2.lifecycle import BOOT_SECONDS
from backend.services.ec2.reachability import ACCEPT, REJECT, Decision, Flow, decide
from backend.services.ec2.service import Ec2Service
from tests.backend.ec2_helpers import default_vpc_id, ec2, model, run

TCP, UDP = 6, 17


async def _group(cloud: Cloud, name: str, *rules: dict[str, Any]) -> str:
    made = await ec2(cloud, "CreateSecurityGroup", GroupName=name, Description=name)
    group: str = made["GroupId"]
    if rules:
        await ec2(cloud, "AuthorizeSecurityGroupIngress", GroupId=group, IpPermissions=list(rules))
    return group


def _tcp(port: int, cidr: str | None = None, group: str | None = None) -> dict[str, Any]:
    rule: dict[str, Any] = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port}
    if cidr:
        rule["IpRanges"] = [{"CidrIp": cidr}]
    if group:
        rule["UserIdGroupPairs"] = [{"GroupId": group}]
    return rule


class World:
    def __init__(self, service: Ec2Service, enis: dict[str, str]) -> None:
        self.service = service
        self.enis = enis

    def decide(self, src: str, dst: str, port: int, protocol: int = TCP) -> Decision:
        src_eni = self.enis.get(src)
        dst_eni = self.enis.get(dst)
        return decide(
            self.service,
            Flow(
                protocol,
                40000,
                port,
                src_eni=src_eni,
                dst_eni=dst_eni,
                src_ip=None if src_eni else src,
                dst_ip=None if dst_eni else dst,
            ),
        )


@pytest.fixture
async def world(cloud: Cloud) -> World:
    web = await _group(cloud, "web", _tcp(443, cidr="0.0.0.0/0"), _tcp(22, cidr="10.9.0.0/16"))
    db = await _group(cloud, "db", _tcp(5432, group=web))
    app = await _group(cloud, "app", _tcp(8080, cidr="172.31.0.0/16"))
    service = model(cloud)
    subnets = [s for s in service.subnets.values() if s.vpc_id == default_vpc_id(cloud)]
    enis = {}
    for name, group, subnet in (
        ("web", web, subnets[0]),
        ("db", db, subnets[0]),
        ("app", app, subnets[1]),
    ):
        [instance] = await run(cloud, SubnetId=subnet.id, SecurityGroupIds=[group])
        enis[name] = instance["NetworkInterfaces"][0]["NetworkInterfaceId"]
    await cloud.clock.advance(BOOT_SECONDS)
    # The second subnet's own ACL: in 8080 from the VPC, out only to ports below 1024,
    # so replies (to ephemeral ports) are refused on the way back.
    acl = (await ec2(cloud, "CreateNetworkAcl", VpcId=subnets[1].vpc_id))["NetworkAcl"]
    acl_id = acl["NetworkAclId"]
    for number, egress, ports, action in (
        (100, False, (8080, 8080), "allow"),
        (110, False, (9000, 9000), "deny"),
        (100, True, (0, 1023), "allow"),
    ):
        await ec2(
            cloud,
            "CreateNetworkAclEntry",
            NetworkAclId=acl_id,
            RuleNumber=number,
            Protocol="6",
            RuleAction=action,
            Egress=egress,
            CidrBlock="0.0.0.0/0",
            PortRange={"From": ports[0], "To": ports[1]},
        )
    old = service.network_acl_of(subnets[1])
    [association] = [a for a, s in old.associations.items() if s == subnets[1].id]
    await ec2(cloud, "ReplaceNetworkAclAssociation", AssociationId=association, NetworkAclId=acl_id)
    return World(service, enis)


@pytest.mark.parametrize(
    ("src", "dst", "port", "request_action", "reply_action", "reason"),
    [
        # Stateful groups: the reply to an allowed request passes without a rule for it.
        ("198.51.100.7", "web", 443, ACCEPT, ACCEPT, "allows tcp 443 from 0.0.0.0/0"),
        ("198.51.100.7", "web", 22, REJECT, None, "allows tcp 22 from 198.51.100.7"),
        # A group as the source: web may reach db on 5432, the internet may not.
        ("web", "db", 5432, ACCEPT, ACCEPT, "allows tcp 5432 from sg-"),
        ("198.51.100.7", "db", 5432, REJECT, None, "allows tcp 5432 from 198.51.100.7"),
        # Same subnet (web, db): no ACL is crossed; db's group refuses the port.
        ("db", "web", 5432, REJECT, None, "allows tcp 5432 from 172.31."),
        # app's subnet ACL lets out only ports below 1024.
        ("app", "db", 5432, REJECT, None, "rule * deny (outbound)"),
        # The ACL lets the request in, but its outbound rules refuse the reply's
        # ephemeral port: ACCEPT for the request, REJECT for the reply.
        ("web", "app", 8080, ACCEPT, REJECT, "reply refused: acl-"),
        # Lowest number wins: 110 denies 9000 before the `*`.
        ("web", "app", 9000, REJECT, None, "rule 110 deny (inbound)"),
        # The internet is reached through the VPC's gateway.
        ("web", "203.0.113.9", 443, ACCEPT, ACCEPT, "routes 203.0.113.9 to igw-"),
    ],
)
async def test_decisions(
    world: World,
    src: str,
    dst: str,
    port: int,
    request_action: str,
    reply_action: str | None,
    reason: str,
) -> None:
    decision = world.decide(src, dst, port)
    assert decision.request.action == request_action
    assert (decision.reply.action if decision.reply else None) == reply_action
    if request_action == REJECT and reason.startswith("allows"):
        # Refused by a group: "no rule of sg-… allows tcp 22 from 198.51.100.7".
        assert decision.reason.startswith("no rule of sg-")
    assert reason.removeprefix("allows ") in decision.reason


async def test_each_interface_records_its_side_of_the_path(world: World) -> None:
    decision = world.decide("web", "app", 8080)
    assert decision.request.at(world.enis["web"]) == ACCEPT
    assert decision.request.at(world.enis["app"]) == ACCEPT
    assert decision.reply is not None
    assert decision.reply.at(world.enis["app"]) == REJECT
    assert decision.reply.at(world.enis["web"]) is None
    assert decision.action == ACCEPT
    assert decision.reason.startswith("reply refused: acl-")
    refused = world.decide("web", "app", 9000)
    assert refused.request.at(world.enis["web"]) == ACCEPT
    assert refused.request.at(world.enis["app"]) == REJECT


async def test_a_stopped_instance_has_no_public_address_to_reach(
    world: World, cloud: Cloud
) -> None:
    eni = world.service.interfaces[world.enis["web"]]
    assert eni.instance_id is not None
    await ec2(cloud, "StopInstances", InstanceIds=[eni.instance_id])
    decision = world.decide("198.51.100.7", "web", 443)
    assert decision.action == REJECT
    assert decision.reason == f"{eni.id} has no public IPv4 address"


async def test_a_private_subnet_has_no_route_out(cloud: Cloud) -> None:
    vpc = (await ec2(cloud, "CreateVpc", CidrBlock="10.0.0.0/16"))["Vpc"]["VpcId"]
    subnet = (await ec2(cloud, "CreateSubnet", VpcId=vpc, CidrBlock="10.0.1.0/24"))["Subnet"]
    [instance] = await run(cloud, SubnetId=subnet["SubnetId"])
    eni = instance["NetworkInterfaces"][0]["NetworkInterfaceId"]
    decision = decide(model(cloud), Flow(UDP, 5000, 53, src_eni=eni, dst_ip="8.8.8.8"))
    assert decision.action == REJECT
    assert "has no route to 8.8.8.8 through an attached internet gateway" in decision.reason
