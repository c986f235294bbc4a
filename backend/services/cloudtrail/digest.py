"""Log file integrity validation: an hourly signed digest of the log files a trail delivered.

While a logging trail has log file validation on, CloudTrail delivers every
`DIGEST_INTERVAL` of simulated time a digest file to the trail's bucket, with
S3 PutObject through `cloud.call` as `cloudtrail.amazonaws.com`, at AWS's key

    <prefix>/AWSLogs/<account>/CloudTrail-Digest/<region>/<YYYY>/<MM>/<DD>/
        <account>_CloudTrail-Digest_<region>_<trail>_<home region>_<YYYYMMDDTHHmmssZ>.json.gz

(the time is the digest's end). It names each log file delivered in its hour with
the SHA-256 of the file's uncompressed content, and the previous digest (bucket,
key, hash and signature: a chain a verifier walks back), and is delivered even
for an hour without log files. Its signature is SHA256withRSA over AWS's data
signing string

    <digestEndTime>\\n<digestS3Bucket>/<digestS3Object>\\n<hex SHA-256 of the
    uncompressed digest>\\n<previousDigestSignature, or "null">

in hex in the object's `signature` user metadata, beside `signature-algorithm`,
so `aws cloudtrail validate-logs`' checks pass with `public_key`.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from backend.kit import seeded_rsa
from backend.services.cloudtrail.delivery import put
from backend.services.cloudtrail.trails import CloudTrailTrail, SignedDigest

if TYPE_CHECKING:
    from backend.cloud import Cloud

ALGORITHM: Final = "SHA256withRSA"
HASH_ALGORITHM: Final = "SHA-256"
#: The region key's validity (2020-01-01 to 2040-01-01): fixed, so the same seed gives
#: the same ListPublicKeys answer; AWS rotates its keys, skydeck's never change.
KEY_VALID_FROM: Final = 1_577_836_800.0
KEY_VALID_UNTIL: Final = 2_208_988_800.0


def signing_key(seed: str, region: str) -> rsa.RSAPrivateKey:
    """The region's digest key: AWS signs with a key of the region, skydeck's comes from
    the cloud's seed."""
    return seeded_rsa.private_key(f"{seed}/cloudtrail/digest-key/{region}")


def public_key(seed: str, region: str) -> bytes:
    """The region's public key, DER (PKCS #1), as ListPublicKeys gives it."""
    return (
        signing_key(seed, region)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    )


@functools.cache
def fingerprint(seed: str, region: str) -> str:
    """The key's `digestPublicKeyFingerprint`: hex MD5 of its DER bytes."""
    return hashlib.md5(public_key(seed, region), usedforsecurity=False).hexdigest()


def digest_key(trail: CloudTrailTrail, account: str, end: float) -> str:
    when = datetime.fromtimestamp(end, UTC)
    region = trail.region
    name = (
        f"{account}_CloudTrail-Digest_{region}_{trail.name}_{region}_{when:%Y%m%dT%H%M%SZ}.json.gz"
    )
    folder = f"AWSLogs/{account}/CloudTrail-Digest/{region}/{when:%Y/%m/%d}/"
    prefix = f"{trail.spec.prefix}/" if trail.spec.prefix else ""
    return prefix + folder + name


def signing_string(end: str, bucket: str, key: str, sha256: str, previous: str | None) -> str:
    """AWS's data signing string of a digest whose uncompressed content has hex SHA-256
    `sha256` (the previous signature "null" for the first of a chain)."""
    return f"{end}\n{bucket}/{key}\n{sha256}\n{previous or 'null'}"


async def deliver_digest(cloud: Cloud, trail: CloudTrailTrail) -> None:
    """The digest of the hour that ends now: the log files delivered since the last one."""
    start, end = trail.digest_start, cloud.clock.now()
    if start is None:
        return
    bucket = trail.spec.bucket
    key = digest_key(trail, cloud.account, end)
    logs = list(trail.undigested)
    previous = trail.previous_digest
    document: dict[str, Any] = {
        "awsAccountId": cloud.account,
        "digestStartTime": _iso(start),
        "digestEndTime": _iso(end),
        "digestS3Bucket": bucket,
        "digestS3Object": key,
        "digestPublicKeyFingerprint": fingerprint(cloud.seed, trail.region),
        "digestSignatureAlgorithm": ALGORITHM,
        "newestEventTime": max((log.newest for log in logs), default=None),
        "oldestEventTime": min((log.oldest for log in logs), default=None),
        "previousDigestS3Bucket": previous.bucket if previous else None,
        "previousDigestS3Object": previous.key if previous else None,
        "previousDigestHashValue": previous.sha256 if previous else None,
        "previousDigestHashAlgorithm": HASH_ALGORITHM if previous else None,
        "previousDigestSignature": previous.signature if previous else None,
        "logFiles": [
            {
                "s3Bucket": log.bucket,
                "s3Object": log.key,
                "hashValue": log.sha256,
                "hashAlgorithm": HASH_ALGORITHM,
                "newestEventTime": log.newest,
                "oldestEventTime": log.oldest,
            }
            for log in logs
        ],
    }
    content = json.dumps(document).encode()
    sha256 = hashlib.sha256(content).hexdigest()
    text = signing_string(
        document["digestEndTime"], bucket, key, sha256, previous.signature if previous else None
    )
    key_of_region = signing_key(cloud.seed, trail.region)
    signature = key_of_region.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256()).hex()
    params = {
        "Bucket": bucket,
        "Key": key,
        "Body": gzip.compress(content, mtime=0),
        "Metadata": {"signature": signature, "signature-algorithm": ALGORITHM},
    }
    refused = await put(cloud, trail, params, "digest delivery")
    if refused is not None:
        # The hour's files wait for the next digest, which then covers both hours.
        trail.latest_digest_error = refused
        return
    del trail.undigested[: len(logs)]
    trail.digest_start = end
    trail.previous_digest = SignedDigest(bucket, key, sha256, signature)
    trail.latest_digest = end
    trail.latest_digest_error = None


def _iso(when: float) -> str:
    return f"{datetime.fromtimestamp(when, UTC):%Y-%m-%dT%H:%M:%SZ}"
