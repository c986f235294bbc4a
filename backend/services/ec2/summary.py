"""EC2's part of a headless run's summary: one row per VPC, what runs in it.

```
vpc       cidr            subnets  groups  instances  running
default   172.31.0.0/16         6       1          2        2
shop      10.0.0.0/16           2       3          3        1
```

A VPC is shown by its Name tag (the default VPC as `default`, one without
a name by its ID); "instances" counts those not terminated. Nothing is
printed while the account has only its default VPC and no instances, so a
scenario without EC2 keeps its summary as it was.
"""

from __future__ import annotations

from backend.cloud import Cloud
from backend.services.ec2.service import Ec2Service

_HEADER = ("vpc", "cidr", "subnets", "groups", "instances", "running")


def summary(cloud: Cloud) -> list[str]:
    service = cloud.service(Ec2Service)
    vpcs = list(service.vpcs.values())
    if len(vpcs) <= 1 and not service.instances:
        return []
    rows = []
    for vpc in vpcs:
        name = "default" if vpc.is_default else vpc.tags.get("Name", vpc.id)
        live = [
            i for i in service.instances.values() if i.vpc_id == vpc.id and i.state != "terminated"
        ]
        rows.append(
            (
                name,
                str(vpc.cidr),
                sum(s.vpc_id == vpc.id for s in service.subnets.values()),
                sum(g.vpc_id == vpc.id for g in service.security_groups.values()),
                len(live),
                sum(i.state == "running" for i in live),
            )
        )
    width = max(len(_HEADER[0]), *(len(row[0]) for row in rows))
    lines = [f"{_HEADER[0]:<{width}}  {_HEADER[1]:<18}" + "".join(f"{h:>10}" for h in _HEADER[2:])]
    for row in rows:
        counts = "".join(f"{n:>10,}" for n in row[2:])
        lines.append(f"{row[0]:<{width}}  {row[1]:<18}{counts}")
    return lines
