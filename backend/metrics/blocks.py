"""Sealed bins: a run of a level's bins packed, losslessly, into one bytes object.

Fifteen days of minute bins for 10,000 series is 216 million bins; as
columns (`bins`) they cost 12 bytes each or more. CloudWatch keeps the
values as doubles and so does this store, bit for bit, but real metrics say
far less than 64 bits a value: counts and sizes are whole numbers, gauges
have a few decimals, and bins come a minute apart. A block writes each
column in the fewest bytes that give every value back exactly:

- the index as whole numbers (regular steps cost next to nothing);
- a float column as whole numbers times 10**-e when, for the least such
  `e` up to `_MOST_DECIMALS`, every value is exactly `k / 10**e` for an
  integer `k` (checked bit for bit, so -0.0 or a value a decimal cannot
  say falls through); else as its raw 64 bits;
- whole numbers as offsets from their minimum, or as offsets from the
  least step between them when the steps span less (a regular index, or
  an age that climbs by 60 a minute, is one repeated step: no bits at
  all); then packed at the bits the largest offset needs (uniform noise
  from 0 to 500 costs 9 bits), or a few at a time as the digits of one
  number whose base is the count of values they span (three offsets of
  0..10,000, a gauge of 0 to 100 with two decimals, fit 40 bits where 14
  bits each take 42), or split into byte planes, byte k of every value
  together, and deflated (repeats and runs of zeros cost next to nothing),
  whichever is smallest;
- raw doubles in byte planes, deflated: sign, exponent and high mantissa
  bytes repeat, but the low mantissa bytes of a full-precision value are
  noise that nothing lossless shrinks, so such doubles keep about 7 bytes
  a value;
- the bins' packed sketches, after their positions and lengths, deflated.

Deflate is zlib's, raw (no header: a block is never read outside this
module). Reading a block decodes it whole, with numpy; `opened` keeps the
last few decoded, since a query reads each block twice (to find a time,
then its bins) and graphs and alarms read the same days again and again.
"""

from __future__ import annotations

import zlib
from array import array
from functools import lru_cache
from typing import Final

import numpy as np
import numpy.typing as npt

from backend.metrics.bins import Bins, Index

Ints = npt.NDArray[np.int64]
Offsets = npt.NDArray[np.uint64]

#: Most decimals a float column is tried at: a double carries about 16 digits.
_MOST_DECIMALS: Final = 15
#: The scales that many decimals take, each exact as a double, as a column.
_SCALES: Final = np.array([[10.0**e] for e in range(_MOST_DECIMALS + 1)])
#: Scaled values must be whole doubles that int64 holds with their steps.
_LARGEST: Final = 2.0**53
#: Values every scale is tried on at once, before the whole column is at those they pass.
_SAMPLE: Final = 8
#: A float column's tag when it is kept as raw doubles, not scaled whole numbers.
_RAW: Final = 255
#: zlib's level: a block is sealed once and read many times.
_LEVEL: Final = 9
#: Which columns a block has: its first byte.
_COUNTS, _TOTALS, _MAXIMA = 1, 2, 4
#: How whole numbers are laid out: steps between them or offsets; bits, planes or digits.
_STEPS, _PLANES, _DIGITS = 1, 2, 4
#: Most bits a number of several offsets' digits may take: it is a uint64.
_WORD: Final = 64
_WIDTHS: Final = (1, 2, 4, 8)


def seal(bins: Bins) -> bytes:
    """`bins` (with exactly their own sketches) as a block.

    Only minute and coarser levels seal, so the index is 32-bit (`Bins`).
    """
    values = (bins.counts, bins.totals, bins.maxima)
    flags = sum(
        bit
        for bit, column in zip((_COUNTS, _TOTALS, _MAXIMA), values, strict=True)
        if column is not None
    )
    out = [
        bytes((flags,)),
        _varint(len(bins)),
        _varint(len(bins.sketches)),
        _ints(_index(bins.index)),
    ]
    out += (_floats(column) for column in (bins.minima, *values) if column is not None)
    if bins.sketches:
        at = {index: pos for pos, index in enumerate(bins.index)}
        packed = sorted((at[index], sketch) for index, sketch in bins.sketches.items())
        out.append(_ints(np.array([pos for pos, _ in packed], np.int64)))
        out.append(_ints(np.array([len(sketch) for _, sketch in packed], np.int64)))
        out.append(_stream(b"".join(sketch for _, sketch in packed)))
    return b"".join(out)


