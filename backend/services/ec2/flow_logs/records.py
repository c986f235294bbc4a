"""What a flow log sees and what it writes: interfaces, observed flows, and records.

A `Flow` is one burst of packets seen at a network interface, as the EC2
network decided it (ACCEPT or REJECT, after security groups and network ACLs).
A `Record` is one line of a flow log before it is rendered: the aggregate of a
capture window's flows of one 5-tuple and action on one interface (`OK`), or the
line AWS writes for an interface that saw nothing (`NODATA`) or whose flows it
could not capture (`SKIPDATA`).

Both are named tuples: a traffic actor makes many flows a second, and tuple
construction and C-level field access keep that cheap. `Record`'s fields are the
flow-log fields of AWS_FACTS §7 in AWS's order, `version` aside (it belongs to
the format, see `format.py`), each already as it renders: `-` where a field does
not apply, numbers as ints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal, NamedTuple

Action = Literal["ACCEPT", "REJECT"]
Direction = Literal["ingress", "egress"]
TrafficType = Literal["ACCEPT", "REJECT", "ALL"]
LogStatus = Literal["OK", "NODATA", "SKIPDATA"]

#: What a field shows where it does not apply or could not be computed.
NOT_APPLICABLE: Final = "-"

#: The TCP flags flow logs record, as the bits of `tcp-flags`. ACK is recorded only
#: as part of SYN-ACK (18); PSH, URG, ECE and CWR never are.
FIN: Final = 1
SYN: Final = 2
RST: Final = 4
SYN_ACK: Final = 18
_ACK: Final = 16


def _or_dash(value: str | None) -> str:
    return NOT_APPLICABLE if value is None else value


def recorded_tcp_flags(packet_flags: int) -> int:
    """The `tcp-flags` bits one packet with TCP header flags `packet_flags` contributes.

    AWS records FIN, SYN and RST, and SYN-ACK as 18; a lone ACK, PSH or any other
    flag counts as 0 (a plain data segment leaves `tcp-flags` at 0).
    """
    recorded = packet_flags & (FIN | SYN | RST)
    if packet_flags & SYN and packet_flags & _ACK:
        recorded |= _ACK
    return recorded


@dataclass(frozen=True, slots=True, eq=False)
class Interface:
    """A monitored network interface and where it lives: the fields a record takes from it.

    One `Interface` stands for its ENI for the life of a flow log and is shared by
    every flow seen on it: the aggregator keys on it by identity (`eq=False`), a
    pointer compare, where equality by value would hash nine strings per flow.
    """

    id: str
    account_id: str
    vpc_id: str
    subnet_id: str
    region: str
    az_id: str
    #: The instance it is attached to; None for a requester-managed interface
    #: (a NAT gateway's), which AWS shows as `-`.
    instance_id: str | None = None
    sublocation_type: str | None = None
    sublocation_id: str | None = None
    #: (account-id, interface-id, vpc-id, subnet-id, instance-id, region, az-id,
    #: sublocation-type, sublocation-id) as they render, worked out once.
    rendered: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        sublocated = self.sublocation_type is not None
        rendered = (
            self.account_id,
            self.id,
            self.vpc_id,
            self.subnet_id,
            _or_dash(self.instance_id),
            self.region,
            # AWS shows `-` for az-id when the interface is in a sublocation (an Outpost).
            NOT_APPLICABLE if sublocated else self.az_id,
            _or_dash(self.sublocation_type),
            _or_dash(self.sublocation_id),
        )
        object.__setattr__(self, "rendered", rendered)


class Flow(NamedTuple):
    """One burst of packets seen at `interface` at simulated time `time`.

    The field order is the aggregator's: `flow[:7]` is the record's key (interface,
    5-tuple, action). `tcp_flags` is the OR of `recorded_tcp_flags` over the burst's
    packets. `pkt_srcaddr`/`pkt_dstaddr` are the packet's own addresses where they
    differ from the interface's view (traffic through a NAT gateway); None means
    the same as `srcaddr`/`dstaddr`. `traffic_path` (1-8, AWS's codes) applies to
    egress only.
    """

    interface: Interface
    srcaddr: str
    dstaddr: str
    srcport: int
    dstport: int
    protocol: int
    action: Action
    packets: int
    bytes: int
    time: float
    tcp_flags: int = 0
    direction: Direction = "ingress"
    pkt_srcaddr: str | None = None
    pkt_dstaddr: str | None = None
    pkt_src_aws_service: str | None = None
    pkt_dst_aws_service: str | None = None
    traffic_path: int | None = None


Value = str | int


class Record(NamedTuple):
    """One flow-log record, every field but `version` as it renders, in AWS's order."""

    account_id: str
    interface_id: str
    srcaddr: str
    dstaddr: str
    srcport: Value
    dstport: Value
    protocol: Value
    packets: Value
    bytes: Value
    start: int
    end: int
    action: str
    log_status: LogStatus
    vpc_id: str
    subnet_id: str
    instance_id: str
    tcp_flags: Value
    type: str
    pkt_srcaddr: str
    pkt_dstaddr: str
    region: str
    az_id: str
    sublocation_type: str
    sublocation_id: str
    pkt_src_aws_service: str
    pkt_dst_aws_service: str
    flow_direction: str
    traffic_path: Value


def status_record(eni: Interface, status: LogStatus, start: int, end: int) -> Record:
    """A `NODATA` or `SKIPDATA` record: the interface's own fields and the window, `-` else.

    AWS's examples show only the version 2 fields of such lines; the interface's
    version 3-4 fields (vpc-id, subnet-id, instance-id, region, az-id, sublocation)
    are known without traffic, so they are filled too (docs/deviations.md).
    """
    account, eni_id, vpc, subnet, instance, region, az, sub_type, sub_id = eni.rendered
    dash = NOT_APPLICABLE
    return Record(
        account,
        eni_id,
        dash,
        dash,
        dash,
        dash,
        dash,
        dash,
        dash,
        start,
        end,
        dash,
        status,
        vpc,
        subnet,
        instance,
        dash,
        dash,
        dash,
        dash,
        region,
        az,
        sub_type,
        sub_id,
        dash,
        dash,
        dash,
        dash,
    )
