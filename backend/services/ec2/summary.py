"""EC2's part of a headless run's summary: one row per VPC, what runs in it.

```
vpc       cidr            subnets  groups  instances  running
default   172.31.0.0/16         6       1          2        2
shop      10.0.0.0/16           2       3          3        1

flow log              resource  to                         records  accept  reject  deliveries
fl-0123456789abcdef0  shop      /skydeck/vpc-flow-logs       1,204   1,180      20          12
```

A VPC is shown by its Name tag (the default VPC as `default`, one without
a name by its ID); "instances" counts those not terminated. Nothing is
printed while the account has only its default VPC and no instances, so a
scenario without EC2 keeps its summary as it was. Each flow log adds a line:
its resource (by Name tag), its destination (log group, or s3://bucket), the
records of its closed windows (NODATA ones too) with the ACCEPT and REJECT
ones among them, and the deliveries made.
"""

from __future__ import annotations

from backend.cloud import Cloud
from backend.services.ec2.network import Subnet, Vpc
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
    return lines + _flow_log_lines(service)


_FLOW_HEADER = ("flow log", "resource", "to", "records", "accept", "reject", "deliveries")


def _flow_log_lines(service: Ec2Service) -> list[str]:
    if not service.flow_logs:
        return []
    named: dict[str, Vpc | Subnet] = {**service.vpcs, **service.subnets}
    rows = []
    for flow_log in service.flow_logs.values():
        resource = named.get(flow_log.resource_id)
        name = resource.tags.get("Name") if resource is not None else None
        bucket = (flow_log.log_destination or "").removeprefix("arn:aws:s3:::")
        rows.append(
            (
                flow_log.id,
                name or flow_log.resource_id,
                flow_log.log_group_name or f"s3://{bucket}",
                flow_log.records_written,
                flow_log.accepted_records,
                flow_log.rejected_records,
                flow_log.deliveries,
            )
        )
    widths = [max(len(_FLOW_HEADER[i]), *(len(str(r[i])) for r in rows)) for i in range(3)]
    lines = [
        "",
        "  ".join(f"{h:<{w}}" for h, w in zip(_FLOW_HEADER, widths, strict=False))
        + f"{_FLOW_HEADER[3]:>10}{_FLOW_HEADER[4]:>9}{_FLOW_HEADER[5]:>9}{_FLOW_HEADER[6]:>12}",
    ]
    for row in rows:
        text = "  ".join(f"{v!s:<{w}}" for v, w in zip(row[:3], widths, strict=True))
        lines.append(text + f"{row[3]:>10,}{row[4]:>9,}{row[5]:>9,}{row[6]:>12,}")
    return lines
