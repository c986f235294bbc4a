"""S3's daily storage metrics in AWS/S3: BucketSizeBytes and NumberOfObjects (AWS_FACTS §16.9).

S3 reports storage once a day, not per request, so these are sampled at each
midnight UTC on the virtual clock (the shared sampler, with a day's period):
a simulated week shows seven points per bucket, as CloudWatch would. It runs
only while there are buckets, so an empty account costs no wake-ups.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from backend.cloud import Cloud
from backend.kit.sampler import MinuteSampler

DAY = 86_400
NAMESPACE = "AWS/S3"


class StorageMetrics:
    """Samples (objects, bytes) of every bucket into AWS/S3 at each midnight UTC."""

    def __init__(self, cloud: Cloud, totals: Callable[[], Mapping[str, tuple[int, int]]]) -> None:
        self._cloud = cloud
        self._totals = totals
        self._sampler = MinuteSampler(cloud.clock, self._sample, period=DAY)

    def start(self) -> None:
        """Sample from the next midnight on, while there are buckets (a bucket was made)."""
        self._sampler.start()

    def _sample(self, now: float) -> bool:
        metrics = self._cloud.metrics
        for bucket, (count, size) in sorted(self._totals().items()):
            metrics.series(
                NAMESPACE,
                "BucketSizeBytes",
                {"BucketName": bucket, "StorageType": "StandardStorage"},
                "Bytes",
            ).add(now, float(size))
            metrics.series(
                NAMESPACE,
                "NumberOfObjects",
                {"BucketName": bucket, "StorageType": "AllStorageTypes"},
                "Count",
            ).add(now, float(count))
        return bool(self._totals())
