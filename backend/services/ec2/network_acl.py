"""Network ACLs: stateless, numbered allow/deny rules at a subnet's edge.

Rules are read lowest number first and the first that matches decides; one
that none matches meets the final `*` rule (32767 in the API), which
denies. Each direction is its own list, and replies are packets like any
other: a NACL must allow them too (AWS_FACTS §18).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network

from backend.services.ec2.security_group import ALL, PORTED

#: The `*` rule every direction ends with, as the API numbers it.
CATCH_ALL = 32767
#: Rule numbers a client may use.
RULE_NUMBERS = range(1, 32767)


@dataclass(frozen=True)
class AclEntry:
    number: int
    egress: bool
    #: An IANA protocol number, -1 for all (the API writes it as a string).
    protocol: int
    allow: bool
    cidr: IPv4Network
    from_port: int | None = None
    to_port: int | None = None

    def matches(self, protocol: int, peer: IPv4Address, port: int) -> bool:
        """Whether the rule takes a packet of `protocol` to `port` with `peer` at the far end."""
        if self.protocol not in (ALL, protocol) or peer not in self.cidr:
            return False
        if self.protocol == ALL or protocol not in PORTED or self.from_port is None:
            return True
        high = self.to_port if self.to_port is not None else self.from_port
        return self.from_port <= port <= high

    def shown(self) -> str:
        number = "*" if self.number == CATCH_ALL else str(self.number)
        return f"rule {number} {'allow' if self.allow else 'deny'}"


_DENY_ALL = (
    AclEntry(CATCH_ALL, False, ALL, False, IPv4Network("0.0.0.0/0")),
    AclEntry(CATCH_ALL, True, ALL, False, IPv4Network("0.0.0.0/0")),
)


@dataclass(eq=False)
class NetworkAcl:
    id: str
    vpc_id: str
    is_default: bool
    owner: str
    entries: list[AclEntry] = field(default_factory=list)
    #: Subnets using this ACL, by association id (`aclassoc-…`).
    associations: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    def all_entries(self) -> list[AclEntry]:
        """The rules as DescribeNetworkAcls lists them: each direction's, then its `*`."""
        return sorted([*self.entries, *_DENY_ALL], key=lambda e: (e.egress, e.number))

    def find(self, number: int, egress: bool) -> AclEntry | None:
        return next((e for e in self.entries if e.number == number and e.egress == egress), None)

    def decide(self, egress: bool, protocol: int, peer: IPv4Address, port: int) -> AclEntry:
        """The rule that decides a packet: the lowest numbered that matches, else `*`."""
        ordered = sorted((e for e in self.entries if e.egress == egress), key=lambda e: e.number)
        for entry in ordered:
            if entry.matches(protocol, peer, port):
                return entry
        return _DENY_ALL[1 if egress else 0]
