"""The bucket folders on disk: bodies written as they arrive, files placed by key.

Layout of `<data>/s3/`:

```
<bucket>/...            one folder per bucket; objects' files as `keys.py` names them
.skydeck/index.sqlite3  everything but the bytes (`index.py`)
.skydeck/tmp/           bodies being received, renamed into place when complete
.skydeck/uploads/<n>/   the parts of multipart upload number n
```

A body is never held whole: it streams into a temporary file while its MD5
and checksum are computed, and only a complete, verified body is renamed
into the bucket folder, so a reader never sees half an object and a failed
upload leaves nothing behind. Renames stay on one file system because the
temporary folder sits beside the buckets.

Writes are synchronous on the event loop, on purpose: the clock's `advance`
waits for woken tasks to reach their next wait, and a handler parked on a
thread would make it spin. Big reads go through `FileSlice`, which the wire
streams from a thread.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

from backend.services.s3.checksums import Digests
from backend.services.s3.errors import EntityTooLarge
from backend.services.s3.index import Index, StoredObject
from backend.services.s3.keys import HASHED, SELF, hashed_name, key_names
from backend.streams import CHUNK, ByteStream, FileSlice

#: The data folder's subfolder that holds skydeck's own files: no bucket can be named so.
META = ".skydeck"

Body = ByteStream | bytes | bytearray | memoryview | str | None


def _mode(path: Path) -> int | None:
    """`path`'s file type bits, not following a link; None when nothing is there."""
    try:
        return path.lstat().st_mode
    except FileNotFoundError:
        return None


def _names_alias(folder: Path) -> bool:
    """Whether this file system takes two different names for one file.

    macOS and Windows volumes usually ignore case (`README` is `readme`),
    and macOS ignores Unicode normalization (`é` is `e` + U+0301). There, a
    name must be checked against the folder's listing before it is used.
    """
    probe = folder / "Probe-\u00e9"
    probe.touch()
    try:
        return (folder / "probe-\u00e9").exists() or (folder / "Probe-e\u0301").exists()
    finally:
        probe.unlink()


def _first_names(folder: Path, limit: int) -> list[str] | None:
    """Up to `limit` names in `folder`; None when it is not a folder."""
    try:
        with os.scandir(folder) as entries:
            names: list[str] = []
            for entry in entries:
                names.append(entry.name)
                if len(names) >= limit:
                    break
            return names
    except (FileNotFoundError, NotADirectoryError):
        return None


