"""Multipart uploads: ETags and checksums as S3 computes them, limits, listing, abort."""

from __future__ import annotations

import base64
import hashlib
import shutil
import zlib
from pathlib import Path
from typing import Any

import pytest

from backend.cloud import Cloud
from backend.errors import AwsError
from tests.backend.test_s3_helpers import get, new_cloud, put, s3, s3_error

MIB = 1024 * 1024
PART1 = b"a" * (5 * MIB)
PART2 = b"b" * MIB


def crc32(data: bytes) -> bytes:
    return zlib.crc32(data).to_bytes(4, "big")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
async def cloud(tmp_path: Path) -> Cloud:
    made = new_cloud(tmp_path)
    await s3(made, "CreateBucket", Bucket="bkt")
    return made


async def start(cloud: Cloud, key: str = "big", **params: Any) -> str:
    created = await s3(cloud, "CreateMultipartUpload", Bucket="bkt", Key=key, **params)
    upload_id = created["UploadId"]
    assert isinstance(upload_id, str)
    return upload_id


async def upload(
    cloud: Cloud, upload_id: str, number: int, body: bytes, **params: Any
) -> dict[str, Any]:
    return await s3(
        cloud,
        "UploadPart",
        Bucket="bkt",
        Key="big",
        UploadId=upload_id,
        PartNumber=number,
        Body=body,
        **params,
    )


async def complete(
    cloud: Cloud, upload_id: str, parts: list[dict[str, Any]], **params: Any
) -> dict[str, Any]:
    return await s3(
        cloud,
        "CompleteMultipartUpload",
        Bucket="bkt",
        Key="big",
        UploadId=upload_id,
        MultipartUpload={"Parts": parts},
        **params,
    )


async def test_etag_is_the_md5_of_the_part_md5s(cloud: Cloud, tmp_path: Path) -> None:
    upload_id = await start(cloud)
    first = await upload(cloud, upload_id, 1, PART1)
    second = await upload(cloud, upload_id, 2, PART2)
    assert first == {"ETag": f'"{hashlib.md5(PART1).hexdigest()}"'}
    done = await complete(
        cloud,
        upload_id,
        [{"PartNumber": 1, "ETag": first["ETag"]}, {"PartNumber": 2, "ETag": second["ETag"]}],
    )
    by_hand = hashlib.md5(hashlib.md5(PART1).digest() + hashlib.md5(PART2).digest()).hexdigest()
    assert done == {
        "Location": "https://bkt.s3.amazonaws.com/big",
        "Bucket": "bkt",
        "Key": "big",
        "ETag": f'"{by_hand}-2"',
    }
    assert await get(cloud, "bkt", "big") == PART1 + PART2
    assert (await s3(cloud, "HeadObject", Bucket="bkt", Key="big"))["ETag"] == f'"{by_hand}-2"'
    assert list((tmp_path / "s3/.skydeck/uploads").iterdir()) == []
    assert (
        await s3_error(cloud, "ListParts", Bucket="bkt", Key="big", UploadId=upload_id)
    ).code == "NoSuchUpload"


async def test_settings_of_the_upload_go_to_the_object(cloud: Cloud) -> None:
    upload_id = await start(cloud, ContentType="video/mp4", Metadata={"Camera": "x"}, Tagging="a=1")
    part = await upload(cloud, upload_id, 1, b"tiny")
    await complete(cloud, upload_id, [{"PartNumber": 1, "ETag": part["ETag"]}])
    head = await s3(cloud, "HeadObject", Bucket="bkt", Key="big")
    assert (head["ContentType"], head["Metadata"]) == ("video/mp4", {"camera": "x"})
    assert (await s3(cloud, "GetObjectTagging", Bucket="bkt", Key="big"))["TagSet"] == [
        {"Key": "a", "Value": "1"}
    ]