@lru_cache(maxsize=128)
def opened(data: bytes, start: int, end: int) -> Bins:
    """The bins of the block at `data[start:end]`, to read only: shared by every reader
    until evicted.

    A level joins its blocks into pages (`levels`): keyed by the page, whose hash
    is computed once, a read neither copies a block out nor hashes it.
    """
    return unseal(data[start:end])


def unseal(block: bytes) -> Bins:
    """A block's bins, the caller's own: to change and seal again."""
    reader = _Reader(block)
    flags = reader.byte()
    n = reader.varint()
    sketches = reader.varint()
    bins = Bins("i")
    bins.index = array("i", reader.ints(n).astype(np.int32).tobytes())
    bins.minima = reader.floats(n)
    if flags & _COUNTS:
        bins.counts = reader.floats(n)
    if flags & _TOTALS:
        bins.totals = reader.floats(n)
    if flags & _MAXIMA:
        bins.maxima = reader.floats(n)
    if sketches:
        positions = reader.ints(sketches).tolist()
        lengths = reader.ints(sketches).tolist()
        packed = reader.stream()
        index = bins.index
        at = 0
        for pos, length in zip(positions, lengths, strict=True):
            bins.sketches[index[pos]] = packed[at : at + length]
            at += length
    return bins


def _index(index: Index) -> Ints:
    if isinstance(index, range):
        return np.arange(index.start, index.stop, index.step, dtype=np.int64)
    return np.frombuffer(index, np.int32).astype(np.int64)


def _stream(raw: bytes) -> bytes:
    """`raw` deflated, after its length."""
    return _chunk(zlib.compress(raw, _LEVEL, -15))


def _chunk(raw: bytes) -> bytes:
    return _varint(len(raw)) + raw


def _varint(value: int) -> bytes:
    """A signed int64 in 1 to 10 bytes: zigzag, then 7 bits a byte, low first (LEB128)."""
    n = (value << 1) ^ (value >> 63)
    out = bytearray()
    while n > 0x7F:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _floats(column: array[float]) -> bytes:
    """A float column: scaled whole numbers when some scale gives every value back."""
    values = np.frombuffer(column, np.float64)
    # Every scale at once on a few values, then the whole column at the scales they allow.
    for e in np.flatnonzero(_exact(values[:_SAMPLE], _SCALES)).tolist():
        if _exact(values, _SCALES[e : e + 1])[0]:
            return bytes((e,)) + _ints(np.rint(values * _SCALES[e, 0]).astype(np.int64))
    return bytes((_RAW,)) + _stream(_planes(values.view(np.uint64), 8))


def _exact(
    values: npt.NDArray[np.float64], scales: npt.NDArray[np.float64]
) -> npt.NDArray[np.bool_]:
    """For each scale (a row of `scales`), whether every value is a whole number over it,
    bit for bit once divided back."""
    with np.errstate(over="ignore", invalid="ignore"):  # inf and NaN fail the bound below
        scaled = np.rint(values * scales)
    fits = np.all(np.abs(scaled) < _LARGEST, axis=1)
    whole = np.where(fits[:, None], scaled, 0.0).astype(np.int64)
    back = whole.astype(np.float64) / scales
    same: npt.NDArray[np.bool_] = fits & np.all(
        back.view(np.int64) == values.view(np.int64), axis=1
    )
    return same


def _ints(values: Ints) -> bytes:
    """Whole numbers as offsets or as steps, whichever span less, packed or in planes."""
    first = int(values[0])
    low, high = int(values.min()), int(values.max())
    layout = 0
    if len(values) > 1:
        steps = np.diff(values)
        step_low, step_high = int(steps.min()), int(steps.max())
        if step_high - step_low < high - low:
            values, low, high, layout = steps, step_low, step_high, _STEPS
    offsets = (values - low).astype(np.uint64)
    bits = (high - low).bit_length()
    numbers = _varint(first) + _varint(low)
    best = bytes((layout, bits)) + numbers + _chunk(_bits(offsets, bits))
    if bits:  # not all the same: digits or deflated byte planes may be smaller
        base = high - low + 1
        group = _group(base, len(offsets))
        if group > 1:
            digits = bytes((layout | _DIGITS, group)) + numbers + _varint(base)
            digits += _chunk(_bits(_numbers(offsets, base, group), _word_bits(base, group)))
            if len(digits) < len(best):
                best = digits
        width = next(w for w in _WIDTHS if bits <= 8 * w)
        planes = bytes((layout | _PLANES, width)) + numbers + _stream(_planes(offsets, width))
        if len(planes) < len(best):
            best = planes
    return best


