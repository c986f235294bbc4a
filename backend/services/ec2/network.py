"""The VPC layer of the model: VPCs, subnets, internet gateways and route tables.

Plain Python with no wire shapes (`shapes.py` writes those). Addresses are
`ipaddress` objects, so containment and overlap are exact. A subnet hands
out private addresses itself, skipping the five AWS reserves in every
subnet (the base, +1 router, +2 DNS, +3, and the last), so
`AvailableIpAddressCount` is what AWS reports: 4091 for a /20.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network

#: Addresses AWS keeps in every subnet: the first four and the last.
RESERVED_ADDRESSES = 5
#: 0.0.0.0/0: the destination of a route to the internet.
ANYWHERE = IPv4Network("0.0.0.0/0")


@dataclass(eq=False)
class Vpc:
    id: str
    cidr: IPv4Network
    is_default: bool
    #: `vpc-cidr-assoc-…` of its primary CIDR block.
    association_id: str
    dhcp_options_id: str
    owner: str
    state: str = "available"
    tags: dict[str, str] = field(default_factory=dict)
    #: Its main route table, default security group and default network ACL, by id.
    main_route_table: str = ""
    default_security_group: str = ""
    default_network_acl: str = ""


@dataclass(eq=False)
class Subnet:
    id: str
    vpc_id: str
    cidr: IPv4Network
    availability_zone: str
    default_for_az: bool
    map_public_ip_on_launch: bool
    owner: str
    arn: str
    state: str = "available"
    tags: dict[str, str] = field(default_factory=dict)
    #: Private addresses handed out (ENIs), as integers.
    used: set[int] = field(default_factory=set)

    @property
    def available_addresses(self) -> int:
        return self.cidr.num_addresses - RESERVED_ADDRESSES - len(self.used)

    def allocate(self, wanted: IPv4Address | None = None) -> IPv4Address | None:
        """A free private address (the lowest, or `wanted` if free); None when full."""
        first = int(self.cidr.network_address) + RESERVED_ADDRESSES - 1
        last = int(self.cidr.broadcast_address) - 1
        if wanted is not None:
            number = int(wanted)
            if not first <= number <= last or number in self.used:
                return None
            self.used.add(number)
            return wanted
        for number in range(first, last + 1):
            if number not in self.used:
                self.used.add(number)
                return IPv4Address(number)
        return None

    def release(self, address: IPv4Address) -> None:
        self.used.discard(int(address))


@dataclass(eq=False)
class InternetGateway:
    id: str
    owner: str
    vpc_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    destination: IPv4Network
    #: `local`, or the gateway's id (`igw-…`).
    target: str


@dataclass(eq=False)
class RouteTable:
    id: str
    vpc_id: str
    main: bool
    owner: str
    routes: list[Route] = field(default_factory=list)
    #: Subnets explicitly associated, by association id (`rtbassoc-…`).
    subnets: dict[str, str] = field(default_factory=dict)
    #: The main association's id (for the main table only).
    main_association: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    def target(self, address: IPv4Address) -> str | None:
        """The target of the most specific route to `address`, if any."""
        found: Route | None = None
        for route in self.routes:
            if address in route.destination and (
                found is None or route.destination.prefixlen > found.destination.prefixlen
            ):
                found = route
        return None if found is None else found.target
