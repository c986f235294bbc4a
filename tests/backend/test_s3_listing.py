"""Listing: UTF-8 byte order, prefixes, delimiters, pages, markers, URL encoding."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.cloud import Cloud
from tests.backend.test_s3_helpers import keys, new_cloud, put, s3, s3_error

#: Sorted by UTF-8 bytes: `/` (0x2F) after `-` (0x2D), `a` before `é` (0xC3 0xA9) before `😀`.
KEYS = [
    "a",
    "a-c",
    "a/",
    "a/b",
    "a/b/c",
    "b",
    "photos/2024/x.jpg",
    "photos/2025/y.jpg",
    "photos/z.jpg",
    "z",
    "\u00e9t\u00e9",
    "\U0001f600",
]


@pytest.fixture
async def cloud(tmp_path: Path) -> Cloud:
    made = new_cloud(tmp_path)
    await s3(made, "CreateBucket", Bucket="bkt")
    for key in reversed(KEYS):
        await put(made, "bkt", key, key.encode())
    return made


async def test_keys_list_in_utf8_byte_order_and_coexist(cloud: Cloud) -> None:
    assert await keys(cloud, "bkt") == KEYS
    for key in KEYS:
        assert (await s3(cloud, "GetObject", Bucket="bkt", Key=key))["Body"].read() == key.encode()


async def test_v2_page_shape(cloud: Cloud) -> None:
    page = await s3(cloud, "ListObjectsV2", Bucket="bkt", Prefix="photos/", MaxKeys=2)
    assert page["Name"] == "bkt"
    assert (page["Prefix"], page["MaxKeys"], page["KeyCount"], page["IsTruncated"]) == (
        "photos/",
        2,
        2,
        True,
    )
    first = page["Contents"][0]
    assert first == {
        "Key": "photos/2024/x.jpg",
        "LastModified": cloud.clock.now(),
        "ETag": first["ETag"],
        "Size": 17,
        "StorageClass": "STANDARD",
    }
    rest = await s3(
        cloud,
        "ListObjectsV2",
        Bucket="bkt",
        Prefix="photos/",
        MaxKeys=2,
        ContinuationToken=page["NextContinuationToken"],
    )
    assert [c["Key"] for c in rest["Contents"]] == ["photos/z.jpg"]
    assert (rest["IsTruncated"], rest["ContinuationToken"]) == (
        False,
        page["NextContinuationToken"],
    )
    assert "NextContinuationToken" not in rest


async def test_delimiter_rolls_keys_up_into_common_prefixes(cloud: Cloud) -> None:
    page = await s3(cloud, "ListObjectsV2", Bucket="bkt", Delimiter="/")
    assert [c["Key"] for c in page["Contents"]] == [
        "a",
        "a-c",
        "b",
        "z",
        "\u00e9t\u00e9",
        "\U0001f600",
    ]
    assert page["CommonPrefixes"] == [{"Prefix": "a/"}, {"Prefix": "photos/"}]
    assert page["KeyCount"] == 8
    inner = await s3(cloud, "ListObjectsV2", Bucket="bkt", Delimiter="/", Prefix="photos/")
    assert [c["Key"] for c in inner["Contents"]] == ["photos/z.jpg"]
    assert inner["CommonPrefixes"] == [{"Prefix": "photos/2024/"}, {"Prefix": "photos/2025/"}]
    odd = await s3(cloud, "ListObjectsV2", Bucket="bkt", Delimiter="20", Prefix="photos/")
    assert odd["CommonPrefixes"] == [{"Prefix": "photos/20"}]


async def test_pages_count_prefixes_and_never_repeat_one(cloud: Cloud) -> None:
    seen: list[str] = []
    token = None
    while True:
        params = {"Bucket": "bkt", "Delimiter": "/", "MaxKeys": 1}
        if token:
            params["ContinuationToken"] = token
        page = await s3(cloud, "ListObjectsV2", **params)
        got = [c["Key"] for c in page.get("Contents", [])] + [
            p["Prefix"] for p in page.get("CommonPrefixes", [])
        ]
        assert len(got) == 1
        seen += got
        if not page["IsTruncated"]:
            break
        token = page["NextContinuationToken"]
    assert seen == ["a", "a-c", "a/", "b", "photos/", "z", "\u00e9t\u00e9", "\U0001f600"]


async def test_start_after_and_max_keys_zero(cloud: Cloud) -> None:
    assert await keys(cloud, "bkt", StartAfter="photos/") == KEYS[6:]
    page = await s3(cloud, "ListObjectsV2", Bucket="bkt", StartAfter="a/b")
    assert page["StartAfter"] == "a/b"
    assert page["Contents"][0]["Key"] == "a/b/c"
    empty = await s3(cloud, "ListObjectsV2", Bucket="bkt", MaxKeys=0)
    assert (empty["KeyCount"], empty["IsTruncated"], "Contents" in empty) == (0, False, False)


async def test_bad_arguments(cloud: Cloud) -> None:
    error = await s3_error(cloud, "ListObjectsV2", Bucket="bkt", ContinuationToken="garbage")
    assert (error.code, error.message) == (
        "InvalidArgument",
        "The continuation token provided is incorrect",
    )
    error = await s3_error(cloud, "ListObjectsV2", Bucket="bkt", MaxKeys=-1)
    assert error.code == "InvalidArgument"
    error = await s3_error(cloud, "ListObjectsV2", Bucket="bkt", EncodingType="base64")
    assert (error.code, error.message) == (
        "InvalidArgument",
        "Invalid Encoding Method specified in Request",
    )
    error = await s3_error(cloud, "ListObjectsV2", Bucket="nope")
    assert error.code == "NoSuchBucket"


async def test_encoding_type_url(cloud: Cloud) -> None:
    await put(cloud, "bkt", "sp ace+plus/\x01ctl", b"")
    page = await s3(
        cloud, "ListObjectsV2", Bucket="bkt", Prefix="sp ace", Delimiter="/", EncodingType="url"
    )
    assert page["EncodingType"] == "url"
    assert page["Prefix"] == "sp+ace"
    assert page["CommonPrefixes"] == [{"Prefix": "sp+ace%2Bplus/"}]
    page = await s3(cloud, "ListObjectsV2", Bucket="bkt", Prefix="sp ace+plus/", EncodingType="url")
    assert page["Contents"][0]["Key"] == "sp+ace%2Bplus/%01ctl"
    page = await s3(cloud, "ListObjectsV2", Bucket="bkt", Prefix="\u00e9", EncodingType="url")
    assert page["Contents"][0]["Key"] == "%C3%A9t%C3%A9"
    plain = await s3(cloud, "ListObjectsV2", Bucket="bkt", Prefix="sp ace")
    assert "EncodingType" not in plain
    assert plain["Contents"][0]["Key"] == "sp ace+plus/\x01ctl"


async def test_v1_markers(cloud: Cloud) -> None:
    page = await s3(cloud, "ListObjects", Bucket="bkt", MaxKeys=3)
    assert [c["Key"] for c in page["Contents"]] == KEYS[:3]
    assert (page["Marker"], page["IsTruncated"], "NextMarker" in page) == ("", True, False)
    assert page["Contents"][0]["Owner"]["ID"]
    page = await s3(cloud, "ListObjects", Bucket="bkt", Marker="a/", MaxKeys=2)
    assert [c["Key"] for c in page["Contents"]] == ["a/b", "a/b/c"]
    page = await s3(cloud, "ListObjects", Bucket="bkt", Delimiter="/", MaxKeys=3)
    assert page["NextMarker"] == "a/"
    page = await s3(cloud, "ListObjects", Bucket="bkt", Delimiter="/", Marker=page["NextMarker"])
    assert [c["Key"] for c in page["Contents"]] == ["b", "z", "\u00e9t\u00e9", "\U0001f600"]
    assert page["CommonPrefixes"] == [{"Prefix": "photos/"}]
    assert "NextMarker" not in page


async def test_fetch_owner(cloud: Cloud) -> None:
    page = await s3(cloud, "ListObjectsV2", Bucket="bkt", MaxKeys=1)
    assert "Owner" not in page["Contents"][0]
    page = await s3(cloud, "ListObjectsV2", Bucket="bkt", MaxKeys=1, FetchOwner=True)
    assert "ID" in page["Contents"][0]["Owner"]
