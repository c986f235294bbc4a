"""Bad input on every action: AWS's error, in AWS's words, and never an internal failure."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.services.kinesis import KinesisService
from tests.backend.test_kinesis_helpers import ACCOUNT, cloud, create_stream, kinesis, kinesis_error

__all__ = ["cloud"]

ARN = f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/s"
CONSUMER = f"{ARN}/consumer/c:1795942805"
MISSING = f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/missing"

#: (action, params, code, message or None): a representative refusal for every action.
REFUSALS: list[tuple[str, dict[str, Any], str, str | None]] = [
    (
        "CreateStream",
        {"StreamName": "bad name", "ShardCount": 1},
        "ValidationException",
        "1 validation error detected: Value 'bad name' at 'streamName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    ),
    (
        "CreateStream",
        {"StreamName": "x" * 129, "ShardCount": 1},
        "ValidationException",
        None,
    ),
    (
        "CreateStream",
        {"StreamName": "t", "StreamModeDetails": {"StreamMode": "FAST"}},
        "ValidationException",
        "1 validation error detected: Value 'FAST' at 'streamModeDetails.streamMode' failed to "
        "satisfy constraint: Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]",
    ),
    (
        "CreateStream",
        {},
        "ValidationException",
        "1 validation error detected: Value null at 'streamName' failed to satisfy constraint: "
        "Member must not be null",
    ),
    (
        "DeleteStream",
        {"StreamName": "missing"},
        "ResourceNotFoundException",
        f"Stream missing under account {ACCOUNT} not found.",
    ),
    ("DescribeStream", {"StreamName": "s", "Limit": 0}, "ValidationException", None),
    (
        "DescribeStreamSummary",
        {"StreamARN": "arn:aws:sqs:us-east-1:1:q"},
        "ValidationException",
        None,
    ),
    ("ListStreams", {"Limit": 10_001}, "ValidationException", None),
    ("ListStreams", {"NextToken": "garbage"}, "InvalidArgumentException", None),
    (
        "ListShards",
        {},
        "InvalidArgumentException",
        "Either NextToken or StreamName should be provided.",
    ),
    (
        "ListShards",
        {"StreamName": "s", "ShardFilter": {"Type": "AFTER_SHARD_ID"}},
        "InvalidArgumentException",
        None,
    ),
    (
        "PutRecord",
        {"StreamName": "s", "Data": b"x"},
        "ValidationException",
        "1 validation error detected: Value null at 'partitionKey' failed to satisfy constraint: "
        "Member must not be null",
    ),
    (
        "PutRecord",
        {"StreamName": "s", "Data": b"x", "PartitionKey": "k" * 257},
        "ValidationException",
        None,
    ),
    (
        "PutRecord",
        {"StreamName": "s", "Data": b"x", "PartitionKey": "k", "ExplicitHashKey": str(2**128)},
        "InvalidArgumentException",
        "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. "
        f"Specified value was {2**128}",
    ),
    (
        "PutRecord",
        {"StreamName": "s", "Data": b"x" * (1024 * 1024 + 1), "PartitionKey": "k"},
        "ValidationException",
        "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1048577 "
        "cap=1048577]' at 'data' failed to satisfy constraint: Member must have length less than "
        "or equal to 1048576",
    ),
    (
        "PutRecord",
        {"StreamName": "s", "Data": b"x" * (1024 * 1024), "PartitionKey": "k"},
        "InvalidArgumentException",
        None,
    ),
    (
        "PutRecord",
        {"StreamName": "s", "Data": b"x", "PartitionKey": "k", "DryRun": True},
        "DryRunOperationException",
        None,
    ),
    (
        "PutRecords",
        {"StreamName": "s", "Records": []},
        "ValidationException",
        "1 validation error detected: Value '[]' at 'records' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1",
    ),
    (
        "PutRecords",
        {"StreamName": "s", "Records": [{"Data": b"x", "PartitionKey": "k"}] * 501},
        "ValidationException",
        None,
    ),
    (
        "PutRecords",
        {
            "StreamName": "s",
            "Records": [{"Data": b"x", "PartitionKey": "k"}, {"Data": b"x", "PartitionKey": ""}],
        },
        "ValidationException",
        "1 validation error detected: Value '' at 'records.2.member.partitionKey' failed to "
        "satisfy constraint: Member must have length greater than or equal to 1",
    ),
    (
        "PutRecords",
        {"StreamName": "s", "Records": [{"PartitionKey": "k"}]},
        "ValidationException",
        "1 validation error detected: Value null at 'records.1.member.data' failed to satisfy "
        "constraint: Member must not be null",
    ),
    (
        "PutRecords",
        {
            "StreamName": "s",
            "Records": [{"Data": b"x" * (1024 * 1024), "PartitionKey": f"k{i}"} for i in range(11)],
        },
        "InvalidArgumentException",
        None,
    ),
    (
        "GetShardIterator",
        {"StreamName": "s", "ShardId": "shardId-000000000000", "ShardIteratorType": "OLDEST"},
        "ValidationException",
        None,
    ),
    ("GetRecords", {"ShardIterator": ""}, "ValidationException", None),
    ("GetRecords", {"ShardIterator": "x" * 513}, "ValidationException", None),
    (
        "SplitShard",
        {"StreamName": "s", "ShardToSplit": "shardId-000000000000", "NewStartingHashKey": "01"},
        "ValidationException",
        None,
    ),
    (
        "SplitShard",
        {"StreamName": "s", "ShardToSplit": "shardId-000000000009", "NewStartingHashKey": "12"},
        "ResourceNotFoundException",
        None,
    ),
    (
        "MergeShards",
        {"StreamName": "s", "ShardToMerge": "shardId-000000000000"},
        "ValidationException",
        None,
    ),
    (
        "UpdateShardCount",
        {"StreamName": "s", "TargetShardCount": 0, "ScalingType": "UNIFORM_SCALING"},
        "ValidationException",
        None,
    ),
    ("IncreaseStreamRetentionPeriod", {"StreamName": "s"}, "ValidationException", None),
    (
        "DecreaseStreamRetentionPeriod",
        {"StreamName": "missing", "RetentionPeriodHours": 24},
        "ResourceNotFoundException",
        None,
    ),
    (
        "UpdateMaxRecordSize",
        {"StreamARN": ARN, "MaxRecordSizeInKiB": 100},
        "ValidationException",
        None,
    ),
    (
        "EnableEnhancedMonitoring",
        {"StreamName": "s", "ShardLevelMetrics": ["Everything"]},
        "ValidationException",
        None,
    ),
    (
        "DisableEnhancedMonitoring",
        {"StreamName": "s", "ShardLevelMetrics": []},
        "ValidationException",
        None,
    ),
    (
        "RegisterStreamConsumer",
        {"StreamARN": MISSING, "ConsumerName": "c"},
        "ResourceNotFoundException",
        None,
    ),
    (
        "RegisterStreamConsumer",
        {"StreamARN": ARN, "ConsumerName": "bad name"},
        "ValidationException",
        None,
    ),
    ("DeregisterStreamConsumer", {"ConsumerARN": CONSUMER}, "ResourceNotFoundException", None),
    ("DeregisterStreamConsumer", {}, "InvalidArgumentException", None),
    ("DescribeStreamConsumer", {"ConsumerARN": "arn:nope"}, "ValidationException", None),
    ("ListStreamConsumers", {}, "ValidationException", None),
    (
        "SubscribeToShard",
        {
            "ConsumerARN": CONSUMER,
            "ShardId": "shardId-000000000000",
            "StartingPosition": {"Type": "LATEST"},
        },
        "ResourceNotFoundException",
        None,
    ),
    (
        "SubscribeToShard",
        {"ConsumerARN": CONSUMER, "ShardId": "shardId-000000000000"},
        "ValidationException",
        None,
    ),
    ("AddTagsToStream", {"StreamName": "s", "Tags": {}}, "ValidationException", None),
    ("RemoveTagsFromStream", {"StreamName": "s", "TagKeys": []}, "ValidationException", None),
    ("ListTagsForStream", {"StreamName": "s", "Limit": 51}, "ValidationException", None),
    (
        "TagResource",
        {"ResourceARN": MISSING, "Tags": {"a": "b"}},
        "ResourceNotFoundException",
        None,
    ),
    ("UntagResource", {"ResourceARN": ARN}, "ValidationException", None),
    ("ListTagsForResource", {"ResourceARN": "arn:aws:s3:::bucket"}, "ValidationException", None),
]


def test_every_action_has_a_refusal_here() -> None:
    assert {action for action, *_ in REFUSALS} | {"DescribeLimits"} == set(KinesisService.actions)


@pytest.mark.parametrize(("action", "params", "code", "message"), REFUSALS)
async def test_refusals(
    cloud: Cloud, action: str, params: dict[str, Any], code: str, message: str | None
) -> None:
    await create_stream(cloud, shards=1)
    error = await kinesis_error(cloud, action, params)
    assert error.code == code, error.message
    if message is not None:
        assert error.message == message


def _wrong_values(kind: str) -> list[object]:
    """Values of the wrong type, or of the right type but extreme, for a member of `kind`."""
    anything: list[object] = [
        None,
        True,
        7,
        -1,
        2**70,
        1.5,
        "",
        "x" * 3000,
        "\ud800",
        [],
        {},
        b"\0",
    ]
    return [v for v in anything if kind != "blob" or not isinstance(v, bytes)] + (
        [[1, None, "a"], [{"Data": 5}], {"Type": 3}, [{"PartitionKey": "\ud800", "Data": b"x"}]]
    )


async def test_no_input_makes_an_internal_failure(cloud: Cloud) -> None:
    """Each member of each action's input, set to each odd value, is refused by AWS's rules."""
    await create_stream(cloud, shards=1)
    model = botocore.session.get_session().get_service_model("kinesis")
    for action in sorted(KinesisService.actions):
        shape = model.operation_model(action).input_shape
        members = dict(shape.members) if shape is not None else {}
        for name, member in members.items():
            for value in _wrong_values(member.type_name):
                try:
                    await cloud.call("kinesis", action, {"StreamName": "s", name: value})
                except AwsError as error:
                    assert error.code != "InternalFailure", (action, name, value)
    assert not cloud.errors.get(("kinesis", "InternalFailure"))


async def test_describe_limits_takes_nothing(cloud: Cloud) -> None:
    assert (await kinesis(cloud, "DescribeLimits"))["ShardLimit"] == 20_000
    eu = await cloud.call("kinesis", "DescribeLimits", {}, region="eu-central-1")
    assert eu["ShardLimit"] == 1_000