async def test_complete_checks_the_parts(cloud: Cloud) -> None:
    upload_id = await start(cloud)
    small = await upload(cloud, upload_id, 1, b"x" * 100)
    last = await upload(cloud, upload_id, 2, b"y")
    in_order = [{"PartNumber": 1, "ETag": small["ETag"]}, {"PartNumber": 2, "ETag": last["ETag"]}]
    error = await s3_error(
        cloud,
        "CompleteMultipartUpload",
        Bucket="bkt",
        Key="big",
        UploadId=upload_id,
        MultipartUpload={"Parts": in_order},
    )
    assert (error.code, error.message) == (
        "EntityTooSmall",
        "Your proposed upload is smaller than the minimum allowed size",
    )
    assert error.extra == {
        "ProposedSize": "100",
        "MinSizeAllowed": str(5 * MIB),
        "PartNumber": "1",
        "ETag": small["ETag"],
    }
    error = await s3_error(
        cloud,
        "CompleteMultipartUpload",
        Bucket="bkt",
        Key="big",
        UploadId=upload_id,
        MultipartUpload={"Parts": in_order[::-1]},
    )
    assert error.code == "InvalidPartOrder"
    for wrong in ({"PartNumber": 3, "ETag": last["ETag"]}, {"PartNumber": 2, "ETag": '"0000"'}):
        error = await s3_error(
            cloud,
            "CompleteMultipartUpload",
            Bucket="bkt",
            Key="big",
            UploadId=upload_id,
            MultipartUpload={"Parts": [wrong]},
        )
        assert (error.code, error.status, error.extra["UploadId"]) == (
            "InvalidPart",
            400,
            upload_id,
        )
    done = await complete(cloud, upload_id, [{"PartNumber": 2, "ETag": last["ETag"].strip('"')}])
    assert done["ETag"].endswith('-1"')
    assert await get(cloud, "bkt", "big") == b"y"


async def test_resending_a_part_replaces_it(cloud: Cloud) -> None:
    upload_id = await start(cloud)
    await upload(cloud, upload_id, 1, b"old")
    new = await upload(cloud, upload_id, 1, b"new")
    listed = await s3(cloud, "ListParts", Bucket="bkt", Key="big", UploadId=upload_id)
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in listed["Parts"]] == [
        (1, new["ETag"], 3)
    ]


@pytest.mark.parametrize("number", [0, 10_001, -1])
async def test_part_numbers_are_1_to_10000(cloud: Cloud, number: int) -> None:
    upload_id = await start(cloud)
    error = await s3_error(
        cloud,
        "UploadPart",
        Bucket="bkt",
        Key="big",
        UploadId=upload_id,
        PartNumber=number,
        Body=b"",
    )
    assert (error.code, error.message) == (
        "InvalidArgument",
        "Part number must be an integer between 1 and 10000, inclusive",
    )


async def test_unknown_uploads(cloud: Cloud) -> None:
    upload_id = await start(cloud)
    for params in ({"UploadId": "nope", "Key": "big"}, {"UploadId": upload_id, "Key": "other"}):
        error = await s3_error(cloud, "UploadPart", Bucket="bkt", PartNumber=1, Body=b"", **params)
        assert (error.code, error.status) == ("NoSuchUpload", 404)
        assert error.message.startswith("The specified upload does not exist.")
    await s3(cloud, "AbortMultipartUpload", Bucket="bkt", Key="big", UploadId=upload_id)
    error = await s3_error(
        cloud, "AbortMultipartUpload", Bucket="bkt", Key="big", UploadId=upload_id
    )
    assert error.extra == {"UploadId": upload_id}


