"""What every S3 action shares: the store, the notifier, per-bucket totals, lookups.

S3's actions are many, so they are split by what they act on (`bucket_api.py`,
`object_api.py`, `multipart_api.py`), each a mixin over this class;
`service.py` puts them together. Everything that changes an object goes
through `commit` or `record` (in) and `drop` or `forget` (out) here, so the
files, the index and the totals (which the summary, the metrics and the
dashboard read) never disagree.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, NamedTuple

from backend.cloud import Cloud
from backend.numbers import whole_number
from backend.service import Params, Service
from backend.services.s3.checksums import Digests, Requested, content_md5, file_digest, verify
from backend.services.s3.errors import (
    BadDigest,
    EntityTooLarge,
    InvalidArgument,
    NoSuchBucket,
    NoSuchKey,
)
from backend.services.s3.index import StoredBucket, StoredObject
from backend.services.s3.notifications import Notifier
from backend.services.s3.storage_metrics import StorageMetrics
from backend.services.s3.store import Store, discard
from backend.streams import ByteStream

#: Largest object a single PUT (or a copy) may make: 5 GiB.
MAX_PUT = 5 * 1024**3
#: Largest object a multipart upload may make: 48.8 TiB (was 5 TiB until 2025).
MAX_OBJECT = 50_000 * 1024**3
#: What a `Body` may be, as a tuple: `isinstance` with a `|` union made each call costs a put
#: a microsecond.
_BODY_TYPES = (ByteStream, bytes, bytearray, memoryview, str)


class Received(NamedTuple):
    """A request body written to a temporary file and verified.

    A named tuple rather than a frozen dataclass, which sets each field
    through `object.__setattr__`: one is made for every upload.
    """

    temp: str
    size: int
    md5_hex: str
    #: (algorithm, raw digest) of the checksum the request asked for, if any.
    checksum: tuple[str, bytes] | None
    #: The temporary file's `fstat`, for `Store.place`.
    info: os.stat_result


class S3Core(Service):
    """The state behind S3's actions; the actions themselves are in the mixins."""

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud)
        self.store = Store(cloud.data_dir / "s3")
        self.index = self.store.index
        self.notifier = Notifier(cloud)
        self.rng = cloud.rng("s3")
        #: (objects, bytes) per bucket, kept current by `commit` and `drop`.
        self.totals: dict[str, tuple[int, int]] = {}
        self._load_totals()
        self.storage_metrics = StorageMetrics(cloud, lambda: self.totals)
        if self.totals:
            self.storage_metrics.start()

    def _load_totals(self) -> None:
        counted = self.index.totals()
        self.totals = {b.name: counted.get(b.name, (0, 0)) for b in self.index.buckets()}

    def reset(self) -> None:
        """Delete every bucket, its folder and its files, and every upload in progress."""
        for bucket in self.index.buckets():
            self.store.remove_folder(bucket.name)
        shutil.rmtree(self.store.uploads, ignore_errors=True)
        self.store.uploads.mkdir(parents=True, exist_ok=True)
        self.index.clear()
        self.totals.clear()

    def trail_resources(self, action: str, params: Params, region: str) -> list[dict[str, str]]:
        bucket = params.get("Bucket")
        if not isinstance(bucket, str) or not bucket:
            return []
        arn = f"arn:aws:s3:::{bucket}"
        found: list[dict[str, str]] = []
        key = params.get("Key")
        spec = self.actions.get(action)
        if isinstance(key, str) and key and spec is not None and spec.data_event:
            found.append({"type": "AWS::S3::Object", "ARN": f"{arn}/{key}"})
        found.append({"accountId": self.cloud.account, "type": "AWS::S3::Bucket", "ARN": arn})
        return found

    # -- lookups ----------------------------------------------------------------

    def bucket_named(self, name: object) -> StoredBucket:
        found = self.index.bucket(name) if isinstance(name, str) else None
        if found is None:
            raise NoSuchBucket(BucketName=str(name))
        return found

    def bucket_of(self, params: Params) -> StoredBucket:
        return self.bucket_named(params.get("Bucket"))

    def object_of(self, bucket: StoredBucket, key: object) -> StoredObject:
        found = self.index.get(bucket.name, key) if isinstance(key, str) else None
        if found is None:
            raise NoSuchKey(Key=str(key))
        return found

    # -- changes ----------------------------------------------------------------

    def commit(
        self, bucket: str, item: StoredObject, temp: str, info: os.stat_result | None = None
    ) -> None:
        """Put the complete body at `temp` in place as `item`, replacing any object of its key.

        `item` is the object before it has a file (`path` empty): its row gets
        the path and mtime the file is placed at. The index is asked once, for
        where the key's file is and its size, and written once, in one
        transaction with whatever placing the file records (a hashed name, a
        file moved into a folder): a small PutObject is mostly these
        statements and the file system's work.
        """
        with self.index.transaction():
            old = self.index.placed(bucket, item.key)
            known = None if old is None else old[0]
            path, mtime_ns = self.store.place(bucket, item.key, temp, known, info)
            self.index.put(bucket, item, path, mtime_ns)
        self._count(bucket, item, None if old is None else old[1])

    def record(self, bucket: str, item: StoredObject) -> None:
        """Index an object whose file is in place, replacing any object of its key."""
        with self.index.transaction():
            old = self.index.placed(bucket, item.key)
            self.index.put(bucket, item, item.path, item.mtime_ns)
        self._count(bucket, item, None if old is None else old[1])

    def _count(self, bucket: str, item: StoredObject, old_size: int | None) -> None:
        """Count `item` in its bucket's totals, in place of an object of `old_size` (None: none)."""
        count, size = self.totals.get(bucket, (0, 0))
        if old_size is None:
            self.totals[bucket] = (count + 1, size + item.size)
        else:
            self.totals[bucket] = (count, size + item.size - old_size)

    async def receive(self, params: Params, wanted: Requested, limit: int) -> Received:
        """The request's `Body` in a temporary file, its Content-MD5 and checksum verified.

        The body arrives as bytes (in-process callers) or a `ByteStream` (the
        wire), whose aws-chunked trailer may name the checksum only at the end:
        CRC32 is computed alongside whenever no algorithm was named up front
        and a trailer may follow, and any other trailer algorithm is computed
        from the file afterwards.
        """
        body = params.get("Body")
        if body is not None and not isinstance(body, _BODY_TYPES):
            raise InvalidArgument("The request body must be bytes", ArgumentName="Body")
        md5 = content_md5(params.get("ContentMD5"))
        announced = body.length if isinstance(body, ByteStream) else None
        if announced is not None and announced > limit:
            raise EntityTooLarge(ProposedSize=str(announced), MaxSizeAllowed=str(limit))
        if wanted.algorithm is not None:
            digests = Digests([wanted.algorithm])
        else:
            trailing = isinstance(body, ByteStream) and body.may_trail
            digests = Digests(["CRC32"] if trailing else [])
        temp, size, info = await self.store.receive(body, digests, limit)
        try:
            if isinstance(body, ByteStream) and body.may_trail:
                wanted.settle(body.trailers)
            if md5 is not None and md5 != digests.md5.digest():
                raise BadDigest()
            checksum = None
            if wanted.algorithm is not None:
                algorithm = wanted.algorithm
                digest = (
                    digests.digest(algorithm)
                    if digests.has(algorithm)
                    else file_digest(Path(temp), algorithm)
                )
                if wanted.expected is not None:
                    verify(algorithm, wanted.expected, digest)
                checksum = (algorithm, digest)
        except BaseException:
            discard(temp)
            raise
        return Received(temp, size, digests.md5.hexdigest(), checksum, info)

    def drop(self, bucket: str, item: StoredObject) -> None:
        """Delete an object: its file, its row, its share of the totals."""
        self.store.remove(bucket, item)
        self.index.delete(bucket, item.key)
        count, size = self.totals.get(bucket, (1, item.size))
        self.totals[bucket] = (count - 1, size - item.size)

    def forget(self, bucket: str, item: StoredObject) -> None:
        """Drop an object whose file is already gone (someone deleted it on disk)."""
        self.index.delete(bucket, item.key)
        count, size = self.totals.get(bucket, (1, item.size))
        self.totals[bucket] = (count - 1, size - item.size)


def flag(params: Params, name: str) -> bool:
    """A boolean member, from a bool or the text a header holds."""
    value = params.get(name)
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value is True


def integer(params: Params, name: str, low: int, high: int, argument: str) -> int | None:
    """An integer member within [low, high], or None when absent; InvalidArgument otherwise."""
    given: Any = params.get(name)
    if given is None or given == "":
        return None
    value = whole_number(given) if isinstance(given, str) else given
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidArgument(
            f"Argument {argument} must be an integer between {low} and {high}",
            ArgumentName=argument,
            ArgumentValue=str(given)[:64],
        )
    return value


def text(params: Params, name: str) -> str | None:
    """A string member, or None when absent or empty."""
    value = params.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidArgument(
            f"The value of {name} must be a string", ArgumentName=name, ArgumentValue=str(value)
        )
    return value
