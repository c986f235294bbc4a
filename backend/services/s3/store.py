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

A small PutObject costs little more than the file system's own work (create,
write, rename), so the path it takes is spare: plain `str` paths and `os`
calls rather than `pathlib`, temporary files named by a counter rather than
`mkstemp`'s random names, and the disk checked only where the key mapping
needs it (see `place`).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import stat
from pathlib import Path

from backend.services.s3.checksums import Digests
from backend.services.s3.errors import EntityTooLarge
from backend.services.s3.index import Index, StoredObject
from backend.services.s3.keys import HASHED, SELF, hashed_name, key_names
from backend.streams import CHUNK, ByteStream, FileSlice

#: The data folder's subfolder that holds skydeck's own files: no bucket can be named so.
META = ".skydeck"

Body = ByteStream | bytes | bytearray | memoryview | str | None

#: How a temporary file is made: a new file (never an existing one), not inherited.
_NEW_FILE = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0)
#: Most bucket folders' paths kept made (a bound, as names come from requests).
_FOLDERS_KEPT = 1024
#: Numbers the temporary files of every store in this process.
_temp_numbers = itertools.count(1)


def discard(path: str | Path) -> None:
    """Remove a file if it is there (a temporary file a failed write leaves)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _write_all(fd: int, data: bytes | memoryview) -> None:
    """Write all of `data`: one `write` may take less than asked (above 2 GiB on Linux)."""
    written = os.write(fd, data)
    if written < len(data):
        view = memoryview(data)[written:]
        while view:
            view = view[os.write(fd, view) :]


def _mode(path: str | Path) -> int | None:
    """`path`'s file type bits, not following a link; None when nothing is there."""
    try:
        return os.lstat(path).st_mode
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


