"""Sequence numbers: 56-digit decimals that increase per shard, as AWS's do.

AWS's sequence numbers are a 188-bit layout written in decimal (they all start
"49..."): a version nibble, the shard's creation time in seconds, a counter,
the record's arrival second and the shard's index. Ours follow that layout, so
they look and sort like the real ones, and carry what GetShardIterator must
check: which shard a number came from (a number from another shard or another
stream is refused with AWS's message) and where in the shard it points.

    hex digit:  0   1-9       10       11-26     27-28  29-37     38-45   46
                2   created   index&F  counter   00     arrival   index   2

Within one shard every field above the counter is fixed, so sequence numbers
order exactly as the counter does; the counter starts at 1 for the first
record (0 is the shard's StartingSequenceNumber) and a closed shard ends at
the largest counter, as AWS's EndingSequenceNumber does.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

#: The counter of a closed shard's EndingSequenceNumber: past every record it held.
END_COUNTER = (1 << 63) - 1
_VERSION = 2
COUNTER_SHIFT = 80
#: What one more on the counter adds to a sequence number.
STEP = 1 << COUNTER_SHIFT
_ARRIVAL_SHIFT = 36
_MASK_36 = (1 << 36) - 1
_MASK_64 = (1 << 64) - 1
_MASK_32 = (1 << 32) - 1
_TOP = _VERSION << 184


def shard_base(created: float, index: int) -> int:
    """The bits every sequence number of one shard shares (OR in counter and arrival)."""
    return (
        _TOP
        | (int(created) & _MASK_36) << 148
        | (index & 0xF) << 144
        | (index & _MASK_32) << 4
        | _VERSION
    )


def arrival_bits(arrival: float) -> int:
    """A record's arrival second in place, to OR into `shard_base`; the same for a whole call."""
    return (int(arrival) & _MASK_36) << _ARRIVAL_SHIFT


def encode(base: int, counter: int, arrival: float) -> str:
    return str(base | counter << COUNTER_SHIFT | arrival_bits(arrival))


def numbers(base: int, first: int, arrivals: Sequence[float]) -> list[str]:
    """`encode` of the counters from `first` on, one per arrival (epoch seconds, in order).

    A read returns thousands of records, and a call per record was most of
    its cost. The fields are disjoint bits, so the numbers of the records
    that arrived in one second are `STEP` apart: each second's are a `range`
    (its end found by a bisect, as a shard keeps its arrivals in order) that
    `str` writes, with no Python step per record.
    """
    out: list[str] = []
    start, end = 0, len(arrivals)
    while start < end:
        arrival = arrivals[start]
        stop = bisect_left(arrivals, int(arrival) + 1, start, end)
        number = base | (first + start) << COUNTER_SHIFT | arrival_bits(arrival)
        out += map(str, range(number, number + (stop - start) * STEP, STEP))
        start = stop
    return out


@dataclass(frozen=True, slots=True)
class Decoded:
    """What a sequence number says about where it came from."""

    created: int
    index: int
    counter: int


def decode(text: str) -> Decoded | None:
    """The parts of a sequence number, or None if it is not one of ours.

    `text` must already match the model's pattern (digits, no leading zero,
    at most 129 of them), so `int` is bounded and cannot raise.
    """
    value = int(text)
    if value >> 184 != _VERSION or value & 0xF != _VERSION:
        return None
    index = value >> 4 & _MASK_32
    if value >> 144 & 0xF != index & 0xF:
        return None
    return Decoded(value >> 148 & _MASK_36, index, value >> COUNTER_SHIFT & _MASK_64)
