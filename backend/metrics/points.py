"""A statistic per period, read straight from a level's columns where its bins are the periods.

A two-week GetMetricData at one-minute periods is 20,000 periods: building
an `Aggregate` for each and asking `statistic` of it costs about two
microseconds a period, most of a 20 ms budget. When a level's bins are the
query's periods and the statistic is one of the five simple ones, the
answer is a column itself (Sum, Minimum, ...) or one C-level map over two
(Average): the same numbers as `statistic` over `Series.aggregate`, for a
fraction of the cost. Everything else (percentiles, periods that gather
several bins, the live minute) goes through `Aggregate` as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice, repeat
from operator import truediv

from backend.metrics.aggregate import Aggregate
from backend.metrics.bins import Bins
from backend.metrics.series import Series, Slice, collect_bins, collect_rows
from backend.metrics.statistics import STATISTICS, statistic

_SIMPLE = frozenset(STATISTICS)


def statistic_points(
    series: Series, start: float, end: float, period: int, now: float, stat: str
) -> dict[int, float]:
    """`stat` by period start for the non-empty periods in [start, end), oldest first.

    The same as `statistic(a, stat)` for each of `series.aggregate(...)`,
    leaving out periods where it is None.
    """
    out: dict[int, float] = {}
    #: Periods a later piece may still add bins to (`collect_bins` absorbs into the last).
    waiting: list[Aggregate] = []
    direct = stat in _SIMPLE
    for piece in series.pieces(start, end, period, now):
        if not isinstance(piece, Slice):
            collect_rows(waiting, piece, period)
            continue
        bins = piece.read()
        step = piece.level.granularity
        last = len(bins) - 1
        if not direct or step != period or last < 1:
            collect_bins(waiting, bins, step, period)
            continue
        # All but the last bin straight from the columns; the last stays an Aggregate
        # that the live minute, if it is the same period, still adds to.
        _flush(waiting, stat, out)
        rows = bins.rows()
        if _read_columns(bins, last, step, stat, out):
            rows = bins.cut(last, last + 1).rows()
        else:
            waiting += Aggregate.per_bin(islice(rows, last), period, bins.sketches)
        waiting += Aggregate.per_bin(rows, period, bins.sketches)
    _flush(waiting, stat, out)
    return out


def _flush(waiting: list[Aggregate], stat: str, out: dict[int, float]) -> None:
    for aggregate in waiting:
        value = statistic(aggregate, stat)
        if value is not None:
            out[aggregate.timestamp] = value
    waiting.clear()


def _read_columns(bins: Bins, stop: int, step: int, stat: str, out: dict[int, float]) -> bool:
    """`stat` of the bins before position `stop` into `out`; False if a bin has no Average."""
    index, counts, totals, minima, maxima = bins.columns()
    index = index[:stop]  # the other columns stop with it
    values: Iterable[float]
    if stat == "Minimum":
        values = minima
    elif stat == "Maximum":
        values = maxima
    elif stat == "Sum":
        values = totals
    elif stat == "SampleCount":
        values = counts if bins.counts is not None else repeat(1.0, stop)
    elif bins.counts is None:
        values = totals  # Average of single values: each sum over a count of 1.0
    else:
        kept = bins.counts[:stop]
        if 0.0 in kept:
            return False
        values = map(truediv, totals, kept)
    out.update(zip([i * step for i in index], values, strict=False))
    return True


def merged_points(
    series: Iterable[Series], start: float, end: float, period: int, now: float, stat: str
) -> dict[int, float]:
    """`statistic_points` of one metric's series in several units, oldest first.

    A metric put in two units is two series, and a query or an alarm without
    a Unit reads them all: a later unit wins a period both have.
    """
    found = [statistic_points(one, start, end, period, now, stat) for one in series]
    if len(found) == 1:
        return found[0]
    return dict(sorted({t: v for one in found for t, v in one.items()}.items()))