class OwnWrites:
    """The files skydeck itself last left (or removed) in the bucket folders, for the watcher.

    Each PutObject makes the folder watcher report the file it placed, and
    each DeleteObject the file it removed; the index holds those already, and
    settling them as if a person had dropped them in would cost every write
    a directory walk and queries. So `Store` notes here what it left at a path
    (the file's inode, size and mtime, or that nothing is there), and the
    watcher passes over a reported path when the disk still shows exactly
    that (one `lstat`). Anything else at the path (a person's edit after
    skydeck's write, a file dropped where skydeck deleted one) differs and is
    settled as before. A note is used once; folders are not noted, so a folder
    a person moves in is always walked.

    Only kept while the watcher runs (`Store.own`); bounded, because the
    watcher may never report some paths (a full event queue): when full it
    starts again empty, and those paths are then settled the slow way.
    """

    __slots__ = ("_left",)

    #: Most notes kept; more start the record again.
    LIMIT = 65_536

    def __init__(self) -> None:
        #: (inode, size, mtime_ns) of the file skydeck left at a path, None where it removed one.
        self._left: dict[str, tuple[int, int, int] | None] = {}

    def placed(self, path: str, info: os.stat_result) -> None:
        """Skydeck put a file at `path` (absolute); `info` is its `lstat`."""
        if len(self._left) >= self.LIMIT:
            self._left.clear()
        self._left[path] = (info.st_ino, info.st_size, info.st_mtime_ns)

    def removed(self, path: str) -> None:
        """Skydeck removed the file at `path` (absolute)."""
        if len(self._left) >= self.LIMIT:
            self._left.clear()
        self._left[path] = None

    def ours(self, path: str) -> bool:
        """Whether `path` is as skydeck last left it (the note is used up either way)."""
        if path not in self._left:
            return False
        left = self._left.pop(path)
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return left is None
        return (
            left is not None
            and stat.S_ISREG(info.st_mode)
            and (info.st_ino, info.st_size, info.st_mtime_ns) == left
        )


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
        #: `root` as text, for the paths of the hot path.
        self._root = str(self.root)
        self._folders: dict[str, Path] = {}
        #: The start of this process's temporary names; the pid keeps two processes apart.
        self._temp_prefix = os.path.join(self.tmp, f"{os.getpid()}-")
        #: What skydeck wrote, while the folder watcher runs (it sets this); else None.
        self.own: OwnWrites | None = None

    def folder(self, bucket: str) -> Path:
        """The bucket's folder (made once: the watcher asks for it at every change)."""
        folder = self._folders.get(bucket)
        if folder is None:
            if len(self._folders) >= _FOLDERS_KEPT:
                self._folders.clear()
            folder = self._folders[bucket] = self.root / bucket
        return folder

    def file(self, bucket: str, item: StoredObject) -> Path:
        return self.folder(bucket) / item.path

    def slice(self, bucket: str, item: StoredObject, start: int, length: int) -> FileSlice:
        return FileSlice(self.file(bucket, item), start, length)

    def upload_folder(self, folder: int) -> Path:
        return self.uploads / str(folder)

    def fragment(self, name: str) -> str | None:
        return self.index.fragment(name)

    # -- receiving --------------------------------------------------------------

    def _create(self) -> tuple[int, str]:
        """A new empty file in the temporary folder, open for writing, and its path.

        Named `<pid>-<n>` by a counter: cheaper than `mkstemp`'s random names,
        and `O_EXCL` still refuses a name some other store (or a crashed run)
        left there, in which case the next number is tried.
        """
        while True:
            name = f"{self._temp_prefix}{next(_temp_numbers)}"
            try:
                return os.open(name, _NEW_FILE, 0o600), name
            except FileExistsError:
                continue
            except FileNotFoundError:
                # Someone removed the data folder under a running cloud: make it again.
                self.tmp.mkdir(parents=True, exist_ok=True)

    def temp(self) -> str:
        """A new empty file in the temporary folder."""
        fd, name = self._create()
        os.close(fd)
        return name

    async def receive(
        self, body: Body, digests: Digests, limit: int
    ) -> tuple[str, int, os.stat_result]:
        """Write `body` to a temporary file, hashing it; its path, size and `fstat`.

        Past `limit` bytes the upload is refused (EntityTooLarge) and the file
        removed: a client can't fill the disk by sending one endless body. The
        `fstat` of the written file is what `place` would otherwise `lstat` once
        the file is in the bucket (a rename changes neither inode, size nor mtime).
        """
        fd, temp = self._create()
        size = 0
        try:
            try:
                if isinstance(body, ByteStream) and (whole := body.held()) is not None:
                    body = whole
                if isinstance(body, ByteStream):
                    async for chunk in body:
                        size += len(chunk)
                        if size > limit:
                            raise EntityTooLarge(ProposedSize=str(size), MaxSizeAllowed=str(limit))
                        digests.update(chunk)
                        _write_all(fd, chunk)
                elif body is not None:
                    data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
                    size = len(data)
                    if size > limit:
                        raise EntityTooLarge(ProposedSize=str(size), MaxSizeAllowed=str(limit))
                    digests.update(data)
                    _write_all(fd, data)
                info = os.fstat(fd)
            finally:
                os.close(fd)
        except BaseException:
            discard(temp)
            raise
        return temp, size, info

    def copy(
        self, source: Path, start: int, length: int, digests: Digests | None, out: str | Path
    ) -> None:
        """Append `length` bytes of `source` from `start` to `out`, hashing them if asked."""
        with source.open("rb") as src, open(out, "ab") as dst:
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

    def place(
        self,
        bucket: str,
        key: str,
        temp: str,
        known: str | None,
        info: os.stat_result | None = None,
    ) -> tuple[str, int]:
        """Move a complete body into the bucket as `key`; its path and the file's mtime.

        `known` is the path the index has for `key` (None for a new key): an
        object replaced stays where it is, and only when its folder has gone
        from the disk is it made again. A new key's path is chosen by `_choose`,
        which looks at the disk only for the folders above it; whether its own
        name is a folder (so the key takes `@` in it) the rename itself tells,
        as renaming a file onto a folder fails. `info` is the temporary file's
        `fstat` where `receive` took one; without it the placed file is `lstat`.
        """
        folder = f"{self._root}/{bucket}"
        if known is not None:
            path, target = known, f"{folder}/{known}"
            try:
                os.replace(temp, target)
            except FileNotFoundError:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                os.replace(temp, target)
        else:
            path, folders_exist = self._choose(bucket, key)
            target = f"{folder}/{path}"
            if not folders_exist:
                os.makedirs(os.path.dirname(target), exist_ok=True)
            try:
                os.replace(temp, target)
            except OSError:
                if os.path.isdir(target):
                    path, target = f"{path}/{SELF}", f"{target}/{SELF}"
                os.makedirs(os.path.dirname(target), exist_ok=True)
                os.replace(temp, target)
        if info is None:
            info = os.lstat(target)
        if self.own is not None:
            self.own.placed(target, info)
        return path, info.st_mtime_ns

    def _choose(self, bucket: str, key: str) -> tuple[str, bool]:
        """The path for a new key, making room for it (see `keys.py`); whether its folders exist.

        A folder the key needs where an object's file stands moves that file
        into the folder as `@` (`_nest`). Below a folder that is missing
        nothing is there, so the disk is not asked about it. The last name is
        the key's own, left to `place`: where a folder stands, the key takes
        `@` inside it.
        """
        current = f"{self._root}/{bucket}"
        parts: list[str] = []
        pairs = key_names(key)
        last = len(pairs) - 1
        exist = True
        aliasing = self._aliasing
        for i, (wanted, fragment) in enumerate(pairs):
            name = self._unaliased(current, wanted, fragment) if exist and aliasing else wanted
            if name.startswith(HASHED):
                self.index.remember(name, fragment)
            parts.append(name)
            current = f"{current}/{name}"
            if i == last or not exist:
                continue
            mode = _mode(current)
            if mode is None:
                exist = False
            elif not stat.S_ISDIR(mode):
                self._nest(bucket, "/".join(parts))
        return "/".join(parts), exist

    def _unaliased(self, parent: str, name: str, fragment: str) -> str:
        """`name`, or the hashed name for `fragment` when `name` would alias another.

        Only asked where the file system aliases names (`_names_alias`).
        """
        if name.startswith(HASHED) or _mode(f"{parent}/{name}") is None:
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
        file = f"{self._root}/{bucket}/{item.path}"
        discard(file)
        if self.own is not None:
            self.own.removed(file)
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
        """The bucket's folder, and the data folder above it if someone removed that."""
        self.folder(bucket).mkdir(parents=True, exist_ok=True)

    def remove_folder(self, bucket: str) -> None:
        shutil.rmtree(self.folder(bucket), ignore_errors=True)

    def remove_upload(self, folder: int) -> None:
        shutil.rmtree(self.upload_folder(folder), ignore_errors=True)
