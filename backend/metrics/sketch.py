"""Percentile sketches: DDSketch-style log buckets, mergeable bin to bin.

CloudWatch answers `p99` for any period, so every stored bin must carry
enough of its distribution to merge with its neighbours. A `Sketch` counts
values in buckets whose bounds grow by a factor `GAMMA = (1 + a) / (1 - a)`
with relative accuracy `a = RELATIVE_ACCURACY` (1%): bucket `k` holds the
values in (GAMMA**(k-1), GAMMA**k] and stands for 2 * GAMMA**k / (GAMMA + 1),
which is within `a` of every value in it. Zero has a bucket of its own
(`ZERO_KEY`), so zeros come back exactly.

**Error bound.** Quantiles are nearest-rank, as CloudWatch's are: the
q-quantile of N values is the value of rank ceil(q * N) in ascending order
(counts may be fractional weights; then it is the first value whose running
weight reaches q * N). `Sketch.quantile` returns a value within 1% of that
value, relative to it, as long as no bucket at or below it was collapsed.
Collapsing only happens when a sketch would exceed `MAX_BUCKETS`, which takes
values spanning a ratio of more than GAMMA**2048 (about 6e17); the lowest
buckets are then folded together, as DDSketch's collapsing-lowest store
does, so the high quantiles that alarms use keep their bound.

Negative values are never counted: CloudWatch gives no percentiles for a
period that holds one, so a bin that sees one drops its sketch (`UNKNOWN`).
Keys are packed as int16: magnitudes beyond about 1e284 (or below 1e-284)
share the outermost buckets. AWS accepts only 2**-360 .. 2**360 (about
1e-108 .. 1e108), and the API layer rejects the rest.
"""

from __future__ import annotations

import enum
import math
from array import array
from collections.abc import Iterable
from typing import Final, TypeAlias

RELATIVE_ACCURACY: Final = 0.01
GAMMA: Final = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY)
#: Most buckets one sketch keeps; beyond it the lowest are collapsed (see module doc).
MAX_BUCKETS: Final = 2048
#: A collapse folds down to this many, so the sort it costs is paid once per 256 new buckets.
_COLLAPSE_TO: Final = MAX_BUCKETS * 7 // 8

_MULTIPLIER: Final = 1 / math.log(GAMMA)
_REPRESENTATIVE: Final = 2 / (GAMMA + 1)
#: Keys fit an int16 when packed: 2**+-360 is key +-12,476, well inside; the zero
#: bucket's key sorts below every other.
ZERO_KEY: Final = -32768
_MIN_KEY: Final = -32767
_MAX_KEY: Final = 32767
_KEY_TYPE: Final = "h"
#: How much below q * N a running count may fall and still count as reaching it:
#: q * N is one rounding away from the integer it stands for (0.07 * 100 is 7.000000000000001).
_RANK_SLACK: Final = 1e-12


class Unknown(enum.Enum):
    """Percentiles that cannot be known: a negative value, or StatisticValues."""

    PERCENTILES = "unknown"


UNKNOWN: Final = Unknown.PERCENTILES


def _key(value: float) -> int:
    if value == 0:
        return ZERO_KEY
    key = math.ceil(math.log(value) * _MULTIPLIER)
    if not _MIN_KEY <= key <= _MAX_KEY:
        key = _MIN_KEY if key < _MIN_KEY else _MAX_KEY
    return key


def _value(key: int) -> float:
    return 0.0 if key == ZERO_KEY else math.exp(key / _MULTIPLIER) * _REPRESENTATIVE


