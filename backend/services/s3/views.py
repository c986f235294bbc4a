"""Read-only views for the dashboard's S3 pane: buckets, folders, objects, previews.

Each is one or two indexed queries, so a pane refreshing a few times a
second costs what it shows: a folder view lists one page of one folder
(the keys under a prefix, rolled up at `/`), never the whole bucket.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.services.s3 import listing
from backend.services.s3.core import S3Core
from backend.services.s3.index import StoredBucket, StoredObject

#: Bytes `preview` reads at most.
PREVIEW_BYTES = 4096


@dataclass(frozen=True, slots=True)
class BucketView:
    name: str
    region: str
    created: float
    objects: int
    bytes: int
    tags: dict[str, str]
    #: How many queue notification configurations the bucket has.
    notifications: int
    #: The folder that holds the bucket's files (for "open in file manager").
    folder: Path


@dataclass(frozen=True, slots=True)
class ObjectView:
    key: str
    size: int
    last_modified: float
    etag: str
    content_type: str
    storage_class: str
    metadata: dict[str, str]
    tags: dict[str, str]
    headers: dict[str, Any]
    checksum_algorithm: str | None
    checksum: str | None
    #: Parts of the multipart upload that made it; 0 for a single PUT.
    parts: int
    #: The file that holds the bytes.
    file: Path


@dataclass(frozen=True, slots=True)
class FolderView:
    bucket: str
    prefix: str
    #: The subfolders: common prefixes, each ending in `/`.
    folders: list[str]
    objects: list[ObjectView]
    #: Whether there is more than `limit` entries (the view shows the first ones).
    truncated: bool


class Views(S3Core):
    """The accessors the dashboard reads; none of them changes anything."""

    def _view(self, bucket: str, item: StoredObject) -> ObjectView:
        return ObjectView(
            item.key,
            item.size,
            item.last_modified,
            item.etag,
            item.content_type,
            item.storage_class,
            item.metadata,
            item.tags,
            item.headers,
            item.checksum_algorithm,
            item.checksum,
            item.parts,
            self.store.file(bucket, item),
        )

    def _bucket_view(self, bucket: StoredBucket) -> BucketView:
        return BucketView(
            bucket.name,
            bucket.region,
            bucket.created,
            *self.totals.get(bucket.name, (0, 0)),
            bucket.tags,
            len(bucket.notification.get("QueueConfigurations", [])),
            self.store.folder(bucket.name),
        )

    def bucket_views(self) -> list[BucketView]:
        """Every bucket, by name, with its object count and size."""
        return [self._bucket_view(b) for b in self.index.buckets()]

    def bucket_view(self, name: str) -> BucketView | None:
        """One bucket, None once it is gone: a pane looks its selection up on every tick."""
        bucket = self.index.bucket(name)
        return None if bucket is None else self._bucket_view(bucket)

    def folder_view(self, bucket: str, prefix: str = "", limit: int = 1000) -> FolderView:
        """The subfolders and objects directly under `prefix` (`""` for the top)."""
        page = listing.page(
            lambda start, upper, n: self.index.scan(bucket, start, upper, n),
            prefix,
            "/",
            None,
            limit,
        )
        objects = [self._view(bucket, item) for item in page.objects]
        return FolderView(bucket, prefix, page.prefixes, objects, page.truncated)

    def object_view(self, bucket: str, key: str) -> ObjectView | None:
        item = self.index.get(bucket, key)
        return None if item is None else self._view(bucket, item)

    def preview(self, bucket: str, key: str, limit: int = PREVIEW_BYTES) -> bytes:
        """The object's first `limit` bytes (b"" when it is gone)."""
        item = self.index.get(bucket, key)
        if item is None:
            return b""
        try:
            return self.store.slice(bucket, item, 0, min(limit, item.size)).read()
        except OSError:
            return b""
