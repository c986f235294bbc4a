"""The data plane: PutRecord, PutRecords, GetShardIterator, GetRecords.

PutRecords is the hot path (a producer sends 500 records a call), so its
entries are checked in one cheap pass (a dict lookup for a partition key seen
lately, an encode and an MD5 otherwise), with a bisect over the open shards'
starting hash keys to route, and each shard's limits read once a call. Only a
request with something wrong in it goes through the full check, which finds
the first problem and words it as AWS does. Each record is admitted against
its shard's write limits on its own, so a call can half succeed: the failed
entries carry ErrorCode and ErrorMessage, and FailedRecordCount counts them.
"""

from __future__ import annotations

from typing import Any

from backend.errors import SerializationException
from backend.kit.validation import Checks, failure, refused, wrong_type
from backend.service import Params, Request, Response, action
from backend.services.kinesis import iterators, sequence, shapes
from backend.services.kinesis.base import (
    DATA_STATES,
    ITERATOR_TYPES,
    MAX_GET_RECORDS,
    MAX_GET_RECORDS_BYTES,
    MAX_PUT_RECORDS,
    MAX_PUT_RECORDS_BYTES,
    NAME_PATTERN,
    SEQUENCE_PATTERN,
    STREAM_ID_PATTERN,
    THROTTLE_QUIET,
    KinesisBase,
    dry_run,
)
from backend.services.kinesis.errors import (
    InvalidArgumentException,
    ProvisionedThroughputExceededException,
    rate_exceeded,
    read_throttled,
    shard_not_found,
    stream_not_found,
)
from backend.services.kinesis.hashing import (
    HASH_KEY_PATTERN,
    MAX_HASH_KEY,
    hash_key,
    parse_hash_key,
)
from backend.services.kinesis.shard import RECORD_OVERHEAD, Shard, shard_id
from backend.services.kinesis.stream import Stream


