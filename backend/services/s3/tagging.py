"""S3's tag rules: object tags (at most 10) and bucket tags (at most 50).

S3 answers tag mistakes with its own codes (`InvalidTag`, and `BadRequest`
for too many object tags), not the `InvalidParameterValue` of the query
services, so only the shared `backend.kit.tags` character rule fits; the
limits are S3's ("Categorizing your storage using tags", "Using cost allocation
S3 bucket tags"). Tags come as a TagSet (`[{Key, Value}]`) or, on PutObject
and CreateMultipartUpload, as the `x-amz-tagging` header: URL query
parameters (`team=data&stage=raw`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from backend.kit.tags import allowed
from backend.services.s3.errors import BadRequest, InvalidArgument, InvalidTag, MalformedXML

MAX_OBJECT_TAGS = 10
MAX_BUCKET_TAGS = 50
MAX_KEY_LENGTH = 128
MAX_VALUE_LENGTH = 256


def _checked(pairs: Iterable[tuple[object, object]]) -> dict[str, str]:
    tags: dict[str, str] = {}
    for key, value in pairs:
        if not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY_LENGTH or not allowed(key):
            raise InvalidTag("The TagKey you have provided is invalid")
        if key.lower().startswith("aws:"):
            raise InvalidTag("Your TagKey cannot be prefixed with aws:")
        if not isinstance(value, str) or len(value) > MAX_VALUE_LENGTH or not allowed(value):
            raise InvalidTag("The TagValue you have provided is invalid")
        if key in tags:
            raise InvalidTag("Cannot provide multiple Tags with the same key")
        tags[key] = value
    return tags


def object_tags(pairs: Iterable[tuple[object, object]]) -> dict[str, str]:
    tags = _checked(pairs)
    if len(tags) > MAX_OBJECT_TAGS:
        raise BadRequest(f"Object tags cannot be greater than {MAX_OBJECT_TAGS}")
    return tags


def bucket_tags(pairs: Iterable[tuple[object, object]]) -> dict[str, str]:
    tags = _checked(pairs)
    if len(tags) > MAX_BUCKET_TAGS:
        raise InvalidTag(f"Bucket tag count cannot be greater than {MAX_BUCKET_TAGS}")
    return tags


def tag_set(params: Mapping[str, Any]) -> list[tuple[object, object]]:
    """The (key, value) pairs of the `Tagging` member's TagSet, unchecked."""
    tagging = params.get("Tagging")
    entries = tagging.get("TagSet") if isinstance(tagging, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise MalformedXML()
    return [(entry.get("Key"), entry.get("Value")) for entry in entries]


def from_header(value: object) -> dict[str, str]:
    """The tags of an `x-amz-tagging` header (`k1=v1&k2=v2`)."""
    if value is None or value == "":
        return {}
    bad = InvalidArgument(
        "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query "
        "parameters without tag name duplicates.",
        ArgumentName="x-amz-tagging",
        ArgumentValue=str(value)[:256],
    )
    if not isinstance(value, str):
        raise bad
    try:
        pairs = parse_qsl(value, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (ValueError, UnicodeDecodeError):
        raise bad from None
    if len({key for key, _ in pairs}) != len(pairs):
        raise bad
    return object_tags(pairs)


def as_tag_set(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]
