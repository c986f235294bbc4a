"""Stream lifecycle and listings: CreateStream, DeleteStream, Describe*, ListStreams, ListShards.

A stream's name is unique per account and region while it exists, DELETING
included; CreateStream without a capacity mode and without ShardCount makes an
ON_DEMAND stream (4 shards, as AWS starts one), with ShardCount a PROVISIONED one.
"""

from __future__ import annotations

from backend.kit.validation import Checks
from backend.service import Params, Request, Response, action
from backend.services.kinesis import shapes
from backend.services.kinesis import tags as tagging
from backend.services.kinesis.base import (
    NAME_PATTERN,
    ON_DEMAND_STREAM_LIMIT,
    SHARD_FILTER_TYPES,
    STREAM_MODES,
    TRANSITION,
    KinesisBase,
    typed,
)
from backend.services.kinesis.errors import (
    InvalidArgumentException,
    LimitExceededException,
    ResourceInUseException,
    stream_in_use,
    stream_not_active,
    stream_not_found,
)
from backend.services.kinesis.shard import Shard
from backend.services.kinesis.stream import ON_DEMAND_SHARDS, Stream


class StreamActions(KinesisBase):
    """Creating, deleting, describing and listing streams and their shards."""

    @action("CreateStream")
    def create_stream(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name = checks.string(
            "StreamName", required=True, min_len=1, max_len=128, pattern=NAME_PATTERN
        )
        count = checks.integer("ShardCount", low=1)
        details = checks.structure("StreamModeDetails")
        mode = None
        if details is not None:
            mode = checks.nested("StreamModeDetails").string(
                "StreamMode", required=True, enum=STREAM_MODES
            )
        tags = checks.string_map("Tags", min_items=1, max_items=200)
        checks.integer("WarmThroughputMiBps", low=0)
        max_record = checks.integer("MaxRecordSizeInKiB", low=1024, high=10240)
        checks.done()
        assert name is not None
        account, region = self.cloud.account, request.region
        if mode is None:
            mode = "PROVISIONED" if count is not None else "ON_DEMAND"
        if mode == "PROVISIONED" and count is None:
            raise InvalidArgumentException(
                "ShardCount is required for a stream in the PROVISIONED capacity mode."
            )
        if mode == "ON_DEMAND" and count is not None:
            raise InvalidArgumentException(
                "ShardCount cannot be specified for a stream in the ON_DEMAND capacity mode."
            )
        if (region, name) in self.streams:
            raise stream_in_use(name, account)
        shards = count if count is not None else ON_DEMAND_SHARDS
        if mode == "ON_DEMAND":
            on_demand = sum(1 for s in self.stream_list(region) if s.mode == "ON_DEMAND")
            if on_demand >= ON_DEMAND_STREAM_LIMIT:
                raise LimitExceededException(
                    f"This request would exceed the limit of {ON_DEMAND_STREAM_LIMIT} streams "
                    f"in the ON_DEMAND capacity mode for the account {account} in {region}."
                )
        self._check_shard_limit(region, shards)
        checked = tagging.added({}, tags, name, account) if tags else {}
        now = self._now()
        stream = Stream(
            name, region, account, now, mode, shards, self.cloud.metrics, self.cloud.clock.signal
        )
        stream.tags = checked
        if max_record is not None:
            stream.max_record_kib = max_record
        self.streams[(region, name)] = stream
        self.cloud.clock.call_later(TRANSITION, self._activate, stream)
        self._ensure_sweeper()
        return {}

    def activate_now(self, name: str, region: str) -> None:
        """Make a CREATING stream ACTIVE at once: a scenario's streams exist when it starts."""
        stream = self.streams.get((region, name))
        if stream is not None:
            self._activate(stream)

    def _activate(self, stream: Stream) -> None:
        if not stream.deleted and stream.status == "CREATING":
            stream.status = "ACTIVE"

    @action("DeleteStream")
    def delete_stream(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name, arn = self._names(checks)
        enforce = checks.boolean("EnforceConsumerDeletion")
        checks.done()
        stream = self._find(name, arn, request)
        if stream.status == "CREATING":
            raise stream_not_active(stream.name, self.cloud.account, stream.status)
        if stream.status == "DELETING":
            raise stream_not_found(stream.name, self.cloud.account)
        consumers = self.consumers_of(stream)
        if consumers and not enforce:
            raise ResourceInUseException(
                f"Stream {stream.name} under account {self.cloud.account} has registered "
                "consumers. Deregister them first, or delete the stream with "
                "EnforceConsumerDeletion set to true."
            )
        stream.status = "DELETING"
        for consumer in consumers:
            consumer.status = "DELETING"
            consumer.close()
        self.cloud.clock.call_later(TRANSITION, self._remove, stream)
        return {}

    def _remove(self, stream: Stream) -> None:
        key = (stream.region, stream.name)
        if self.streams.get(key) is stream:
            del self.streams[key]
            self._forget(stream)
            self._publish(
                "StreamDeleted", f"stream {stream.name} deleted", stream.arn, "information"
            )

    @action("DescribeStream", read_only=True)
    def describe_stream(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name, arn = self._names(checks)
        limit = checks.integer("Limit", low=1, high=10_000) or 100
        after = checks.string("ExclusiveStartShardId", min_len=1, max_len=128, pattern=NAME_PATTERN)
        checks.done()
        stream = self._find(name, arn, request)
        listed = stream.listed(self._now())
        if after is not None:
            listed = [s for s in listed if s.shard_id > after]
        page = listed[: min(limit, 100)]
        return {
            "StreamDescription": {
                "StreamName": stream.name,
                "StreamARN": stream.arn,
                "StreamStatus": stream.status,
                "StreamModeDetails": shapes.mode(stream),
                "Shards": [shapes.shard_shape(s) for s in page],
                "HasMoreShards": len(listed) > len(page),
                "RetentionPeriodHours": stream.retention_hours,
                "StreamCreationTimestamp": stream.created,
                "EnhancedMonitoring": shapes.enhanced_monitoring(stream),
                "EncryptionType": "NONE",
            }
        }

    @action("DescribeStreamSummary", read_only=True)
    def describe_stream_summary(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name, arn = self._names(checks)
        checks.done()
        stream = self._find(name, arn, request)
        return {
            "StreamDescriptionSummary": {
                "StreamName": stream.name,
                "StreamARN": stream.arn,
                "StreamStatus": stream.status,
                "StreamModeDetails": shapes.mode(stream),
                "RetentionPeriodHours": stream.retention_hours,
                "StreamCreationTimestamp": stream.created,
                "EnhancedMonitoring": shapes.enhanced_monitoring(stream),
                "EncryptionType": "NONE",
                "OpenShardCount": len(stream.open_shards),
                "ConsumerCount": len(self.consumers_of(stream)),
                "MaxRecordSizeInKiB": stream.max_record_kib,
            }
        }

    @action("ListStreams", read_only=True)
    def list_streams(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        limit = checks.integer("Limit", low=1, high=10_000) or 100
        after = checks.string(
            "ExclusiveStartStreamName", min_len=1, max_len=128, pattern=NAME_PATTERN
        )
        token = checks.string("NextToken", min_len=1, max_len=1_048_576)
        checks.done()
        now = self._now()
        if token is not None:
            (after,) = self._read_token(token, f"ListStreams/{request.region}", now, str)
        streams = self.stream_list(request.region)
        if after is not None:
            streams = [s for s in streams if s.name > after]
        page = streams[: min(limit, 100)]
        more = len(streams) > len(page)
        response: Response = {
            "StreamNames": [s.name for s in page],
            "HasMoreStreams": more,
            "StreamSummaries": [shapes.stream_summary(s) for s in page],
        }
        if more:
            response["NextToken"] = self._token(f"ListStreams/{request.region}", now, page[-1].name)
        return response

    @action("ListShards", read_only=True)
    def list_shards(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name, arn = self._names(checks)
        token = checks.string("NextToken", min_len=1, max_len=1_048_576)
        after = checks.string("ExclusiveStartShardId", min_len=1, max_len=128, pattern=NAME_PATTERN)
        limit = checks.integer("MaxResults", low=1, high=10_000) or 1000
        created = checks.timestamp("StreamCreationTimestamp")
        shard_filter = checks.structure("ShardFilter")
        kind = filter_shard = filter_time = None
        if shard_filter is not None:
            nested = checks.nested("ShardFilter")
            kind = nested.string("Type", required=True, enum=SHARD_FILTER_TYPES)
            filter_shard = nested.string("ShardId", min_len=1, max_len=128, pattern=NAME_PATTERN)
            filter_time = nested.timestamp("Timestamp")
        checks.done()
        now = self._now()
        if token is not None:
            if name is not None or arn is not None:
                raise InvalidArgumentException(
                    "NextToken and StreamName cannot be provided together."
                )
            if after is not None or created is not None:
                raise InvalidArgumentException(
                    "NextToken and ExclusiveStartShardId or StreamCreationTimestamp cannot be "
                    "provided together."
                )
            name, incarnation, after, kind, filter_time = self._read_token(
                token, f"ListShards/{request.region}", now, str, float, str, None, None
            )
            bad_time = filter_time is not None and not typed(filter_time, float)
            if kind not in (None, *SHARD_FILTER_TYPES) or bad_time:
                raise InvalidArgumentException("Invalid NextToken.")
            stream = self._find(name, None, request)
            if incarnation != stream.created:
                raise stream_not_found(stream.name, self.cloud.account)
        else:
            if name is None and arn is None:
                raise InvalidArgumentException("Either NextToken or StreamName should be provided.")
            stream = self._find(name, arn, request)
            if created is not None and round(created, 3) != round(stream.created, 3):
                raise stream_not_found(stream.name, self.cloud.account)
            if kind == "AFTER_SHARD_ID":
                if filter_shard is None:
                    raise InvalidArgumentException(
                        "ShardFilter of type AFTER_SHARD_ID requires a ShardId."
                    )
                after = max(after or "", filter_shard)
            if kind in ("AT_TIMESTAMP", "FROM_TIMESTAMP") and filter_time is None:
                raise InvalidArgumentException(f"ShardFilter of type {kind} requires a Timestamp.")
        shards = _filtered(stream, now, kind, filter_time)
        if after:
            shards = [s for s in shards if s.shard_id > after]
        page = shards[: min(limit, 1000)]
        response: Response = {"Shards": [shapes.shard_shape(s) for s in page]}
        if len(shards) > len(page):
            response["NextToken"] = self._token(
                f"ListShards/{request.region}",
                now,
                stream.name,
                stream.created,
                page[-1].shard_id,
                kind,
                filter_time,
            )
        return response


def _filtered(stream: Stream, now: float, kind: str | None, when: float | None) -> list[Shard]:
    """The shards a ListShards ShardFilter keeps (default FROM_TRIM_HORIZON: all not EXPIRED)."""
    listed = stream.listed(now)
    # A stream younger than its retention has its trim horizon where it began.
    horizon = max(stream.cutoff(now), stream.created)
    if kind == "AT_LATEST":
        return [s for s in listed if s.is_open]
    if kind == "AT_TRIM_HORIZON":
        when = horizon
    elif kind == "FROM_TIMESTAMP":
        at = max(when or horizon, horizon)
        return [s for s in listed if s.closed_at is None or s.closed_at >= at]
    if kind in ("AT_TRIM_HORIZON", "AT_TIMESTAMP"):
        at = when if when is not None else horizon
        return [s for s in listed if s.created <= at and (s.closed_at is None or s.closed_at >= at)]
    return listed
