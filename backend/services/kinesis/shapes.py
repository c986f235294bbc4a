"""The model as AWS's response shapes: shards, child shards, records, summaries.

Handlers and enhanced fan-out subscriptions both answer with these, so a shard
or a record looks the same whichever way it is read. Hash keys and sequence
numbers are decimal strings, timestamps epoch seconds to the millisecond.
"""

from __future__ import annotations

from typing import Any

from backend.services.kinesis import sequence
from backend.services.kinesis.shard import Shard
from backend.services.kinesis.stream import Stream

Shape = dict[str, Any]


def hash_range(shard: Shard) -> Shape:
    return {"StartingHashKey": str(shard.start_hash), "EndingHashKey": str(shard.end_hash)}


def shard_shape(shard: Shard) -> Shape:
    out: Shape = {"ShardId": shard.shard_id}
    if shard.parent_id is not None:
        out["ParentShardId"] = shard.parent_id
    if shard.adjacent_parent_id is not None:
        out["AdjacentParentShardId"] = shard.adjacent_parent_id
    out["HashKeyRange"] = hash_range(shard)
    numbers: Shape = {"StartingSequenceNumber": shard.starting_sequence}
    if shard.ending_sequence is not None:
        numbers["EndingSequenceNumber"] = shard.ending_sequence
    out["SequenceNumberRange"] = numbers
    return out


def child_shards(shard: Shard) -> list[Shape]:
    """What GetRecords and SubscribeToShard say at the end of a closed shard."""
    return [
        {
            "ShardId": child.shard_id,
            "ParentShards": child.parents(),
            "HashKeyRange": hash_range(child),
        }
        for child in shard.children
    ]


def records(shard: Shard, first: int, stop: int) -> list[Shape]:
    """The records with counters [first, stop), as GetRecords returns them.

    A read returns up to 10,000 records, so nothing here costs a call per
    record: the sequence numbers come a second's worth at a time
    (`sequence.numbers`), and each distinct arrival time is rounded once (the
    records of one PutRecords call share theirs; arrivals are clock times,
    never -0.0, which as a key would pass for 0.0).
    """
    arrivals, keys, data = shard.columns(first, stop)
    numbers = sequence.numbers(shard.base, first, arrivals)
    stamps = {arrival: round(arrival, 3) for arrival in set(arrivals)}
    return [
        {
            "SequenceNumber": number,
            "ApproximateArrivalTimestamp": stamps[arrival],
            "Data": blob,
            "PartitionKey": key,
        }
        for number, arrival, blob, key in zip(numbers, arrivals, data, keys, strict=True)
    ]


def mode(stream: Stream) -> Shape:
    return {"StreamMode": stream.mode}


def enhanced_monitoring(stream: Stream) -> list[Shape]:
    return [{"ShardLevelMetrics": list(stream.shard_metrics)}]


def stream_summary(stream: Stream) -> Shape:
    """A ListStreams `StreamSummaries` entry."""
    return {
        "StreamName": stream.name,
        "StreamARN": stream.arn,
        "StreamStatus": stream.status,
        "StreamModeDetails": mode(stream),
        "StreamCreationTimestamp": stream.created,
    }
