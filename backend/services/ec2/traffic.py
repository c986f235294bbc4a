"""Connections through the EC2 network: decided, written to flow logs, counted for the dashboard.

`Traffic.connect` is the one way an actor opens a connection. The two ends
are an ENI (`NetworkInterface`) or an internet address (a `str`). It
decides the connection with `reachability.decide` (cached, below), then:

- feeds every flow log covering each ENI end (its VPC's, its subnet's, its
  own) with the flows that ENI sees. An accepted connection is the request
  leaving the sender's ENI (egress) and reaching the receiver's (ingress),
  and the reply the other way with the ports swapped. A refused one writes
  only what AWS would: REJECT at the ENI that refused, and ACCEPT at the ENI
  it passed before that. TCP flags: the request SYN+FIN, the reply
  SYN-ACK+FIN; a TCP connection that never completes is its SYN (one packet,
  `SYN_BYTES`), and the refused SYN-ACK if the reply was what was blocked.
- adds a completed connection's packets and bytes to each instance's ENI
  (the counters `NetworkInterface.record` adds to), which NetworkIn/Out and
  NetworkPacketsIn/Out report.

An end whose instance is not running (stopped, terminated, not yet booted)
gets nothing: the connection is dropped before any interface sees it,
`connect` returns None and nothing is recorded.

Decisions cost some 50 µs (bench/ec2_reachability.py), so they are cached by
the ends, the protocol, the destination port and the source port's *class*:
the stretch of ports between two network ACL port-range bounds, which every
ACL entry treats alike (the source port only matters to the reply's ACL
checks), at most `MAX_VERDICTS` of them. `invalidate` drops the cache; the
service calls it after every EC2 action that may change the model (anything
but Describe*).

For the dashboard, within byte budgets:

    traffic.recent                deque[Observed], newest last (RECENT_BUDGET bytes)
    traffic.counts(eni_id)        (accepted, rejected, bytes_in, bytes_out) of the
                                  last complete minute; `current=True`: this minute so far
    traffic.rejected_last_minute()  connections refused in the region's last complete
                                  minute; `rejected_last_minute(vpc_id)`: in one VPC

A connection counts as rejected when either leg was refused (a reply the
network ACL drops fails the connection as surely as a refused request), and
counts at each ENI end it involves.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final, NamedTuple

from backend.services.ec2.flow_log import FlowLog
from backend.services.ec2.flow_logs import Flow, Interface
from backend.services.ec2.flow_logs.records import FIN, SYN, SYN_ACK
from backend.services.ec2.instance import NetworkInterface
from backend.services.ec2.reachability import REJECT, Decision, decide
from backend.services.ec2.reachability import Flow as Connection

if TYPE_CHECKING:
    from backend.services.ec2.base import Ec2Base

TCP: Final = 6
#: A TCP SYN's size on the wire (IPv4 + TCP headers with options).
SYN_BYTES: Final = 60
#: Bytes `recent` may hold, counting each `Observed` as OBSERVED_OVERHEAD + its strings.
RECENT_BUDGET: Final = 512 * 1024
#: Cached decisions held at most (each internet address is its own key): past it, all go.
MAX_VERDICTS: Final = 20_000
OBSERVED_OVERHEAD: Final = 250
_MINUTE: Final = 60


class Observed(NamedTuple):
    """One connection as the dashboard lists it. An internet end has no ENI (None)."""

    time: float
    src_eni: str | None
    dst_eni: str | None
    srcaddr: str
    dstaddr: str
    srcport: int
    dstport: int
    protocol: int
    #: "REJECT" when the request or its reply was refused.
    action: str
    #: The deciding rule (`Decision.reason`).
    reason: str
    packets: int
    bytes: int


class _Verdict(NamedTuple):
    """A cached decision, worked out into what each ENI end records."""

    decision: Decision
    srcaddr: str
    dstaddr: str
    #: The request at the sender's and receiver's ENI, the reply at the receiver's and sender's.
    request_out: str | None
    request_in: str | None
    reply_out: str | None
    reply_in: str | None
    #: "ACCEPT", or "REJECT" when either leg was refused.
    action: str
    reason: str


End = NetworkInterface | str


def observed_cost(seen: Observed) -> int:
    return OBSERVED_OVERHEAD + len(seen.reason) + len(seen.srcaddr) + len(seen.dstaddr)


class Traffic:
    """The region's connections: decisions, flow-log feeding, and the dashboard's counts."""

    def __init__(
        self,
        network: Ec2Base,
        flow_logs: Mapping[str, FlowLog],
        interface: Callable[[FlowLog, NetworkInterface], Interface],
    ) -> None:
        self.network = network
        self.flow_logs = flow_logs
        self._interface = interface
        self.recent: deque[Observed] = deque()
        self._recent_bytes = 0
        self._verdicts: dict[tuple[object, ...], _Verdict] = {}
        self._covering: dict[str, tuple[tuple[FlowLog, Interface], ...]] = {}
        self._port_bounds: list[int] | None = None
        self._minute = -1
        #: Per ENI: [accepted, rejected, bytes_in, bytes_out], this minute and the last.
        self._now: dict[str, list[int]] = {}
        self._last: dict[str, list[int]] = {}
        #: Connections refused, by VPC (both ends of one are in the same VPC): this minute
        #: and the last.
        self._rejected_now: dict[str, int] = {}
        self._rejected_last: dict[str, int] = {}

    def invalidate(self) -> None:
        """Forget cached decisions and coverage: the model may have changed."""
        self._verdicts.clear()
        self._covering.clear()
        self._port_bounds = None

    def reset(self) -> None:
        self.invalidate()
        self.recent.clear()
        self._recent_bytes = 0
        self._minute = -1
        self._now, self._last = {}, {}
        self._rejected_now, self._rejected_last = {}, {}

    # -- the dashboard's counts -------------------------------------------------------

    def counts(self, eni_id: str, *, current: bool = False) -> tuple[int, int, int, int]:
        """(accepted, rejected, bytes_in, bytes_out) at `eni_id` in the last complete minute."""
        self._roll(self.network.cloud.clock.now())
        found = (self._now if current else self._last).get(eni_id)
        if found is None:
            return 0, 0, 0, 0
        return found[0], found[1], found[2], found[3]

    def rejected_last_minute(self, vpc_id: str | None = None) -> int:
        """Connections refused in the last complete minute, in the region or in `vpc_id`."""
        self._roll(self.network.cloud.clock.now())
        found = self._rejected_last
        return sum(found.values()) if vpc_id is None else found.get(vpc_id, 0)

    def _roll(self, now: float) -> None:
        minute = int(now // _MINUTE)
        if minute == self._minute:
            return
        following = minute == self._minute + 1
        self._last = self._now if following else {}
        self._rejected_last = self._rejected_now if following else {}
        self._now = {}
        self._rejected_now = {}
        self._minute = minute

    # -- connections ------------------------------------------------------------------

    def connect(
        self,
        source: End,
        target: End,
        protocol: int,
        src_port: int,
        dst_port: int,
        *,
        packets_out: int,
        bytes_out: int,
        packets_back: int,
        bytes_back: int,
    ) -> Observed | None:
        """Open one connection from `source` to `target` (module docstring); None if dropped."""
        network = self.network
        now = network.cloud.clock.now()
        src_eni = source if isinstance(source, NetworkInterface) else None
        dst_eni = target if isinstance(target, NetworkInterface) else None
        if not (_running(network, src_eni) and _running(network, dst_eni)):
            return None
        verdict = self._verdict(source, target, protocol, src_port, dst_port)
        tcp = protocol == TCP
        completed = verdict.action != REJECT
        if completed:
            out, back = (packets_out, bytes_out), (packets_back, bytes_back)
            out_flags, back_flags = (SYN | FIN, SYN_ACK | FIN) if tcp else (0, 0)
        elif tcp:
            out, back = (1, SYN_BYTES), (1, SYN_BYTES)
            out_flags, back_flags = SYN, SYN_ACK
        else:
            out, back = (packets_out, bytes_out), (packets_back, bytes_back)
            out_flags = back_flags = 0
        src, dst = verdict.srcaddr, verdict.dstaddr
        if self.flow_logs:
            request = (src, dst, src_port, dst_port, protocol)
            reply = (dst, src, dst_port, src_port, protocol)
            if src_eni is not None:
                self._feed(
                    src_eni,
                    _leg(request, verdict.request_out, out, out_flags, now, "egress"),
                    _leg(reply, verdict.reply_in, back, back_flags, now, "ingress"),
                )
            if dst_eni is not None:
                self._feed(
                    dst_eni,
                    _leg(request, verdict.request_in, out, out_flags, now, "ingress"),
                    _leg(reply, verdict.reply_out, back, back_flags, now, "egress"),
                )
        self._roll(now)
        if completed:
            if src_eni is not None:
                self._moved(src_eni, bytes_out, packets_out, bytes_back, packets_back)
            if dst_eni is not None:
                self._moved(dst_eni, bytes_back, packets_back, bytes_out, packets_out)
            packets, nbytes = packets_out + packets_back, bytes_out + bytes_back
        else:
            end = src_eni if src_eni is not None else dst_eni
            vpc_id = end.vpc_id if end is not None else ""
            self._rejected_now[vpc_id] = self._rejected_now.get(vpc_id, 0) + 1
            if src_eni is not None:
                self._count(src_eni, 1, 0, 0)
            if dst_eni is not None:
                self._count(dst_eni, 1, 0, 0)
            packets, nbytes = out
        seen = _new_observed(
            Observed,
            (
                now,
                None if src_eni is None else src_eni.id,
                None if dst_eni is None else dst_eni.id,
                src,
                dst,
                src_port,
                dst_port,
                protocol,
                verdict.action,
                verdict.reason,
                packets,
                nbytes,
            ),
        )
        self._remember(seen)
        return seen

    def _moved(
        self, eni: NetworkInterface, sent: int, packets_sent: int, got: int, packets_got: int
    ) -> None:
        """A completed connection's traffic at one of its ENIs: its metrics and this minute's."""
        eni.bytes_in += got
        eni.bytes_out += sent
        eni.packets_in += packets_got
        eni.packets_out += packets_sent
        self._count(eni, 0, got, sent)

    def _count(self, eni: NetworkInterface, rejected: int, got: int, sent: int) -> None:
        found = self._now.get(eni.id)
        if found is None:
            found = self._now[eni.id] = [0, 0, 0, 0]
        found[1 if rejected else 0] += 1
        found[2] += got
        found[3] += sent

    def _remember(self, seen: Observed) -> None:
        recent = self.recent
        recent.append(seen)
        used = self._recent_bytes + observed_cost(seen)
        while used > RECENT_BUDGET:
            used -= observed_cost(recent.popleft())
        self._recent_bytes = used

    def _feed(self, eni: NetworkInterface, *legs: _Leg | None) -> None:
        """The flows `eni` sees, into each flow log covering it (legs that never got there: no)."""
        seen = [leg for leg in legs if leg is not None]
        if not seen:
            return
        covering = self._covering.get(eni.id)
        if covering is None:
            covering = self._covering[eni.id] = self._covers(eni)
        for flow_log, interface in covering:
            flow_log.aggregator.add([_new_flow(Flow, (interface, *leg)) for leg in seen])

    def _covers(self, eni: NetworkInterface) -> tuple[tuple[FlowLog, Interface], ...]:
        wanted = (eni.id, eni.subnet_id, eni.vpc_id)
        return tuple(
            (f, self._interface(f, eni)) for f in self.flow_logs.values() if f.resource_id in wanted
        )

    def _verdict(
        self, source: End, target: End, protocol: int, src_port: int, dst_port: int
    ) -> _Verdict:
        bounds = self._port_bounds
        if bounds is None:
            bounds = self._port_bounds = _port_bounds(self.network)
        src_key = source.id if isinstance(source, NetworkInterface) else source
        dst_key = target.id if isinstance(target, NetworkInterface) else target
        key = (src_key, dst_key, protocol, dst_port, bisect_right(bounds, src_port))
        found = self._verdicts.get(key)
        if found is None:
            if len(self._verdicts) >= MAX_VERDICTS:
                self._verdicts.clear()
            found = self._verdicts[key] = _work_out(
                source, target, protocol, src_port, dst_port, self.network
            )
        return found


#: A flow but its interface: addresses, ports, protocol, action, packets, bytes, time,
#: flags, direction, and the five fields traffic between instances leaves unset.
_Leg = tuple[object, ...]
#: `Flow`'s own `__new__` takes 17 arguments in Python; flows are made as the tuples they are.
_new_flow = tuple.__new__
#: The same for `Observed`, made once a connection.
_new_observed = tuple.__new__
_UNSET: Final = (None, None, None, None, None)


def _leg(
    five: tuple[str, str, int, int, int],
    action: str | None,
    sums: tuple[int, int],
    flags: int,
    now: float,
    direction: str,
) -> _Leg | None:
    """One leg as an ENI sees it, or None if it never got there (`action` None)."""
    if action is None:
        return None
    return (*five, action, sums[0], sums[1], now, flags, direction, *_UNSET)


def _running(network: Ec2Base, eni: NetworkInterface | None) -> bool:
    """Whether an ENI end can take part: still there, on an instance that is running."""
    if eni is None:
        return True
    if eni.instance_id is None or eni.id not in network.interfaces:
        return False
    instance = network.instances.get(eni.instance_id)
    return instance is not None and instance.state == "running"


def _port_bounds(network: Ec2Base) -> list[int]:
    """Every port where some network ACL entry's range starts or ends (one past its end)."""
    bounds: set[int] = set()
    for acl in network.network_acls.values():
        for entry in acl.entries:
            if entry.from_port is not None:
                bounds.add(entry.from_port)
                high = entry.to_port if entry.to_port is not None else entry.from_port
                bounds.add(high + 1)
    return sorted(bounds)


def _work_out(
    source: End, target: End, protocol: int, src_port: int, dst_port: int, network: Ec2Base
) -> _Verdict:
    src_eni = source if isinstance(source, NetworkInterface) else None
    dst_eni = target if isinstance(target, NetworkInterface) else None
    connection = Connection(
        protocol,
        src_port,
        dst_port,
        src_eni=None if src_eni is None else src_eni.id,
        dst_eni=None if dst_eni is None else dst_eni.id,
        src_ip=source if isinstance(source, str) else None,
        dst_ip=target if isinstance(target, str) else None,
    )
    decision = decide(network, connection)
    request, reply = decision.request, decision.reply
    src_id = "" if src_eni is None else src_eni.id
    dst_id = "" if dst_eni is None else dst_eni.id
    failed = decision.action == REJECT or (reply is not None and reply.action == REJECT)
    return _Verdict(
        decision,
        str(src_eni.private_ip) if src_eni is not None else str(source),
        str(dst_eni.private_ip) if dst_eni is not None else str(target),
        request.at(src_id),
        request.at(dst_id),
        None if reply is None else reply.at(dst_id),
        None if reply is None else reply.at(src_id),
        REJECT if failed else "ACCEPT",
        decision.reason,
    )