class Store:
    """The bucket folders and the index beside them."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        #: Resolved, so the paths `watchfiles` reports compare with it as text.
        self.root = root.resolve()
        self.meta = self.root / META
        self.tmp = self.meta / "tmp"
        self.uploads = self.meta / "uploads"
        for folder in (self.tmp, self.uploads):
            folder.mkdir(parents=True, exist_ok=True)
        self.index = Index(self.meta / "index.sqlite3")
        self._aliasing = _names_alias(self.tmp)

    def folder(self, bucket: str) -> Path:
        return self.root / bucket

    def file(self, bucket: str, item: StoredObject) -> Path:
        return self.root / bucket / item.path

    def slice(self, bucket: str, item: StoredObject, start: int, length: int) -> FileSlice:
        return FileSlice(self.file(bucket, item), start, length)

    def upload_folder(self, folder: int) -> Path:
        return self.uploads / str(folder)

    def fragment(self, name: str) -> str | None:
        return self.index.fragment(name)

    # -- receiving --------------------------------------------------------------

    def temp(self) -> Path:
        """A new empty file in the temporary folder."""
        handle, name = tempfile.mkstemp(dir=self.tmp)
        os.close(handle)
        return Path(name)

    async def receive(self, body: Body, digests: Digests, limit: int) -> tuple[Path, int]:
        """Write `body` to a temporary file, hashing it; its path and size.

        Past `limit` bytes the upload is refused (EntityTooLarge) and the file
        removed: a client can't fill the disk by sending one endless body.
        """
        temp = self.temp()
        size = 0
        try:
            with temp.open("wb") as out:
                if isinstance(body, ByteStream):
                    async for chunk in body:
                        size += len(chunk)
                        if size > limit:
                            raise EntityTooLarge(ProposedSize=str(size), MaxSizeAllowed=str(limit))
                        digests.update(chunk)
                        out.write(chunk)
                elif body is not None:
                    data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
                    size = len(data)
                    if size > limit:
                        raise EntityTooLarge(ProposedSize=str(size), MaxSizeAllowed=str(limit))
                    digests.update(data)
                    out.write(data)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return temp, size

    def copy(
        self, source: Path, start: int, length: int, digests: Digests | None, out: Path
    ) -> None:
        """Append `length` bytes of `source` from `start` to `out`, hashing them if asked."""
        with source.open("rb") as src, out.open("ab") as dst:
            src.seek(start)
            left = length
            while left > 0:
                data = src.read(min(CHUNK * 4, left))
                if not data:
                    break
                left -= len(data)
                if digests is not None:
                    digests.update(data)
                dst.write(data)

    # -- placing ----------------------------------------------------------------

    def place(self, bucket: str, key: str, temp: Path) -> tuple[str, int]:
        """Move a complete body into the bucket as `key`; its path and the file's mtime."""
        known = self.index.get(bucket, key)
        path = known.path if known is not None else self._choose(bucket, key)
        target = self.folder(bucket) / path
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, target)
        return path, target.stat().st_mtime_ns

    def _choose(self, bucket: str, key: str) -> str:
        """The path for a new key, making room for it (see `keys.py`).

        A folder the key needs where an object's file stands moves that file
        into the folder as `@`; a folder where the key's own file should go
        means the key takes `@` inside it.
        """
        current = self.folder(bucket)
        parts: list[str] = []
        pairs = key_names(key)
        for i, (wanted, fragment) in enumerate(pairs):
            name = self._unaliased(current, wanted, fragment)
            if name.startswith(HASHED):
                self.index.remember(name, fragment)
            parts.append(name)
            current = current / name
            mode = _mode(current)
            last = i == len(pairs) - 1
            if last and mode is not None and stat.S_ISDIR(mode):
                parts.append(SELF)
            elif not last and mode is not None and not stat.S_ISDIR(mode):
                self._nest(bucket, "/".join(parts))
        return "/".join(parts)

    def _unaliased(self, parent: Path, name: str, fragment: str) -> str:
        """`name`, or the hashed name for `fragment` when `name` would alias another."""
        if not self._aliasing or name.startswith(HASHED) or _mode(parent / name) is None:
            return name
        if name in os.listdir(parent):
            return name
        return hashed_name(fragment)

    def _nest(self, bucket: str, path: str) -> None:
        """Turn the file at `path` into a folder holding it as `@`."""
        here = self.folder(bucket) / path
        temp = self.temp()
        os.replace(here, temp)
        here.mkdir()
        os.replace(temp, here / SELF)
        self.index.move(bucket, path, f"{path}/{SELF}")

    def remove(self, bucket: str, item: StoredObject) -> None:
        """Delete an object's file and the folders it leaves empty."""
        self.file(bucket, item).unlink(missing_ok=True)
        self._tidy(bucket, item.path.split("/")[:-1])

    def _tidy(self, bucket: str, parts: list[str]) -> None:
        """Remove empty folders upwards; a folder left holding only `@` becomes a file again."""
        parts = list(parts)
        while parts:
            here = self.folder(bucket).joinpath(*parts)
            names = _first_names(here, 2)
            if names is None:
                return
            if not names:
                try:
                    here.rmdir()
                except OSError:
                    return
                parts.pop()
                continue
            own = here / SELF
            own_mode = _mode(own)
            if names == [SELF] and own_mode is not None and stat.S_ISREG(own_mode):
                temp = self.temp()
                os.replace(own, temp)
                here.rmdir()
                os.replace(temp, here)
                path = "/".join(parts)
                self.index.move(bucket, f"{path}/{SELF}", path)
            return

    # -- buckets and uploads ------------------------------------------------------

    def make_folder(self, bucket: str) -> None:
        self.folder(bucket).mkdir(exist_ok=True)

    def remove_folder(self, bucket: str) -> None:
        shutil.rmtree(self.folder(bucket), ignore_errors=True)

    def remove_upload(self, folder: int) -> None:
        shutil.rmtree(self.upload_folder(folder), ignore_errors=True)
