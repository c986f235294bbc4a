"""Capture windows: a flow log's flows summed per interface and 5-tuple, window by window.

AWS aggregates each network interface's traffic by 5-tuple (source and
destination address and port, protocol) within an aggregation interval, the
*capture window*, of at most `MaxAggregationInterval` (60 or 600 s). Here the
windows of a flow log follow one another from the moment it starts capturing
(`origin`): window k is [origin + k·interval, origin + (k+1)·interval). A
record's key is the interface, the 5-tuple and the action (a flow whose rules
changed mid-window gives an ACCEPT and a REJECT record); packets and bytes are
summed, TCP flags OR-ed, `start`/`end` are the first and last packet's times in
whole seconds. Flows the flow log's `TrafficType` leaves out make no record.

Closing a window (`close`, driven by the clock at window ends) gives its
records grouped by interface id, in the order each key was first seen. An
interface the flow log monitors that saw no traffic at all in the window gets
one `NODATA` record spanning the window.

Memory is bounded by `max_entries`, the distinct keys a window may hold
(about 520 bytes each with the first flow a key keeps, so the default 100,000
is some 52 MB at most; bench/flow_log_aggregation.py measures it). Windows are
freed as they close; with flows added as they happen only the current window
is open, and the one before until the clock closes it. A flow with a new
key past the budget is not captured, and its interface's records for the
window end with one `SKIPDATA` record, as AWS writes one when it "can't
capture flow log data during an aggregation interval because it exceeds
internal capacity"; flows of keys already held keep adding up. A flow for a
window already closed (one the clock has passed) cannot be delivered any more
and is counted in `late`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from math import trunc
from operator import itemgetter
from typing import Any, Final, Literal

from backend.services.ec2.flow_logs.records import (
    NOT_APPLICABLE,
    Action,
    Flow,
    Interface,
    Record,
    TrafficType,
    status_record,
)

#: The two MaxAggregationInterval values AWS accepts (600 is its default).
INTERVALS: Final = (60, 600)
#: Distinct keys one window may hold before flows with new keys are skipped.
DEFAULT_MAX_ENTRIES: Final = 100_000

#: The action each TrafficType leaves out; ALL keeps both, so it names an action no
#: flow has ("" rather than None: `add` compares it with every flow's action, and
#: a str compared with a str is the interpreter's fast case).
_LEFT_OUT: Final[dict[TrafficType, Action | Literal[""]]] = {
    "ACCEPT": "REJECT",
    "REJECT": "ACCEPT",
    "ALL": "",
}


#: Makes a `Record` from the tuple of its fields without `Record.__new__`'s Python call.
_new_record: Final = tuple.__new__

#: A record's key: interface, 5-tuple (addresses, ports, protocol), action.
_Key = tuple[Interface, str, str, int, int, int, Action]
#: A key's running sums once a second flow adds to it: [packets, bytes, first time,
#: last time, tcp flags, first flow]. A key with one flow holds just that flow, whose
#: own fields are its sums: most keys of a busy window never see a second flow, and
#: a list each would cost a quarter of `add`'s time and 100 bytes a key.
_Sums = list[Any]


@dataclass(slots=True)
class _Open:
    """A window still capturing."""

    start: float
    end: float
    #: Running sums by key `flow[:7]` (interface, 5-tuple, action).
    sums: dict[_Key, Flow | _Sums] = field(default_factory=dict)
    #: Interfaces with traffic the filter left out (they are not NODATA).
    quiet: set[Interface] = field(default_factory=set)
    #: Interfaces that had flows skipped over the budget.
    skipped: dict[Interface, None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Window:
    """A closed capture window's records, by interface id."""

    start: float
    end: float
    records: dict[str, list[Record]]


