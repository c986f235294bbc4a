"""Delivery stream lifecycle: create, describe, list, update, delete, tags, encryption."""

from __future__ import annotations

from typing import Any

import pytest

from backend.cloud import Cloud
from backend.services.firehose import FirehoseService
from backend.services.firehose.limits import TRANSITION
from tests.backend.test_firehose_helpers import (
    ACCOUNT,
    ROLE,
    START,
    cloud,
    create_stream,
    firehose,
    firehose_error,
    put_batch,
    s3_config,
    stream_of,
)

__all__ = ["cloud"]

ARN = f"arn:aws:firehose:us-east-1:{ACCOUNT}:deliverystream/s"


async def describe(cloud: Cloud, name: str = "s") -> dict[str, Any]:
    found = await firehose(cloud, "DescribeDeliveryStream", {"DeliveryStreamName": name})
    description: dict[str, Any] = found["DeliveryStreamDescription"]
    return description


async def test_a_stream_is_creating_then_active_with_its_full_description(cloud: Cloud) -> None:
    created = await firehose(
        cloud,
        "CreateDeliveryStream",
        {"DeliveryStreamName": "s", "ExtendedS3DestinationConfiguration": s3_config()},
    )
    assert created == {"DeliveryStreamARN": ARN}
    described = await describe(cloud)
    assert described["DeliveryStreamStatus"] == "CREATING"
    await cloud.clock.advance(TRANSITION)
    described = await describe(cloud)
    s3 = {
        "RoleARN": ROLE,
        "BucketARN": "arn:aws:s3:::bkt",
        "Prefix": "",
        "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 300},
        "CompressionFormat": "UNCOMPRESSED",
        "EncryptionConfiguration": {"NoEncryptionConfig": "NoEncryption"},
        "CloudWatchLoggingOptions": {"Enabled": False},
    }
    assert described == {
        "DeliveryStreamName": "s",
        "DeliveryStreamARN": ARN,
        "DeliveryStreamStatus": "ACTIVE",
        "DeliveryStreamEncryptionConfiguration": {"Status": "DISABLED"},
        "DeliveryStreamType": "DirectPut",
        "VersionId": "1",
        "CreateTimestamp": START,
        "Destinations": [
            {
                "DestinationId": "destinationId-000000000001",
                "S3DestinationDescription": s3,
                "ExtendedS3DestinationDescription": {**s3, "S3BackupMode": "Disabled"},
            }
        ],
        "HasMoreDestinations": False,
    }
    after = await firehose(
        cloud,
        "DescribeDeliveryStream",
        {"DeliveryStreamName": "s", "ExclusiveStartDestinationId": "destinationId-000000000001"},
    )
    assert after["DeliveryStreamDescription"]["Destinations"] == []


async def test_the_deprecated_s3_configuration_is_accepted(cloud: Cloud) -> None:
    await firehose(
        cloud,
        "CreateDeliveryStream",
        {
            "DeliveryStreamName": "s",
            "S3DestinationConfiguration": s3_config(
                Prefix="p/", BufferingHints={"SizeInMBs": 2, "IntervalInSeconds": 60}
            ),
        },
    )
    destination = (await describe(cloud))["Destinations"][0]
    assert destination["S3DestinationDescription"]["Prefix"] == "p/"
    assert destination["ExtendedS3DestinationDescription"]["BufferingHints"] == {
        "SizeInMBs": 2,
        "IntervalInSeconds": 60,
    }


async def test_a_name_is_taken_while_the_stream_exists(cloud: Cloud) -> None:
    await create_stream(cloud)
    error = await firehose_error(
        cloud,
        "CreateDeliveryStream",
        {"DeliveryStreamName": "s", "ExtendedS3DestinationConfiguration": s3_config()},
    )
    assert (error.code, error.message) == (
        "ResourceInUseException",
        f"Firehose s under accountId {ACCOUNT} already exists",
    )


