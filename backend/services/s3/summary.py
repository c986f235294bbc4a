"""S3's part of a headless run's summary: one row per bucket, its objects and bytes."""

from __future__ import annotations

from backend.cloud import Cloud
from backend.services.s3.service import S3Service

_HEADER = ("bucket", "objects", "bytes")


def summary(cloud: Cloud) -> list[str]:
    buckets = cloud.service(S3Service).bucket_views()
    if not buckets:
        return []
    width = max([len(_HEADER[0]), *(len(b.name) for b in buckets)])
    lines = [f"{_HEADER[0]:<{width}}{_HEADER[1]:>11}{_HEADER[2]:>17}"]
    lines += [f"{b.name:<{width}}{b.objects:>11,}{b.bytes:>17,}" for b in buckets]
    return lines
