"""What every Kinesis action shares: the service's state, and how a request finds what it names.

Handlers are grouped by subject in mixins (`stream_actions.py`,
`record_actions.py`, `reshard_actions.py`, ...), all on this base, and
`service.py` puts them together. Here live the lookups every group needs: a
stream by StreamName or StreamARN (or both, which must agree), a shard by any
spelling AWS accepts, a consumer by ARN; the states each kind of call needs;
the account's shard quota; NextTokens that expire; where an iterator points.

Timing, on the virtual clock: a new stream is CREATING for `TRANSITION`
seconds, then ACTIVE; a reshard leaves the stream UPDATING for `TRANSITION`
seconds and then happens at once (reads and writes go on meanwhile, to the old
shards); a deleted stream is DELETING for `TRANSITION` seconds (still readable
and writable, as AWS documents) and then gone; a registered consumer is
CREATING for `TRANSITION` seconds. Records past retention are trimmed by a
sweep once a minute, and reads skip them exactly whenever the sweep last ran.

Memory: AWS keeps every record for the retention period, 24 hours to a year;
a process can't keep a day of a busy stream. The records of all streams
together are held within `RECORD_BUDGET` bytes, and past it the oldest go
first, whatever their stream, as if its retention had run out early.
"""

from __future__ import annotations

import json
import re
from typing import Any

from backend.bus import CloudEvent, Severity
from backend.clock import TimerHandle
from backend.cloud import Cloud
from backend.errors import AwsError
from backend.kit.pages import decode_token, encode_token
from backend.kit.validation import Checks
from backend.service import Params, Request, Service
from backend.services.kinesis import iterators, sequence
from backend.services.kinesis.consumers import StreamConsumer
from backend.services.kinesis.errors import (
    DryRunOperationException,
    ExpiredNextTokenException,
    InvalidArgumentException,
    LimitExceededException,
    ResourceNotFoundException,
    shard_not_found,
    stream_not_active,
    stream_not_found,
)
from backend.services.kinesis.hashing import KeyHashes
from backend.services.kinesis.progress import ReadProgress
from backend.services.kinesis.shard import Shard, shard_id
from backend.services.kinesis.stream import SHARD_LEVEL_METRICS, Stream

NAME_PATTERN = "[a-zA-Z0-9_.-]+"
STREAM_ARN_PATTERN = "arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+"
CONSUMER_ARN_PATTERN = (
    "^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+"
)
RESOURCE_ARN_PATTERN = "arn:aws.*:kinesis:.*:\\d{12}:.*(stream|channel|queue)/\\S+"
STREAM_ID_PATTERN = "[a-z0-9]{20}-[a-z0-9]{3}"
SEQUENCE_PATTERN = "^(0|([1-9]\\d{0,128}))$"
STREAM_ARN = re.compile(r"arn:aws[^:]*:kinesis:([^:]*):([0-9]{12}):stream/([a-zA-Z0-9_.-]+)")
CONSUMER_ARN = re.compile(
    r"arn:aws[^:]*:kinesis:([^:]*):([0-9]{12}):stream/([a-zA-Z0-9_.-]+)"
    r"/consumer/([a-zA-Z0-9_.-]+):[0-9]+"
)
#: `shardId-000000000001`, `shardId-1` or `1`: AWS takes each for shard 1.
_SHARD_ID = re.compile(r"(?:shardId-)?([0-9]{1,12})")

STREAM_MODES = ("PROVISIONED", "ON_DEMAND")
ITERATOR_TYPES = (
    "AT_SEQUENCE_NUMBER",
    "AFTER_SEQUENCE_NUMBER",
    "TRIM_HORIZON",
    "LATEST",
    "AT_TIMESTAMP",
)
SHARD_FILTER_TYPES = (
    "AFTER_SHARD_ID",
    "AT_TRIM_HORIZON",
    "FROM_TRIM_HORIZON",
    "AT_LATEST",
    "AT_TIMESTAMP",
    "FROM_TIMESTAMP",
)
METRIC_NAMES = (*SHARD_LEVEL_METRICS, "ALL")