class Sketch:
    """Counts of non-negative values per log bucket (weights may be fractional)."""

    __slots__ = ("_counts",)

    def __init__(self) -> None:
        self._counts: dict[int, float] = {}

    @classmethod
    def of(cls, value: float, count: float) -> Sketch:
        """A sketch of `count` values all equal to `value`."""
        sketch = cls()
        sketch._counts[_key(value)] = count
        return sketch

    def copy(self) -> Sketch:
        sketch = Sketch()
        sketch._counts = self._counts.copy()
        return sketch

    def __len__(self) -> int:
        """Buckets in use: what the sketch costs."""
        return len(self._counts)

    def add(self, value: float, count: float = 1.0) -> None:
        counts = self._counts
        key = _key(value)
        counts[key] = counts.get(key, 0.0) + count
        if len(counts) > MAX_BUCKETS:
            self._collapse()

    def merge(self, other: Sketch) -> None:
        self._merge_items(other._counts.items())

    def merge_packed(self, packed: bytes) -> None:
        """Merge a sketch `pack` made, without building it first."""
        self._merge_items(zip(*_columns(packed), strict=True))

    def _merge_items(self, items: Iterable[tuple[int, float]]) -> None:
        counts = self._counts
        for key, count in items:
            counts[key] = counts.get(key, 0.0) + count
        if len(counts) > MAX_BUCKETS:
            self._collapse()

    def _collapse(self) -> None:
        counts = self._counts
        keys = sorted(k for k in counts if k != ZERO_KEY)
        cut = len(counts) - _COLLAPSE_TO
        into = keys[cut]
        counts[into] += sum(counts.pop(k) for k in keys[:cut])

    def quantile(self, q: float) -> float:
        """The nearest-rank q-quantile (0 < q <= 1), within 1% (module doc).

        Callers clamp it into the bin's [minimum, maximum], which only
        brings it closer.
        """
        counts = self._counts
        keys = sorted(counts)
        rank = q * sum(counts.values())
        rank -= rank * _RANK_SLACK
        running = 0.0
        for key in keys:
            running += counts[key]
            if running >= rank:
                return _value(key)
        return _value(keys[-1])

    def pack(self) -> bytes:
        """A compact copy for a stored bin: int16 keys, then uint32 or float64 counts.

        A dict of boxed ints and floats costs about 100 bytes a bucket; this
        costs 6 (10 when a count is fractional or huge), which is what lets
        minute bins keep their sketches for 15 days.
        """
        keys = array(_KEY_TYPE, sorted(self._counts))
        values = [self._counts[k] for k in keys]
        whole = all(c.is_integer() and 0 <= c < 2**32 for c in values)
        code = "I" if whole else "d"
        column = array("I", map(int, values)) if whole else array("d", values)
        return code.encode() + keys.tobytes() + column.tobytes()

    @classmethod
    def unpack(cls, packed: bytes) -> Sketch:
        sketch = cls()
        sketch.merge_packed(packed)
        return sketch


def _columns(packed: bytes) -> tuple[array[int], array[float]] | tuple[array[int], array[int]]:
    code = chr(packed[0])
    counts = array(code)
    keys = array(_KEY_TYPE)
    n = (len(packed) - 1) // (keys.itemsize + counts.itemsize)
    keys.frombytes(packed[1 : 1 + n * keys.itemsize])
    counts.frombytes(packed[1 + n * keys.itemsize :])
    return keys, counts


#: What a bin knows of its distribution: a `Sketch`, or a packed one (`Sketch.pack`);
#: None when every value in it is the same (its minimum: count x value says it all);
#: or `UNKNOWN`.
Part: TypeAlias = Sketch | bytes | Unknown | None
#: The same for a live bin (the open second, the open minute): never packed.
Shape: TypeAlias = Sketch | Unknown | None


def fold(
    parts: Iterable[tuple[Part, float, float]],
    minimum: float,
    maximum: float,
    into: Sketch | None = None,
) -> Shape:
    """The distribution of several bins together, given each as (part, count, minimum).

    `minimum` and `maximum` are the bins' together. A bin with no sketch
    whose values are all equal enters as count x minimum; a sketch is only
    made when the values differ and all are known and non-negative. `into`,
    when given, is a sketch the caller owns that already holds bins not
    listed: it is added to in place rather than copied.
    """
    if minimum < 0:
        return UNKNOWN
    if minimum == maximum:
        return UNKNOWN if any(p is not None for p, _, _ in parts) else None
    sketch = Sketch() if into is None else into
    for part, count, value in parts:
        if part is None:
            sketch.add(value, count)
        elif isinstance(part, Sketch):
            sketch.merge(part)
        elif isinstance(part, bytes):
            sketch.merge_packed(part)
        else:
            return UNKNOWN
    return sketch
