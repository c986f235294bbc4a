"""The metric store: every metric of the cloud, kept as CloudWatch keeps it.

Services put points on their hot path (`Series.add`), PutMetricData puts
values and statistic sets (`Series.add_values`, `Series.add_statistics`), and
CloudWatch's queries and alarms read periods (`Series.aggregate`, then
`statistic`; or `statistic_points`, one statistic of every period at once).
Each series holds per-second bins for 3 h, then minute bins for 15 days,
five-minute bins for 63 days and hour bins for 455 days (`series`), each bin
with a mergeable percentile sketch where its values differ (`sketch`); all
but the newest minute and coarser bins are kept in lossless compressed blocks
(`levels`).
"""

from backend.metrics.aggregate import Aggregate
from backend.metrics.identity import Dimensions, MetricId, dimensions
from backend.metrics.levels import (
    FIVE_MINUTE_RETENTION,
    HIGH_RESOLUTION_RETENTION,
    HOUR_RETENTION,
    MINUTE_RETENTION,
)
from backend.metrics.points import merged_points, statistic_points
from backend.metrics.series import Bin, Series
from backend.metrics.statistics import PERCENTILE, STATISTICS, is_extended, statistic
from backend.metrics.store import MetricStore

__all__ = [
    "FIVE_MINUTE_RETENTION",
    "HIGH_RESOLUTION_RETENTION",
    "HOUR_RETENTION",
    "MINUTE_RETENTION",
    "PERCENTILE",
    "STATISTICS",
    "Aggregate",
    "Bin",
    "Dimensions",
    "MetricId",
    "MetricStore",
    "Series",
    "dimensions",
    "is_extended",
    "merged_points",
    "statistic",
    "statistic_points",
]
