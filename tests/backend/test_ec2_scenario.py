"""The [ec2] scenario section: what it reads, its precise mistakes, what it builds, its summary."""

from __future__ import annotations

import pytest

from backend.headless import format_summary, run_headless
from backend.registry import Registration
from backend.scenarios import ScenarioError, apply, parse_scenario
from backend.services import new_cloud
from backend.services.ec2 import REGISTRATION, Ec2Service
from backend.services.ec2.reachability import ACCEPT, REJECT, Flow, decide

REGISTRY: tuple[Registration, ...] = (REGISTRATION,)

SHOP = """
[scenario]
name = "shop"
seed = 4

[[ec2.vpc]]
name = "shop"
cidr = "10.0.0.0/16"

[[ec2.subnet]]
name = "public-a"
vpc = "shop"
cidr = "10.0.1.0/24"
public = true

[[ec2.subnet]]
name = "private-a"
vpc = "shop"
cidr = "10.0.2.0/24"
zone = "us-east-1b"
network_acl = "private"

[[ec2.network_acl]]
name = "private"
vpc = "shop"
entries = [
  { rule = 100, protocol = "tcp", ports = 5432, cidr = "10.0.1.0/24" },
  { rule = 100, egress = true, protocol = "tcp", ports = "1024-65535", cidr = "10.0.1.0/24" },
]

[[ec2.security_group]]
name = "web"
vpc = "shop"
ingress = [{ protocol = "tcp", ports = 443, from = "0.0.0.0/0" }]

[[ec2.security_group]]
name = "db"
vpc = "shop"
description = "database"
ingress = [{ protocol = "tcp", ports = 5432, from = "web" }]
egress = []

[[ec2.instance]]
name = "web"
subnet = "public-a"
groups = ["web"]
type = "t3.micro"
count = 2

[[ec2.instance]]
name = "db"
subnet = "private-a"
groups = ["db"]
monitoring = true

[[ec2.instance]]
name = "tools"
"""


def parse(text: str) -> object:
    return parse_scenario(text, "test.toml", REGISTRY)