async def test_an_upload_whose_parts_folder_was_removed_is_gone(
    cloud: Cloud, tmp_path: Path
) -> None:
    """Someone removes skydeck's folder of parts: the upload went with it, NoSuchUpload."""
    for finish in ("UploadPart", "CompleteMultipartUpload"):
        upload_id = await start(cloud)
        first = await upload(cloud, upload_id, 1, PART1)
        shutil.rmtree(tmp_path / "s3/.skydeck/uploads")
        if finish == "UploadPart":
            error = await s3_error(
                cloud, finish, Bucket="bkt", Key="big", UploadId=upload_id, PartNumber=2, Body=b"x"
            )
        else:
            parts = [{"PartNumber": 1, "ETag": first["ETag"]}]
            error = await s3_error(
                cloud,
                finish,
                Bucket="bkt",
                Key="big",
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        assert error.code == "NoSuchUpload"
        listed = await s3(cloud, "ListMultipartUploads", Bucket="bkt")
        assert listed.get("Uploads", []) == []
        assert list((tmp_path / "s3/.skydeck/tmp").iterdir()) == []


async def test_composite_crc32(cloud: Cloud) -> None:
    upload_id = await start(cloud, ChecksumAlgorithm="CRC32")
    first = await upload(cloud, upload_id, 1, PART1, ChecksumAlgorithm="CRC32")
    second = await upload(cloud, upload_id, 2, PART2)
    assert (first["ChecksumCRC32"], second["ChecksumCRC32"]) == (
        b64(crc32(PART1)),
        b64(crc32(PART2)),
    )
    error = await s3_error(
        cloud,
        "CompleteMultipartUpload",
        Bucket="bkt",
        Key="big",
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": first["ETag"]}]},
    )
    assert error.message == (
        "The upload was created using a crc32 checksum. The complete request must include the "
        "checksum for each part. It was missing for part 1 in the request."
    )
    parts = [
        {"PartNumber": 1, "ETag": first["ETag"], "ChecksumCRC32": first["ChecksumCRC32"]},
        {"PartNumber": 2, "ETag": second["ETag"], "ChecksumCRC32": second["ChecksumCRC32"]},
    ]
    done = await complete(cloud, upload_id, parts)
    expected = f"{b64(crc32(crc32(PART1) + crc32(PART2)))}-2"
    assert (done["ChecksumCRC32"], done["ChecksumType"]) == (expected, "COMPOSITE")
    got = await s3(cloud, "GetObject", Bucket="bkt", Key="big", ChecksumMode="ENABLED")
    assert got["ChecksumCRC32"] == expected


async def test_full_object_crc32(cloud: Cloud) -> None:
    upload_id = await start(cloud, ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT")
    first = await upload(cloud, upload_id, 1, PART1)
    second = await upload(cloud, upload_id, 2, PART2)
    parts = [{"PartNumber": 1, "ETag": first["ETag"]}, {"PartNumber": 2, "ETag": second["ETag"]}]
    error = await s3_error(
        cloud,
        "CompleteMultipartUpload",
        Bucket="bkt",
        Key="big",
        UploadId=upload_id,
        MultipartUpload={"Parts": parts},
        ChecksumCRC32=b64(crc32(b"wrong")),
    )
    assert error.code == "BadDigest"
    done = await complete(cloud, upload_id, parts, ChecksumCRC32=b64(crc32(PART1 + PART2)))
    assert (done["ChecksumCRC32"], done["ChecksumType"]) == (
        b64(crc32(PART1 + PART2)),
        "FULL_OBJECT",
    )


async def test_checksum_type_rules(cloud: Cloud) -> None:
    error = await s3_error(
        cloud, "CreateMultipartUpload", Bucket="bkt", Key="k", ChecksumType="COMPOSITE"
    )
    assert error.code == "InvalidRequest"
    error = await s3_error(
        cloud,
        "CreateMultipartUpload",
        Bucket="bkt",
        Key="k",
        ChecksumAlgorithm="SHA256",
        ChecksumType="FULL_OBJECT",
    )
    assert (
        error.message
        == "The FULL_OBJECT checksum type cannot be used with the sha256 checksum algorithm."
    )
    upload_id = await start(cloud, ChecksumAlgorithm="SHA256")
    error = await s3_error(
        cloud,
        "UploadPart",
        Bucket="bkt",
        Key="big",
        UploadId=upload_id,
        PartNumber=1,
        Body=b"x",
        ChecksumCRC32=b64(crc32(b"x")),
    )
    assert error.message == (
        "Checksum Type mismatch occurred, expected checksum Type: sha256, "
        "actual checksum Type: crc32"
    )


async def test_upload_part_copy(cloud: Cloud) -> None:
    await put(cloud, "bkt", "source", PART1 + b"tail")
    upload_id = await start(cloud)
    copied = await s3(
        cloud,
        "UploadPartCopy",
        Bucket="bkt",
        Key="big",
        UploadId=upload_id,
        PartNumber=1,
        CopySource="bkt/source",
        CopySourceRange=f"bytes=0-{5 * MIB - 1}",
    )
    assert copied["CopyPartResult"]["ETag"] == f'"{hashlib.md5(PART1).hexdigest()}"'
    second = await s3(
        cloud,
        "UploadPartCopy",
        Bucket="bkt",
        Key="big",
        UploadId=upload_id,
        PartNumber=2,
        CopySource="bkt/source",
        CopySourceRange=f"bytes={5 * MIB}-{5 * MIB + 3}",
    )
    await complete(
        cloud,
        upload_id,
        [
            {"PartNumber": 1, "ETag": copied["CopyPartResult"]["ETag"]},
            {"PartNumber": 2, "ETag": second["CopyPartResult"]["ETag"]},
        ],
    )
    assert await get(cloud, "bkt", "big") == PART1 + b"tail"
    for spec in ("bytes=0-", "0-1", f"bytes=0-{5 * MIB + 4}"):
        error = await s3_error(
            cloud,
            "UploadPartCopy",
            Bucket="bkt",
            Key="big",
            UploadId=await start(cloud),
            PartNumber=1,
            CopySource="bkt/source",
            CopySourceRange=spec,
        )
        assert error.code == "InvalidArgument"


async def test_list_parts_pages(cloud: Cloud) -> None:
    upload_id = await start(cloud)
    for number in (3, 1, 2):
        await upload(cloud, upload_id, number, bytes([number]))
    page = await s3(cloud, "ListParts", Bucket="bkt", Key="big", UploadId=upload_id, MaxParts=2)
    assert [p["PartNumber"] for p in page["Parts"]] == [1, 2]
    assert (page["IsTruncated"], page["NextPartNumberMarker"]) == (True, 2)
    assert page["Initiator"] == {
        "ID": "arn:aws:iam::123456789012:user/console",
        "DisplayName": "console",
    }
    rest = await s3(
        cloud, "ListParts", Bucket="bkt", Key="big", UploadId=upload_id, PartNumberMarker=2
    )
    assert [p["PartNumber"] for p in rest["Parts"]] == [3]
    assert rest["IsTruncated"] is False


async def test_list_multipart_uploads(cloud: Cloud) -> None:
    ids = {key: await start(cloud, key) for key in ("b/one", "a", "b/two", "c")}
    again = await start(cloud, "a")
    listed = await s3(cloud, "ListMultipartUploads", Bucket="bkt")
    assert [(u["Key"], u["UploadId"]) for u in listed["Uploads"]] == [
        ("a", ids["a"]),
        ("a", again),
        ("b/one", ids["b/one"]),
        ("b/two", ids["b/two"]),
        ("c", ids["c"]),
    ]
    rolled = await s3(cloud, "ListMultipartUploads", Bucket="bkt", Delimiter="/")
    assert [u["Key"] for u in rolled["Uploads"]] == ["a", "a", "c"]
    assert rolled["CommonPrefixes"] == [{"Prefix": "b/"}]
    page = await s3(cloud, "ListMultipartUploads", Bucket="bkt", MaxUploads=1)
    assert (page["IsTruncated"], page["NextKeyMarker"], page["NextUploadIdMarker"]) == (
        True,
        "a",
        ids["a"],
    )
    rest = await s3(
        cloud, "ListMultipartUploads", Bucket="bkt", KeyMarker="a", UploadIdMarker=ids["a"]
    )
    assert [u["UploadId"] for u in rest["Uploads"]] == [again, ids["b/one"], ids["b/two"], ids["c"]]
    after_key = await s3(cloud, "ListMultipartUploads", Bucket="bkt", KeyMarker="a")
    assert [u["Key"] for u in after_key["Uploads"]] == ["b/one", "b/two", "c"]


@pytest.mark.parametrize("number", ["¹", "٣", "+1", " 1", "1_0"])
async def test_part_numbers_are_ascii_digits_only(cloud: Cloud, number: str) -> None:
    await cloud.call("s3", "CreateBucket", {"Bucket": "parts"})
    upload = await cloud.call("s3", "CreateMultipartUpload", {"Bucket": "parts", "Key": "k"})
    with pytest.raises(AwsError) as refused:
        await cloud.call(
            "s3",
            "UploadPart",
            {
                "Bucket": "parts",
                "Key": "k",
                "UploadId": upload["UploadId"],
                "PartNumber": number,
                "Body": b"x",
            },
        )
    assert refused.value.code == "InvalidArgument"