@pytest.mark.parametrize(
    ("params", "code", "words"),
    [
        (
            {},
            "ValidationException",
            "Value null at 'deliveryStreamName' failed to satisfy "
            "constraint: Member must not be null",
        ),
        (
            {"DeliveryStreamName": "a b"},
            "ValidationException",
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
        ),
        (
            {"DeliveryStreamName": "x" * 65},
            "ValidationException",
            "Member must have length less than or equal to 64",
        ),
        (
            {"DeliveryStreamName": "s", "DeliveryStreamType": "Other"},
            "ValidationException",
            "Member must satisfy enum value set: [DirectPut, KinesisStreamAsSource, MSKAsSource, "
            "DatabaseAsSource]",
        ),
        (
            {"DeliveryStreamName": "s"},
            "InvalidArgumentException",
            "Exactly one destination configuration is supported for a Firehose",
        ),
        ({"DeliveryStreamName": 5}, "SerializationException", "can not be converted to a String"),
        (
            {"DeliveryStreamName": "s", "ExtendedS3DestinationConfiguration": {}},
            "ValidationException",
            "2 validation errors detected: Value null at "
            "'extendedS3DestinationConfiguration.roleARN' failed to satisfy constraint: "
            "Member must not be null; Value null at 'extendedS3DestinationConfiguration.bucketARN'",
        ),
        (
            {
                "DeliveryStreamName": "s",
                "ExtendedS3DestinationConfiguration": s3_config(
                    BufferingHints={"SizeInMBs": 129, "IntervalInSeconds": 901}
                ),
            },
            "ValidationException",
            "Value '129' at 'extendedS3DestinationConfiguration.bufferingHints.sizeInMBs' "
            "failed to satisfy constraint: Member must have value less than or equal to 128; "
            "Value '901' at "
            "'extendedS3DestinationConfiguration.bufferingHints.intervalInSeconds'",
        ),
        (
            {
                "DeliveryStreamName": "s",
                "ExtendedS3DestinationConfiguration": s3_config(BufferingHints={"SizeInMBs": 1}),
            },
            "InvalidArgumentException",
            "BufferingHints must specify both SizeInMBs and IntervalInSeconds, or neither.",
        ),
        (
            {
                "DeliveryStreamName": "s",
                "ExtendedS3DestinationConfiguration": s3_config(CompressionFormat="Snappy"),
            },
            "InvalidArgumentException",
            "CompressionFormat Snappy is not simulated: use UNCOMPRESSED or GZIP.",
        ),
        (
            {
                "DeliveryStreamName": "s",
                "ExtendedS3DestinationConfiguration": s3_config(CompressionFormat="LZ4"),
            },
            "ValidationException",
            "Member must satisfy enum value set: [UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY]",
        ),
        (
            {
                "DeliveryStreamName": "s",
                "ExtendedS3DestinationConfiguration": s3_config(Prefix="!{timestamp:yyyy}/"),
            },
            "InvalidArgumentException",
            "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions",
        ),
        (
            {
                "DeliveryStreamName": "s",
                "ExtendedS3DestinationConfiguration": s3_config(RoleARN="role"),
            },
            "ValidationException",
            "at 'extendedS3DestinationConfiguration.roleARN' failed to satisfy constraint: Member "
            "must satisfy regular expression pattern",
        ),
        (
            {
                "DeliveryStreamName": "s",
                "ExtendedS3DestinationConfiguration": s3_config(),
                "S3DestinationConfiguration": s3_config(),
            },
            "InvalidArgumentException",
            "Exactly one destination configuration",
        ),
        (
            {
                "DeliveryStreamName": "s",
                "ExtendedS3DestinationConfiguration": s3_config(
                    ProcessingConfiguration={"Enabled": True}
                ),
            },
            "InvalidArgumentException",
            "Lambda data transformation (ProcessingConfiguration) is not simulated.",
        ),
        (
            {
                "DeliveryStreamName": "s",
                "ExtendedS3DestinationConfiguration": s3_config(CustomTimeZone="Mars/Olympus"),
            },
            "InvalidArgumentException",
            "CustomTimeZone Mars/Olympus is not a supported time zone.",
        ),
        (
            {"DeliveryStreamName": "s", "HttpEndpointDestinationConfiguration": {}},
            "InvalidArgumentException",
            "HttpEndpointDestinationConfiguration is not simulated",
        ),
        (
            {"DeliveryStreamName": "s", "DeliveryStreamType": "MSKAsSource"},
            "InvalidArgumentException",
            "DeliveryStreamType MSKAsSource is not simulated",
        ),
        (
            {
                "DeliveryStreamName": "s",
                "DeliveryStreamType": "KinesisStreamAsSource",
                "ExtendedS3DestinationConfiguration": s3_config(),
            },
            "InvalidArgumentException",
            "KinesisStreamSourceConfiguration is required for the KinesisStreamAsSource "
            "stream type.",
        ),
        (
            {
                "DeliveryStreamName": "s",
                "ExtendedS3DestinationConfiguration": s3_config(),
                "KinesisStreamSourceConfiguration": {
                    "KinesisStreamARN": f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/k",
                    "RoleARN": ROLE,
                },
            },
            "InvalidArgumentException",
            "KinesisSourceStreamConfig is only applicable for KinesisStreamAsSource stream type",
        ),
        (
            {
                "DeliveryStreamName": "s",
                "ExtendedS3DestinationConfiguration": s3_config(),
                "DeliveryStreamEncryptionConfigurationInput": {"KeyType": "CUSTOMER_MANAGED_CMK"},
            },
            "InvalidArgumentException",
            "KeyARN is required when KeyType is CUSTOMER_MANAGED_CMK.",
        ),
        (
            {
                "DeliveryStreamName": "s",
                "ExtendedS3DestinationConfiguration": s3_config(),
                "Tags": [{"Key": "aws:x", "Value": "v"}],
            },
            "ValidationException",
            "Value 'aws:x' at 'tags.1.member.key' failed to satisfy constraint",
        ),
    ],
)
async def test_create_refuses_bad_input_as_aws_does(
    cloud: Cloud, params: dict[str, Any], code: str, words: str
) -> None:
    error = await firehose_error(cloud, "CreateDeliveryStream", params)
    assert error.code == code
    assert words in error.message
    assert not cloud.service(FirehoseService).streams