class RecordActions(KinesisBase):
    """Writing records and reading them back."""

    def _throttled(self, stream: Stream, now: float, count: int) -> None:
        stream.throttled_writes += count
        stream.metrics.write_exceeded.add(now, count)
        last = self._throttled_at.get(stream)
        self._throttled_at[stream] = now
        if last is None or now - last > THROTTLE_QUIET:
            self._publish(
                "WriteThrottlingBegan",
                f"{stream.name}: writes throttled (a shard is over 1 MiB/s or 1,000 records/s)",
                stream.arn,
                "warning",
            )

    @action("PutRecord", data_event=True)
    def put_record(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name, arn = self._names(checks)
        data = checks.blob("Data", required=True)
        key = checks.string("PartitionKey", required=True, min_len=1, max_len=256)
        explicit = checks.string("ExplicitHashKey", pattern=HASH_KEY_PATTERN)
        ordering = checks.string("SequenceNumberForOrdering", pattern=SEQUENCE_PATTERN)
        dry = checks.boolean("DryRun")
        checks.done()
        assert isinstance(data, bytes) and key is not None
        stream = self._data_stream(name, arn, request)
        if ordering is not None and sequence.decode(ordering) is None:
            raise InvalidArgumentException(
                f"ExclusiveMinimumSequenceNumber {ordering} used in PutRecord on stream "
                f"{stream.name} under account {self.cloud.account} is invalid."
            )
        key_bytes = _encoded(key, "partitionKey")
        size = self._record_size(stream, data, key_bytes, "data")
        digest = self._explicit(explicit) if explicit is not None else hash_key(key)
        if dry:
            raise dry_run()
        now = self._now()
        shard = stream.route(digest)
        metrics = stream.metrics
        shard.open_window(now)
        counter = shard.accept(now, key, data, size)
        shard.close_window(now)
        if counter < 0:
            metrics.put_success.add(now, 0)
            self._count_write(stream, now, 0, 0, 1)
            self._shard_metric(stream, shard, now, "WriteProvisionedThroughputExceeded", 1)
            raise ProvisionedThroughputExceededException(
                rate_exceeded(shard.shard_id, stream.name, self.cloud.account)
            )
        shard.arrived.fire()
        self._count_write(stream, now, 1, size, 0)
        metrics.put_bytes.add(now, size)
        metrics.put_success.add(now, 1)
        self._shard_metric(stream, shard, now, "IncomingRecords", 1)
        self._shard_metric(stream, shard, now, "IncomingBytes", size, "Bytes")
        return {
            "ShardId": shard.shard_id,
            "SequenceNumber": sequence.encode(shard.base, counter, now),
        }

    def _record_size(self, stream: Stream, data: bytes, key: bytes, where: str) -> int:
        """A record's size (data plus partition key), or AWS's refusal past the stream's limit."""
        limit = stream.max_record_bytes
        if len(data) > limit:
            raise refused(
                [failure(where, data, f"Member must have length less than or equal to {limit}")]
            )
        size = len(data) + len(key)
        if size > limit:
            raise InvalidArgumentException(
                f"Record size of {size} bytes (data and partition key) exceeds the maximum "
                f"record size of {limit} bytes of stream {stream.name}."
            )
        return size

    @staticmethod
    def _explicit(text: str) -> int:
        value = parse_hash_key(text)
        if value is None or value > MAX_HASH_KEY:
            raise InvalidArgumentException(
                "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. "
                f"Specified value was {text}"
            )
        return value

    @action("PutRecords", data_event=True)
    def put_records(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name, arn = self._names(checks)
        dry = checks.boolean("DryRun")
        entries = checks.items("Records", required=True, min_items=1, max_items=MAX_PUT_RECORDS)
        checks.done()
        assert entries is not None
        stream = self._data_stream(name, arn, request)
        limit = stream.max_record_bytes
        hashes: list[int] = []
        sizes: list[int] = []
        total = 0
        known = self._key_hashes.known
        learn = self._key_hashes.learn
        # The fast pass: a well-formed entry costs a few checks and a dict lookup
        # (an encode and an MD5 for a key not seen lately). Anything odd sends the
        # request to `_check_entries`, which finds the first problem and words it.
        try:
            for entry in entries:
                if not isinstance(entry, dict):
                    break
                data = entry.get("Data")
                key = entry.get("PartitionKey")
                if not isinstance(data, bytes) or not isinstance(key, str) or not key:
                    break
                found = known.get(key) or learn(key)
                size = len(data) + found[1]
                if size > limit or len(key) > 256:
                    break
                explicit = entry.get("ExplicitHashKey")
                if explicit is None:
                    hashes.append(found[0])
                elif isinstance(explicit, str) and (value := parse_hash_key(explicit)) is not None:
                    if value > MAX_HASH_KEY:
                        break
                    hashes.append(value)
                else:
                    break
                sizes.append(size)
                total += size
        except UnicodeEncodeError:
            pass
        if len(hashes) < len(entries):
            self._check_entries(stream, entries)
        if total > MAX_PUT_RECORDS_BYTES:
            raise InvalidArgumentException(
                f"Records size exceeds {MAX_PUT_RECORDS_BYTES // (1024 * 1024)} MB limit"
            )
        if dry:
            raise dry_run()
        return self._write(stream, entries, hashes, sizes)

    def _check_entries(self, stream: Stream, entries: list[Any]) -> None:
        """Raise the error AWS gives for the first bad entry of a PutRecords request."""
        checks = Checks({})
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise wrong_type(checks.entry("Records", i), entry, "structure")
            entry_checks = checks.item("Records", i, entry)
            entry_checks.blob("Data", required=True)
            entry_checks.string("PartitionKey", required=True, min_len=1, max_len=256)
            entry_checks.string("ExplicitHashKey", pattern=HASH_KEY_PATTERN)
        checks.done()
        for i, entry in enumerate(entries, 1):
            key_bytes = _encoded(entry["PartitionKey"], f"records.{i}.member.partitionKey")
            self._record_size(stream, entry["Data"], key_bytes, f"records.{i}.member.data")
            explicit = entry.get("ExplicitHashKey")
            if explicit is not None:
                self._explicit(explicit)
        raise AssertionError("_check_entries found nothing wrong")  # pragma: no cover

    def _write(
        self, stream: Stream, entries: list[Any], hashes: list[int], sizes: list[int]
    ) -> Response:
        """Route and admit each entry of a checked PutRecords request, in request order."""
        now = self._now()
        stamp = sequence.arrival_bits(now)
        shift = sequence.COUNTER_SHIFT
        route = stream.route
        results: list[dict[str, str]] = []
        append = results.append
        #: Shards this call wrote to, with how many writes each had refused before it.
        touched: dict[Shard, int] = {}
        refusals: dict[Shard, str] = {}
        for entry, digest, size in zip(entries, hashes, sizes, strict=True):
            shard = route(digest)
            if shard not in touched:
                touched[shard] = shard.throttled_writes
                shard.open_window(now)
            counter = shard.accept(now, entry["PartitionKey"], entry["Data"], size)
            if counter >= 0:
                append(
                    {
                        "SequenceNumber": str(shard.base | counter << shift | stamp),
                        "ShardId": shard.shard_id,
                    }
                )
                continue
            message = refusals.get(shard)
            if message is None:
                message = refusals[shard] = rate_exceeded(
                    shard.shard_id, stream.name, self.cloud.account
                )
            append({"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": message})
        written = written_bytes = 0
        for shard, refused_before in touched.items():
            records, nbytes = shard.close_window(now)
            written += records
            written_bytes += nbytes
            shard.arrived.fire()
            if stream.shard_metrics:
                refused = shard.throttled_writes - refused_before
                self._shard_metric(stream, shard, now, "IncomingRecords", records)
                self._shard_metric(stream, shard, now, "IncomingBytes", nbytes, "Bytes")
                if refused:
                    self._shard_metric(
                        stream, shard, now, "WriteProvisionedThroughputExceeded", refused
                    )
        failed = len(results) - written
        self._count_write(stream, now, written, written_bytes, failed)
        metrics = stream.metrics
        metrics.puts_bytes.add(now, written_bytes)
        metrics.puts_success.add(now, 1 if written else 0)
        metrics.puts_total.add(now, len(results))
        metrics.puts_successful_records.add(now, written)
        metrics.puts_failed.add(now, failed)
        metrics.puts_throttled.add(now, failed)
        return {"FailedRecordCount": failed, "Records": results}

    def _count_write(
        self, stream: Stream, now: float, written: int, nbytes: int, refused: int
    ) -> None:
        """The stream-level totals and metrics every write updates."""
        stream.records_in += written
        stream.bytes_in += nbytes
        if written:
            self._hold_within_budget(nbytes + written * RECORD_OVERHEAD)
            stream.metrics.incoming_bytes.add(now, nbytes)
            stream.metrics.incoming_records.add(now, written)
        if refused:
            self._throttled(stream, now, refused)

    @action("GetShardIterator", read_only=True, data_event=True)
    def get_shard_iterator(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name, arn = self._names(checks)
        given = checks.string(
            "ShardId", required=True, min_len=1, max_len=128, pattern=NAME_PATTERN
        )
        kind = checks.string("ShardIteratorType", required=True, enum=ITERATOR_TYPES)
        number = checks.string("StartingSequenceNumber", pattern=SEQUENCE_PATTERN)
        when = checks.timestamp("Timestamp")
        dry = checks.boolean("DryRun")
        checks.done()
        assert given is not None and kind is not None
        stream = self._data_stream(name, arn, request)
        now = self._now()
        shard = self._shard(stream, given, now)
        position = self._position(stream, shard, kind, number, when, now)
        if dry:
            raise dry_run()
        if not shard.iterator_calls.take(now):
            raise ProvisionedThroughputExceededException(
                rate_exceeded(shard.shard_id, stream.name, self.cloud.account)
            )
        return {"ShardIterator": self._iterator(stream, shard, position, now)}

    @action("GetRecords", read_only=True, data_event=True)
    def get_records(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        token = checks.string("ShardIterator", required=True, min_len=1, max_len=512)
        limit = checks.integer("Limit", low=1)
        self._stream_arn(checks)
        checks.string("StreamId", min_len=1, max_len=24, pattern=STREAM_ID_PATTERN)
        dry = checks.boolean("DryRun")
        checks.done()
        assert token is not None
        if limit is not None and limit > MAX_GET_RECORDS:
            constraint = f"Member must have value less than or equal to {MAX_GET_RECORDS}"
            raise refused([failure("limit", limit, constraint)], InvalidArgumentException)
        position = self._iterators.decode(token)
        now = self._now()
        iterators.check_age(position, now)
        stream = self.streams.get((position.region, position.stream))
        account = self.cloud.account
        wanted = shard_id(position.shard_index)
        if (
            stream is None
            or round(stream.created * 1000) != position.incarnation
            or position.region != request.region
        ):
            raise shard_not_found(wanted, position.stream, account)
        if stream.status not in DATA_STATES:
            raise stream_not_found(stream.name, account)
        shard = stream.shard(wanted, now)
        if shard is None:
            raise shard_not_found(wanted, stream.name, account)
        if dry:
            raise dry_run()
        metrics = stream.metrics
        if shard.read_bytes.available(now) <= 0 or not shard.read_calls.take(now):
            shard.throttled_reads += 1
            stream.throttled_reads += 1
            metrics.read_exceeded.add(now, 1)
            metrics.get_success.add(now, 0)
            self._shard_metric(stream, shard, now, "ReadProvisionedThroughputExceeded", 1)
            raise read_throttled(shard.shard_id, stream.name, account)
        cutoff = stream.cutoff(now)
        first, stop = shard.batch(
            position.counter, limit or MAX_GET_RECORDS, MAX_GET_RECORDS_BYTES, cutoff
        )
        records = shapes.records(shard, first, stop)
        nbytes = shard.data_bytes(first, stop)
        shard.read_bytes.spend(now, nbytes)
        shard.outgoing.add(now, len(records), nbytes)
        stream.records_out += len(records)
        stream.bytes_out += nbytes
        behind = shard.millis_behind(stop, now, cutoff)
        age = round((now - records[-1]["ApproximateArrivalTimestamp"]) * 1000) if records else 0
        metrics.get_success.add(now, 1)
        metrics.get_records.add(now, len(records))
        metrics.get_bytes.add(now, nbytes)
        metrics.get_iterator_age.add(now, max(age, 0))
        self._shard_metric(stream, shard, now, "OutgoingRecords", len(records))
        self._shard_metric(stream, shard, now, "OutgoingBytes", nbytes, "Bytes")
        self._shard_metric(
            stream, shard, now, "IteratorAgeMilliseconds", max(age, 0), "Milliseconds"
        )
        response: Response = {"Records": records, "MillisBehindLatest": behind}
        if not shard.is_open and stop >= shard.next_counter:
            response["ChildShards"] = shapes.child_shards(shard)
        else:
            response["NextShardIterator"] = self._iterator(stream, shard, stop, now)
        return response


def _encoded(key: str, where: str) -> bytes:
    """A partition key's UTF-8 bytes; a lone surrogate (in-process only) is refused."""
    try:
        return key.encode()
    except UnicodeEncodeError:
        raise SerializationException(
            f"Value at '{where}' is not Unicode text: it has a lone surrogate."
        ) from None
