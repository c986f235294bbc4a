"""Buckets: names, regions and us-east-1's quirks, delete, list, head, location, tags."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.cloud import Cloud
from backend.services.s3.names import canonical_id
from tests.backend.test_s3_helpers import new_cloud, put, s3, s3_error, service


@pytest.fixture
def cloud(tmp_path: Path) -> Cloud:
    return new_cloud(tmp_path)


@pytest.mark.parametrize(
    "name",
    [
        "ab",
        "a" * 64,
        "My_Bucket",
        "Upper",
        "-lead",
        "trail-",
        "two..dots",
        "192.168.5.4",
        "xn--bucket",
        "sthree-x",
        "amzn-s3-demo-x",
        "x-s3alias",
        "x--ol-s3",
        "x.mrap",
        ".hidden",
        "a/b",
        "",
        "caf\u00e9",
    ],
)
async def test_bad_bucket_names_are_invalid_bucket_name(cloud: Cloud, name: str) -> None:
    error = await s3_error(cloud, "CreateBucket", Bucket=name)
    assert (error.code, error.status, error.message) == (
        "InvalidBucketName",
        400,
        "The specified bucket is not valid.",
    )
    assert error.extra == {"BucketName": name}


@pytest.mark.parametrize("name", ["abc", "a" * 63, "my.bucket-1", "0-9", "a.b.c"])
async def test_good_bucket_names_make_a_folder(cloud: Cloud, name: str, tmp_path: Path) -> None:
    assert await s3(cloud, "CreateBucket", Bucket=name) == {"Location": f"/{name}"}
    assert (tmp_path / "s3" / name).is_dir()


async def test_us_east_1_takes_no_constraint_or_another_region(cloud: Cloud) -> None:
    await s3(cloud, "CreateBucket", Bucket="plain")
    made = await s3(
        cloud,
        "CreateBucket",
        Bucket="far",
        CreateBucketConfiguration={"LocationConstraint": "eu-west-2"},
    )
    assert made == {"Location": "http://far.s3.amazonaws.com/"}
    assert await s3(cloud, "GetBucketLocation", Bucket="plain") == {}
    assert await s3(cloud, "GetBucketLocation", Bucket="far") == {"LocationConstraint": "eu-west-2"}
    assert (await s3(cloud, "HeadBucket", Bucket="far"))["BucketRegion"] == "eu-west-2"


async def test_us_east_1_refuses_its_own_name_as_constraint(cloud: Cloud) -> None:
    error = await s3_error(
        cloud,
        "CreateBucket",
        Bucket="bk1",
        CreateBucketConfiguration={"LocationConstraint": "us-east-1"},
    )
    assert (error.code, error.message) == (
        "InvalidLocationConstraint",
        "The specified location-constraint is not valid",
    )


async def test_eu_is_the_legacy_name_of_eu_west_1(cloud: Cloud) -> None:
    config = {"LocationConstraint": "EU"}
    await s3(cloud, "CreateBucket", Bucket="old-eu", CreateBucketConfiguration=config)
    assert (await s3(cloud, "HeadBucket", Bucket="old-eu"))["BucketRegion"] == "eu-west-1"
    assert await s3(cloud, "GetBucketLocation", Bucket="old-eu") == {"LocationConstraint": "EU"}


async def test_other_regions_want_their_own_name(cloud: Cloud) -> None:
    with pytest.raises(Exception) as info:
        await cloud.call("s3", "CreateBucket", {"Bucket": "bk1"}, region="eu-west-1")
    assert str(info.value) == (
        "IllegalLocationConstraintException: The unspecified location constraint is "
        "incompatible for the region specific endpoint this request was sent to."
    )
    with pytest.raises(Exception) as info:
        await cloud.call(
            "s3",
            "CreateBucket",
            {"Bucket": "bk1", "CreateBucketConfiguration": {"LocationConstraint": "eu-west-2"}},
            region="eu-west-1",
        )
    assert "The eu-west-2 location constraint is incompatible" in str(info.value)
    made = await cloud.call(
        "s3",
        "CreateBucket",
        {"Bucket": "bk1", "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}},
        region="eu-west-1",
    )
    assert made == {"Location": "http://bk1.s3.amazonaws.com/"}


async def test_creating_again_is_fine_in_us_east_1_and_owned_by_you_elsewhere(
    cloud: Cloud,
) -> None:
    await s3(cloud, "CreateBucket", Bucket="again")
    assert await s3(cloud, "CreateBucket", Bucket="again") == {"Location": "/again"}
    config = {"LocationConstraint": "eu-west-1"}
    await s3(cloud, "CreateBucket", Bucket="elsewhere", CreateBucketConfiguration=config)
    error = await s3_error(
        cloud, "CreateBucket", Bucket="elsewhere", CreateBucketConfiguration=config
    )
    assert (error.code, error.status, error.message, error.extra) == (
        "BucketAlreadyOwnedByYou",
        409,
        "Your previous request to create the named bucket succeeded and you already own it.",
        {"BucketName": "elsewhere"},
    )


async def test_delete_bucket_must_be_empty(cloud: Cloud, tmp_path: Path) -> None:
    await s3(cloud, "CreateBucket", Bucket="full")
    await put(cloud, "full", "k", b"x")
    error = await s3_error(cloud, "DeleteBucket", Bucket="full")
    assert (error.code, error.status, error.message, error.extra) == (
        "BucketNotEmpty",
        409,
        "The bucket you tried to delete is not empty",
        {"BucketName": "full"},
    )
    await s3(cloud, "DeleteObject", Bucket="full", Key="k")
    assert await s3(cloud, "DeleteBucket", Bucket="full") == {}
    assert not (tmp_path / "s3" / "full").exists()
    error = await s3_error(cloud, "HeadBucket", Bucket="full")
    assert (error.code, error.status, error.message) == (
        "NoSuchBucket",
        404,
        "The specified bucket does not exist",
    )


async def test_delete_bucket_aborts_uploads_in_progress(cloud: Cloud) -> None:
    await s3(cloud, "CreateBucket", Bucket="mpu")
    upload = await s3(cloud, "CreateMultipartUpload", Bucket="mpu", Key="big")
    await s3(cloud, "DeleteBucket", Bucket="mpu")
    assert service(cloud).index.upload(upload["UploadId"]) is None


async def test_list_buckets_sorted_by_name_with_owner_and_pages(cloud: Cloud) -> None:
    for name in ("zeta", "alpha", "mid"):
        await s3(cloud, "CreateBucket", Bucket=name)
    listed = await s3(cloud, "ListBuckets")
    assert [b["Name"] for b in listed["Buckets"]] == ["alpha", "mid", "zeta"]
    assert listed["Buckets"][0] == {
        "Name": "alpha",
        "CreationDate": cloud.clock.now(),
        "BucketRegion": "us-east-1",
    }
    assert listed["Owner"] == {"ID": canonical_id(cloud.account)}
    first = await s3(cloud, "ListBuckets", MaxBuckets=2)
    assert [b["Name"] for b in first["Buckets"]] == ["alpha", "mid"]
    rest = await s3(
        cloud, "ListBuckets", MaxBuckets=2, ContinuationToken=first["ContinuationToken"]
    )
    assert [b["Name"] for b in rest["Buckets"]] == ["zeta"]
    assert "ContinuationToken" not in rest
    assert [b["Name"] for b in (await s3(cloud, "ListBuckets", Prefix="m"))["Buckets"]] == ["mid"]


async def test_bucket_tags(cloud: Cloud) -> None:
    await s3(cloud, "CreateBucket", Bucket="tagged")
    error = await s3_error(cloud, "GetBucketTagging", Bucket="tagged")
    assert (error.code, error.status, error.message) == (
        "NoSuchTagSet",
        404,
        "The TagSet does not exist",
    )
    tag_set = [{"Key": "team", "Value": "data"}, {"Key": "cost", "Value": "42"}]
    await s3(cloud, "PutBucketTagging", Bucket="tagged", Tagging={"TagSet": tag_set})
    assert await s3(cloud, "GetBucketTagging", Bucket="tagged") == {"TagSet": tag_set}
    twice = [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]
    error = await s3_error(cloud, "PutBucketTagging", Bucket="tagged", Tagging={"TagSet": twice})
    assert (error.code, error.message) == (
        "InvalidTag",
        "Cannot provide multiple Tags with the same key",
    )
    reserved = [{"Key": "aws:x", "Value": "1"}]
    error = await s3_error(cloud, "PutBucketTagging", Bucket="tagged", Tagging={"TagSet": reserved})
    assert error.code == "InvalidTag"
    many = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    error = await s3_error(cloud, "PutBucketTagging", Bucket="tagged", Tagging={"TagSet": many})
    assert error.message == "Bucket tag count cannot be greater than 50"
    await s3(cloud, "DeleteBucketTagging", Bucket="tagged")
    assert (await s3_error(cloud, "GetBucketTagging", Bucket="tagged")).code == "NoSuchTagSet"
