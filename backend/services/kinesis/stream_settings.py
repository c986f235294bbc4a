"""A stream's settings and the account's limits: retention, record size, enhanced monitoring.

Retention can go from 24 to 8,760 hours, up only by Increase and down only by
Decrease. Raising it never brings back what has already expired: the stream is
swept under the old period first.
"""

from __future__ import annotations

from backend.kit.validation import Checks
from backend.service import Params, Request, Response, action
from backend.services.kinesis.base import (
    METRIC_NAMES,
    ON_DEMAND_STREAM_LIMIT,
    STREAM_ID_PATTERN,
    KinesisBase,
    shard_limit,
)
from backend.services.kinesis.errors import InvalidArgumentException
from backend.services.kinesis.stream import (
    MAX_RETENTION_HOURS,
    MIN_RETENTION_HOURS,
    SHARD_LEVEL_METRICS,
    Stream,
)


class StreamSettings(KinesisBase):
    """Retention, maximum record size, shard-level metrics and DescribeLimits."""

    def _retention(self, params: Params, request: Request) -> tuple[Stream, int]:
        checks = Checks(params)
        name, arn = self._names(checks)
        hours = checks.integer("RetentionPeriodHours", required=True)
        checks.done()
        assert hours is not None
        stream = self._find(name, arn, request)
        self._active(stream)
        if hours < MIN_RETENTION_HOURS:
            raise InvalidArgumentException(
                f"Minimum allowed retention period is {MIN_RETENTION_HOURS} hours. Requested "
                f"retention period ({hours} hours) is too short."
            )
        if hours > MAX_RETENTION_HOURS:
            raise InvalidArgumentException(
                f"Maximum allowed retention period is {MAX_RETENTION_HOURS} hours. Requested "
                f"retention period ({hours} hours) is too long."
            )
        return stream, hours

    @action("IncreaseStreamRetentionPeriod")
    def increase_stream_retention_period(self, params: Params, request: Request) -> Response:
        stream, hours = self._retention(params, request)
        if hours < stream.retention_hours:
            raise InvalidArgumentException(
                f"Requested retention period ({hours} hours) for stream {stream.name} can not be "
                f"shorter than existing retention period ({stream.retention_hours} hours). Use "
                "DecreaseRetentionPeriod API."
            )
        # What has already expired stays gone: sweep under the old period first.
        stream.sweep(self._now())
        stream.retention_hours = hours
        return {}

    @action("DecreaseStreamRetentionPeriod")
    def decrease_stream_retention_period(self, params: Params, request: Request) -> Response:
        stream, hours = self._retention(params, request)
        if hours > stream.retention_hours:
            raise InvalidArgumentException(
                f"Requested retention period ({hours} hours) for stream {stream.name} can not be "
                f"longer than existing retention period ({stream.retention_hours} hours). Use "
                "IncreaseRetentionPeriod API."
            )
        stream.retention_hours = hours
        stream.sweep(self._now())
        return {}

    @action("UpdateMaxRecordSize")
    def update_max_record_size(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        arn = self._stream_arn(checks)
        checks.string("StreamId", min_len=1, max_len=24, pattern=STREAM_ID_PATTERN)
        size = checks.integer("MaxRecordSizeInKiB", required=True, low=1024, high=10240)
        checks.done()
        assert size is not None
        stream = self._find(None, arn, request)
        self._active(stream)
        stream.max_record_kib = size
        return {}

    def _monitoring(self, params: Params, request: Request, enable: bool) -> Response:
        checks = Checks(params)
        name, arn = self._names(checks)
        wanted = checks.strings(
            "ShardLevelMetrics", required=True, min_items=1, max_items=7, item_enum=METRIC_NAMES
        )
        checks.done()
        assert wanted is not None
        stream = self._find(name, arn, request)
        self._active(stream)
        named = set(SHARD_LEVEL_METRICS) if "ALL" in wanted else set(wanted)
        before = stream.shard_metrics
        after = set(before) | named if enable else set(before) - named
        stream.shard_metrics = tuple(m for m in SHARD_LEVEL_METRICS if m in after)
        return {
            "StreamName": stream.name,
            "CurrentShardLevelMetrics": list(before),
            "DesiredShardLevelMetrics": list(stream.shard_metrics),
            "StreamARN": stream.arn,
        }

    @action("EnableEnhancedMonitoring")
    def enable_enhanced_monitoring(self, params: Params, request: Request) -> Response:
        return self._monitoring(params, request, True)

    @action("DisableEnhancedMonitoring")
    def disable_enhanced_monitoring(self, params: Params, request: Request) -> Response:
        return self._monitoring(params, request, False)

    @action("DescribeLimits", read_only=True)
    def describe_limits(self, params: Params, request: Request) -> Response:
        streams = self.stream_list(request.region)
        return {
            "ShardLimit": shard_limit(request.region),
            "OpenShardCount": sum(len(s.open_shards) for s in streams),
            "OnDemandStreamCount": sum(1 for s in streams if s.mode == "ON_DEMAND"),
            "OnDemandStreamCountLimit": ON_DEMAND_STREAM_LIMIT,
        }