def test_the_section_reads_every_kind() -> None:
    scenario = parse_scenario(SHOP, "shop.toml", REGISTRY)
    spec = scenario.sections["ec2"]
    assert [s.name for s in spec.subnets] == ["public-a", "private-a"]
    db = spec.groups[1]
    assert (db.description, db.egress) == ("database", ())
    assert db.ingress[0].peer == "web" and (db.ingress[0].low, db.ingress[0].high) == (5432, 5432)
    entry = spec.acls[0].entries[1]
    assert (entry.egress, entry.low, entry.high, entry.allow) == (True, 1024, 65535, True)
    assert spec.instances[0].count == 2 and spec.instances[2].subnet is None
    assert REGISTRATION.sections[0].names(spec)["instance"] == {"web", "db", "tools"}


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[[ec2.vpc]]\nname = "v"', "test.toml: ec2.vpc[0]: cidr is required"),
        (
            '[[ec2.subnet]]\nname = "s"\nvpc = "nope"\ncidr = "10.0.0.0/24"',
            "ec2.subnet[0]: vpc 'nope' is not defined in [[ec2.vpc]]",
        ),
        (
            '[[ec2.subnet]]\nname = "s"\ncidr = "10.0.0.0/24"',
            "ec2.subnet[0]: vpc is required: the default VPC's subnets are made for you",
        ),
        (
            '[[ec2.security_group]]\nname = "g"\n'
            'ingress = [{ protocol = "tcp", from = "0.0.0.0/0" }]',
            "ec2.security_group[0].ingress[0]: ports is required for tcp and udp",
        ),
        (
            '[[ec2.security_group]]\nname = "g"\n'
            'ingress = [{ protocol = "gre", ports = 1, from = "0.0.0.0/0" }]',
            "protocol must be tcp, udp, icmp, all or a number, not 'gre'",
        ),
        (
            '[[ec2.security_group]]\nname = "g"\n'
            'ingress = [{ protocol = "tcp", ports = "80-20", from = "0.0.0.0/0" }]',
            "ports must lie within 0-65535, low first, not '80-20'",
        ),
        (
            '[[ec2.security_group]]\nname = "g"\ningress = [{ protocol = "all", from = "ghost" }]',
            "ec2.security_group[0]: 'ghost' is neither a CIDR nor a security group of the same VPC",
        ),
        (
            '[[ec2.network_acl]]\nname = "a"\n'
            'entries = [{ rule = 0, protocol = "all", cidr = "0.0.0.0/0" }]',
            "ec2.network_acl[0].entries[0]: rule must be between 1 and 32766, not 0",
        ),
        (
            '[[ec2.network_acl]]\nname = "a"\n'
            'entries = [{ rule = 5, protocol = "all", cidr = "0.0.0.0/0", action = "drop" }]',
            "action must be allow or deny, not 'drop'",
        ),
        (
            '[[ec2.instance]]\nname = "i"\nsubnet = "nowhere"',
            "ec2.instance[0]: subnet 'nowhere' is not defined in [[ec2.subnet]]",
        ),
        (
            '[[ec2.instance]]\nname = "i"\ngroups = ["web"]',
            "ec2.instance[0]: security group 'web' is not defined in [[ec2.security_group]] "
            "for the instance's VPC",
        ),
        ('[[ec2.instance]]\nname = "i"\ncolour = "red"', "ec2.instance[0]: unknown key(s): colour"),
        (
            '[[ec2.vpc]]\nname = "v"\ncidr = "10.0.0.0/16"\n'
            '[[ec2.vpc]]\nname = "v"\ncidr = "10.1.0.0/16"',
            "vpc 'v' is defined more than once",
        ),
    ],
)
def test_section_mistakes_say_where(table: str, message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse(f'[scenario]\nname = "x"\n\n{table}\n')
    assert message in str(info.value)


async def test_applying_builds_the_network_and_it_decides_as_written() -> None:
    cloud = new_cloud(REGISTRY, seed=1)
    await apply(parse_scenario(SHOP, "shop.toml", REGISTRY), cloud, REGISTRY)
    await cloud.clock.advance(60)
    service = cloud.service(Ec2Service)
    by_name = {i.tags["Name"]: i for i in reversed(service.instances.values())}
    web, db, tools = by_name["web"], by_name["db"], by_name["tools"]
    assert web.public_ip is not None and db.public_ip is None
    default = service.default_vpc()
    assert default is not None and tools.vpc_id == default.id
    assert db.detailed_monitoring and db.state == "running"
    to_db = decide(service, Flow(6, 40000, 5432, src_eni=web.interface.id, dst_eni=db.interface.id))
    assert (to_db.action, to_db.reply and to_db.reply.action) == (ACCEPT, ACCEPT)
    in_web = decide(service, Flow(6, 50000, 443, src_ip="198.51.100.1", dst_eni=web.interface.id))
    assert in_web.action == ACCEPT
    in_db = decide(service, Flow(6, 50000, 5432, src_ip="198.51.100.1", dst_eni=db.interface.id))
    assert in_db.action == REJECT


async def test_aws_refusals_fail_the_scenario_in_awss_words() -> None:
    overlapping = SHOP.replace('cidr = "10.0.2.0/24"', 'cidr = "10.0.1.128/25"')
    cloud = new_cloud(REGISTRY, seed=1)
    with pytest.raises(ScenarioError) as info:
        await apply(parse_scenario(overlapping, "t.toml", REGISTRY), cloud, REGISTRY)
    assert str(info.value) == (
        "t.toml: subnet 'private-a': InvalidSubnet.Conflict: The CIDR '10.0.1.128/25' "
        "conflicts with another subnet"
    )


async def test_the_headless_summary_has_a_row_per_vpc_and_is_the_same_each_run() -> None:
    scenario = parse_scenario(SHOP, "shop.toml", REGISTRY)
    first = format_summary(await run_headless(scenario, 600, registry=REGISTRY))
    second = format_summary(await run_headless(scenario, 600, registry=REGISTRY))
    assert first == second
    lines = first.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("vpc "))
    assert lines[header + 1].split() == ["default", "172.31.0.0/16", "6", "1", "1", "1"]
    assert lines[header + 2].split() == ["shop", "10.0.0.0/16", "2", "3", "3", "3"]