#: Seconds a stream spends CREATING, UPDATING (per reshard) or DELETING, and a
#: consumer CREATING or DELETING.
TRANSITION = 5.0
#: Seconds between retention sweeps.
SWEEP_INTERVAL = 60.0
#: Seconds a NextToken stays good.
TOKEN_LIFETIME = 300.0
#: A quiet minute before a throttled write counts as throttling beginning again.
THROTTLE_QUIET = 60.0
MAX_PUT_RECORDS = 500
MAX_PUT_RECORDS_BYTES = 10 * 1024 * 1024
MAX_GET_RECORDS = 10_000
MAX_GET_RECORDS_BYTES = 10 * 1024 * 1024
MAX_SHARDS_PER_STREAM = 10_000
#: UpdateShardCount calls a stream may have in a rolling 24 hours.
MAX_SCALINGS = 10
DAY = 86_400.0
ON_DEMAND_STREAM_LIMIT = 50
#: Default shard quota per account: 20,000 in these regions, else 1,000.
BIG_REGIONS = frozenset({"us-east-1", "us-west-2", "eu-west-1"})
DATA_STATES = frozenset({"ACTIVE", "UPDATING", "DELETING"})
#: Bytes the records of every stream together may take in memory (keys, data and
#: columns: `Shard.held_bytes`); a day of the demo's clickstream takes about 115 MiB.
RECORD_BUDGET = 128 * 1024 * 1024
#: What is held is counted again after each this-many-th part of the budget is written.
BUDGET_CHECKS = 16


def shard_limit(region: str) -> int:
    return 20_000 if region in BIG_REGIONS else 1_000


