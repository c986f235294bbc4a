"""EC2's network as rows: VPCs, the instances in the highlighted one, and their traffic.

`NetworkPresenter` is the Network pane's presenter (see `tui.presenters.resource`):
a VPC's row says how much of it there is and how much of its traffic was
refused in the last minute; its detail names its subnets (public or not, the
network ACL each uses), its internet gateway and its flow logs; its child
table lists its instances with their addresses, security groups and their
connections of the last minute, accepted and rejected apart.

Names are Name tags where there are some (`web-1`, `shop`), ids where not:
what a person calls the thing, as the console's Name column does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.text import Text

from backend.cloud import Cloud
from backend.services.ec2 import Ec2Service
from backend.services.ec2.flow_log import FlowLog
from backend.services.ec2.flow_logs import Record
from backend.services.ec2.instance import Instance
from backend.services.ec2.network import Subnet, Vpc
from backend.services.ec2.network_acl import AclEntry
from backend.services.ec2.reachability import PROTOCOL_NAMES
from backend.services.ec2.security_group import ALL
from tui.presenters.firehose import format_bytes
from tui.presenters.formats import clock, compact_count
from tui.presenters.palette import Palette
from tui.presenters.resource import ResourcePresenter, TableSpec
from widgets.live_table import Column, Row

VPC_COLUMNS = (
    Column("vpc", 0, min_width=10),
    Column("id", 21, drop=3),
    Column("cidr", 15),
    Column("subnets", 7, "right", drop=2),
    Column("instances", 9, "right", drop=1),
    Column("flow logs", 9, "right", drop=4),
    Column("rejected/min", 12, "right"),
)
INSTANCE_COLUMNS = (
    Column("instance", 0, min_width=10),
    Column("id", 19, drop=4),
    Column("state", 13),
    Column("subnet", 10, drop=2),
    Column("private ip", 15),
    Column("public ip", 15, drop=1),
    Column("groups", 0, min_width=8, drop=5),
    Column("in/min", 8, "right", drop=3),
    Column("accepted", 8, "right"),
    Column("rejected", 8, "right"),
)
RECORD_COLUMNS = (
    Column("window", 8),
    Column("interface", 0, min_width=12),
    Column("source", 21),
    Column("destination", 21),
    Column("proto", 5, drop=2),
    Column("packets", 7, "right", drop=3),
    Column("bytes", 8, "right", drop=1),
    Column("action", 6),
    Column("status", 8, drop=4),
)
TALKER_COLUMNS = (
    Column("top talkers", 0, min_width=15),
    Column("records", 7, "right"),
    Column("bytes", 9, "right"),
    Column("rejected", 8, "right"),
)
#: Records the flow view lists, newest first; the filter searches these.
RECORDS_SHOWN = 2_000
#: Sources ranked under the records.
TALKERS = 8
#: An instance's latest connections shown with their reasons.
CONNECTIONS_SHOWN = 12
#: States in the success colour (running), the warning one (on their way), or muted.
_SETTLED = {"running": "success", "pending": "warning", "stopping": "warning"}


def name_of(tags: Mapping[str, str], fallback: str) -> str:
    """The Name tag, or the id when there is none."""
    return tags.get("Name") or fallback


def state_text(state: str, palette: Palette) -> Text:
    """An instance's state in words and its colour: running green, changing amber, else muted."""
    colour = getattr(palette, _SETTLED.get(state, "gone"))
    return Text(state, colour)