async def test_a_kinesis_source_must_exist(cloud: Cloud) -> None:
    arn = f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/missing"
    error = await firehose_error(
        cloud,
        "CreateDeliveryStream",
        {
            "DeliveryStreamName": "s",
            "DeliveryStreamType": "KinesisStreamAsSource",
            "KinesisStreamSourceConfiguration": {"KinesisStreamARN": arn, "RoleARN": ROLE},
            "ExtendedS3DestinationConfiguration": s3_config(),
        },
    )
    assert (error.code, error.message) == (
        "InvalidArgumentException",
        f"The Kinesis stream {arn} does not exist or is not accessible.",
    )


async def test_list_filters_by_type_and_pages_by_name(cloud: Cloud) -> None:
    for name in ("c", "a", "b"):
        await create_stream(cloud, name)
    listed = await firehose(cloud, "ListDeliveryStreams", {"Limit": 2})
    assert listed == {"DeliveryStreamNames": ["a", "b"], "HasMoreDeliveryStreams": True}
    rest = await firehose(
        cloud, "ListDeliveryStreams", {"Limit": 2, "ExclusiveStartDeliveryStreamName": "b"}
    )
    assert rest == {"DeliveryStreamNames": ["c"], "HasMoreDeliveryStreams": False}
    none = await firehose(
        cloud, "ListDeliveryStreams", {"DeliveryStreamType": "KinesisStreamAsSource"}
    )
    assert none == {"DeliveryStreamNames": [], "HasMoreDeliveryStreams": False}
    error = await firehose_error(cloud, "ListDeliveryStreams", {"Limit": 0})
    assert error.code == "ValidationException"


