"""CloudTrail log file integrity validation: hourly signed digests, chained, as AWS writes them."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.scenarios import ScenarioError, apply, parse_scenario
from backend.services import new_cloud

ACCOUNT = "123456789012"
DIGEST_KEY = re.compile(
    rf"AWSLogs/{ACCOUNT}/CloudTrail-Digest/us-east-1/(\d{{4}}/\d\d/\d\d)/"
    rf"{ACCOUNT}_CloudTrail-Digest_us-east-1_main_us-east-1_(\d{{8}}T\d{{6}}Z)\.json\.gz"
)


async def logging_trail(cloud: Cloud, *, validation: bool = True) -> None:
    await cloud.call("s3", "CreateBucket", {"Bucket": "audit"})
    params = {"Name": "main", "S3BucketName": "audit", "EnableLogFileValidation": validation}
    await cloud.call("cloudtrail", "CreateTrail", params)
    await cloud.call("cloudtrail", "StartLogging", {"Name": "main"})


async def stored(cloud: Cloud, key: str) -> dict[str, Any]:
    got = await cloud.call("s3", "GetObject", {"Bucket": "audit", "Key": key})
    body = got["Body"]
    return {**got, "Body": body.read() if hasattr(body, "read") else body}


async def digests(cloud: Cloud) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Each digest's key, its JSON and its GetObject answer, oldest first."""
    listed = await cloud.call("s3", "ListObjectsV2", {"Bucket": "audit"})
    keys = sorted(i["Key"] for i in listed.get("Contents", []) if "CloudTrail-Digest" in i["Key"])
    out = []
    for key in keys:
        got = await stored(cloud, key)
        out.append((key, json.loads(gzip.decompress(got["Body"])), got))
    return out


