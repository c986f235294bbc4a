"""Statistic names, and each one's value for an `Aggregate`.

The grammar lives here alone so that GetMetricStatistics, GetMetricData and
alarms validate a name exactly as `statistic` will read it.
"""

from __future__ import annotations

import functools
import re
from typing import Final

from backend.metrics.aggregate import Aggregate

#: The simple statistics, in the order AWS's model lists them.
STATISTICS: Final = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")

#: Percentiles: `p` then a number above 0 and at most 100 with up to two decimals
#: (p50, p99.9, p0.5, p100). Trimmed and winsorized means are not supported.
PERCENTILE: Final = re.compile(r"p(\d{1,2}(?:\.\d{1,2})?|100(?:\.0{1,2})?)")


@functools.lru_cache(maxsize=1024)
def _quantile(name: str) -> float | None:
    match = PERCENTILE.fullmatch(name)
    if match is None:
        return None
    q = float(match[1]) / 100
    return q if q > 0 else None


def is_extended(name: str) -> bool:
    """Whether `name` is an extended statistic this store answers (`PERCENTILE`)."""
    return _quantile(name) is not None


def statistic(aggregate: Aggregate, name: str) -> float | None:
    """`name`'s value for the period, or None where CloudWatch returns none.

    Percentiles are None for a period with a negative value or StatisticValues
    (see `Aggregate.percentile`). A name that is neither in `STATISTICS` nor
    `is_extended` is a caller's bug: callers validate names first.
    """
    if name == "Sum":
        return aggregate.total
    if name == "SampleCount":
        return aggregate.count
    if name == "Average":
        return aggregate.total / aggregate.count if aggregate.count else None
    if name == "Minimum":
        return aggregate.minimum
    if name == "Maximum":
        return aggregate.maximum
    q = _quantile(name)
    if q is None:
        raise ValueError(f"not a statistic: {name!r}")
    return aggregate.percentile(q)