async def test_update_destination_needs_the_current_version(cloud: Cloud) -> None:
    await create_stream(cloud)
    update = {
        "DeliveryStreamName": "s",
        "CurrentDeliveryStreamVersionId": "1",
        "DestinationId": "destinationId-000000000001",
        "ExtendedS3DestinationUpdate": {"Prefix": "new/", "CompressionFormat": "GZIP"},
    }
    await cloud.clock.advance(10)
    assert await firehose(cloud, "UpdateDestination", update) == {}
    described = await describe(cloud)
    assert described["VersionId"] == "2"
    assert described["LastUpdateTimestamp"] == START + 10
    s3 = described["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert (s3["Prefix"], s3["CompressionFormat"], s3["RoleARN"]) == ("new/", "GZIP", ROLE)
    error = await firehose_error(cloud, "UpdateDestination", update)
    assert (error.code, error.message) == (
        "ConcurrentModificationException",
        "Cannot update firehose: s since the current version id: 2 and specified version id: 1 "
        "do not match",
    )
    wrong_id = {**update, "CurrentDeliveryStreamVersionId": "2", "DestinationId": "d-2"}
    error = await firehose_error(cloud, "UpdateDestination", wrong_id)
    assert (error.code, error.message) == (
        "InvalidArgumentException",
        "Destination Id d-2 not found",
    )
    bad = {**update, "CurrentDeliveryStreamVersionId": "x"}
    assert (await firehose_error(cloud, "UpdateDestination", bad)).code == "ValidationException"
    missing = {**update, "DeliveryStreamName": "nope"}
    error = await firehose_error(cloud, "UpdateDestination", missing)
    assert (error.code, error.message) == (
        "ResourceNotFoundException",
        f"Firehose nope under account {ACCOUNT} not found.",
    )
    half = {
        **update,
        "CurrentDeliveryStreamVersionId": "2",
        "ExtendedS3DestinationUpdate": {"BufferingHints": {"IntervalInSeconds": 60}},
    }
    assert (await firehose_error(cloud, "UpdateDestination", half)).code == (
        "InvalidArgumentException"
    )
    assert stream_of(cloud, "s").version == 2


async def test_delete_refuses_a_creating_stream_then_deletes(cloud: Cloud) -> None:
    await create_stream(cloud, active=False)
    error = await firehose_error(cloud, "DeleteDeliveryStream", {"DeliveryStreamName": "s"})
    assert error.code == "ResourceInUseException"
    await cloud.clock.advance(TRANSITION)
    await put_batch(cloud, "s", b"lost")
    assert await firehose(cloud, "DeleteDeliveryStream", {"DeliveryStreamName": "s"}) == {}
    assert (await describe(cloud))["DeliveryStreamStatus"] == "DELETING"
    assert stream_of(cloud, "s").counters.dropped_records == 1
    await cloud.clock.advance(TRANSITION)
    error = await firehose_error(cloud, "DescribeDeliveryStream", {"DeliveryStreamName": "s"})
    assert (error.code, error.message) == (
        "ResourceNotFoundException",
        f"Firehose s under account {ACCOUNT} not found.",
    )
    error = await firehose_error(cloud, "DeleteDeliveryStream", {"DeliveryStreamName": "s"})
    assert error.code == "ResourceNotFoundException"


async def test_tags_are_added_listed_by_key_and_removed(cloud: Cloud) -> None:
    await firehose(
        cloud,
        "CreateDeliveryStream",
        {
            "DeliveryStreamName": "s",
            "ExtendedS3DestinationConfiguration": s3_config(),
            "Tags": [{"Key": "team", "Value": "data"}],
        },
    )
    await firehose(
        cloud,
        "TagDeliveryStream",
        {"DeliveryStreamName": "s", "Tags": [{"Key": "env", "Value": "prod"}, {"Key": "cost%"}]},
    )
    listed = await firehose(cloud, "ListTagsForDeliveryStream", {"DeliveryStreamName": "s"})
    assert listed == {
        "Tags": [
            {"Key": "cost%", "Value": ""},
            {"Key": "env", "Value": "prod"},
            {"Key": "team", "Value": "data"},
        ],
        "HasMoreTags": False,
    }
    page = await firehose(
        cloud,
        "ListTagsForDeliveryStream",
        {"DeliveryStreamName": "s", "ExclusiveStartTagKey": "cost%", "Limit": 1},
    )
    assert page == {"Tags": [{"Key": "env", "Value": "prod"}], "HasMoreTags": True}
    await firehose(
        cloud, "UntagDeliveryStream", {"DeliveryStreamName": "s", "TagKeys": ["env", "x"]}
    )
    keys = [
        t["Key"]
        for t in (await firehose(cloud, "ListTagsForDeliveryStream", {"DeliveryStreamName": "s"}))[
            "Tags"
        ]
    ]
    assert keys == ["cost%", "team"]
    many = [{"Key": f"k{i}", "Value": "v"} for i in range(49)]
    error = await firehose_error(
        cloud, "TagDeliveryStream", {"DeliveryStreamName": "s", "Tags": many}
    )
    assert error.code == "LimitExceededException"
    error = await firehose_error(
        cloud, "UntagDeliveryStream", {"DeliveryStreamName": "s", "TagKeys": []}
    )
    assert (error.code, error.message) == (
        "ValidationException",
        "1 validation error detected: Value '[]' at 'tagKeys' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1",
    )
    error = await firehose_error(
        cloud, "UntagDeliveryStream", {"DeliveryStreamName": "s", "TagKeys": ["ok", "a#b"]}
    )
    assert "Value 'a#b' at 'tagKeys.2.member' failed to satisfy constraint" in error.message
    error = await firehose_error(cloud, "ListTagsForDeliveryStream", {"DeliveryStreamName": "n"})
    assert error.code == "ResourceNotFoundException"


async def test_encryption_is_enabling_then_enabled_and_marks_puts(cloud: Cloud) -> None:
    await create_stream(cloud)
    start = {"DeliveryStreamName": "s"}
    assert await firehose(cloud, "StartDeliveryStreamEncryption", start) == {}
    assert (await describe(cloud))["DeliveryStreamEncryptionConfiguration"] == {
        "KeyType": "AWS_OWNED_CMK",
        "Status": "ENABLING",
    }
    await cloud.clock.advance(TRANSITION)
    assert (await describe(cloud))["DeliveryStreamEncryptionConfiguration"]["Status"] == "ENABLED"
    put = await firehose(cloud, "PutRecord", {"DeliveryStreamName": "s", "Record": {"Data": b"x"}})
    assert put["Encrypted"] is True
    await firehose(cloud, "StopDeliveryStreamEncryption", start)
    assert (await describe(cloud))["DeliveryStreamEncryptionConfiguration"]["Status"] == "DISABLING"
    await cloud.clock.advance(TRANSITION)
    assert (await describe(cloud))["DeliveryStreamEncryptionConfiguration"] == {
        "Status": "DISABLED"
    }
    error = await firehose_error(
        cloud,
        "StartDeliveryStreamEncryption",
        {
            "DeliveryStreamName": "s",
            "DeliveryStreamEncryptionConfigurationInput": {
                "KeyType": "AWS_OWNED_CMK",
                "KeyARN": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k",
            },
        },
    )
    assert error.code == "InvalidArgumentException"
    error = await firehose_error(cloud, "StopDeliveryStreamEncryption", {"DeliveryStreamName": "n"})
    assert error.code == "ResourceNotFoundException"


@pytest.mark.parametrize(
    ("action", "params"),
    [
        ("DescribeDeliveryStream", {"DeliveryStreamName": "n"}),
        ("DeleteDeliveryStream", {"DeliveryStreamName": "n"}),
        ("PutRecord", {"DeliveryStreamName": "n", "Record": {"Data": b"x"}}),
        ("PutRecordBatch", {"DeliveryStreamName": "n", "Records": [{"Data": b"x"}]}),
        ("TagDeliveryStream", {"DeliveryStreamName": "n", "Tags": [{"Key": "k"}]}),
        ("UntagDeliveryStream", {"DeliveryStreamName": "n", "TagKeys": ["k"]}),
        ("StartDeliveryStreamEncryption", {"DeliveryStreamName": "n"}),
    ],
)
async def test_every_action_on_a_missing_stream_is_not_found(
    cloud: Cloud, action: str, params: dict[str, Any]
) -> None:
    error = await firehose_error(cloud, action, params)
    assert (error.code, error.message) == (
        "ResourceNotFoundException",
        f"Firehose n under account {ACCOUNT} not found.",
    )


@pytest.mark.parametrize(
    "action",
    [
        "DescribeDeliveryStream",
        "DeleteDeliveryStream",
        "PutRecord",
        "PutRecordBatch",
        "TagDeliveryStream",
        "UntagDeliveryStream",
        "ListTagsForDeliveryStream",
        "UpdateDestination",
        "StartDeliveryStreamEncryption",
        "StopDeliveryStreamEncryption",
    ],
)
async def test_every_action_needs_a_stream_name(cloud: Cloud, action: str) -> None:
    error = await firehose_error(cloud, action, {})
    assert error.code == "ValidationException"
    assert (
        "Value null at 'deliveryStreamName' failed to satisfy constraint: Member must not be null"
        in error.message
    )
