"""Listing as S3 does it: UTF-8 byte order, prefixes, delimiters, pages (AWS_FACTS §16.4).

Keys come from the index already in byte order, a batch at a time, so a
page costs what it returns rather than what the bucket holds: when a key
rolls up into a common prefix (`photos/` for `photos/2024/a.jpg` with
delimiter `/`), the scan jumps past everything under that prefix at once.

A page's position is the last key or common prefix it returned. Resuming
skips everything up to it, and also a common prefix equal to it, so a
prefix that ended one page never starts the next.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote_plus

from backend.services.s3.index import StoredObject, StoredUpload

#: Most keys (and common prefixes) one page holds, and the default.
MAX_KEYS = 1000

#: `scan(start, upper, limit)`: up to `limit` objects with `start <= key < upper`.
Scan = Callable[[bytes, bytes | None, int], list[StoredObject]]


def successor(prefix: bytes) -> bytes | None:
    """The least byte string above every string starting with `prefix` (None: no bound)."""
    trimmed = prefix.rstrip(b"\xff")
    if not trimmed:
        return None
    return trimmed[:-1] + bytes([trimmed[-1] + 1])


def url_encoded(text: str) -> str:
    """A key as `EncodingType=url` writes it; botocore reads it with `unquote_plus`."""
    return quote_plus(text, safe="/")


@dataclass(frozen=True, slots=True)
class Page:
    objects: list[StoredObject]
    prefixes: list[str]
    truncated: bool
    #: The last key or common prefix on the page: where the next page starts after.
    last: str | None


def page(scan: Scan, prefix: str, delimiter: str | None, after: str | None, max_keys: int) -> Page:
    """One page of keys under `prefix` after `after`, rolled up at `delimiter`.

    `max_keys` 0 is an empty page that is not truncated, as S3 answers it.
    """
    if max_keys == 0:
        return Page([], [], False, None)
    start = low = prefix.encode("utf-8")
    floor = b"" if after is None else after.encode("utf-8")
    if after is not None:
        start = max(start, floor + b"\x00")
    upper = successor(low) if low else None
    cut_from = len(low)
    delim = delimiter.encode("utf-8") if delimiter else b""
    objects: list[StoredObject] = []
    prefixes: list[str] = []
    last: str | None = None
    batch_size = min(max_keys, MAX_KEYS) + 1
    while True:
        batch = scan(start, upper, batch_size)
        for item in batch:
            raw = item.key.encode("utf-8")
            at = raw.find(delim, cut_from) if delim else -1
            if at >= 0:
                common = raw[: at + len(delim)]
                if common > floor:
                    if len(objects) + len(prefixes) >= max_keys:
                        return Page(objects, prefixes, True, last)
                    last = common.decode("utf-8")
                    prefixes.append(last)
                following = successor(common)
                if following is None:
                    return Page(objects, prefixes, False, last)
                start = following
                break
            if len(objects) + len(prefixes) >= max_keys:
                return Page(objects, prefixes, True, last)
            objects.append(item)
            last = item.key
            start = raw + b"\x00"
        else:
            if len(batch) < batch_size:
                return Page(objects, prefixes, False, last)


@dataclass(frozen=True, slots=True)
class UploadsPage:
    uploads: list[StoredUpload]
    prefixes: list[str]
    truncated: bool
    next_key: str | None
    next_upload_id: str | None


def uploads_page(
    uploads: Sequence[StoredUpload],
    prefix: str,
    delimiter: str | None,
    key_marker: str | None,
    upload_id_marker: str | None,
    max_uploads: int,
) -> UploadsPage:
    """One page of ListMultipartUploads over a bucket's uploads (already in order).

    With only a key marker, listing starts after every upload of that key;
    with an upload-id marker as well, after that upload of that key.
    """
    chosen: list[StoredUpload] = []
    prefixes: list[str] = []
    marker = key_marker.encode("utf-8") if key_marker else None
    low = prefix.encode("utf-8")
    passed_upload = upload_id_marker is None
    next_key: str | None = None
    next_upload_id: str | None = None
    for upload in uploads:
        raw = upload.key.encode("utf-8")
        if not raw.startswith(low):
            continue
        if marker is not None and raw <= marker:
            if raw < marker or upload_id_marker is None:
                continue
            if not passed_upload:
                passed_upload = upload.upload_id == upload_id_marker
                continue
        common = None
        if delimiter:
            at = upload.key.find(delimiter, len(prefix))
            if at >= 0:
                common = upload.key[: at + len(delimiter)]
                if common in prefixes or (marker is not None and common.encode() <= marker):
                    continue
        if len(chosen) + len(prefixes) >= max_uploads:
            return UploadsPage(chosen, prefixes, True, next_key, next_upload_id)
        if common is not None:
            prefixes.append(common)
            next_key, next_upload_id = common, None
        else:
            chosen.append(upload)
            next_key, next_upload_id = upload.key, upload.upload_id
    return UploadsPage(chosen, prefixes, False, None, None)