class NetworkPresenter(ResourcePresenter[Vpc]):
    """The region's VPCs keyed by id; the highlighted one's instances keyed by instance id."""

    table = TableSpec("VPCs", VPC_COLUMNS, "no VPC: the default VPC comes with the account")
    child_table = TableSpec("Instances", INSTANCE_COLUMNS, "no instances: n launches one")

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud)
        self.ec2 = cloud.service(Ec2Service)

    # -- lookups --------------------------------------------------------------------------

    def vpcs(self) -> list[Vpc]:
        """The default VPC first, then the others by name."""
        return sorted(self.ec2.vpcs.values(), key=lambda v: (not v.is_default, self.name(v)))

    def subnets(self, vpc: Vpc) -> list[Subnet]:
        return sorted(
            (s for s in self.ec2.subnets.values() if s.vpc_id == vpc.id),
            key=lambda s: s.cidr,
        )

    def instances(self, vpc: Vpc) -> list[Instance]:
        """Its instances, terminated ones too while EC2 still lists them, by name."""
        found = (i for i in self.ec2.instances.values() if i.vpc_id == vpc.id)
        return sorted(found, key=lambda i: (self.instance_name(i), i.id))

    def instance(self, instance_id: str) -> Instance | None:
        return self.ec2.instances.get(instance_id)

    @staticmethod
    def instance_name(instance: Instance) -> str:
        return name_of(instance.tags, instance.id)

    def subnet_name(self, subnet_id: str) -> str:
        subnet = self.ec2.subnets.get(subnet_id)
        return name_of(subnet.tags, subnet_id) if subnet is not None else subnet_id

    def group_names(self, group_ids: Iterable[str]) -> str:
        groups = self.ec2.security_groups
        return ", ".join(groups[g].name if g in groups else g for g in group_ids)

    # -- the presenter's shape ----------------------------------------------------------------

    def rows(self, palette: Palette) -> list[Row]:
        return [self.vpc_row(vpc, palette) for vpc in self.vpcs()]

    def vpc_row(self, vpc: Vpc, palette: Palette) -> Row:
        subnets = len(self.subnets(vpc))
        instances = self.instances(vpc)
        live = sum(1 for i in instances if i.state != "terminated")
        rejected = self.ec2.traffic.rejected_last_minute(vpc.id)
        refused = Text(f"{rejected:,}", palette.error if rejected else palette.gone)
        logs = self.flow_log_count(vpc)
        name = self.name(vpc) + (" (default)" if vpc.is_default else "")
        return Row(
            key=vpc.id,
            cells=(name, vpc.id, str(vpc.cidr), str(subnets), str(live), str(logs), refused),
            sort=(name, vpc.id, vpc.cidr, subnets, live, logs, rejected),
        )

    def find(self, key: str) -> Vpc | None:
        return self.ec2.vpcs.get(key)

    def name(self, resource: Vpc) -> str:
        return name_of(resource.tags, resource.id)

    def key_of(self, name: str) -> str | None:
        return next((v.id for v in self.ec2.vpcs.values() if name in (v.id, self.name(v))), None)

    def detail(self, resource: Vpc) -> str:
        """Its CIDR and gateway; its subnets, each public or private and the ACL it uses."""
        gateway = next(
            (g.id for g in self.ec2.internet_gateways.values() if g.vpc_id == resource.id),
            "no internet gateway",
        )
        head = f"{resource.id} · {resource.cidr} · {gateway}"
        subnets = " · ".join(self.subnet_text(s) for s in self.subnets(resource))
        return f"{head}\nsubnets: {subnets or 'none'}\nflow logs: {self.flow_log_text(resource)}"

    def subnet_text(self, subnet: Subnet) -> str:
        """`web 10.0.1.0/24 public` (public: routes 0.0.0.0/0 to a gateway), its ACL if not the
        VPC's default."""
        table = self.ec2.route_table_of(subnet)
        public = any(r.target.startswith("igw-") for r in table.routes)
        acl = self.ec2.network_acl_of(subnet)
        acl_text = "" if acl.is_default else f" acl {name_of(acl.tags, acl.id)}"
        return (
            f"{name_of(subnet.tags, subnet.id)} {subnet.cidr} "
            f"{'public' if public else 'private'}{acl_text}"
        )

    def child_rows(self, resource: Vpc, palette: Palette) -> list[Row]:
        return [self.instance_row(i, palette) for i in self.instances(resource)]

    def instance_row(self, instance: Instance, palette: Palette) -> Row:
        accepted, rejected, bytes_in, _ = self.counts(instance)
        public = str(instance.public_ip) if instance.public_ip is not None else "-"
        name = self.instance_name(instance)
        subnet = self.subnet_name(instance.subnet_id)
        groups = self.group_names(instance.group_ids)
        refused = Text(f"{rejected:,}", palette.error if rejected else palette.gone)
        return Row(
            key=instance.id,
            cells=(
                name,
                instance.id,
                state_text(instance.state, palette),
                subnet,
                str(instance.private_ip),
                public,
                groups,
                format_bytes(bytes_in),
                f"{accepted:,}",
                refused,
            ),
            sort=(
                name,
                instance.id,
                instance.state,
                subnet,
                instance.private_ip,
                public,
                groups,
                bytes_in,
                accepted,
                rejected,
            ),
        )

    def child_title(self, resource: Vpc, shown: int) -> str:
        return f"Instances · {self.name(resource)} · {shown}"

    def badge(self) -> tuple[str, bool]:
        """Connections refused in the last minute, region-wide, as an alert."""
        rejected = self.ec2.traffic.rejected_last_minute()
        return (compact_count(rejected) if rejected else ""), rejected > 0

    # -- traffic ------------------------------------------------------------------------------

    def counts(self, instance: Instance) -> tuple[int, int, int, int]:
        """(accepted, rejected, bytes in, bytes out) of its interface in the last minute."""
        return self.ec2.traffic.counts(instance.interface.id)

    def flow_log_count(self, vpc: Vpc) -> int:
        return len(self.flow_logs(vpc))

    def flow_logs(self, vpc: Vpc) -> list[FlowLog]:
        """The flow logs that watch `vpc`: on it, on one of its subnets or one of its ENIs."""
        ec2 = self.ec2
        covered = {vpc.id}
        covered.update(s.id for s in ec2.subnets.values() if s.vpc_id == vpc.id)
        covered.update(e.id for e in ec2.interfaces.values() if e.vpc_id == vpc.id)
        return [log for log in ec2.flow_logs.values() if log.resource_id in covered]

    def flow_log_text(self, vpc: Vpc) -> str:
        """`fl-… ALL → /skydeck/vpc-flow-logs every 1 min · 120 records, next delivery 09:14:20`."""
        now = self.cloud.clock.now()
        said = []
        for log in self.flow_logs(vpc):
            where = log.log_group_name or log.log_destination or log.destination_type
            due = log.next_delivery
            wait = f"next delivery in {int(due - now)} s" if due is not None else "nothing waiting"
            failed = "" if log.deliver_status == "SUCCESS" else f" · {log.deliver_status}"
            said.append(
                f"{log.id} {log.traffic_type} → {where} every {log.max_aggregation_interval} s"
                f" · {log.records_written:,} records, {log.deliveries:,} deliveries, {wait}{failed}"
            )
        return " · ".join(said) if said else "no flow log: l creates one"

    def records(self, vpc: Vpc, action: str | None = None, eni: str | None = None) -> list[Record]:
        """The records of the flow logs watching `vpc`, newest first, at most `RECORDS_SHOWN`.

        A record is a capture window's aggregate, so it exists only once its
        window closed: what a flow log has written, not what is happening now.
        """
        found: list[Record] = []
        for log in self.flow_logs(vpc):
            kept = log.recent_records
            found.extend(
                r
                for r in kept
                if (action is None or r.action == action) and (eni is None or r.interface_id == eni)
            )
        found.sort(key=lambda r: (r.start, r.end), reverse=True)
        return found[:RECORDS_SHOWN]

    def record_row(self, index: int, record: Record, palette: Palette) -> Row:
        """A record, `-` where it has no traffic (NODATA, SKIPDATA); ACCEPT and REJECT coloured."""
        owner = self.ec2.interfaces.get(record.interface_id)
        instance = self.instance(owner.instance_id) if owner and owner.instance_id else None
        where = f"{self.instance_name(instance)} " if instance is not None else ""
        source = _address(record.srcaddr, record.srcport)
        target = _address(record.dstaddr, record.dstport)
        protocol = protocol_name(record.protocol)
        colour = {"ACCEPT": palette.success, "REJECT": palette.error}
        shade = colour.get(record.action, palette.gone)
        return Row(
            key=str(index),
            cells=(
                clock(record.start),
                f"{where}{record.interface_id}",
                source,
                target,
                protocol,
                str(record.packets),
                str(record.bytes),
                Text(record.action, shade),
                record.log_status,
            ),
            sort=(
                record.start,
                record.interface_id,
                source,
                target,
                protocol,
                record.packets if isinstance(record.packets, int) else -1,
                record.bytes if isinstance(record.bytes, int) else -1,
                record.action,
                record.log_status,
            ),
        )

    @staticmethod
    def talker_rows(records: Iterable[Record], palette: Palette) -> list[Row]:
        """The sources of `records` by bytes sent, with how many of their records were REJECTs."""
        totals: dict[str, list[int]] = {}
        for record in records:
            if record.log_status != "OK":
                continue
            seen = totals.setdefault(record.srcaddr, [0, 0, 0])
            seen[0] += 1
            seen[1] += record.bytes if isinstance(record.bytes, int) else 0
            seen[2] += record.action == "REJECT"
        ranked = sorted(totals.items(), key=lambda item: (-item[1][1], item[0]))[:TALKERS]
        return [
            Row(
                key=source,
                cells=(
                    source,
                    f"{count:,}",
                    format_bytes(sent),
                    Text(f"{refused:,}", palette.error if refused else palette.gone),
                ),
                sort=(source, count, sent, refused),
            )
            for source, (count, sent, refused) in ranked
        ]

    # -- an instance, in full -----------------------------------------------------------------

    def instance_text(self, instance: Instance, palette: Palette) -> Text:
        """What decides its traffic: its groups' rules, its subnet's ACL, and its latest
        connections with the rule that let each through or stopped it."""
        ec2 = self.ec2
        eni = instance.interface
        text = Text()
        text.append(f"{self.instance_name(instance)}  ", "bold")
        text.append(
            f"{instance.id} · {instance.instance_type} · {instance.state} · {eni.id} "
            f"{eni.mac} · {instance.private_ip}"
            f"{f' / {instance.public_ip}' if instance.public_ip else ''} · "
            f"subnet {self.subnet_name(instance.subnet_id)}\n\n"
        )
        for group_id in instance.group_ids:
            group = ec2.security_groups.get(group_id)
            if group is None:
                continue
            text.append(f"security group {group.name} ({group.id})\n", "bold")
            for egress, rules in ((False, group.ingress), (True, group.egress)):
                for rule in rules:
                    peer = rule.group_id
                    shown = rule.shown(egress)
                    if peer is not None and peer in ec2.security_groups:
                        shown = shown.replace(peer, f"{ec2.security_groups[peer].name} ({peer})")
                    text.append(f"  {'out' if egress else 'in '}  {shown}\n")
                if not rules:
                    text.append(f"  {'out' if egress else 'in '}  nothing allowed\n", palette.gone)
        subnet = ec2.subnets.get(instance.subnet_id)
        if subnet is not None:
            acl = ec2.network_acl_of(subnet)
            named = f"{acl.tags['Name']} ({acl.id})" if "Name" in acl.tags else acl.id
            default = " · the VPC's default" if acl.is_default else ""
            text.append(f"\nnetwork ACL {named}{default}\n", "bold")
            for entry in acl.all_entries():
                colour = palette.success if entry.allow else palette.error
                text.append(f"  {'out' if entry.egress else 'in '}  ")
                text.append(entry.shown(), colour)
                text.append(f" {acl_entry_text(entry)}\n")
        text.append("\nlatest connections\n", "bold")
        mine = [c for c in self.ec2.traffic.recent if eni.id in (c.src_eni, c.dst_eni)]
        for seen in mine[-CONNECTIONS_SHOWN:][::-1]:
            colour = palette.success if seen.action == "ACCEPT" else palette.error
            text.append(f"  {clock(seen.time)} ")
            text.append(f"{seen.action:<6}", colour)
            text.append(
                f" {_address(seen.srcaddr, seen.srcport)} → {_address(seen.dstaddr, seen.dstport)}"
                f" {protocol_name(seen.protocol)} · {seen.reason}\n"
            )
        if not mine:
            text.append("  none yet\n", palette.gone)
        return text


def acl_entry_text(entry: AclEntry) -> str:
    """What a network ACL rule matches: `tcp 5432 from 10.0.2.0/24`, `all traffic to 0.0.0.0/0`."""
    if entry.protocol == ALL:
        what = "all traffic"
    elif entry.from_port is None:
        what = protocol_name(entry.protocol)
    elif entry.from_port == entry.to_port:
        what = f"{protocol_name(entry.protocol)} {entry.from_port}"
    else:
        what = f"{protocol_name(entry.protocol)} {entry.from_port}-{entry.to_port}"
    return f"{what} {'to' if entry.egress else 'from'} {entry.cidr}"


def protocol_name(number: int | str) -> str:
    """`tcp` for 6, the number for a protocol without a name, `-` as it is."""
    return PROTOCOL_NAMES.get(number, str(number)) if isinstance(number, int) else number


def _address(address: str, port: object) -> str:
    """`10.0.1.5:443`; `-` alone for a record with no traffic."""
    return address if port == "-" else f"{address}:{port}"
