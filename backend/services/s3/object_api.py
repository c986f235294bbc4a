"""Object actions: put, get, head, delete, copy, list, tag (AWS_FACTS §16.4).

CloudTrail counts these as data events (AWS_FACTS §16.9). A GetObject's body
is a `FileSlice` the wire streams from disk; a ranged read carries
`ContentRange`, which the wire answers with 206.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote

from backend.kit.pages import decode_token, encode_token
from backend.service import Params, Request, Response, action
from backend.services.s3 import listing
from backend.services.s3.checksums import Digests, Requested, encode, member
from backend.services.s3.conditions import check_copy_source, check_read, etag_matches
from backend.services.s3.core import MAX_PUT, S3Core, flag, integer, text
from backend.services.s3.errors import (
    InvalidArgument,
    InvalidPartNumber,
    InvalidRequest,
    MalformedXML,
    NoSuchKey,
    PreconditionFailed,
    Unimplemented,
)
from backend.services.s3.index import StoredBucket, StoredObject
from backend.services.s3.keys import check_key
from backend.services.s3.metadata import OVERRIDES, Settings, settings_of
from backend.services.s3.names import canonical_id
from backend.services.s3.ranges import byte_range
from backend.services.s3.store import discard
from backend.services.s3.tagging import as_tag_set, from_header, object_tags, tag_set
from backend.streams import FileSlice

#: Most keys one DeleteObjects may name.
MAX_DELETE = 1000
_BAD_TOKEN = "The continuation token provided is incorrect"
_COPY_SOURCE_RULE = "Copy Source must mention the source bucket and key: sourcebucket/sourcekey"


def copy_source(value: object) -> tuple[str, str]:
    """(bucket, key) of an `x-amz-copy-source`: URL-encoded `bucket/key`, maybe `?versionId=`.

    Buckets here are unversioned, so the only version a source can name is
    `null`, the version id S3 gives objects of unversioned buckets.
    """
    if not isinstance(value, str) or not value:
        raise InvalidArgument(_COPY_SOURCE_RULE, ArgumentName="x-amz-copy-source")
    source, _, query = value.partition("?")
    bucket, slash, key = source.removeprefix("/").partition("/")
    if not slash or not bucket or not key:
        raise InvalidArgument(
            _COPY_SOURCE_RULE, ArgumentName="x-amz-copy-source", ArgumentValue=value[:1024]
        )
    versions = parse_qs(query).get("versionId", [])
    if any(v != "null" for v in versions):
        raise InvalidArgument(
            "Invalid version id specified",
            ArgumentName="x-amz-copy-source",
            ArgumentValue=value[:1024],
        )
    return unquote(bucket), unquote(key)


def _describe(item: StoredObject) -> Response:
    """The headers GetObject and HeadObject answer for `item`."""
    response: Response = {
        "AcceptRanges": "bytes",
        "LastModified": item.last_modified,
        "ContentLength": item.size,
        "ETag": item.etag,
        "ContentType": item.content_type,
        **item.headers,
    }
    if item.metadata:
        response["Metadata"] = dict(item.metadata)
    if item.storage_class != "STANDARD":
        response["StorageClass"] = item.storage_class
    return response


def _contents(item: StoredObject, encoded: bool, owner: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Key": listing.url_encoded(item.key) if encoded else item.key,
        "LastModified": item.last_modified,
        "ETag": item.etag,
        "Size": item.size,
        "StorageClass": item.storage_class,
    }
    if item.checksum_algorithm is not None:
        entry["ChecksumAlgorithm"] = [item.checksum_algorithm]
        entry["ChecksumType"] = item.checksum_type
    if owner is not None:
        entry["Owner"] = {"ID": owner}
    return entry


def _encoding(params: Params) -> bool:
    """Whether keys come back URL-encoded (`EncodingType=url`, which botocore always sends)."""
    encoding = text(params, "EncodingType")
    if encoding not in (None, "url"):
        raise InvalidArgument(
            "Invalid Encoding Method specified in Request",
            ArgumentName="encoding-type",
            ArgumentValue=str(encoding),
        )
    return encoding is not None


def new_object(
    key: str,
    size: int,
    etag: str,
    now: float,
    settings: Settings,
    tags: dict[str, str],
    checksum: tuple[str, str, str] | None = None,
    parts: int = 0,
) -> StoredObject:
    """An object record before it has a path; `checksum` is (algorithm, value, type)."""
    algorithm, value, kind = checksum if checksum is not None else (None, None, None)
    return StoredObject(
        key=key,
        path="",
        size=size,
        etag=etag,
        last_modified=now,
        content_type=settings.content_type,
        headers=settings.headers,
        metadata=settings.metadata,
        tags=tags,
        storage_class=settings.storage_class,
        checksum_algorithm=algorithm,
        checksum=value,
        checksum_type=kind,
        parts=parts,
    )


class ObjectApi(S3Core):
    """The object-level actions but multipart uploads."""

    def check_write(self, bucket: StoredBucket, key: str, params: Params) -> None:
        """A write's own conditions: `If-None-Match: *` (only that) and `If-Match`."""
        none_match = text(params, "IfNoneMatch")
        if none_match is not None:
            if none_match != "*":
                raise Unimplemented(Header="If-None-Match")
            if self.index.get(bucket.name, key) is not None:
                raise PreconditionFailed(Condition="If-None-Match")
        if_match = text(params, "IfMatch")
        if if_match is not None:
            current = self.index.get(bucket.name, key)
            if current is None:
                raise NoSuchKey(Key=key)
            if not etag_matches(if_match, current.etag):
                raise PreconditionFailed(Condition="If-Match")

    # -- writing ----------------------------------------------------------------

    @action("PutObject", data_event=True)
    async def put_object(self, params: Params, request: Request) -> Response:
        bucket = self.bucket_of(params)
        key = check_key(params.get("Key"))
        settings = settings_of(params)
        tags = from_header(params.get("Tagging"))
        wanted = Requested.of(params)
        self.check_write(bucket, key, params)
        received = await self.receive(params, wanted, MAX_PUT)
        try:
            bucket = self.bucket_named(bucket.name)
            self.check_write(bucket, key, params)
        except BaseException:
            discard(received.temp)
            raise
        checksum = None
        if received.checksum is not None:
            checksum = (received.checksum[0], encode(received.checksum[1]), "FULL_OBJECT")
        etag = f'"{received.md5_hex}"'
        item = new_object(key, received.size, etag, request.now, settings, tags, checksum)
        self.commit(bucket.name, item, received.temp, received.info)
        if bucket.notification:  # none configured (the usual case): nothing to match
            self.notifier.object_event(
                bucket, "ObjectCreated:Put", key, bucket.region, request.caller, item.size, etag
            )
        response: Response = {"ETag": etag}
        if checksum is not None:
            response[member(checksum[0])] = checksum[1]
            response["ChecksumType"] = checksum[2]
        return response

    @action("CopyObject", data_event=True)
    def copy_object(self, params: Params, request: Request) -> Response:
        bucket = self.bucket_of(params)
        key = check_key(params.get("Key"))
        source_bucket, source_key = copy_source(params.get("CopySource"))
        source = self.object_of(self.bucket_named(source_bucket), source_key)
        check_copy_source(source, params)
        directive = text(params, "MetadataDirective") or "COPY"
        tag_directive = text(params, "TaggingDirective") or "COPY"
        for name, value in (("metadata", directive), ("tagging", tag_directive)):
            if value not in ("COPY", "REPLACE"):
                raise InvalidArgument(
                    f"Unknown {name} directive.",
                    ArgumentName=f"x-amz-{name}-directive",
                    ArgumentValue=value,
                )
        named_algorithm = text(params, "ChecksumAlgorithm")
        changes = directive == "REPLACE" or any(
            params.get(m)
            for m in ("StorageClass", "WebsiteRedirectLocation", "ServerSideEncryption")
        )
        if source_bucket == bucket.name and source_key == key and not changes:
            raise InvalidRequest(
                "This copy request is illegal because it is trying to copy an object to itself "
                "without changing the object's metadata, storage class, website redirect "
                "location or encryption attributes."
            )
        if source.size > MAX_PUT:
            raise InvalidRequest(
                "The specified copy source is larger than the maximum allowable size for a copy "
                f"source: {MAX_PUT}"
            )
        self.check_write(bucket, key, params)
        if directive == "REPLACE":
            settings = settings_of(params)
        else:
            stored = settings_of({"StorageClass": params.get("StorageClass")})
            settings = Settings(
                source.content_type, source.headers, source.metadata, stored.storage_class
            )
        tags = from_header(params.get("Tagging")) if tag_directive == "REPLACE" else source.tags
        algorithm = (
            Requested.of(
                {"ChecksumAlgorithm": named_algorithm}, "x-amz-checksum-algorithm"
            ).algorithm
            if named_algorithm
            else source.checksum_algorithm
        )
        digests = Digests([algorithm] if algorithm else [])
        temp = self.store.temp()
        try:
            self.store.copy(self.store.file(source_bucket, source), 0, source.size, digests, temp)
        except BaseException:
            discard(temp)
            raise
        checksum = None
        if algorithm is not None:
            checksum = (algorithm, encode(digests.digest(algorithm)), "FULL_OBJECT")
        etag = f'"{digests.md5.hexdigest()}"'
        item = new_object(key, source.size, etag, request.now, settings, tags, checksum)
        self.commit(bucket.name, item, temp)
        self.notifier.object_event(
            bucket, "ObjectCreated:Copy", key, bucket.region, request.caller, item.size, etag
        )
        result: dict[str, Any] = {"ETag": etag, "LastModified": item.last_modified}
        if checksum is not None:
            result[member(checksum[0])] = checksum[1]
            result["ChecksumType"] = checksum[2]
        return {"CopyObjectResult": result}

    @action("DeleteObject", data_event=True)
    def delete_object(self, params: Params, request: Request) -> Response:
        """Delete a key; a key that is not there is no error (204 all the same)."""
        bucket = self.bucket_of(params)
        key = params.get("Key")
        if not isinstance(key, str) or not key:
            raise InvalidArgument("A key must be specified", ArgumentName="key")
        if_match = text(params, "IfMatch")
        item = self.index.get(bucket.name, key)
        if if_match is not None:
            if item is None:
                raise NoSuchKey(Key=key)
            if not etag_matches(if_match, item.etag):
                raise PreconditionFailed(Condition="If-Match")
        if item is not None:
            self.drop(bucket.name, item)
            self.notifier.object_event(
                bucket, "ObjectRemoved:Delete", key, bucket.region, request.caller
            )
        return {}

    @action("DeleteObjects", data_event=True)
    def delete_objects(self, params: Params, request: Request) -> Response:
        bucket = self.bucket_of(params)
        delete = params.get("Delete")
        entries = delete.get("Objects") if isinstance(delete, dict) else None
        if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_DELETE:
            raise MalformedXML()
        keys: list[tuple[str, str | None]] = []
        for entry in entries:
            key = entry.get("Key") if isinstance(entry, dict) else None
            if not isinstance(key, str) or not key:
                raise MalformedXML()
            etag = entry.get("ETag")
            keys.append((key, etag if isinstance(etag, str) and etag else None))
        quiet = isinstance(delete, dict) and flag(delete, "Quiet")
        deleted: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for key, etag in keys:
            item = self.index.get(bucket.name, key)
            if etag is not None and (item is None or not etag_matches(etag, item.etag)):
                failed = PreconditionFailed() if item is not None else NoSuchKey()
                errors.append({"Key": key, "Code": failed.code, "Message": failed.message})
                continue
            if item is not None:
                self.drop(bucket.name, item)
                self.notifier.object_event(
                    bucket, "ObjectRemoved:Delete", key, bucket.region, request.caller
                )
            if not quiet:
                deleted.append({"Key": key})
        response: Response = {}
        if deleted:
            response["Deleted"] = deleted
        if errors:
            response["Errors"] = errors
        return response

    # -- reading ----------------------------------------------------------------

    def _read(self, bucket: StoredBucket, params: Params, *, body: bool) -> Response:
        """What GetObject (with `body`) and HeadObject answer.

        A file someone deleted from the bucket folder since it was indexed is
        a missing key at once, even before the folder watcher reports it.
        """
        item = self.object_of(bucket, params.get("Key"))
        file = self.store.file(bucket.name, item)
        if not file.is_file():
            self.forget(bucket.name, item)
            raise NoSuchKey(Key=item.key)
        check_read(item, params)
        part = integer(params, "PartNumber", 1, 10_000, "partNumber")
        if part is not None:
            if item.parts:
                raise Unimplemented(
                    "skydeck does not serve a single part of a multipart object (partNumber)",
                    Header="partNumber",
                )
            if part != 1:
                raise InvalidPartNumber(PartNumberRequested=str(part), ActualPartCount="1")
        response = _describe(item)
        for override, header in OVERRIDES.items():
            value = params.get(override)
            if value is not None and value != "":
                response[header] = value
        span = byte_range(params.get("Range"), item.size)
        if span is None:
            first, length = 0, item.size
            if params.get("ChecksumMode") == "ENABLED" and item.checksum_algorithm is not None:
                response[member(item.checksum_algorithm)] = item.checksum
                response["ChecksumType"] = item.checksum_type
        else:
            first, last = span
            length = last - first + 1
            response["ContentRange"] = f"bytes {first}-{last}/{item.size}"
            response["ContentLength"] = length
        if body:
            response["Body"] = FileSlice(file, first, length)
            if item.tags:
                response["TagCount"] = len(item.tags)
        return response

    @action("GetObject", read_only=True, data_event=True)
    def get_object(self, params: Params, request: Request) -> Response:
        return self._read(self.bucket_of(params), params, body=True)

    @action("HeadObject", read_only=True, data_event=True)
    def head_object(self, params: Params, request: Request) -> Response:
        return self._read(self.bucket_of(params), params, body=False)

    # -- listing ----------------------------------------------------------------

    def _page(self, bucket: StoredBucket, params: Params, after: str | None) -> listing.Page:
        limit = integer(params, "MaxKeys", 0, 2**31 - 1, "maxKeys")
        return listing.page(
            lambda start, upper, n: self.index.scan(bucket.name, start, upper, n),
            text(params, "Prefix") or "",
            text(params, "Delimiter"),
            after,
            listing.MAX_KEYS if limit is None else min(limit, listing.MAX_KEYS),
        )

    def _listed(
        self, bucket: StoredBucket, params: Params, page: listing.Page, owner: bool
    ) -> Response:
        """What ListObjects and ListObjectsV2 share."""
        encoded = _encoding(params)
        enc = listing.url_encoded if encoded else str
        limit = integer(params, "MaxKeys", 0, 2**31 - 1, "maxKeys")
        owner_id = canonical_id(self.cloud.account) if owner else None
        response: Response = {
            "Name": bucket.name,
            "Prefix": enc(text(params, "Prefix") or ""),
            "MaxKeys": listing.MAX_KEYS if limit is None else limit,
            "IsTruncated": page.truncated,
        }
        delimiter = text(params, "Delimiter")
        if delimiter is not None:
            response["Delimiter"] = enc(delimiter)
        if encoded:
            response["EncodingType"] = "url"
        if page.objects:
            response["Contents"] = [_contents(i, encoded, owner_id) for i in page.objects]
        if page.prefixes:
            response["CommonPrefixes"] = [{"Prefix": enc(p)} for p in page.prefixes]
        return response

    @action("ListObjectsV2", read_only=True, data_event=True)
    def list_objects_v2(self, params: Params, request: Request) -> Response:
        bucket = self.bucket_of(params)
        start_after = text(params, "StartAfter")
        token = text(params, "ContinuationToken")
        after = start_after
        if token is not None:
            after = str(decode_token(token, bucket.name, InvalidArgument, _BAD_TOKEN))
        page = self._page(bucket, params, after)
        response = self._listed(bucket, params, page, flag(params, "FetchOwner"))
        response["KeyCount"] = len(page.objects) + len(page.prefixes)
        if token is not None:
            response["ContinuationToken"] = token
        if start_after is not None:
            enc = listing.url_encoded if "EncodingType" in response else str
            response["StartAfter"] = enc(start_after)
        if page.truncated and page.last is not None:
            response["NextContinuationToken"] = encode_token(bucket.name, page.last)
        return response

    @action("ListObjects", read_only=True, data_event=True)
    def list_objects(self, params: Params, request: Request) -> Response:
        """ListObjects (v1): `Marker`, and `NextMarker` only when a delimiter is given."""
        bucket = self.bucket_of(params)
        marker = text(params, "Marker")
        page = self._page(bucket, params, marker)
        response = self._listed(bucket, params, page, True)
        enc = listing.url_encoded if "EncodingType" in response else str
        response["Marker"] = enc(marker or "")
        if page.truncated and page.last is not None and "Delimiter" in response:
            response["NextMarker"] = enc(page.last)
        return response

    # -- tags -------------------------------------------------------------------

    @action("PutObjectTagging", data_event=True)
    def put_object_tagging(self, params: Params, request: Request) -> Response:
        bucket = self.bucket_of(params)
        item = self.object_of(bucket, params.get("Key"))
        self.index.set_tags(bucket.name, item.key, object_tags(tag_set(params)))
        self.notifier.object_event(
            bucket, "ObjectTagging:Put", item.key, bucket.region, request.caller, None, item.etag
        )
        return {}

    @action("GetObjectTagging", read_only=True, data_event=True)
    def get_object_tagging(self, params: Params, request: Request) -> Response:
        item = self.object_of(self.bucket_of(params), params.get("Key"))
        return {"TagSet": as_tag_set(item.tags)}

    @action("DeleteObjectTagging", data_event=True)
    def delete_object_tagging(self, params: Params, request: Request) -> Response:
        bucket = self.bucket_of(params)
        item = self.object_of(bucket, params.get("Key"))
        self.index.set_tags(bucket.name, item.key, {})
        self.notifier.object_event(
            bucket, "ObjectTagging:Delete", item.key, bucket.region, request.caller, None, item.etag
        )
        return {}