class Aggregator:
    """One flow log's open capture windows.

    Feed it with `add` (flows in any order within open windows); call
    `close(now, interfaces)` at or after window ends with the interfaces the
    flow log monitors now.
    """

    def __init__(
        self,
        origin: float,
        interval: int = 600,
        traffic_type: TrafficType = "ALL",
        max_entries: int = DEFAULT_MAX_ENTRIES,
    ) -> None:
        if interval not in INTERVALS:
            raise ValueError(f"MaxAggregationInterval must be 60 or 600, not {interval}")
        self.origin = float(origin)
        self.interval = interval
        self.traffic_type = traffic_type
        self.max_entries = max_entries
        #: Start of the first window not yet closed: flows before it are late.
        self.closed_until = self.origin
        #: Flows that came for a window already closed.
        self.late = 0
        self._left_out = _LEFT_OUT[traffic_type]
        self._open: dict[int, _Open] = {}

    def next_close(self) -> float:
        """When the oldest window not yet closed ends: when the clock should call `close`."""
        return self.closed_until + self.interval

    def add(self, flows: Iterable[Flow]) -> None:
        """Capture `flows` in their windows."""
        left_out = self._left_out
        budget = self.max_entries
        window: _Open | None = None
        sums: dict[_Key, Flow | _Sums] = {}
        find = sums.get
        low = high = 0.0
        for flow in flows:
            # A flow of a new key is only looked at for its key and time; the
            # rest of it is unpacked when it adds to sums already held.
            key = flow[:7]
            time = flow[9]
            if not low <= time < high:
                window = self._window(time)
                if window is None:
                    self.late += 1
                    low = high = 0.0
                    continue
                low, high = window.start, window.end
                sums = window.sums
                find = sums.get
            if key[6] == left_out:
                assert window is not None
                window.quiet.add(key[0])
                continue
            entry = find(key)
            if entry is None:
                if len(sums) >= budget:
                    assert window is not None
                    window.skipped[key[0]] = None
                    continue
                sums[key] = flow
                continue
            packets, nbytes, time, flags = flow[7:11]
            if type(entry) is not list:
                first = entry[9]
                entry = sums[key] = [entry[7], entry[8], first, first, entry[10], entry]
            entry[0] += packets
            entry[1] += nbytes
            if time > entry[3]:
                entry[3] = time
            elif time < entry[2]:
                entry[2] = time
            if flags:
                entry[4] |= flags

    def _window(self, time: float) -> _Open | None:
        """The open window `time` falls in (opened if need be), or None if it is closed."""
        if time < self.closed_until:
            return None
        index = int((time - self.origin) // self.interval)
        window = self._open.get(index)
        if window is None:
            start = self.origin + index * self.interval
            window = self._open[index] = _Open(start, start + self.interval)
        return window

    def close(self, now: float, interfaces: Iterable[Interface]) -> list[Window]:
        """Close every window that has ended by `now`, oldest first.

        `interfaces` are the ones the flow log monitors: each that saw no traffic
        in a window gets its `NODATA` record there, windows without any flow too.
        """
        monitored = list(interfaces)
        closed: list[Window] = []
        while self.closed_until + self.interval <= now:
            index = int((self.closed_until - self.origin) // self.interval)
            window = self._open.pop(index, None)
            start = self.closed_until
            self.closed_until = start + self.interval
            closed.append(_records(window, start, self.closed_until, monitored))
        return closed


def _records(window: _Open | None, start: float, end: float, monitored: list[Interface]) -> Window:
    """A closed window's records: each key's `OK` record, then SKIPDATA and NODATA ones.

    A window of distinct flows makes a record per flow, so this loop is most of
    what closing one costs:

    - Each `OK` record is built right here as one tuple of its 28 fields
      (`Record`'s own `__new__` is a Python function of 28 arguments), from the
      key and the sums unpacked whole (a `Flow` is sliced once, not indexed
      field by field: the interpreter does not specialize indexing for a tuple
      subclass). A function call per record cost some 15% more.
    - The window's keys are taken off newest first (`popitem`, emptying it), so
      each key, and a first flow no one else holds, is freed as its record is
      made; each interface's records are put back in first-seen order at the
      end. The collector, which runs on allocations less deallocations, then
      hardly runs during the loop, and records reuse the memory the keys leave:
      8% less CPU a window on average than going through the keys in order.
    """
    first, last = int(start), int(end)
    by_eni: dict[str, list[Record]] = {}
    heard: set[Interface] = set()
    if window is not None:
        dash = NOT_APPLICABLE
        sums = window.sums
        # The interfaces in the order their first keys came (records go in the same order).
        for eni in dict.fromkeys(map(itemgetter(0), sums)):
            if eni.id not in by_eni:
                by_eni[eni.id] = []
                heard.add(eni)
        take = sums.popitem
        while sums:
            key, entry = take()
            eni, srcaddr, dstaddr, srcport, dstport, protocol, action = key
            if isinstance(entry, list):
                packets, nbytes, t0, t1, tcp_flags, flow = entry
                begins, ends = trunc(t0), trunc(t1)
                direction, pkt_src, pkt_dst, service_src, service_dst, path = flow[11:]
            else:
                (
                    packets,
                    nbytes,
                    time,
                    tcp_flags,
                    direction,
                    pkt_src,
                    pkt_dst,
                    service_src,
                    service_dst,
                    path,
                ) = entry[7:]
                begins = ends = trunc(time)
            account, eni_id, vpc, subnet, instance, region, az, sub_type, sub_id = eni.rendered
            record = _new_record(
                Record,
                (
                    account,
                    eni_id,
                    srcaddr,
                    dstaddr,
                    srcport,
                    dstport,
                    protocol,
                    packets,
                    nbytes,
                    begins,
                    ends,
                    action,
                    "OK",
                    vpc,
                    subnet,
                    instance,
                    tcp_flags,
                    "IPv6" if ":" in srcaddr else "IPv4",
                    pkt_src or srcaddr,
                    pkt_dst or dstaddr,
                    region,
                    az,
                    sub_type,
                    sub_id,
                    dash if service_src is None else service_src,
                    dash if service_dst is None else service_dst,
                    direction,
                    dash if path is None or direction != "egress" else path,
                ),
            )
            by_eni[eni_id].append(record)
        for found in by_eni.values():
            found.reverse()
        for eni in window.skipped:
            by_eni.setdefault(eni.id, []).append(status_record(eni, "SKIPDATA", first, last))
            heard.add(eni)
        heard |= window.quiet
    for eni in monitored:
        if eni not in heard:
            by_eni[eni.id] = [status_record(eni, "NODATA", first, last)]
    return Window(start, end, by_eni)
