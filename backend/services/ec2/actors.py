"""EC2's scenario actor: clients opening connections through the VPC network.

```toml
[[actor]]
kind = "ec2-traffic"
name = "web-clients"
from = "internet"            # an instance's name, a list of them, or "internet"
to = ["web-1", "web-2"]      # an instance's name, a list of them, or "public"
port = 443
protocol = "tcp"             # or "udp"
rate = 3                     # connections per second, or {base, amplitude, period, surges}
bytes = { min = 2000, max = 60000 }   # what the server sends back, per connection
sources = 50                 # distinct internet addresses the connections come from
pool = 0                     # source ports reused (a connection pool); 0: a new one each
```

Connections arrive at Poisson times of the virtual clock, each from a
source drawn from `from` to a target drawn from `to` (an instance name
stands for every instance of that Name tag; `"public"` for every instance
with a public IPv4 address), from an ephemeral port (Linux's 32768-60999),
and go through `Ec2Service.traffic.connect`, which decides them and writes
the flow logs. The request is an eighth of the reply's bytes (at least a
SYN's worth); packets are the bytes in 1,448-byte segments plus the
handshake's and the close's. Internet sources are drawn once from the
actor's rng among public unicast addresses (no RFC 1918, loopback,
link-local, CGNAT or multicast). With `pool` set, connections go out from
that many source ports drawn once, as a service's connection pool keeps its
connections open: its flows then add up in one record per port and window
where fresh ports give a record each. Instances are looked up again every
`REFRESH` simulated seconds, so those launched or terminated later join or
leave the traffic (a stopped one is still drawn, and its connections dropped).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from backend.actors.actor import Actor
from backend.actors.draws import below, pick
from backend.actors.rates import Rate, read_rate
from backend.cloud import Cloud
from backend.kit.scenario import Reader
from backend.registry import ActorKind
from backend.services.ec2.instance import Instance, NetworkInterface
from backend.services.ec2.security_group import protocol_number
from backend.services.ec2.service import Ec2Service

INTERNET: Final = "internet"
PUBLIC: Final = "public"
PROTOCOLS: Final = ("tcp", "udp")
#: Linux's ephemeral ports (net.ipv4.ip_local_port_range).
EPHEMERAL_LOW: Final = 32768
EPHEMERAL_COUNT: Final = 61000 - 32768
#: Simulated seconds between looking the targets up again.
REFRESH: Final = 30.0
SEGMENT: Final = 1448
#: First octets of no public unicast address: 0/8, 10/8, 127/8, and 224 and up.
_NOT_PUBLIC_FIRST: Final = frozenset({0, 10, 127})


def packets_for(nbytes: int, tcp: bool) -> int:
    """Packets carrying `nbytes`: full segments, plus the handshake's and close's for TCP."""
    return -(-nbytes // SEGMENT) + (2 if tcp else 0)


def internet_address(rng: Any) -> str:
    """A public unicast IPv4 address drawn from `rng`."""
    while True:
        first = 1 + below(rng, 223)
        second = below(rng, 256)
        if first in _NOT_PUBLIC_FIRST:
            continue
        if (first, second >> 4) == (172, 1) or (first, second) in ((192, 168), (169, 254)):
            continue
        if first == 100 and 64 <= second < 128:
            continue
        return f"{first}.{second}.{below(rng, 256)}.{1 + below(rng, 254)}"


class TrafficActor(Actor):
    """Connections at `rate` from `source` to the `targets`."""

    kind: ClassVar[str] = "ec2-traffic"

    def __init__(
        self,
        cloud: Cloud,
        name: str,
        sources_from: tuple[str, ...],
        targets: tuple[str, ...],
        *,
        port: int,
        protocol: str = "tcp",
        rate: Rate,
        min_bytes: int = 1000,
        max_bytes: int = 20000,
        sources: int = 20,
        pool: int = 0,
    ) -> None:
        super().__init__(cloud, name)
        self.sources_from = sources_from
        self.from_internet = sources_from == (INTERNET,)
        self.targets = targets
        self.port = port
        self.protocol = protocol_number(protocol) or 6
        self.rate = rate
        self.min_bytes = min_bytes
        self.max_bytes = max_bytes
        self.addresses = [internet_address(self.rng) for _ in range(sources)]
        self.ports = [EPHEMERAL_LOW + below(self.rng, EPHEMERAL_COUNT) for _ in range(pool)]
        self.connections = 0
        self.rejected = 0

    def _resolve(self, ec2: Ec2Service) -> tuple[list[NetworkInterface], list[NetworkInterface]]:
        """The source ENIs (none: the internet) and the target ENIs, as the model is now."""
        live = [i for i in ec2.instances.values() if i.state != "terminated"]

        def named(name: str) -> list[Instance]:
            return [i for i in live if i.tags.get("Name") == name]

        senders: list[Instance] = []
        if not self.from_internet:
            for source in self.sources_from:
                senders += named(source)
        receivers: list[Instance] = []
        for target in self.targets:
            if target == PUBLIC:
                receivers += [i for i in live if i.interface.public_ip is not None]
            else:
                receivers += named(target)
        return [i.interface for i in senders], [i.interface for i in receivers]

    async def run(self) -> None:
        clock = self.cloud.clock
        ec2 = self.cloud.service(Ec2Service)
        connect = ec2.traffic.connect
        rng = self.rng
        started = clock.now()
        senders, receivers = self._resolve(ec2)
        looked = started
        tcp = self.protocol == 6
        spread = self.max_bytes - self.min_bytes + 1
        ports = self.ports
        while True:
            await self.arrival(self.rate, started)
            now = clock.now()
            if now - looked >= REFRESH:
                senders, receivers = self._resolve(ec2)
                looked = now
            if not receivers or (not self.from_internet and not senders):
                self.status = "no running instance to connect"
                continue
            target = pick(rng, receivers)
            origin: NetworkInterface | str = (
                pick(rng, senders) if senders else pick(rng, self.addresses)
            )
            back = self.min_bytes + below(rng, spread)
            out = max(back // 8, 60)
            seen = connect(
                origin,
                target,
                self.protocol,
                pick(rng, ports) if ports else EPHEMERAL_LOW + below(rng, EPHEMERAL_COUNT),
                self.port,
                packets_out=packets_for(out, tcp),
                bytes_out=out,
                packets_back=packets_for(back, tcp),
                bytes_back=back,
            )
            if seen is None:
                continue
            self.connections += 1
            if seen.action == "REJECT":
                self.rejected += 1


def _names(table: Reader, key: str, defined: Mapping[str, set[str]]) -> tuple[str, ...]:
    raw = table.required(key, (str, list))
    names = [raw] if isinstance(raw, str) else raw
    if not names or not all(isinstance(n, str) for n in names):
        raise table.fail(f"{key} must be an instance's name or a list of them")
    known = defined.get("instance", set())
    special = {INTERNET} if key == "from" else {PUBLIC}
    for name in names:
        if name not in special and name not in known:
            choices = " or ".join(f'"{s}"' for s in sorted(special))
            raise table.fail(f"{key} {name!r} is not defined in [[ec2.instance]] (nor {choices})")
    if key == "from" and INTERNET in names and len(names) != 1:
        raise table.fail('from is "internet" or instances\' names, not both')
    return tuple(names)


def _options(table: Reader, defined: Mapping[str, set[str]]) -> dict[str, Any]:
    options: dict[str, Any] = {
        "sources_from": _names(table, "from", defined),
        "targets": _names(table, "to", defined),
    }
    if "port" not in table.table:
        raise table.fail("port is required (the port the targets listen on)")
    options["port"] = int(table.number("port", 0, 1, 65535))
    protocol = table.get("protocol", str, "tcp")
    if protocol not in PROTOCOLS:
        raise table.fail(f"protocol must be one of {', '.join(PROTOCOLS)}, not {protocol!r}")
    options["protocol"] = protocol
    options["rate"] = read_rate(table, "connections per second")
    sizes = table.sub("bytes")
    if sizes is not None:
        low = int(sizes.number("min", 1000, 0, 1 << 30))
        high = int(sizes.number("max", max(low, 20000), 0, 1 << 30))
        sizes.done()
        if high < low:
            raise table.fail(f"bytes: max ({high}) must be at least min ({low})")
        options["min_bytes"], options["max_bytes"] = low, high
    options["sources"] = int(table.number("sources", 20, 1, 10_000))
    options["pool"] = int(table.number("pool", 0, 0, 1_000))
    return options


ACTORS = (
    ActorKind(
        "ec2-traffic",
        _options,
        TrafficActor.build,
        "connections through a VPC, decided by its groups and ACLs, written to flow logs",
    ),
)
