"""Files people drop into (or delete from) bucket folders become (or stop being) objects.

The bucket folders are a real place on disk a person can use: copy
`photo.jpg` into `<data>/s3/photos/` and it is object `photo.jpg` (ETag
computed, content type guessed from its name, LastModified the clock's
now), with the bucket's notifications sent as for a PutObject; delete the
file and the object is gone, with ObjectRemoved:Delete. A new folder with a
valid bucket name becomes a bucket; a bucket folder removed takes its
bucket with it. How names map to keys is `keys.py`; hidden files, symbolic
links and names that are no key's are left alone.

The reconciliation is plain methods: `rescan()` compares everything, and
`on_changes(changes)` only the paths `watchfiles` reported. Tests call them
directly (and drive `live()` with a stand-in for `watchfiles.awatch`).
`live()` watches the folders until cancelled; the dashboard and `skydeck
serve` start it, headless runs never do. It works in real time (it watches
the real disk). The watch reports skydeck's own writes too, which the index
already holds: a file skydeck placed or removed and nobody touched since is
passed over with one `lstat` (`OwnWrites`), and anything else is compared
with the index.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import mimetypes
import os
import stat
from collections.abc import AsyncGenerator, Callable, Iterable
from pathlib import Path

import watchfiles

from backend.bus import CloudEvent
from backend.services.s3.core import S3Core
from backend.services.s3.index import StoredBucket, StoredObject
from backend.services.s3.keys import decode_path
from backend.services.s3.metadata import DEFAULT_CONTENT_TYPE
from backend.services.s3.names import US_EAST_1, is_bucket_name
from backend.services.s3.store import META, OwnWrites
from backend.streams import CHUNK

log = logging.getLogger(__name__)

#: How `live` watches a folder: `watchfiles.awatch`, or a test's stand-in.
Watch = Callable[..., AsyncGenerator[set[tuple[watchfiles.Change, str]], None]]
#: How often the watch of the bucket folders wakes to see whether the buckets changed.
RESTART_CHECK_MS = 1000


def _md5_of(path: Path) -> str:
    hashed = hashlib.md5()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK * 4):
            hashed.update(chunk)
    return hashed.hexdigest()


def _files(top: Path, under: str) -> dict[str, os.stat_result]:
    """Regular files at or below `top/under`, by path relative to `top`, hidden ones skipped."""
    start = top / under if under else top
    found: dict[str, os.stat_result] = {}
    try:
        info = start.lstat()
    except FileNotFoundError:
        return found
    if stat.S_ISREG(info.st_mode):
        found[under] = info
        return found
    if not stat.S_ISDIR(info.st_mode):
        return found
    for folder, subfolders, names in os.walk(start):
        subfolders[:] = [d for d in subfolders if not d.startswith(".")]
        for name in names:
            if name.startswith("."):
                continue
            path = Path(folder, name)
            info = path.lstat()
            if stat.S_ISREG(info.st_mode):
                found[path.relative_to(top).as_posix()] = info
    return found


class DiskSync(S3Core):
    """Keeps buckets in step with what people do in the bucket folders."""

    async def rescan(self) -> None:
        """Compare every bucket folder with the index and settle the differences."""
        self._settle_buckets()
        for bucket in self.index.buckets():
            await self._reconcile(bucket, "")

    def _settle_buckets(self) -> None:
        """Folders new in the data folder become buckets; buckets whose folder went go."""
        try:
            with os.scandir(self.store.root) as entries:
                folders = sorted(e.name for e in entries if e.is_dir(follow_symlinks=False))
        except FileNotFoundError:  # the whole data folder was removed: every bucket with it
            folders = []
        for name in folders:
            self._adopt(name)
        for bucket in self.index.buckets():
            if bucket.name not in folders:
                self._lose(bucket)

    async def on_changes(self, changes: Iterable[tuple[object, str]]) -> None:
        """Settle the paths `watchfiles` reported (a set of (Change, path)).

        A path is looked at once however many changes name it; one skydeck
        itself left as it is now (`Store.own`) is passed over, before anything
        else is made of it: skydeck notes only paths in bucket folders, so
        that is what most reported paths are during a burst of uploads.
        """
        root = f"{self.store.root}{os.sep}"
        own = self.store.own
        touched: set[tuple[str, str]] = set()
        for raw in {path for _, path in changes}:
            if own is not None and own.ours(raw):
                continue
            if not raw.startswith(root):
                continue
            parts = [p for p in raw[len(root) :].split(os.sep) if p not in ("", ".")]
            if not parts or parts[0] == META or any(p.startswith(".") for p in parts):
                continue
            touched.add((parts[0], "/".join(parts[1:])))
        for name, under in sorted(touched):
            bucket = self.index.bucket(name)
            if bucket is None:
                self._adopt(name)
                bucket = self.index.bucket(name)
            elif not self.store.folder(name).is_dir():
                self._lose(bucket)
                continue
            if bucket is not None:
                await self._reconcile(bucket, under)

    async def live(self, watch: Watch = watchfiles.awatch) -> None:
        """Follow the bucket folders until cancelled (the dashboard and `serve` run it).

        Two watches (`watch` is `watchfiles.awatch`; tests pass their own):
        the data folder alone, not below it, for folders made or removed there
        (buckets made or lost), and the bucket folders with everything below
        them. Skydeck's own folder (`.skydeck`: the index, which every write
        changes, and the temporary file every upload passes through) is in
        neither, so the kernel reports nothing of it and the watch thread does
        not wake for it: a watch over the whole data folder cost a small
        PutObject more CPU than the rest of its work in the index. Each bucket
        folder is compared with the index in full once it is watched, so
        nothing that happened before is missed.
        """
        self.store.own = OwnWrites()
        buckets_changed = asyncio.Event()
        try:
            self._settle_buckets()
            async with asyncio.TaskGroup() as group:
                group.create_task(self._watch_top(watch, buckets_changed))
                group.create_task(self._watch_buckets(watch, buckets_changed))
        finally:
            self.store.own = None

    async def _watch_top(self, watch: Watch, buckets_changed: asyncio.Event) -> None:
        """The data folder's own entries: a bucket folder made or removed, by anyone.

        Someone removing the data folder itself takes every bucket with it, and
        its watch sees nothing more. The watch wakes every `RESTART_CHECK_MS`
        to see whether the folder is there again (the next bucket made makes
        it), and then watches the new one, settling what is in it.
        """
        root = self.store.root
        while True:
            watching = watch(
                root,
                watch_filter=None,
                recursive=False,
                rust_timeout=RESTART_CHECK_MS,
                yield_on_timeout=True,
            )
            gone = False
            async with contextlib.aclosing(watching) as batches:
                async for changes in batches:
                    if changes:
                        await self.on_changes(changes)
                        buckets_changed.set()
                    if not root.is_dir():
                        if not gone:
                            gone = True
                            self._settle_buckets()
                            buckets_changed.set()
                    elif gone:
                        break
            self._settle_buckets()
            buckets_changed.set()

    async def _watch_buckets(self, watch: Watch, buckets_changed: asyncio.Event) -> None:
        """The bucket folders and all below them, watched anew whenever the buckets change.

        The watch wakes every `RESTART_CHECK_MS` with nothing to report, to
        see whether the buckets changed (the data folder's watch says when to
        look). A bucket new to it is compared with its folder in full once
        the watch is on, so a file dropped in before then is not missed.
        """
        watched: list[str] = []
        while True:
            buckets_changed.clear()
            names = self._bucket_folders()
            if not names:
                watched = []
                await buckets_changed.wait()
                continue
            fresh = [name for name in names if name not in watched]
            watching = watch(
                *(self.store.folder(name) for name in names),
                watch_filter=None,
                rust_timeout=RESTART_CHECK_MS,
                yield_on_timeout=True,
            )
            async with contextlib.aclosing(watching) as batches:
                while True:
                    try:
                        changes = await anext(batches)
                    except StopAsyncIteration:
                        break
                    except OSError:
                        # A folder went between being listed and being watched: the
                        # data folder's watch reports it, and the buckets are listed again.
                        log.info("s3: could not watch the bucket folders", exc_info=True)
                        await buckets_changed.wait()
                        break
                    watched = names
                    for name in fresh:
                        bucket = self.index.bucket(name)
                        if bucket is not None:
                            await self._reconcile(bucket, "")
                    fresh = []
                    if changes:
                        await self.on_changes(changes)
                    if buckets_changed.is_set():
                        buckets_changed.clear()
                        if self._bucket_folders() != names:
                            break

    def _bucket_folders(self) -> list[str]:
        """The buckets whose folders are there, by name."""
        return [b.name for b in self.index.buckets() if self.store.folder(b.name).is_dir()]

    def _adopt(self, name: str) -> None:
        """A folder with a bucket's name and no bucket: make it one, in the cloud's region."""
        if self.index.bucket(name) is not None or not is_bucket_name(name):
            return
        if not self.store.folder(name).is_dir():
            return
        region = self.cloud.region
        location = None if region == US_EAST_1 else region
        self.index.add_bucket(StoredBucket(name, region, location, self.cloud.clock.now()))
        self.totals[name] = (0, 0)
        self.storage_metrics.start()
        self._tell("BucketFromDisk", f"folder {name} became bucket {name}", name)

    def _lose(self, bucket: StoredBucket) -> None:
        """A bucket whose folder was removed: the bucket goes too."""
        for upload in self.index.uploads(bucket.name):
            self.store.remove_upload(upload.folder)
        self.index.drop_bucket(bucket.name)
        self.totals.pop(bucket.name, None)
        self._tell(
            "BucketGoneFromDisk", f"bucket {bucket.name}: its folder was removed", bucket.name
        )

    async def _reconcile(self, bucket: StoredBucket, under: str) -> None:
        folder = self.store.folder(bucket.name)
        on_disk = _files(folder, under)
        known = {item.path: item for item in self.index.under_path(bucket.name, under)}
        for path, item in known.items():
            if path not in on_disk:
                self.forget(bucket.name, item)
                self.notifier.object_event(
                    bucket, "ObjectRemoved:Delete", item.key, bucket.region, None
                )
                self._tell(
                    "ObjectGoneFromDisk",
                    f"{bucket.name}: {item.key} deleted from the bucket folder",
                    bucket.name,
                )
        for path, info in sorted(on_disk.items()):
            indexed = known.get(path)
            if indexed is not None and (indexed.size, indexed.mtime_ns) == (
                info.st_size,
                info.st_mtime_ns,
            ):
                continue
            await self._take(bucket, path, info, indexed)

    async def _take(
        self, bucket: StoredBucket, path: str, info: os.stat_result, known: StoredObject | None
    ) -> None:
        """Index the file at `path` (new, or changed since it was indexed) as an object."""
        key = known.key if known is not None else decode_path(path.split("/"), self.store.fragment)
        if key is None:
            return
        if known is None:
            holder = self.index.get(bucket.name, key)
            if holder is not None and holder.path != path:
                return
        file = self.store.folder(bucket.name) / path
        md5 = await asyncio.to_thread(_md5_of, file)
        try:
            after = file.lstat()
        except FileNotFoundError:
            return
        if (after.st_size, after.st_mtime_ns) != (info.st_size, info.st_mtime_ns):
            return
        current = self.index.at_path(bucket.name, path)
        if current is not None and (current.size, current.mtime_ns) == (
            after.st_size,
            after.st_mtime_ns,
        ):
            return
        guessed = mimetypes.guess_type(key, strict=False)[0] or DEFAULT_CONTENT_TYPE
        etag = f'"{md5}"'
        item = StoredObject(
            key=key,
            path=path,
            size=after.st_size,
            etag=etag,
            last_modified=self.cloud.clock.now(),
            content_type=known.content_type if known is not None else guessed,
            headers=known.headers if known is not None else {},
            metadata=known.metadata if known is not None else {},
            tags=known.tags if known is not None else {},
            mtime_ns=after.st_mtime_ns,
        )
        self.record(bucket.name, item)
        self.notifier.object_event(
            bucket, "ObjectCreated:Put", key, bucket.region, None, item.size, etag
        )
        verb = "changed" if known is not None else "added"
        self._tell(
            "ObjectFromDisk", f"{bucket.name}: {key} {verb} in the bucket folder", bucket.name
        )

    def _tell(self, kind: str, summary: str, bucket: str) -> None:
        self.cloud.bus.publish(
            CloudEvent(self.cloud.clock.now(), "s3", kind, summary, "information", bucket)
        )