async def verifies(cloud: Cloud, key: str, digest: dict[str, Any], got: dict[str, Any]) -> bool:
    """The checks `aws cloudtrail validate-logs` makes of a digest: its place, and its
    signature with the ListPublicKeys key of its fingerprint."""
    listed = await cloud.call("cloudtrail", "ListPublicKeys", {})
    keys = {k["Fingerprint"]: k["Value"] for k in listed["PublicKeyList"]}
    loaded = serialization.load_der_public_key(keys[digest["digestPublicKeyFingerprint"]])
    assert isinstance(loaded, rsa.RSAPublicKey)
    text = "{}\n{}/{}\n{}\n{}".format(
        digest["digestEndTime"],
        digest["digestS3Bucket"],
        digest["digestS3Object"],
        hashlib.sha256(gzip.decompress(got["Body"])).hexdigest(),
        digest["previousDigestSignature"] or "null",
    )
    signature = bytes.fromhex(got["Metadata"]["signature"])
    try:
        loaded.verify(signature, text.encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return bool(key == digest["digestS3Object"])


async def test_an_hour_of_logging_gives_a_signed_digest_of_its_log_files(cloud: Cloud) -> None:
    await logging_trail(cloud)
    await cloud.call("sqs", "CreateQueue", {"QueueName": "orders"})
    await cloud.clock.advance(3599)
    assert await digests(cloud) == []
    await cloud.clock.advance(1)
    [(key, digest, got)] = await digests(cloud)
    found = DIGEST_KEY.fullmatch(key)
    assert found is not None, key
    assert found[2] == f"{digest['digestEndTime'].replace('-', '').replace(':', '')}"
    assert digest["awsAccountId"] == ACCOUNT
    assert digest["digestS3Bucket"] == "audit" and digest["digestS3Object"] == key
    assert digest["digestSignatureAlgorithm"] == "SHA256withRSA"
    assert re.fullmatch(r"[0-9a-f]{32}", digest["digestPublicKeyFingerprint"])
    assert digest["previousDigestS3Bucket"] is None
    assert digest["previousDigestSignature"] is None
    assert got["Metadata"]["signature-algorithm"] == "SHA256withRSA"
    assert await verifies(cloud, key, digest, got)

    logs = digest["logFiles"]
    assert logs, "the hour's deliveries are named"
    for log in logs:
        assert log["s3Bucket"] == "audit" and log["hashAlgorithm"] == "SHA-256"
        data = (await stored(cloud, log["s3Object"]))["Body"]
        assert log["hashValue"] == hashlib.sha256(gzip.decompress(data)).hexdigest()
        records = json.loads(gzip.decompress(data))["Records"]
        assert log["oldestEventTime"] == min(r["eventTime"] for r in records)
    assert digest["oldestEventTime"] == min(log["oldestEventTime"] for log in logs)
    assert digest["newestEventTime"] == max(log["newestEventTime"] for log in logs)
    status = await cloud.call("cloudtrail", "GetTrailStatus", {"Name": "main"})
    assert status["LatestDigestDeliveryTime"] == float(int(cloud.clock.now()))


async def test_each_digest_names_and_hashes_the_one_before(cloud: Cloud) -> None:
    await logging_trail(cloud)
    await cloud.clock.advance(7200)
    [(first_key, first, first_got), (key, second, got)] = await digests(cloud)
    assert second["digestStartTime"] == first["digestEndTime"]
    assert second["previousDigestS3Bucket"] == "audit"
    assert second["previousDigestS3Object"] == first_key
    assert second["previousDigestHashAlgorithm"] == "SHA-256"
    assert (
        second["previousDigestHashValue"]
        == hashlib.sha256(gzip.decompress(first_got["Body"])).hexdigest()
    )
    assert second["previousDigestSignature"] == first_got["Metadata"]["signature"]
    assert await verifies(cloud, key, second, got)


async def test_an_hour_without_log_files_still_gets_a_digest(cloud: Cloud) -> None:
    await logging_trail(cloud)
    await cloud.clock.advance(3600)
    # From now the trail takes only SQS data events, and nothing sends any: the second
    # hour's batches are empty, so it delivers no log file.
    await cloud.call(
        "cloudtrail",
        "PutEventSelectors",
        {
            "TrailName": "main",
            "AdvancedEventSelectors": [
                {
                    "FieldSelectors": [
                        {"Field": "eventCategory", "Equals": ["Data"]},
                        {"Field": "resources.type", "Equals": ["AWS::SQS::Queue"]},
                    ]
                }
            ],
        },
    )
    await cloud.clock.advance(3600)
    *_, (key, digest, got) = await digests(cloud)
    assert digest["logFiles"] == []
    assert digest["newestEventTime"] is None and digest["oldestEventTime"] is None
    assert await verifies(cloud, key, digest, got)


async def test_no_digest_without_log_file_validation(cloud: Cloud) -> None:
    await logging_trail(cloud, validation=False)
    await cloud.clock.advance(7200)
    assert await digests(cloud) == []
    status = await cloud.call("cloudtrail", "GetTrailStatus", {"Name": "main"})
    assert "LatestDigestDeliveryTime" not in status


async def test_stopping_validation_breaks_the_chain(cloud: Cloud) -> None:
    await logging_trail(cloud)
    await cloud.clock.advance(3600)
    update = {"Name": "main", "EnableLogFileValidation": False}
    await cloud.call("cloudtrail", "UpdateTrail", update)
    await cloud.clock.advance(3600)
    assert len(await digests(cloud)) == 1
    await cloud.call("cloudtrail", "UpdateTrail", {**update, "EnableLogFileValidation": True})
    await cloud.clock.advance(3600)
    *_, (_, digest, _) = await digests(cloud)
    assert digest["previousDigestS3Object"] is None


SCENARIO = (
    '[scenario]\nname = "audited"\n[[s3.bucket]]\nname = "audit"\n[[cloudtrail.trail]]\n'
    'name = "main"\nbucket = "audit"\nlog_file_validation = VALUE\n'
)


async def test_a_scenario_trail_may_validate_its_log_files() -> None:
    cloud = new_cloud(seed="tests")
    await apply(parse_scenario(SCENARIO.replace("VALUE", "true"), "t.toml"), cloud)
    got = await cloud.call("cloudtrail", "GetTrail", {"Name": "main"})
    assert got["Trail"]["LogFileValidationEnabled"] is True
    await cloud.clock.advance(3600)
    assert len(await digests(cloud)) == 1


def test_a_scenario_says_log_file_validation_is_true_or_false() -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(SCENARIO.replace("VALUE", '"yes"'), "t.toml")
    assert str(info.value) == (
        "t.toml: cloudtrail.trail[0]: log_file_validation must be a bool, not 'yes'"
    )


async def test_list_public_keys_gives_the_regions_key_for_a_time_range(cloud: Cloud) -> None:
    [key] = (await cloud.call("cloudtrail", "ListPublicKeys", {}))["PublicKeyList"]
    assert key["ValidityStartTime"] <= cloud.clock.now() <= key["ValidityEndTime"]
    assert key["Fingerprint"] == hashlib.md5(key["Value"], usedforsecurity=False).hexdigest()
    later = {"StartTime": key["ValidityEndTime"] + 1, "EndTime": key["ValidityEndTime"] + 2}
    assert (await cloud.call("cloudtrail", "ListPublicKeys", later))["PublicKeyList"] == []
    with pytest.raises(AwsError) as info:
        await cloud.call("cloudtrail", "ListPublicKeys", {"StartTime": 2e9, "EndTime": 1e9})
    assert info.value.code == "InvalidTimeRangeException"
