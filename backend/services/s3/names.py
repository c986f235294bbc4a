"""Bucket names, the regions buckets live in, and who owns them (AWS_FACTS §16.2).

A bucket name becomes a folder name under the data directory, so these
rules are also what keeps a bucket inside it: no name can be `.`, `..`,
hidden (`.x`), or hold a separator. botocore lets `My_Bucket` through its own
check, so the service must refuse it.
"""

from __future__ import annotations

import hashlib
import re

from backend.services.s3.errors import (
    IllegalLocationConstraintException,
    InvalidBucketName,
    InvalidLocationConstraint,
)

_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IP_SHAPED = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,3}){3}$")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")

#: The region of a bucket created without a LocationConstraint, and the one
#: region that must never be named as a constraint.
US_EAST_1 = "us-east-1"
#: The legacy constraint that stands for eu-west-1.
LEGACY_EU = "EU"
#: Regions a LocationConstraint may name (botocore's BucketLocationConstraint enum).
CONSTRAINTS = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-south-1",
        "ap-south-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ca-central-1",
        "ca-west-1",
        "cn-north-1",
        "cn-northwest-1",
        LEGACY_EU,
        "eu-central-1",
        "eu-central-2",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "mx-central-1",
        "sa-east-1",
        "us-east-2",
        "us-gov-east-1",
        "us-gov-west-1",
        "us-west-1",
        "us-west-2",
    }
)


def is_bucket_name(name: str) -> bool:
    """Whether `name` follows S3's general purpose bucket naming rules."""
    return (
        _NAME.match(name) is not None
        and ".." not in name
        and _IP_SHAPED.match(name) is None
        and not name.startswith(_RESERVED_PREFIXES)
        and not name.endswith(_RESERVED_SUFFIXES)
    )


def check_bucket_name(name: str) -> str:
    """`name`, or InvalidBucketName naming it as S3 does."""
    if not is_bucket_name(name):
        raise InvalidBucketName(BucketName=name)
    return name


def bucket_region(constraint: str | None, endpoint_region: str) -> str:
    """The region a CreateBucket sent to `endpoint_region` puts its bucket in.

    us-east-1 is the legacy global endpoint: it takes no constraint (the
    bucket stays there) or any other region's, but refuses its own name
    (which is not in the enum of constraints, so the first check catches it).
    Every other region's endpoint wants exactly its own region named.
    """
    if constraint is not None and constraint not in CONSTRAINTS:
        raise InvalidLocationConstraint(LocationConstraint=constraint)
    region = "eu-west-1" if constraint == LEGACY_EU else constraint
    if endpoint_region == US_EAST_1:
        return region or US_EAST_1
    if constraint is None:
        raise IllegalLocationConstraintException(
            "The unspecified location constraint is incompatible for the region specific "
            "endpoint this request was sent to."
        )
    if region != endpoint_region:
        raise IllegalLocationConstraintException(
            f"The {constraint} location constraint is incompatible for the region specific "
            "endpoint this request was sent to."
        )
    return endpoint_region


def canonical_id(account: str) -> str:
    """The account's canonical user ID (ListBuckets' Owner ID): 64 hex digits, stable."""
    return hashlib.sha256(f"skydeck-canonical:{account}".encode()).hexdigest()


def owner_principal(account: str) -> str:
    """The bucket owner's id in event records (`A3NL1KOZZKExample`-shaped), stable."""
    return "A" + hashlib.sha256(f"skydeck-owner:{account}".encode()).hexdigest()[:13].upper()
