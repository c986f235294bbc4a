"""Every S3 action and response speaks botocore's model: its action names and member names.

The wire codec maps members to headers, query strings and XML by the
model, so a member the model does not have would be silently dropped on
the wire. Each response of a representative run is checked against the
output shape, recursively.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.loaders import create_loader

from backend.cloud import Cloud
from backend.services.s3 import S3Service
from backend.streams import FileSlice
from tests.backend.test_s3_helpers import new_cloud

MODEL: dict[str, Any] = create_loader().load_service_model("s3", "service-2")
SHAPES: dict[str, Any] = MODEL["shapes"]


def check(value: Any, shape_name: str, where: str) -> None:
    shape = SHAPES[shape_name]
    kind = shape["type"]
    if kind == "structure":
        assert isinstance(value, dict), where
        for member, inner in value.items():
            assert member in shape["members"], f"{where}.{member} is not in {shape_name}"
            check(inner, shape["members"][member]["shape"], f"{where}.{member}")
    elif kind == "list":
        assert isinstance(value, list), where
        for i, item in enumerate(value):
            check(item, shape["member"]["shape"], f"{where}[{i}]")
    elif kind == "map":
        assert isinstance(value, dict) and all(isinstance(v, str) for v in value.values()), where
    elif kind == "blob":
        assert isinstance(value, FileSlice | bytes), where
    elif kind == "timestamp":
        assert isinstance(value, float), where
    elif kind == "boolean":
        assert isinstance(value, bool), where
    elif kind in ("integer", "long"):
        assert isinstance(value, int) and not isinstance(value, bool), where
    else:
        assert isinstance(value, str), where
        # S3 answers `Prefix`/`Suffix` though the enum says `prefix`/`suffix` (aws/aws-sdk#389).
        if "enum" in shape and shape_name != "FilterRuleName":
            assert value in shape["enum"], f"{where}: {value!r} is not in {shape_name}"


def test_every_action_is_an_s3_operation() -> None:
    assert set(S3Service.actions) <= set(MODEL["operations"])


@pytest.fixture
def cloud(tmp_path: Path) -> Cloud:
    return new_cloud(tmp_path)


async def test_responses_use_the_models_members(cloud: Cloud) -> None:
    async def call(action: str, **params: Any) -> dict[str, Any]:
        response = await cloud.call("s3", action, params)
        output = MODEL["operations"][action].get("output")
        if output is None:
            assert response == {}, action
        else:
            check(response, output["shape"], action)
        return response

    await cloud.call("sqs", "CreateQueue", {"QueueName": "q"})
    queue = "arn:aws:sqs:us-east-1:123456789012:q"
    await call("CreateBucket", Bucket="bkt")
    await call("ListBuckets")
    await call("HeadBucket", Bucket="bkt")
    await call("GetBucketLocation", Bucket="bkt")
    await call("PutBucketTagging", Bucket="bkt", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    await call("GetBucketTagging", Bucket="bkt")
    rules = [{"Name": "prefix", "Value": "p"}]
    config = {
        "QueueConfigurations": [
            {
                "QueueArn": queue,
                "Events": ["s3:ObjectCreated:*"],
                "Filter": {"Key": {"FilterRules": rules}},
            }
        ],
        "EventBridgeConfiguration": {},
    }
    await call("PutBucketNotificationConfiguration", Bucket="bkt", NotificationConfiguration=config)
    await call("GetBucketNotificationConfiguration", Bucket="bkt")
    await call(
        "PutObject",
        Bucket="bkt",
        Key="k",
        Body=b"x",
        ChecksumAlgorithm="CRC32",
        Metadata={"a": "b"},
        Tagging="t=1",
        Expires=1.0,
        CacheControl="no-cache",
    )
    await call("GetObject", Bucket="bkt", Key="k", ChecksumMode="ENABLED")
    await call("GetObject", Bucket="bkt", Key="k", Range="bytes=0-0")
    await call("HeadObject", Bucket="bkt", Key="k", ChecksumMode="ENABLED")
    await call("CopyObject", Bucket="bkt", Key="k2", CopySource="bkt/k")
    await call("ListObjectsV2", Bucket="bkt", Delimiter="/", EncodingType="url", FetchOwner=True)
    await call("ListObjects", Bucket="bkt", MaxKeys=1, Delimiter="/")
    await call("PutObjectTagging", Bucket="bkt", Key="k", Tagging={"TagSet": []})
    await call("GetObjectTagging", Bucket="bkt", Key="k")
    await call("DeleteObjectTagging", Bucket="bkt", Key="k")
    upload = await call("CreateMultipartUpload", Bucket="bkt", Key="m", ChecksumAlgorithm="CRC32")
    part = await call(
        "UploadPart", Bucket="bkt", Key="m", UploadId=upload["UploadId"], PartNumber=1, Body=b"1"
    )
    await call(
        "UploadPartCopy",
        Bucket="bkt",
        Key="m",
        UploadId=upload["UploadId"],
        PartNumber=2,
        CopySource="bkt/k",
    )
    await call("ListParts", Bucket="bkt", Key="m", UploadId=upload["UploadId"], MaxParts=1)
    await call("ListMultipartUploads", Bucket="bkt", MaxUploads=1, Delimiter="/")
    parts = [{"PartNumber": 1, "ETag": part["ETag"], "ChecksumCRC32": part["ChecksumCRC32"]}]
    await call(
        "CompleteMultipartUpload",
        Bucket="bkt",
        Key="m",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": parts},
    )
    other = await call("CreateMultipartUpload", Bucket="bkt", Key="n")
    await call("AbortMultipartUpload", Bucket="bkt", Key="n", UploadId=other["UploadId"])
    await call(
        "DeleteObjects",
        Bucket="bkt",
        Delete={"Objects": [{"Key": "k"}, {"Key": "k2", "ETag": '"0"'}]},
    )
    await call("DeleteObject", Bucket="bkt", Key="m")
    await call("DeleteObject", Bucket="bkt", Key="k2")
    await call("DeleteBucketTagging", Bucket="bkt")
    await call("DeleteBucket", Bucket="bkt")