class KinesisBase(Service):
    """The service state and lookups the action groups share."""

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud)
        #: Every stream, by (region, name), DELETING ones included.
        self.streams: dict[tuple[str, str], Stream] = {}
        self._consumers: dict[str, StreamConsumer] = {}
        self._iterators = iterators.Codec(cloud.rng("kinesis/iterators").randbytes(32))
        self._key_hashes = KeyHashes()
        self.record_budget = RECORD_BUDGET
        #: Bytes written (with their columns) since what the shards hold was last counted.
        self._written = 0
        self._sweeper: TimerHandle | None = None
        #: Consumer applications' positions, by application name (`progress.py`): not
        #: AWS state, and so kept across `reset`, which the applications outlive.
        self.progress: dict[str, ReadProgress] = {}
        #: When each stream last had a write throttled (for the "throttling began" event).
        self._throttled_at: dict[Stream, float] = {}

    def reset(self) -> None:
        for stream in self.streams.values():
            self._forget(stream)
        self.streams.clear()
        self._consumers.clear()
        self._throttled_at.clear()
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None

    def stream_list(self, region: str | None = None) -> list[Stream]:
        """The streams of `region` (default: the cloud's), by name; DELETING ones too."""
        region = region or self.cloud.region
        return sorted(
            (s for (r, _), s in self.streams.items() if r == region), key=lambda s: s.name
        )

    def consumers_of(self, stream: Stream) -> list[StreamConsumer]:
        """The registered (enhanced fan-out) consumers of `stream`, by name."""
        return sorted(
            (c for c in self._consumers.values() if c.stream is stream), key=lambda c: c.name
        )

    def trail_resources(self, action: str, params: Params, region: str) -> list[dict[str, str]]:
        arn = params.get("StreamARN")
        name = params.get("StreamName")
        if not isinstance(arn, str):
            if not isinstance(name, str) or not name:
                return []
            arn = f"arn:aws:kinesis:{region}:{self.cloud.account}:stream/{name}"
        return [{"accountId": self.cloud.account, "type": "AWS::Kinesis::Stream", "ARN": arn}]

    def _names(self, checks: Checks) -> tuple[str | None, str | None]:
        """The StreamName and StreamARN a request gives (and its StreamId checked)."""
        name = checks.string("StreamName", min_len=1, max_len=128, pattern=NAME_PATTERN)
        arn = checks.string("StreamARN", min_len=1, max_len=2048, pattern=STREAM_ARN_PATTERN)
        checks.string("StreamId", min_len=1, max_len=24, pattern=STREAM_ID_PATTERN)
        return name, arn

    def _stream_arn(self, checks: Checks, *, required: bool = False) -> str | None:
        return checks.string(
            "StreamARN", required=required, min_len=1, max_len=2048, pattern=STREAM_ARN_PATTERN
        )

    def _find(self, name: str | None, arn: str | None, request: Request) -> Stream:
        """The stream a request names by StreamName, StreamARN or both."""
        account = self.cloud.account
        if arn is not None:
            match = STREAM_ARN.fullmatch(arn)
            if match is None:
                raise InvalidArgumentException(f"StreamARN {arn} is not a valid stream ARN.")
            region, owner, arn_name = match.groups()
            if name is not None and name != arn_name:
                raise InvalidArgumentException(
                    f"StreamARN {arn} and StreamName {name} do not refer to the same stream."
                )
            if owner != account or region != request.region:
                raise stream_not_found(arn_name, owner)
            name = arn_name
        if name is None:
            raise InvalidArgumentException("Either StreamName or StreamARN must be provided.")
        stream = self.streams.get((request.region, name))
        if stream is None:
            raise stream_not_found(name, account)
        return stream

    def _data_stream(self, name: str | None, arn: str | None, request: Request) -> Stream:
        """A stream reads and writes may use: not while it is still CREATING."""
        stream = self._find(name, arn, request)
        if stream.status not in DATA_STATES:
            raise stream_not_found(stream.name, self.cloud.account)
        return stream

    def _active(self, stream: Stream) -> None:
        if stream.status != "ACTIVE":
            raise stream_not_active(stream.name, self.cloud.account, stream.status)

    def _shard(self, stream: Stream, given: str, now: float) -> Shard:
        """The shard a ShardId names, however AWS lets it be spelt, if not EXPIRED."""
        match = _SHARD_ID.fullmatch(given)
        found = stream.shard(shard_id(int(match.group(1))), now) if match else None
        if found is None:
            wanted = shard_id(int(match.group(1))) if match else given
            raise shard_not_found(wanted, stream.name, self.cloud.account)
        return found

    def _consumer(self, arn: str, request: Request) -> StreamConsumer:
        found = self._consumers.get(arn)
        match = CONSUMER_ARN.fullmatch(arn)
        if found is None or match is None or match.group(1) != request.region:
            raise ResourceNotFoundException(
                f"Consumer {arn} under account {self.cloud.account} not found."
            )
        return found

    def _now(self) -> float:
        return self.cloud.clock.now()

    def _publish(self, kind: str, summary: str, resource: str, severity: Severity) -> None:
        self.cloud.bus.publish(
            CloudEvent(self._now(), "kinesis", kind, summary, severity, resource)
        )

    def _check_shard_limit(self, region: str, more: int) -> None:
        current = sum(len(s.open_shards) for s in self.stream_list(region))
        limit = shard_limit(region)
        if current + more > limit:
            raise LimitExceededException(
                f"This request would exceed the shard limit for the account {self.cloud.account} "
                f"in {region}. Current shard count for the account: {current}. Limit: {limit}. "
                f"Number of additional shards that would have resulted from this request: {more}. "
                "Refer to the AWS Service Limits page "
                "(https://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) "
                "for current limits and how to request higher limits."
            )

    def _forget(self, stream: Stream) -> None:
        for consumer in self.consumers_of(stream):
            consumer.close()
            del self._consumers[consumer.arn]
        self._throttled_at.pop(stream, None)
        stream.drop()

    def _hold_within_budget(self, written: int) -> None:
        """Count `written` more bytes held; past the budget, drop the oldest records of any stream.

        Counting what every shard holds walks the shards, so it is done once
        per sixteenth of the budget written rather than on every write: in
        between, the records held pass the budget by about that much at most.
        """
        self._written += written
        if self._written < self.record_budget // BUDGET_CHECKS:
            return
        self._written = 0
        shards = [s for stream in self.streams.values() for s in stream.shards.values() if s.stored]
        held = sum(shard.held_bytes for shard in shards)
        while held > self.record_budget and shards:
            oldest = min(shards, key=lambda shard: shard.oldest)
            held -= oldest.drop_oldest(max(1, oldest.stored // 8))
            if not oldest.stored:
                shards.remove(oldest)

    def _ensure_sweeper(self) -> None:
        if self._sweeper is None:
            self._sweeper = self.cloud.clock.call_later(SWEEP_INTERVAL, self._sweep)

    def _sweep(self) -> None:
        now = self._now()
        for stream in self.streams.values():
            stream.sweep(now)
        self._sweeper = None
        if self.streams:
            self._ensure_sweeper()

    def _token(self, scope: str, now: float, *position: str | float | None) -> str:
        return encode_token(scope, json.dumps([now, *position]))

    def _read_token(self, token: str, scope: str, now: float, *kinds: type | None) -> list[Any]:
        """The position a NextToken holds for listing `scope`; refused if altered or stale.

        Tokens are not secret (the position is a name), but a client can send any
        text: each part must have the type in `kinds` (None: may also be null).
        """
        raw = decode_token(token, scope, InvalidArgumentException, "Invalid NextToken.")
        try:
            issued, *position = json.loads(raw)
        except (TypeError, ValueError):
            raise InvalidArgumentException("Invalid NextToken.") from None
        wanted = (float, *kinds)
        if len(position) + 1 != len(wanted) or not all(
            typed(value, kind) for value, kind in zip((issued, *position), wanted, strict=True)
        ):
            raise InvalidArgumentException("Invalid NextToken.")
        if now - issued > TOKEN_LIFETIME:
            raise ExpiredNextTokenException(
                f"The NextToken has expired: it was issued more than {int(TOKEN_LIFETIME)} "
                "seconds ago."
            )
        return list(position)

    def _shard_metric(
        self,
        stream: Stream,
        shard: Shard,
        now: float,
        metric: str,
        value: float,
        unit: str = "Count",
    ) -> None:
        if metric in stream.shard_metrics:
            stream.shard_series(shard, metric, unit).add(now, value)

    def _position(
        self,
        stream: Stream,
        shard: Shard,
        kind: str,
        number: str | None,
        when: float | None,
        now: float,
    ) -> int:
        """The counter an iterator of `kind` starts at (AWS_FACTS §2, iterator types)."""
        account = self.cloud.account
        by_number = kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER")
        if kind in ("TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER") and (
            by_number != (number is not None)
        ):
            given = "also a" if number is not None else "no"
            raise InvalidArgumentException(
                "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and "
                "StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no "
                f"StartingSequenceNumber. Request specified {kind} and {given} "
                "StartingSequenceNumber."
            )
        if kind == "TRIM_HORIZON":
            return 0
        if kind == "LATEST":
            return shard.next_counter
        if kind == "AT_TIMESTAMP":
            if when is None:
                raise InvalidArgumentException(
                    "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. "
                    "Current request has no timestamp parameter."
                )
            if when > now:
                raise InvalidArgumentException(
                    "The timestampInMillis parameter cannot be greater than the "
                    f"currentTimestampInMillis. timestampInMillis: {round(when * 1000)}, "
                    f"currentTimestampInMillis: {round(now * 1000)}"
                )
            return shard.counter_at(when, stream.cutoff(now))
        assert number is not None
        decoded = sequence.decode(number)
        where = (
            f"StartingSequenceNumber {number} used in GetShardIterator on shard {shard.shard_id} "
            f"in stream {stream.name} under account {account} is invalid"
        )
        if decoded is None:
            raise InvalidArgumentException(f"{where}.")
        if decoded.index != shard.index:
            raise InvalidArgumentException(
                f"Invalid StartingSequenceNumber. It encodes {shard_id(decoded.index)}, while it "
                f"was used in a call to a shard with {shard.shard_id}"
            )
        if sequence.shard_base(decoded.created, decoded.index) != shard.base:
            raise InvalidArgumentException(f"{where} because it did not come from this stream.")
        counter = decoded.counter + (1 if kind == "AFTER_SEQUENCE_NUMBER" else 0)
        return min(counter, shard.next_counter)

    def _iterator(self, stream: Stream, shard: Shard, position: int, now: float) -> str:
        return self._iterators.encode(
            iterators.Position(
                stream.region,
                stream.name,
                round(stream.created * 1000),
                shard.index,
                position,
                now,
            ),
        )


def typed(value: object, kind: type | None) -> bool:
    """Whether a NextToken part is of `kind` (float: any number; None: str, number or null)."""
    if value is None:
        return kind is None
    if isinstance(value, bool):
        return False
    if kind is float or (kind is None and not isinstance(value, str)):
        return isinstance(value, int | float)
    return isinstance(value, str)


def dry_run() -> AwsError:
    return DryRunOperationException("Request would have succeeded, but DryRun flag is set.")
