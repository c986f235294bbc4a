"""Helpers the S3 tests share (this module holds no tests).

Every S3 test gets its own data folder (pytest's `tmp_path`), so files and
the index never leak between tests, and a "restart" is a second cloud on
the same folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.services.s3 import S3Service
from backend.services.s3.errors import S3Error
from backend.services.sqs import SqsService
from backend.streams import FileSlice


def new_cloud(data: Path, region: str = "us-east-1") -> Cloud:
    return Cloud(seed="tests", services=[S3Service, SqsService], data_dir=data, region=region)


def service(cloud: Cloud) -> S3Service:
    return cloud.service(S3Service)


async def s3(cloud: Cloud, action: str, **params: Any) -> dict[str, Any]:
    return await cloud.call("s3", action, params)


async def s3_error(cloud: Cloud, action: str, **params: Any) -> S3Error:
    """The error `action` fails with; the test fails if it succeeds."""
    with pytest.raises(AwsError) as info:
        await cloud.call("s3", action, params)
    assert isinstance(info.value, S3Error)
    return info.value


async def put(cloud: Cloud, bucket: str, key: str, body: bytes = b"", **params: Any) -> str:
    """PutObject; the ETag."""
    response = await s3(cloud, "PutObject", Bucket=bucket, Key=key, Body=body, **params)
    etag = response["ETag"]
    assert isinstance(etag, str)
    return etag


async def get(cloud: Cloud, bucket: str, key: str, **params: Any) -> bytes:
    body = (await s3(cloud, "GetObject", Bucket=bucket, Key=key, **params))["Body"]
    assert isinstance(body, FileSlice)
    return body.read()


async def keys(cloud: Cloud, bucket: str, **params: Any) -> list[str]:
    """Every key ListObjectsV2 gives, page by page."""
    found: list[str] = []
    while True:
        page = await s3(cloud, "ListObjectsV2", Bucket=bucket, **params)
        found += [item["Key"] for item in page.get("Contents", [])]
        if not page["IsTruncated"]:
            return found
        params["ContinuationToken"] = page["NextContinuationToken"]