def _word_bits(base: int, group: int) -> int:
    """Bits a number of `group` digits in `base` takes."""
    largest: int = base**group - 1
    return largest.bit_length()


def _group(base: int, count: int) -> int:
    """How many offsets below `base` to make one number of, for the fewest bits in all."""
    best, least = 1, count * (base - 1).bit_length()
    group = 2
    while group <= count and (bits := _word_bits(base, group)) <= _WORD:
        total = -(-count // group) * bits
        if total < least:
            best, least = group, total
        group += 1
    return best


def _numbers(offsets: Offsets, base: int, group: int) -> Offsets:
    """Each `group` offsets as the digits of one number in `base`, lowest first (the last
    padded with zeros)."""
    padded = np.zeros(-(-len(offsets) // group) * group, np.uint64)
    padded[: len(offsets)] = offsets
    powers = np.uint64(base) ** np.arange(group, dtype=np.uint64)
    numbers: Offsets = (padded.reshape(-1, group) * powers).sum(axis=1, dtype=np.uint64)
    return numbers


def _digits(numbers: Offsets, base: int, group: int, count: int) -> Offsets:
    out = np.empty((len(numbers), group), np.uint64)
    radix = np.uint64(base)
    for k in range(group):
        np.remainder(numbers, radix, out=out[:, k])
        numbers = numbers // radix
    digits: Offsets = out.ravel()[:count]
    return digits


def _planes(offsets: Offsets, width: int) -> bytes:
    """Each value's `width` low bytes, byte k of every value together (little-endian)."""
    narrow = offsets.astype(f"<u{width}")
    return np.ascontiguousarray(narrow.view(np.uint8).reshape(len(offsets), width).T).tobytes()


def _from_planes(raw: bytes, width: int, count: int) -> Offsets:
    planes = np.frombuffer(raw, np.uint8).reshape(width, count)
    return np.ascontiguousarray(planes.T).view(f"<u{width}").ravel().astype(np.uint64)


def _bits(offsets: Offsets, bits: int) -> bytes:
    shifts = np.arange(bits, dtype=np.uint64)
    ones = ((offsets[:, None] >> shifts) & np.uint64(1)).astype(np.uint8)
    return np.packbits(ones, bitorder="little").tobytes()


def _from_bits(raw: bytes, bits: int, count: int) -> Offsets:
    if not bits:
        return np.zeros(count, np.uint64)  # every offset 0: a regular index's steps
    ones = np.unpackbits(np.frombuffer(raw, np.uint8), count=count * bits, bitorder="little")
    shifts = np.arange(bits, dtype=np.uint64)
    offsets: Offsets = (ones.reshape(count, bits).astype(np.uint64) << shifts).sum(1)
    return offsets


class _Reader:
    """Columns out of a block, in the order `seal` wrote them."""

    __slots__ = ("at", "block")

    def __init__(self, block: bytes) -> None:
        self.block = block
        self.at = 0

    def byte(self) -> int:
        self.at += 1
        return self.block[self.at - 1]

    def varint(self) -> int:
        block, at = self.block, self.at
        n = shift = 0
        while (byte := block[at]) > 0x7F:
            n |= (byte & 0x7F) << shift
            shift += 7
            at += 1
        self.at = at + 1
        n |= byte << shift
        return (n >> 1) ^ -(n & 1)

    def chunk(self) -> bytes:
        length = self.varint()
        start = self.at
        self.at += length
        return self.block[start : self.at]

    def stream(self) -> bytes:
        return zlib.decompress(self.chunk(), -15)

    def ints(self, n: int) -> Ints:
        layout, param = self.block[self.at : self.at + 2]
        self.at += 2
        first = self.varint()
        low = self.varint()
        steps_of = layout & _STEPS
        count = n - steps_of
        if layout & _PLANES:
            offsets = _from_planes(self.stream(), param, count)
        elif layout & _DIGITS:
            base = self.varint()
            numbers = _from_bits(self.chunk(), _word_bits(base, param), -(-count // param))
            offsets = _digits(numbers, base, param, count)
        else:
            offsets = _from_bits(self.chunk(), param, count)
        steps: Ints = offsets.astype(np.int64) + low
        if not steps_of:
            return steps
        out = np.empty(n, np.int64)
        out[0] = first
        np.cumsum(steps, out=out[1:])
        out[1:] += first
        return out

    def floats(self, n: int) -> array[float]:
        e = self.byte()
        values = (
            _from_planes(self.stream(), 8, n).view(np.float64)
            if e == _RAW
            else self.ints(n).astype(np.float64) / _SCALES[e, 0]
        )
        return array("d", values.tobytes())
