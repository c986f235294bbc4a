"""What S3 knows beside the bytes: buckets, objects' metadata, uploads, in SQLite.

The bytes are plain files a person can browse; everything else (ETags,
content types, user metadata, checksums, tags, LastModified on the virtual
clock, notification settings, multipart uploads in progress, and the names
hashed keys stand for) lives in one SQLite file in `<data>/s3/.skydeck/`, a
name no bucket can have. So a new cloud on the same data folder sees the
same buckets and objects with the same ETags, and a crash can't leave a
half-written sidecar.

Keys are stored as UTF-8 BLOBs because SQLite compares BLOBs byte by byte:
an index range scan then returns keys in the order S3 lists them (by UTF-8
bytes), so listing never sorts in Python and never walks a directory (which
would put `a/b` before `a-c`).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

_SCHEMA = """
CREATE TABLE IF NOT EXISTS buckets (
    name TEXT PRIMARY KEY,
    region TEXT NOT NULL,
    location TEXT,
    created REAL NOT NULL,
    tags TEXT NOT NULL,
    notification TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS objects (
    bucket TEXT NOT NULL,
    key BLOB NOT NULL,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    last_modified REAL NOT NULL,
    content_type TEXT NOT NULL,
    headers TEXT NOT NULL,
    metadata TEXT NOT NULL,
    tags TEXT NOT NULL,
    storage_class TEXT NOT NULL,
    checksum_algorithm TEXT,
    checksum TEXT,
    checksum_type TEXT,
    parts INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    PRIMARY KEY (bucket, key)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS objects_by_path ON objects (bucket, path);
CREATE TABLE IF NOT EXISTS names (
    name TEXT PRIMARY KEY,
    fragment TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS uploads (
    upload_id TEXT PRIMARY KEY,
    bucket TEXT NOT NULL,
    key BLOB NOT NULL,
    folder INTEGER NOT NULL UNIQUE,
    initiated REAL NOT NULL,
    settings TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS parts (
    upload_id TEXT NOT NULL,
    number INTEGER NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    checksum TEXT,
    last_modified REAL NOT NULL,
    PRIMARY KEY (upload_id, number)
) WITHOUT ROWID;
"""

_OBJECT_COLUMNS = (
    "key, path, size, etag, last_modified, content_type, headers, metadata, tags, "
    "storage_class, checksum_algorithm, checksum, checksum_type, parts, mtime_ns"
)
# The statements a PutObject and a GetObject run, spelled once: the connection
# caches prepared statements by their text.
_GET = f"SELECT {_OBJECT_COLUMNS} FROM objects WHERE bucket = ? AND key = ?"
_PLACED = "SELECT path, size FROM objects WHERE bucket = ? AND key = ?"
_PUT = f"INSERT OR REPLACE INTO objects VALUES ({', '.join('?' * 16)})"
#: The objects whose file is a path or below it, in key order.
_UNDER_PATH = (
    f"SELECT {_OBJECT_COLUMNS} FROM objects INDEXED BY objects_by_path "
    "WHERE bucket = ?1 AND path = ?2 UNION ALL "
    f"SELECT {_OBJECT_COLUMNS} FROM objects INDEXED BY objects_by_path "
    "WHERE bucket = ?1 AND path > ?3 AND path < ?4 ORDER BY 1"
)


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) if value else "{}"


def _dict(text: str) -> dict[str, Any]:
    if text == "{}":
        return {}
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@dataclass(frozen=True, slots=True)
class StoredBucket:
    name: str
    region: str
    #: The LocationConstraint it was created with (None in us-east-1, maybe `EU`).
    location: str | None
    created: float
    tags: dict[str, str] = field(default_factory=dict)
    #: The NotificationConfiguration as S3 returns it.
    notification: dict[str, Any] = field(default_factory=dict)


class StoredObject(NamedTuple):
    """An object as the index keeps it (and returns it: a listing page makes a thousand).

    A named tuple rather than a frozen dataclass, which sets each of these
    fifteen fields through `object.__setattr__` whenever one is made.
    """

    key: str
    #: Where the bytes are, below the bucket folder, `/`-separated.
    path: str
    size: int
    #: Quoted, as S3 writes it: `"<md5 hex>"` or `"<hex>-<parts>"`.
    etag: str
    last_modified: float
    content_type: str
    #: CacheControl, ContentDisposition, ContentEncoding, ContentLanguage, Expires.
    headers: dict[str, Any]
    metadata: dict[str, str]
    tags: dict[str, str]
    storage_class: str = "STANDARD"
    checksum_algorithm: str | None = None
    checksum: str | None = None
    checksum_type: str | None = None
    #: How many parts a multipart upload made it of; 0 for a single PUT.
    parts: int = 0
    #: The file's mtime when it was indexed: a different one means someone edited it.
    mtime_ns: int = 0


@dataclass(frozen=True, slots=True)
class StoredUpload:
    upload_id: str
    bucket: str
    key: str
    #: The number of the folder under `.skydeck/uploads/` that holds its parts.
    folder: int
    initiated: float
    #: What the object will get: ContentType, headers, Metadata, tags, StorageClass,
    #: ChecksumAlgorithm, ChecksumType, and who initiated it.
    settings: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StoredPart:
    number: int
    size: int
    etag: str
    checksum: str | None
    last_modified: float


def _object(row: sqlite3.Row | tuple[Any, ...]) -> StoredObject:
    return StoredObject(
        key=bytes(row[0]).decode("utf-8"),
        path=row[1],
        size=row[2],
        etag=row[3],
        last_modified=row[4],
        content_type=row[5],
        headers=_dict(row[6]),
        metadata=_dict(row[7]),
        tags=_dict(row[8]),
        storage_class=row[9],
        checksum_algorithm=row[10],
        checksum=row[11],
        checksum_type=row[12],
        parts=row[13],
        mtime_ns=row[14],
    )


def _upload(row: tuple[Any, ...]) -> StoredUpload:
    return StoredUpload(
        row[0], row[1], bytes(row[2]).decode("utf-8"), row[3], row[4], _dict(row[5])
    )


class _Transaction:
    """`Index.transaction`: BEGIN on entry, COMMIT on leaving, ROLLBACK on an exception.

    A class rather than a `contextmanager` generator, which costs a small
    PutObject a generator and three frames more each time.
    """

    __slots__ = ("_db",)

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> sqlite3.Connection:
        self._db.execute("BEGIN")
        return self._db

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        self._db.execute("COMMIT" if kind is None else "ROLLBACK")


class Index:
    """The SQLite file beside the bucket folders; every method is one short query.

    Buckets are few and every object call looks its bucket up, so they are
    also kept in memory, read once when the index opens and changed only
    together with their rows: a lookup is a dict access, not a query. The
    file stays the source of truth a restart reads.
    """

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._transaction = _Transaction(self._db)
        rows = self._db.execute(
            "SELECT name, region, location, created, tags, notification FROM buckets"
        )
        self._buckets = {
            r[0]: StoredBucket(r[0], r[1], r[2], r[3], _dict(r[4]), _dict(r[5])) for r in rows
        }

    def close(self) -> None:
        self._db.close()

    def clear(self) -> None:
        with self.transaction() as db:
            for table in ("parts", "uploads", "objects", "names", "buckets"):
                db.execute(f"DELETE FROM {table}")
        self._buckets.clear()

    def transaction(self) -> _Transaction:
        """The statements of a `with` block as one transaction: all of them or, on an error, none.

        Also cheaper than each statement committing on its own: a PutObject's
        lookup and write are one read lock and one commit instead of two.
        """
        return self._transaction

    # -- buckets ----------------------------------------------------------------

    def buckets(self) -> list[StoredBucket]:
        """Every bucket, by name (bucket names are ASCII: text order is byte order)."""
        return [self._buckets[name] for name in sorted(self._buckets)]

    def bucket(self, name: str) -> StoredBucket | None:
        return self._buckets.get(name)

    def add_bucket(self, bucket: StoredBucket) -> None:
        tags, notification = _json(bucket.tags), _json(bucket.notification)
        self._db.execute(
            "INSERT INTO buckets VALUES (?, ?, ?, ?, ?, ?)",
            (bucket.name, bucket.region, bucket.location, bucket.created, tags, notification),
        )
        # Kept as a query would read it back, sharing no dict with the caller.
        self._buckets[bucket.name] = replace(
            bucket, tags=_dict(tags), notification=_dict(notification)
        )

    def drop_bucket(self, name: str) -> None:
        with self.transaction() as db:
            db.execute(
                "DELETE FROM parts WHERE upload_id IN "
                "(SELECT upload_id FROM uploads WHERE bucket = ?)",
                (name,),
            )
            db.execute("DELETE FROM uploads WHERE bucket = ?", (name,))
            db.execute("DELETE FROM objects WHERE bucket = ?", (name,))
            db.execute("DELETE FROM buckets WHERE name = ?", (name,))
        self._buckets.pop(name, None)

    def set_bucket_tags(self, name: str, tags: dict[str, str]) -> None:
        text = _json(tags)
        self._db.execute("UPDATE buckets SET tags = ? WHERE name = ?", (text, name))
        self._refresh(name, tags=_dict(text))

    def set_notification(self, name: str, notification: dict[str, Any]) -> None:
        text = _json(notification)
        self._db.execute("UPDATE buckets SET notification = ? WHERE name = ?", (text, name))
        self._refresh(name, notification=_dict(text))

    def _refresh(self, name: str, **changes: Any) -> None:
        """The in-memory bucket after an UPDATE of its row.

        The new value is read back from the JSON just written, as a query
        would return it: the bucket shares no dict with the caller's.
        """
        bucket = self._buckets.get(name)
        if bucket is not None:
            self._buckets[name] = replace(bucket, **changes)

    # -- objects ----------------------------------------------------------------

    def get(self, bucket: str, key: str) -> StoredObject | None:
        row = self._db.execute(_GET, (bucket, key.encode("utf-8"))).fetchone()
        return None if row is None else _object(row)

    def placed(self, bucket: str, key: str) -> tuple[str, int] | None:
        """(path, size) of the object of `key`: all a write that replaces it needs to know."""
        row = self._db.execute(_PLACED, (bucket, key.encode("utf-8"))).fetchone()
        return None if row is None else (row[0], row[1])

    def at_path(self, bucket: str, path: str) -> StoredObject | None:
        row = self._db.execute(
            f"SELECT {_OBJECT_COLUMNS} FROM objects WHERE bucket = ? AND path = ?",
            (bucket, path),
        ).fetchone()
        return None if row is None else _object(row)

    def under_path(self, bucket: str, path: str) -> list[StoredObject]:
        """Objects whose file is `path` or below it (every object for `""`)."""
        if not path:
            rows = self._db.execute(
                f"SELECT {_OBJECT_COLUMNS} FROM objects WHERE bucket = ?", (bucket,)
            )
        else:
            # Two searches of `objects_by_path`, named: left to itself SQLite
            # walks the bucket's every object in key order instead, and each
            # change the folder watcher reports cost as much as the bucket is big.
            rows = self._db.execute(_UNDER_PATH, (bucket, path, path + "/", path + "0"))
        return [_object(row) for row in rows]

    def put(self, bucket: str, item: StoredObject, path: str, mtime_ns: int) -> None:
        """Write `item`'s row with its file at `path`, of mtime `mtime_ns`.

        Apart from `item`, so a new object is made once, before its file is
        placed, rather than again with the path placing chose.
        """
        self._db.execute(
            _PUT,
            (
                bucket,
                item.key.encode("utf-8"),
                path,
                item.size,
                item.etag,
                item.last_modified,
                item.content_type,
                _json(item.headers),
                _json(item.metadata),
                _json(item.tags),
                item.storage_class,
                item.checksum_algorithm,
                item.checksum,
                item.checksum_type,
                item.parts,
                mtime_ns,
            ),
        )

    def delete(self, bucket: str, key: str) -> None:
        self._db.execute(
            "DELETE FROM objects WHERE bucket = ? AND key = ?", (bucket, key.encode("utf-8"))
        )

    def move(self, bucket: str, old_path: str, new_path: str) -> None:
        """Record that the file at `old_path` (if it is an object's) now is at `new_path`."""
        self._db.execute(
            "UPDATE objects SET path = ? WHERE bucket = ? AND path = ?",
            (new_path, bucket, old_path),
        )

    def set_tags(self, bucket: str, key: str, tags: dict[str, str]) -> None:
        self._db.execute(
            "UPDATE objects SET tags = ? WHERE bucket = ? AND key = ?",
            (_json(tags), bucket, key.encode("utf-8")),
        )

    def scan(
        self, bucket: str, start: bytes, upper: bytes | None, limit: int
    ) -> list[StoredObject]:
        """Up to `limit` objects with `start <= key < upper`, in UTF-8 byte order."""
        if upper is None:
            rows = self._db.execute(
                f"SELECT {_OBJECT_COLUMNS} FROM objects WHERE bucket = ? AND key >= ? "
                "ORDER BY key LIMIT ?",
                (bucket, start, limit),
            )
        else:
            rows = self._db.execute(
                f"SELECT {_OBJECT_COLUMNS} FROM objects WHERE bucket = ? AND key >= ? "
                "AND key < ? ORDER BY key LIMIT ?",
                (bucket, start, upper, limit),
            )
        return [_object(row) for row in rows]

    def totals(self) -> dict[str, tuple[int, int]]:
        """(objects, bytes) of every bucket that has objects."""
        rows = self._db.execute(
            "SELECT bucket, COUNT(*), COALESCE(SUM(size), 0) FROM objects GROUP BY bucket"
        )
        return {row[0]: (row[1], row[2]) for row in rows}

    # -- hashed names -----------------------------------------------------------

    def fragment(self, name: str) -> str | None:
        row = self._db.execute("SELECT fragment FROM names WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def remember(self, name: str, fragment: str) -> None:
        self._db.execute("INSERT OR IGNORE INTO names VALUES (?, ?)", (name, fragment))

    # -- multipart uploads --------------------------------------------------------

    def add_upload(self, upload: StoredUpload) -> None:
        self._db.execute(
            "INSERT INTO uploads VALUES (?, ?, ?, ?, ?, ?)",
            (
                upload.upload_id,
                upload.bucket,
                upload.key.encode("utf-8"),
                upload.folder,
                upload.initiated,
                _json(upload.settings),
            ),
        )

    def upload(self, upload_id: str) -> StoredUpload | None:
        row = self._db.execute(
            "SELECT upload_id, bucket, key, folder, initiated, settings FROM uploads "
            "WHERE upload_id = ?",
            (upload_id,),
        ).fetchone()
        return None if row is None else _upload(row)

    def uploads(self, bucket: str) -> list[StoredUpload]:
        """The bucket's uploads in progress, by key (UTF-8 bytes) then by initiation."""
        rows = self._db.execute(
            "SELECT upload_id, bucket, key, folder, initiated, settings FROM uploads "
            "WHERE bucket = ? ORDER BY key, initiated, upload_id",
            (bucket,),
        )
        return [_upload(row) for row in rows]

    def drop_upload(self, upload_id: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM parts WHERE upload_id = ?", (upload_id,))
            db.execute("DELETE FROM uploads WHERE upload_id = ?", (upload_id,))

    def next_folder(self) -> int:
        row = self._db.execute("SELECT COALESCE(MAX(folder), 0) + 1 FROM uploads").fetchone()
        return int(row[0])

    def put_part(self, upload_id: str, part: StoredPart) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO parts VALUES (?, ?, ?, ?, ?, ?)",
            (upload_id, part.number, part.size, part.etag, part.checksum, part.last_modified),
        )

    def parts(self, upload_id: str) -> list[StoredPart]:
        rows = self._db.execute(
            "SELECT number, size, etag, checksum, last_modified FROM parts "
            "WHERE upload_id = ? ORDER BY number",
            (upload_id,),
        )
        return [StoredPart(*row) for row in rows]
