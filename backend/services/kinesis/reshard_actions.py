"""Resharding: SplitShard, MergeShards, UpdateShardCount (provisioned streams only).

The request is checked when it is made and the stream goes UPDATING; the
shards change `TRANSITION` seconds later (`stream.py` says how), and the
stream is ACTIVE again. UpdateShardCount keeps AWS's limits: between half and
double the open shards, at most 10,000 shards, ten calls in a rolling 24 hours.
"""

from __future__ import annotations

from collections.abc import Callable

from backend.kit.validation import Checks
from backend.service import Params, Request, Response, action
from backend.services.kinesis.base import (
    DAY,
    MAX_SCALINGS,
    MAX_SHARDS_PER_STREAM,
    NAME_PATTERN,
    TRANSITION,
    KinesisBase,
)
from backend.services.kinesis.errors import (
    InvalidArgumentException,
    LimitExceededException,
    ValidationException,
)
from backend.services.kinesis.hashing import HASH_KEY_PATTERN, parse_hash_key
from backend.services.kinesis.shard import Shard
from backend.services.kinesis.stream import Stream


class ReshardActions(KinesisBase):
    """Splitting, merging and uniformly rescaling shards."""

    def _provisioned(self, stream: Stream, action: str) -> None:
        if stream.mode != "PROVISIONED":
            raise ValidationException(
                f"{action} is not supported for stream {stream.name} under account "
                f"{self.cloud.account} because it is in the ON_DEMAND capacity mode."
            )

    def _reshard(self, stream: Stream, change: Callable[[float], object], summary: str) -> None:
        """Mark `stream` UPDATING; make `change` after TRANSITION seconds, then ACTIVE."""
        stream.status = "UPDATING"

        def finish() -> None:
            if stream.deleted or stream.status != "UPDATING":
                return
            change(self._now())
            stream.status = "ACTIVE"
            self._publish(
                "ReshardCompleted", f"{stream.name}: {summary}", stream.arn, "information"
            )

        self.cloud.clock.call_later(TRANSITION, finish)

    def _open_shard(self, stream: Stream, given: str, now: float, verb: str) -> Shard:
        shard = self._shard(stream, given, now)
        if not shard.is_open:
            raise InvalidArgumentException(
                f"Shard {shard.shard_id} in stream {stream.name} under account "
                f"{self.cloud.account} has already been merged or split, and thus is not "
                f"eligible for {verb}."
            )
        return shard

    @action("SplitShard")
    def split_shard(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name, arn = self._names(checks)
        given = checks.string(
            "ShardToSplit", required=True, min_len=1, max_len=128, pattern=NAME_PATTERN
        )
        text = checks.string("NewStartingHashKey", required=True, pattern=HASH_KEY_PATTERN)
        checks.done()
        assert given is not None and text is not None
        stream = self._find(name, arn, request)
        self._provisioned(stream, "SplitShard")
        now = self._now()
        shard = self._open_shard(stream, given, now, "splitting")
        self._active(stream)
        new_start = parse_hash_key(text)
        if new_start is None or not shard.start_hash + 1 < new_start < shard.end_hash:
            raise InvalidArgumentException(
                f"NewStartingHashKey {text} used in SplitShard() on shard {shard.shard_id} in "
                f"stream {stream.name} under account {self.cloud.account} is not both greater "
                f"than one plus the shard's StartingHashKey {shard.start_hash} and less than the "
                f"shard's EndingHashKey {shard.end_hash}."
            )
        self._check_shard_limit(request.region, 1)
        self._reshard(
            stream,
            lambda at: stream.split(shard, new_start, at),
            f"{shard.shard_id} split",
        )
        return {}

    @action("MergeShards")
    def merge_shards(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name, arn = self._names(checks)
        first_id = checks.string(
            "ShardToMerge", required=True, min_len=1, max_len=128, pattern=NAME_PATTERN
        )
        second_id = checks.string(
            "AdjacentShardToMerge", required=True, min_len=1, max_len=128, pattern=NAME_PATTERN
        )
        checks.done()
        assert first_id is not None and second_id is not None
        stream = self._find(name, arn, request)
        self._provisioned(stream, "MergeShards")
        now = self._now()
        first = self._open_shard(stream, first_id, now, "merging")
        second = self._open_shard(stream, second_id, now, "merging")
        if first is second or not stream.adjacent(first, second):
            raise InvalidArgumentException(
                f"Shards {first.shard_id} and {second.shard_id} in stream {stream.name} under "
                f"account {self.cloud.account} are not an adjacent pair of shards eligible for "
                "merging"
            )
        self._active(stream)
        self._reshard(
            stream,
            lambda at: stream.merge(first, second, at),
            f"{first.shard_id} and {second.shard_id} merged",
        )
        return {}

    @action("UpdateShardCount")
    def update_shard_count(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name, arn = self._names(checks)
        target = checks.integer("TargetShardCount", required=True, low=1)
        checks.string("ScalingType", required=True, enum=("UNIFORM_SCALING",))
        checks.done()
        assert target is not None
        stream = self._find(name, arn, request)
        self._provisioned(stream, "UpdateShardCount")
        self._active(stream)
        current = len(stream.open_shards)
        counts = f"Current open shard count: {current}, Target shard count: {target}"
        if target > MAX_SHARDS_PER_STREAM:
            raise LimitExceededException(
                "Target shard count or number of open shards cannot be greater than "
                f"{MAX_SHARDS_PER_STREAM}. {counts}"
            )
        if target > current * 2:
            raise LimitExceededException(
                f"UpdateShardCount cannot scale up over double your current open shard count. "
                f"{counts}"
            )
        if target * 2 < current:
            raise LimitExceededException(
                "UpdateShardCount cannot scale down below half your current open shard count. "
                f"{counts}"
            )
        now = self._now()
        while stream.scalings and now - stream.scalings[0] >= DAY:
            stream.scalings.popleft()
        if len(stream.scalings) >= MAX_SCALINGS:
            raise LimitExceededException(
                f"Exceeded the limit of {MAX_SCALINGS} UpdateShardCount calls in a rolling "
                f"24-hour period for stream {stream.name} under account {self.cloud.account}."
            )
        if target > current:
            self._check_shard_limit(request.region, target - current)
        stream.scalings.append(now)
        self._reshard(
            stream, lambda at: stream.scale(target, at), f"scaled from {current} to {target} shards"
        )
        return {
            "StreamName": stream.name,
            "CurrentShardCount": current,
            "TargetShardCount": target,
            "StreamARN": stream.arn,
        }
