"""EC2 reachability: the CPU cost of one `decide` over a small VPC.

    python bench/ec2_reachability.py [--flows N]

Flow logs decide every flow they aggregate, so `decide` must stay cheap
next to the traffic that feeds it. The world is the default VPC plus one
VPC with a public and a private subnet, four groups with rules naming each
other, a custom network ACL and four instances; the flows mix instance to
instance (across subnets and within one), internet to instance and
instance to internet. Times are CPU seconds of this process
(`time.process_time`), so other load does not skew them.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from backend.scenarios import apply, parse_scenario
from backend.services import new_cloud
from backend.services.ec2 import REGISTRATION, Ec2Service
from backend.services.ec2.reachability import Flow, decide

WORLD = """
[scenario]
name = "bench"

[[ec2.vpc]]
name = "shop"
cidr = "10.0.0.0/16"

[[ec2.subnet]]
name = "public"
vpc = "shop"
cidr = "10.0.1.0/24"
public = true

[[ec2.subnet]]
name = "private"
vpc = "shop"
cidr = "10.0.2.0/24"
network_acl = "private"

[[ec2.network_acl]]
name = "private"
vpc = "shop"
entries = [
  { rule = 100, protocol = "tcp", ports = 5432, cidr = "10.0.1.0/24" },
  { rule = 110, protocol = "tcp", ports = 22, cidr = "10.0.0.0/16", action = "deny" },
  { rule = 100, egress = true, protocol = "tcp", ports = "1024-65535", cidr = "10.0.1.0/24" },
]

[[ec2.security_group]]
name = "web"
vpc = "shop"
ingress = [{ protocol = "tcp", ports = 443, from = "0.0.0.0/0" }]

[[ec2.security_group]]
name = "db"
vpc = "shop"
ingress = [{ protocol = "tcp", ports = 5432, from = "web" }]

[[ec2.instance]]
name = "web"
subnet = "public"
groups = ["web"]
count = 2

[[ec2.instance]]
name = "db"
subnet = "private"
groups = ["db"]
count = 2
"""


async def main(count: int) -> None:
    registry = (REGISTRATION,)
    cloud = new_cloud(registry, seed=1)
    await apply(parse_scenario(WORLD, "bench.toml", registry), cloud, registry)
    await cloud.clock.advance(60)
    service = cloud.service(Ec2Service)
    enis = list(service.interfaces)
    shapes = [
        lambda i: Flow(6, 40000 + i % 20000, 5432, src_eni=enis[i % 2], dst_eni=enis[2 + i % 2]),
        lambda i: Flow(6, 40000 + i % 20000, 443, src_ip="198.51.100.7", dst_eni=enis[i % 2]),
        lambda i: Flow(6, 40000 + i % 20000, 443, src_eni=enis[i % 4], dst_ip="203.0.113.9"),
        lambda i: Flow(6, 40000 + i % 20000, 22, src_eni=enis[0], dst_eni=enis[1]),
    ]
    flows = [shapes[i % len(shapes)](i) for i in range(count)]
    start = time.process_time()
    accepted = sum(decide(service, flow).action == "ACCEPT" for flow in flows)
    spent = time.process_time() - start
    print(
        f"decide: {count:,} flows in {spent:.3f} s CPU, {spent / count * 1e6:.1f} us a flow "
        f"({accepted:,} accepted)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=20_000)
    asyncio.run(main(parser.parse_args().flows))
