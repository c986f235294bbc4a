"""Whether a flow passes, decided as AWS decides it, and why.

`decide(network, flow)` reads the model (no side effects, no clock) and
walks the path a packet takes: out of the sender's security groups, out
through its subnet's network ACL, into the receiver's subnet's ACL, into
the receiver's security groups. Then it walks the reply back the same way.

- Security groups are stateful and allow-only: the request needs a rule
  that allows it (egress at the sender, ingress at the receiver); the reply
  to an allowed request always passes them.
- Network ACLs are stateless: each direction's rules are read lowest number
  first, the first match decides, and none matching meets the `*` deny
  (32767). The reply is a packet like any other, to the request's source
  port, so an ACL that blocks only the return path gives an ACCEPT for the
  request and a REJECT for the reply (AWS_FACTS §18, §7). Traffic between
  two interfaces of the same subnet crosses no ACL.
- The internet is reached only through an internet gateway attached to the
  VPC, by a subnet whose route table sends the address there, and only by
  an interface with a public IP (the gateway translates it to the private
  one, which is what the groups and ACLs see). Two VPCs do not reach each
  other: skydeck has no peering.

The answer says which check decided each leg, so the dashboard can show it
and flow logs can write each interface's record:

    Decision(request=Leg, reply=Leg | None)
      .action  "ACCEPT" | "REJECT" (the request's)
      .reason  the deciding check, e.g. "acl-0ab… rule 110 deny (inbound)"
    Leg(checks=(Check, ...))  # in path order, up to the first refusal
      .action, .reason, .at(eni_id) -> "ACCEPT" | "REJECT" | None (never got there)
    Check(eni, stage, allowed, rule)

`reply` is None when the request was refused: nothing answers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address

from backend.services.ec2.base import Ec2Base
from backend.services.ec2.instance import NetworkInterface
from backend.services.ec2.network_acl import NetworkAcl
from backend.services.ec2.security_group import ALL

ACCEPT = "ACCEPT"
REJECT = "REJECT"
PROTOCOL_NAMES = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6"}


@dataclass(frozen=True, slots=True)
class Flow:
    """A connection as its first packet has it.

    `src_eni`/`dst_eni` name the interfaces at each end; None means that end
    is on the internet at `src_ip`/`dst_ip`. An interface end's address is
    read from the model (its private one, which is what groups and ACLs see
    even of traffic sent to its public one), so `src_ip`/`dst_ip` are only
    for internet ends.
    """

    protocol: int
    src_port: int
    dst_port: int
    src_eni: str | None = None
    dst_eni: str | None = None
    src_ip: str | None = None
    dst_ip: str | None = None


@dataclass(frozen=True, slots=True)
class Check:
    """One check on the path: where (an ENI's side), what, its verdict and the rule that gave it."""

    #: The interface whose side of the path this is (its groups, its subnet's ACL).
    eni: str | None
    #: "security group egress|ingress", "network ACL outbound|inbound", "route".
    stage: str
    allowed: bool
    rule: str


@dataclass(frozen=True, slots=True)
class Leg:
    """One direction of the flow: the checks made, stopping at the first refusal."""

    checks: tuple[Check, ...]

    @property
    def action(self) -> str:
        return ACCEPT if all(c.allowed for c in self.checks) else REJECT

    @property
    def reason(self) -> str:
        refused = next((c for c in self.checks if not c.allowed), None)
        if refused is not None:
            return refused.rule
        return "; ".join(c.rule for c in self.checks) or "allowed"

    def at(self, eni: str) -> str | None:
        """What `eni`'s flow log records for this leg; None if the leg never reached it."""
        mine = [c for c in self.checks if c.eni == eni]
        if not mine:
            return None
        return ACCEPT if all(c.allowed for c in mine) else REJECT


@dataclass(frozen=True, slots=True)
class Decision:
    request: Leg
    #: None when the request was refused.
    reply: Leg | None

    @property
    def action(self) -> str:
        return self.request.action

    @property
    def reason(self) -> str:
        if self.reply is not None and self.reply.action == REJECT:
            return f"reply refused: {self.reply.reason}"
        return self.request.reason


@dataclass(frozen=True, slots=True)
class _End:
    eni: NetworkInterface | None
    #: The address the groups and ACLs see: the ENI's private one, or the internet host's.
    address: IPv4Address
    port: int


class _Path:
    def __init__(self, network: Ec2Base, protocol: int) -> None:
        self.network = network
        self.protocol = protocol
        self.checks: list[Check] = []

    def check(self, eni: NetworkInterface | None, stage: str, allowed: bool, rule: str) -> bool:
        self.checks.append(Check(None if eni is None else eni.id, stage, allowed, rule))
        return allowed

    def leg(self, sender: _End, receiver: _End, reply: bool) -> Leg:
        self._walk(sender, receiver, reply)
        return Leg(tuple(self.checks))

    def _walk(self, sender: _End, receiver: _End, reply: bool) -> None:
        """Check one packet from `sender` to `receiver`, stopping at the first refusal.

        Groups and ACLs both match the packet's destination port: the
        request's service port, the reply's ephemeral one.
        """
        port = receiver.port
        crossing = (
            sender.eni is None
            or receiver.eni is None
            or sender.eni.subnet_id != receiver.eni.subnet_id
        )
        if sender.eni is not None:
            if not self._group(sender.eni, receiver.address, receiver.eni, port, True, reply):
                return
            if not self._route(sender.eni, receiver):
                return
            if crossing and not self._acl(sender.eni, True, receiver.address, port):
                return
        if receiver.eni is not None:
            if sender.eni is None and not self._route(receiver.eni, sender):
                return
            if crossing and not self._acl(receiver.eni, False, sender.address, port):
                return
            self._group(receiver.eni, sender.address, sender.eni, port, False, reply)

    def _route(self, eni: NetworkInterface, peer: _End) -> bool:
        """Whether `eni` reaches `peer` at all: same VPC, or the internet through a gateway."""
        network = self.network
        if peer.eni is not None:
            if peer.eni.vpc_id == eni.vpc_id:
                return True
            return self.check(
                eni, "route", False, f"no route from {eni.vpc_id} to {peer.eni.vpc_id}"
            )
        subnet = network.subnets.get(eni.subnet_id)
        if subnet is None:
            return self.check(eni, "route", False, f"subnet {eni.subnet_id} is gone")
        table = network.route_table_of(subnet)
        target = table.target(peer.address)
        gateway = network.internet_gateways.get(target or "")
        if gateway is None or gateway.vpc_id != eni.vpc_id:
            return self.check(
                eni,
                "route",
                False,
                f"{table.id} has no route to {peer.address} through an attached internet gateway",
            )
        if eni.public_ip is None:
            return self.check(eni, "route", False, f"{eni.id} has no public IPv4 address")
        return self.check(eni, "route", True, f"{table.id} routes {peer.address} to {gateway.id}")

    def _acl(self, eni: NetworkInterface, egress: bool, peer: IPv4Address, port: int) -> bool:
        subnet = self.network.subnets.get(eni.subnet_id)
        stage = "network ACL outbound" if egress else "network ACL inbound"
        if subnet is None:
            return self.check(eni, stage, False, f"subnet {eni.subnet_id} is gone")
        acl: NetworkAcl = self.network.network_acl_of(subnet)
        entry = acl.decide(egress, self.protocol, peer, port)
        way = "outbound" if egress else "inbound"
        return self.check(eni, stage, entry.allow, f"{acl.id} {entry.shown()} ({way})")

    def _group(
        self,
        eni: NetworkInterface,
        peer: IPv4Address,
        peer_eni: NetworkInterface | None,
        port: int,
        egress: bool,
        reply: bool,
    ) -> bool:
        stage = "security group egress" if egress else "security group ingress"
        if reply:
            return self.check(eni, stage, True, "reply to an allowed flow (stateful)")
        peer_groups: frozenset[str] = frozenset()
        if peer_eni is not None and peer_eni.vpc_id == eni.vpc_id:
            peer_groups = frozenset(peer_eni.group_ids)
        direction = "to" if egress else "from"
        for group_id in eni.group_ids:
            group = self.network.security_groups.get(group_id)
            if group is None:
                continue
            for rule in group.rules(egress):
                if rule.covers(self.protocol, port) and rule.admits(peer, peer_groups):
                    return self.check(eni, stage, True, f"{group.id} allows {rule.shown(egress)}")
        name = "all" if self.protocol == ALL else PROTOCOL_NAMES.get(self.protocol, "")
        name = name or f"protocol {self.protocol}"
        groups = ", ".join(eni.group_ids) or "its groups"
        return self.check(
            eni, stage, False, f"no rule of {groups} allows {name} {port} {direction} {peer}"
        )


def _end(network: Ec2Base, eni_id: str | None, address: str | None, port: int) -> _End:
    if eni_id is not None:
        eni = network.interfaces.get(eni_id)
        if eni is None:
            raise KeyError(f"no network interface {eni_id}")
        return _End(eni, eni.private_ip, port)
    if address is None:
        raise ValueError("an end on the internet needs its address")
    return _End(None, IPv4Address(address), port)


def decide(network: Ec2Base, flow: Flow) -> Decision:
    """The verdict on `flow` and its reply (module docstring), from the model as it is now."""
    source = _end(network, flow.src_eni, flow.src_ip, flow.src_port)
    target = _end(network, flow.dst_eni, flow.dst_ip, flow.dst_port)
    request = _Path(network, flow.protocol).leg(source, target, reply=False)
    if request.action == REJECT:
        return Decision(request, None)
    return Decision(request, _Path(network, flow.protocol).leg(target, source, reply=True))
