"""Security groups: stateful, allow-only rule sets on network interfaces.

A rule (`Permission`) allows one protocol and port range from (ingress) or
to (egress) some CIDRs or other groups. There are no deny rules: what no
rule allows is dropped, and a reply to an allowed flow always passes
(`reachability.py` relies on that). Protocols are kept as the client named
them (`tcp`, `-1`, `50`; names in lower case): DescribeSecurityGroups echoes
them so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network

from backend.numbers import whole_number

#: IpProtocol names and the IANA numbers they stand for.
PROTOCOL_NUMBERS = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}
ALL = -1
#: Protocols whose rules carry port ranges (ICMP's carry type and code).
PORTED = frozenset({6, 17})


def protocol_number(name: str) -> int | None:
    """`tcp` -> 6, `-1` -> -1, `50` -> 50; None for what is neither."""
    lowered = name.lower()
    if lowered in PROTOCOL_NUMBERS:
        return PROTOCOL_NUMBERS[lowered]
    if lowered in ("-1", "all"):
        return ALL
    number = whole_number(lowered)
    return number if number is not None and 0 <= number <= 255 else None


@dataclass(frozen=True)
class Permission:
    """One rule: a protocol and port range, and the peers it allows."""

    rule_id: str
    protocol: str
    from_port: int | None
    to_port: int | None
    cidr: IPv4Network | None = None
    group_id: str | None = None
    description: str = ""

    @property
    def number(self) -> int:
        found = protocol_number(self.protocol)
        return ALL if found is None else found

    def same_as(self, other: Permission) -> bool:
        """Whether `other` allows exactly this (InvalidPermission.Duplicate)."""
        return (
            self.number,
            self.from_port,
            self.to_port,
            self.cidr,
            self.group_id,
        ) == (other.number, other.from_port, other.to_port, other.cidr, other.group_id)

    def covers(self, protocol: int, port: int) -> bool:
        """Whether the rule's protocol and range take a packet of `protocol` to `port`."""
        number = self.number
        if number == ALL:
            return True
        if number != protocol:
            return False
        if number not in PORTED or self.from_port is None or self.from_port == ALL:
            return True
        high = self.to_port if self.to_port is not None else self.from_port
        return self.from_port <= port <= high

    def admits(self, peer: IPv4Address, peer_groups: frozenset[str]) -> bool:
        if self.cidr is not None:
            return peer in self.cidr
        return self.group_id is not None and self.group_id in peer_groups

    def shown(self, egress: bool) -> str:
        """The rule as the dashboard says it: `tcp 22 from 0.0.0.0/0` (`to` when `egress`)."""
        if self.number == ALL:
            ports = "all traffic"
        elif self.from_port is None or self.from_port == ALL:
            ports = f"{self.protocol} all"
        elif self.from_port == self.to_port:
            ports = f"{self.protocol} {self.from_port}"
        else:
            ports = f"{self.protocol} {self.from_port}-{self.to_port}"
        return f"{ports} {'to' if egress else 'from'} {self.cidr or self.group_id}"


@dataclass(eq=False)
class SecurityGroup:
    id: str
    name: str
    description: str
    vpc_id: str
    owner: str
    arn: str
    ingress: list[Permission] = field(default_factory=list)
    egress: list[Permission] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def is_default(self) -> bool:
        return self.name == "default"

    def rules(self, egress: bool) -> list[Permission]:
        return self.egress if egress else self.ingress
