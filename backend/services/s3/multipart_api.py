"""Multipart uploads: create, upload (or copy) parts, complete, abort, list (AWS_FACTS §16.6).

Parts are files in `.skydeck/uploads/<n>/`, and the upload's settings and
parts live in the index, so an upload survives a restart as S3's do. At
Complete the parts named are checked (order, ETags, checksums, 5 MiB
minimum for all but the last) and concatenated into the object, whose ETag
is the MD5 of the parts' raw MD5s with `-N`, and whose checksum is either
COMPOSITE (the checksum of the parts' checksums, `-N`) or FULL_OBJECT (a CRC
of the whole object, computed as the parts are joined).
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from backend.numbers import whole_number
from backend.service import Params, Request, Response, action
from backend.services.s3 import listing
from backend.services.s3.checksums import (
    CHECKSUM_TYPES,
    COMPOSITE_ALGORITHMS,
    FULL_OBJECT_ALGORITHMS,
    Digests,
    Requested,
    checked_value,
    composite,
    encode,
    member,
    multipart_etag,
    supported,
    verify,
)
from backend.services.s3.conditions import check_copy_source
from backend.services.s3.core import MAX_OBJECT, MAX_PUT, integer, text
from backend.services.s3.errors import (
    EntityTooLarge,
    EntityTooSmall,
    InvalidArgument,
    InvalidPart,
    InvalidPartOrder,
    InvalidRequest,
    MalformedXML,
    NoSuchUpload,
    S3Error,
)
from backend.services.s3.index import StoredBucket, StoredPart, StoredUpload
from backend.services.s3.keys import check_key
from backend.services.s3.metadata import Settings, settings_of
from backend.services.s3.names import US_EAST_1, canonical_id
from backend.services.s3.object_api import ObjectApi, copy_source, new_object
from backend.services.s3.ranges import copy_range
from backend.services.s3.store import discard
from backend.services.s3.tagging import from_header

#: Smallest part but the last, largest part, most parts (AWS_FACTS §16.6).
MIN_PART = 5 * 1024**2
MAX_PART = MAX_PUT
MAX_PARTS = 10_000


def _part_number(params: Params) -> int:
    given = params.get("PartNumber")
    value = whole_number(given) if isinstance(given, str) else given
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PARTS:
        raise InvalidArgument(
            f"Part number must be an integer between 1 and {MAX_PARTS}, inclusive",
            ArgumentName="partNumber",
            ArgumentValue=str(given)[:64],
        )
    return value


def _checksum_settings(params: Params) -> tuple[str | None, str | None]:
    """The (algorithm, type) a CreateMultipartUpload asks for, checked."""
    named = text(params, "ChecksumAlgorithm")
    kind = text(params, "ChecksumType")
    if named is None:
        if kind is not None:
            raise InvalidRequest(
                "The x-amz-checksum-type header can only be used with the "
                "x-amz-checksum-algorithm header."
            )
        return None, None
    algorithm = supported(named.upper(), "x-amz-checksum-algorithm")
    if kind is None:
        kind = "COMPOSITE" if algorithm in COMPOSITE_ALGORITHMS else "FULL_OBJECT"
    if kind not in CHECKSUM_TYPES:
        raise InvalidRequest("Value for x-amz-checksum-type header is invalid.")
    allowed = COMPOSITE_ALGORITHMS if kind == "COMPOSITE" else FULL_OBJECT_ALGORITHMS
    if algorithm not in allowed:
        raise InvalidRequest(
            f"The {kind} checksum type cannot be used with the {algorithm.lower()} checksum "
            "algorithm."
        )
    return algorithm, kind


class MultipartApi(ObjectApi):
    """The multipart upload actions."""

    def _upload(self, bucket: StoredBucket, params: Params) -> StoredUpload:
        """The upload `UploadId` names, if it is of this bucket and key."""
        upload_id = params.get("UploadId")
        found = self.index.upload(upload_id) if isinstance(upload_id, str) else None
        if found is None or found.bucket != bucket.name or found.key != params.get("Key"):
            raise NoSuchUpload(UploadId=str(upload_id))
        return found

    def _lost(self, upload: StoredUpload) -> S3Error:
        """The error for an upload whose parts' folder someone removed: it is gone.

        Its parts went with the folder, so it is dropped, as an abort would drop it.
        """
        self.index.drop_upload(upload.upload_id)
        return NoSuchUpload(UploadId=upload.upload_id)

    def _place_part(self, upload: StoredUpload, temp: str, number: int) -> None:
        """Move a complete part into its upload's folder."""
        try:
            os.replace(temp, self.store.upload_folder(upload.folder) / str(number))
        except FileNotFoundError:
            discard(temp)
            raise self._lost(upload) from None

    def _new_upload_id(self) -> str:
        while True:
            raw = self.rng.getrandbits(384).to_bytes(48, "big")
            candidate = base64.urlsafe_b64encode(raw).decode().rstrip("=")
            if self.index.upload(candidate) is None:
                return candidate

    def _location(self, bucket: StoredBucket, key: str, request: Request) -> str:
        path = quote(key, safe="/~")
        if request.endpoint:
            return f"{request.endpoint}/{bucket.name}/{path}"
        if bucket.region == US_EAST_1:
            return f"https://{bucket.name}.s3.amazonaws.com/{path}"
        return f"https://{bucket.name}.s3.{bucket.region}.amazonaws.com/{path}"

    def _owner(self) -> dict[str, str]:
        return {"ID": canonical_id(self.cloud.account)}

    @action("CreateMultipartUpload", data_event=True)
    def create_multipart_upload(self, params: Params, request: Request) -> Response:
        bucket = self.bucket_of(params)
        key = check_key(params.get("Key"))
        settings = settings_of(params)
        tags = from_header(params.get("Tagging"))
        algorithm, kind = _checksum_settings(params)
        upload_id = self._new_upload_id()
        folder = self.index.next_folder()
        self.store.upload_folder(folder).mkdir(parents=True, exist_ok=True)
        caller = request.caller
        initiator = {
            "ID": caller.arn(self.cloud.account) or caller.name,
            "DisplayName": caller.username,
        }
        self.index.add_upload(
            StoredUpload(
                upload_id,
                bucket.name,
                key,
                folder,
                request.now,
                {
                    **settings.as_json(),
                    "Tags": tags,
                    "ChecksumAlgorithm": algorithm,
                    "ChecksumType": kind,
                    "Initiator": initiator,
                },
            )
        )
        response: Response = {"Bucket": bucket.name, "Key": key, "UploadId": upload_id}
        if algorithm is not None:
            response["ChecksumAlgorithm"] = algorithm
            response["ChecksumType"] = kind
        return response

    @action("UploadPart", data_event=True)
    async def upload_part(self, params: Params, request: Request) -> Response:
        bucket = self.bucket_of(params)
        upload = self._upload(bucket, params)
        number = _part_number(params)
        algorithm = upload.settings.get("ChecksumAlgorithm")
        wanted = Requested.of(params)
        if algorithm is not None:
            if wanted.algorithm is not None and wanted.algorithm != algorithm:
                raise InvalidRequest(
                    "Checksum Type mismatch occurred, expected checksum Type: "
                    f"{algorithm.lower()}, actual checksum Type: {wanted.algorithm.lower()}"
                )
            wanted = Requested(algorithm, wanted.expected)
        received = await self.receive(params, wanted, MAX_PART)
        try:
            upload = self._upload(self.bucket_named(bucket.name), params)
        except BaseException:
            discard(received.temp)
            raise
        self._place_part(upload, received.temp, number)
        etag = f'"{received.md5_hex}"'
        value = encode(received.checksum[1]) if received.checksum is not None else None
        self.index.put_part(
            upload.upload_id,
            StoredPart(number, received.size, etag, value if algorithm else None, request.now),
        )
        response: Response = {"ETag": etag}
        if received.checksum is not None:
            response[member(received.checksum[0])] = value
        return response

    @action("UploadPartCopy", data_event=True)
    def upload_part_copy(self, params: Params, request: Request) -> Response:
        bucket = self.bucket_of(params)
        upload = self._upload(bucket, params)
        number = _part_number(params)
        source_bucket, source_key = copy_source(params.get("CopySource"))
        source = self.object_of(self.bucket_named(source_bucket), source_key)
        check_copy_source(source, params)
        first, last = copy_range(params.get("CopySourceRange"), source.size) or (0, source.size - 1)
        length = last - first + 1
        if length > MAX_PART:
            raise EntityTooLarge(ProposedSize=str(length), MaxSizeAllowed=str(MAX_PART))
        algorithm = upload.settings.get("ChecksumAlgorithm")
        digests = Digests([algorithm] if algorithm else [])
        temp = self.store.temp()
        try:
            self.store.copy(self.store.file(source_bucket, source), first, length, digests, temp)
        except BaseException:
            discard(temp)
            raise
        self._place_part(upload, temp, number)
        etag = f'"{digests.md5.hexdigest()}"'
        value = encode(digests.digest(algorithm)) if algorithm else None
        self.index.put_part(upload.upload_id, StoredPart(number, length, etag, value, request.now))
        result: dict[str, Any] = {"ETag": etag, "LastModified": request.now}
        if algorithm is not None:
            result[member(algorithm)] = value
        return {"CopyPartResult": result}

    def _chosen_parts(self, upload: StoredUpload, params: Params) -> list[StoredPart]:
        """The parts a Complete names, checked as S3 checks them, in order."""
        given = params.get("MultipartUpload")
        entries = given.get("Parts") if isinstance(given, dict) else None
        if not isinstance(entries, list) or not entries:
            raise MalformedXML()
        stored = {part.number: part for part in self.index.parts(upload.upload_id)}
        algorithm = upload.settings.get("ChecksumAlgorithm")
        composite_kind = upload.settings.get("ChecksumType") == "COMPOSITE"
        chosen: list[StoredPart] = []
        for entry in entries:
            number = entry.get("PartNumber") if isinstance(entry, dict) else None
            if isinstance(number, bool) or not isinstance(number, int):
                raise MalformedXML()
            if chosen and number <= chosen[-1].number:
                raise InvalidPartOrder(UploadId=upload.upload_id)
            etag = entry.get("ETag")
            part = stored.get(number)
            if part is None or not isinstance(etag, str) or etag.strip('"') != part.etag.strip('"'):
                raise InvalidPart(UploadId=upload.upload_id, PartNumber=str(number), ETag=str(etag))
            if algorithm is not None and composite_kind:
                sent = entry.get(member(algorithm))
                if sent is None or sent == "":
                    raise InvalidRequest(
                        f"The upload was created using a {algorithm.lower()} checksum. The "
                        "complete request must include the checksum for each part. It was "
                        f"missing for part {number} in the request."
                    )
                if sent != part.checksum:
                    raise InvalidPart(
                        UploadId=upload.upload_id, PartNumber=str(number), ETag=str(etag)
                    )
            chosen.append(part)
        for part in chosen[:-1]:
            if part.size < MIN_PART:
                raise EntityTooSmall(
                    ProposedSize=str(part.size),
                    MinSizeAllowed=str(MIN_PART),
                    PartNumber=str(part.number),
                    ETag=part.etag,
                )
        total = sum(part.size for part in chosen)
        if total > MAX_OBJECT:
            raise EntityTooLarge(ProposedSize=str(total), MaxSizeAllowed=str(MAX_OBJECT))
        return chosen

    @action("CompleteMultipartUpload", data_event=True)
    def complete_multipart_upload(self, params: Params, request: Request) -> Response:
        bucket = self.bucket_of(params)
        upload = self._upload(bucket, params)
        chosen = self._chosen_parts(upload, params)
        self.check_write(bucket, upload.key, params)
        algorithm = upload.settings.get("ChecksumAlgorithm")
        kind = upload.settings.get("ChecksumType")
        whole = algorithm is not None and kind == "FULL_OBJECT"
        folder = self.store.upload_folder(upload.folder)
        temp = self.store.temp()
        digests = Digests([algorithm]) if whole and algorithm else None
        try:
            if len(chosen) == 1 and digests is None:
                os.replace(folder / str(chosen[0].number), temp)
            else:
                for part in chosen:
                    self.store.copy(folder / str(part.number), 0, part.size, digests, temp)
            checksum = None
            if algorithm is not None and digests is not None:
                digest = digests.digest(algorithm)
                sent = text(params, member(algorithm))
                if sent is not None:
                    verify(algorithm, checked_value(algorithm, sent), digest)
                checksum = (algorithm, encode(digest), "FULL_OBJECT")
            elif algorithm is not None:
                raws = [base64.b64decode(p.checksum or "") for p in chosen]
                checksum = (algorithm, composite(algorithm, raws), "COMPOSITE")
        except FileNotFoundError:
            discard(temp)
            raise self._lost(upload) from None
        except BaseException:
            discard(temp)
            raise
        etag = multipart_etag(part.etag for part in chosen)
        settings = Settings.from_json(upload.settings)
        size = sum(part.size for part in chosen)
        item = new_object(
            upload.key,
            size,
            etag,
            request.now,
            settings,
            dict(upload.settings["Tags"]),
            checksum,
            parts=len(chosen),
        )
        self.commit(bucket.name, item, temp)
        self.store.remove_upload(upload.folder)
        self.index.drop_upload(upload.upload_id)
        self.notifier.object_event(
            bucket,
            "ObjectCreated:CompleteMultipartUpload",
            upload.key,
            bucket.region,
            request.caller,
            size,
            etag,
        )
        response: Response = {
            "Location": self._location(bucket, upload.key, request),
            "Bucket": bucket.name,
            "Key": upload.key,
            "ETag": etag,
        }
        if checksum is not None:
            response[member(checksum[0])] = checksum[1]
            response["ChecksumType"] = checksum[2]
        return response

    @action("AbortMultipartUpload", data_event=True)
    def abort_multipart_upload(self, params: Params, request: Request) -> Response:
        upload = self._upload(self.bucket_of(params), params)
        self.store.remove_upload(upload.folder)
        self.index.drop_upload(upload.upload_id)
        return {}

    @action("ListParts", read_only=True, data_event=True)
    def list_parts(self, params: Params, request: Request) -> Response:
        bucket = self.bucket_of(params)
        upload = self._upload(bucket, params)
        asked = integer(params, "MaxParts", 0, 2**31 - 1, "max-parts")
        limit = listing.MAX_KEYS if asked is None else min(asked, listing.MAX_KEYS)
        marker = integer(params, "PartNumberMarker", 0, 2**31 - 1, "part-number-marker") or 0
        parts = [part for part in self.index.parts(upload.upload_id) if part.number > marker]
        shown = parts[:limit]
        algorithm = upload.settings.get("ChecksumAlgorithm")
        entries = []
        for part in shown:
            entry: dict[str, Any] = {
                "PartNumber": part.number,
                "LastModified": part.last_modified,
                "ETag": part.etag,
                "Size": part.size,
            }
            if algorithm is not None and part.checksum is not None:
                entry[member(algorithm)] = part.checksum
            entries.append(entry)
        response: Response = {
            "Bucket": bucket.name,
            "Key": upload.key,
            "UploadId": upload.upload_id,
            "PartNumberMarker": marker,
            "MaxParts": limit,
            "IsTruncated": len(parts) > limit,
            "Initiator": upload.settings["Initiator"],
            "Owner": self._owner(),
            "StorageClass": upload.settings["StorageClass"],
        }
        if entries:
            response["Parts"] = entries
            response["NextPartNumberMarker"] = shown[-1].number
        if algorithm is not None:
            response["ChecksumAlgorithm"] = algorithm
            response["ChecksumType"] = upload.settings["ChecksumType"]
        return response

    @action("ListMultipartUploads", read_only=True)
    def list_multipart_uploads(self, params: Params, request: Request) -> Response:
        bucket = self.bucket_of(params)
        encoding = text(params, "EncodingType")
        if encoding not in (None, "url"):
            raise InvalidArgument(
                "Invalid Encoding Method specified in Request",
                ArgumentName="encoding-type",
                ArgumentValue=str(encoding),
            )
        enc = listing.url_encoded if encoding else str
        prefix = text(params, "Prefix") or ""
        delimiter = text(params, "Delimiter")
        key_marker = text(params, "KeyMarker")
        upload_id_marker = text(params, "UploadIdMarker")
        asked = integer(params, "MaxUploads", 0, 2**31 - 1, "max-uploads")
        limit = listing.MAX_KEYS if asked is None else min(asked, listing.MAX_KEYS)
        page = listing.uploads_page(
            self.index.uploads(bucket.name), prefix, delimiter, key_marker, upload_id_marker, limit
        )
        response: Response = {
            "Bucket": bucket.name,
            "KeyMarker": enc(key_marker or ""),
            "UploadIdMarker": upload_id_marker or "",
            "Prefix": enc(prefix),
            "MaxUploads": limit,
            "IsTruncated": page.truncated,
        }
        if delimiter is not None:
            response["Delimiter"] = enc(delimiter)
        if encoding:
            response["EncodingType"] = "url"
        if page.uploads:
            response["Uploads"] = [self._upload_entry(u, enc) for u in page.uploads]
        if page.prefixes:
            response["CommonPrefixes"] = [{"Prefix": enc(p)} for p in page.prefixes]
        if page.truncated:
            response["NextKeyMarker"] = enc(page.next_key or "")
            response["NextUploadIdMarker"] = page.next_upload_id or ""
        return response

    def _upload_entry(self, upload: StoredUpload, enc: Callable[[str], str]) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "UploadId": upload.upload_id,
            "Key": enc(upload.key),
            "Initiated": upload.initiated,
            "StorageClass": upload.settings["StorageClass"],
            "Owner": self._owner(),
            "Initiator": upload.settings["Initiator"],
        }
        if upload.settings.get("ChecksumAlgorithm") is not None:
            entry["ChecksumAlgorithm"] = upload.settings["ChecksumAlgorithm"]
            entry["ChecksumType"] = upload.settings["ChecksumType"]
        return entry
