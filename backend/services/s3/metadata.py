"""What an object keeps besides its bytes: content type, standard headers, user metadata.

User metadata (`x-amz-meta-*`) comes back with lower-case names, and all of
it together may hold at most 2 KB: the UTF-8 bytes of every name and value
(AWS "Working with object metadata"). `aws-chunked` is how a body was sent,
not how it is stored, so it is dropped from Content-Encoding (`gzip,
aws-chunked` is stored as `gzip`). An object sent without a type is
`binary/octet-stream`, as S3 answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backend.services.s3.conditions import parse_time
from backend.services.s3.errors import InvalidArgument, InvalidStorageClass, MetadataTooLarge

DEFAULT_CONTENT_TYPE = "binary/octet-stream"
MAX_METADATA_BYTES = 2048
#: Headers an object keeps and returns as they were sent.
KEPT_HEADERS = (
    "CacheControl",
    "ContentDisposition",
    "ContentEncoding",
    "ContentLanguage",
    "Expires",
    "WebsiteRedirectLocation",
)
_KEPT = frozenset(KEPT_HEADERS)
#: GetObject's `response-*` overrides and the headers they replace.
OVERRIDES = {
    "ResponseCacheControl": "CacheControl",
    "ResponseContentDisposition": "ContentDisposition",
    "ResponseContentEncoding": "ContentEncoding",
    "ResponseContentLanguage": "ContentLanguage",
    "ResponseContentType": "ContentType",
    "ResponseExpires": "Expires",
}
#: Storage classes a PutObject may name (botocore's StorageClass enum).
STORAGE_CLASSES = frozenset(
    {
        "STANDARD",
        "REDUCED_REDUNDANCY",
        "STANDARD_IA",
        "ONEZONE_IA",
        "INTELLIGENT_TIERING",
        "GLACIER",
        "DEEP_ARCHIVE",
        "OUTPOSTS",
        "GLACIER_IR",
        "SNOW",
        "EXPRESS_ONEZONE",
        "FSX_OPENZFS",
        "FSX_ONTAP",
        "AWS_BACKUP_WARM",
        "AWS_BACKUP_LOW_COST_WARM",
    }
)


@dataclass(frozen=True, slots=True)
class Settings:
    """What a PutObject, a replacing copy or a multipart upload gives its object."""

    content_type: str
    headers: dict[str, Any]
    metadata: dict[str, str]
    storage_class: str

    def as_json(self) -> dict[str, Any]:
        return {
            "ContentType": self.content_type,
            "Headers": self.headers,
            "Metadata": self.metadata,
            "StorageClass": self.storage_class,
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Settings:
        return cls(value["ContentType"], value["Headers"], value["Metadata"], value["StorageClass"])


def user_metadata(value: object) -> dict[str, str]:
    """The `Metadata` member with lower-case names, within S3's 2 KB."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InvalidArgument("User metadata must be a map of strings", ArgumentName="x-amz-meta-")
    metadata = {k.lower(): v for k, v in value.items()}
    size = sum(len(k.encode("utf-8")) + len(v.encode("utf-8")) for k, v in metadata.items())
    if size > MAX_METADATA_BYTES:
        raise MetadataTooLarge(Size=str(size), MaxSizeAllowed=str(MAX_METADATA_BYTES))
    return metadata


def settings_of(params: Mapping[str, Any]) -> Settings:
    """The settings a request gives its object, checked."""
    content_type = params.get("ContentType")
    headers: dict[str, Any] = {}
    for name in () if _KEPT.isdisjoint(params) else KEPT_HEADERS:
        value = params.get(name)
        if value is None or value == "":
            continue
        if name == "Expires":
            when = parse_time(value)
            if when is not None:
                headers[name] = when
            continue
        if name == "ContentEncoding":
            value = ",".join(
                part.strip() for part in str(value).split(",") if part.strip() != "aws-chunked"
            )
            if not value:
                continue
        headers[name] = str(value)
    storage_class = params.get("StorageClass") or "STANDARD"
    if storage_class not in STORAGE_CLASSES:
        raise InvalidStorageClass(StorageClassRequested=str(storage_class))
    return Settings(
        content_type if isinstance(content_type, str) and content_type else DEFAULT_CONTENT_TYPE,
        headers,
        user_metadata(params.get("Metadata")),
        str(storage_class),
    )
