"""S3 as rows: buckets, one folder level of a bucket's keys, and a preview of an object.

S3 is flat: a key is one string. The object table shows one level of the
tree the keys make when split at `/`, as ListObjectsV2 with `Delimiter=/`
does: the common prefixes (`photos/`) first, then the objects, read from
the bucket's index one level at a time, never by walking the bucket.
"""

from __future__ import annotations

import codecs
import json
import re
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum

from rich.text import Text

from backend.cloud import Cloud
from backend.services.s3 import S3Service
from backend.services.s3.views import BucketView, ObjectView
from backend.untrusted import json_document
from tui.presenters.formats import compact_count
from tui.presenters.palette import Palette
from tui.presenters.resource import ResourcePresenter, TableSpec
from widgets.live_table import Column, Row

BUCKET_COLUMNS = (
    Column("name", 0, min_width=18),
    Column("region", 9, drop=2),
    Column("objects", 8, "right"),
    Column("size", 10, "right"),
    Column("created", 19, drop=1),
)

OBJECT_COLUMNS = (
    Column("name", 0, min_width=20),
    Column("size", 10, "right"),
    Column("modified", 19, drop=1),
    Column("ETag", 36, drop=2),
)

#: Folders and objects one level lists at most: the pane's cost is bounded by it.
FOLDER_LIMIT = 500
#: Bytes of an object read for its preview.
PREVIEW_BYTES = 16 * 1024
#: Bytes a gzip object's head is decompressed to at most.
UNZIPPED_BYTES = 64 * 1024
#: Lines a preview holds at most (the pane shows what fits).
PREVIEW_LINES = 20
#: Characters of a preview line kept: a one-line 16 KiB document is cut, not drawn whole.
LINE_CHARS = 400
GZIP_MAGIC = b"\x1f\x8b"

_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` on one line: a control character becomes its picture (`␊` for a newline).

    Keys may hold any character, newlines too (AWS_FACTS §16.3); drawn as is,
    one would break the table's line in two.
    """
    text = text.expandtabs(4)
    return _CONTROL.sub(
        lambda m: chr(0x2400 + ord(m[0])) if ord(m[0]) < 0x20 else "\N{REPLACEMENT CHARACTER}",
        text,
    )


def size_text(size: int) -> str:
    """`512 B`, `1.2 KiB`, `3.4 MiB`: binary units, as `aws s3 ls --human-readable` writes them."""
    if size < 1024:
        return f"{size:,} B"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if round(value, 1) < 1024:
            return f"{value:.1f} {unit}"
    return f"{value / 1024:,.1f} PiB"


def stamp(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S")


def parent(prefix: str) -> str:
    """The folder above `prefix`: `photos/` for `photos/2026/`, `` for `photos/`.

    One `/` is taken off, so an empty segment (`a//`, from the key `a//b`)
    is a folder of its own, as S3 lists it.
    """
    head, slash, _ = prefix[:-1].rpartition("/")
    return head + slash


class Kind(Enum):
    UP = "up"
    FOLDER = "folder"
    OBJECT = "object"


@dataclass(frozen=True, slots=True)
class Entry:
    """A row of the object table: `..`, a folder (a common prefix) or an object.

    `path` is the folder the row goes to (`..`, a folder) or the object's key.
    The row key names the bucket too: moving to another bucket always moves
    the cursor to a new key, so the pane hears of it (and previews the new
    row) even when both buckets hold a `readme.txt`.
    """

    kind: Kind
    bucket: str
    path: str

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.bucket}/{self.path}"

    @classmethod
    def parse(cls, key: str) -> Entry:
        """The entry of a row key made by `key` (bucket names hold no `/` or `:`)."""
        kind, _, rest = key.partition(":")
        bucket, _, path = rest.partition("/")
        return cls(Kind(kind), bucket, path)


@dataclass(frozen=True, slots=True)
class Preview:
    """What the pane shows of a row: a heading line and the start of the content."""

    heading: str
    lines: tuple[str, ...] = ()


def bucket_row(bucket: BucketView) -> Row:
    return Row(
        key=bucket.name,
        cells=(
            bucket.name,
            bucket.region,
            f"{bucket.objects:,}",
            size_text(bucket.bytes),
            stamp(bucket.created),
        ),
        sort=(bucket.name, bucket.region, bucket.objects, bucket.bytes, bucket.created),
    )


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def bucket_line(bucket: BucketView) -> str:
    """The bucket in one line: where it is, what it holds, what it tells."""
    parts = [
        bucket.name,
        bucket.region,
        f"created {stamp(bucket.created)}",
        f"{_count(bucket.objects, 'object')}, {size_text(bucket.bytes)}",
    ]
    if bucket.notifications:
        parts.append(f"{_count(bucket.notifications, 'event notification')} to SQS")
    if bucket.tags:
        parts.append("tags " + ", ".join(f"{k}={v}" for k, v in sorted(bucket.tags.items())))
    return " · ".join(printable(p) for p in parts)


def up_row(bucket: str, prefix: str) -> Row:
    """`..`: first whatever the sort, as a file manager keeps it."""
    return Row(Entry(Kind.UP, bucket, parent(prefix)).key, ("..", "", "", ""), ("0", -1, -1, ""))


def folder_row(bucket: str, prefix: str, folder: str, palette: Palette) -> Row:
    name = printable(folder[len(prefix) :])
    return Row(
        Entry(Kind.FOLDER, bucket, folder).key,
        (Text(name, palette.accent), "", "", ""),
        (f"1{name}", -1, -1, ""),
    )


def object_name(key: str, prefix: str) -> str:
    """The key below `prefix`; the folder's own object (`a/` in `a/`) by its whole key."""
    rest = key[len(prefix) :]
    return printable(rest) if rest else f"{printable(key)} (folder object)"


def object_row(bucket: str, prefix: str, item: ObjectView) -> Row:
    name = object_name(item.key, prefix)
    etag = item.etag.strip('"')
    return Row(
        Entry(Kind.OBJECT, bucket, item.key).key,
        (name, size_text(item.size), stamp(item.last_modified), etag),
        (f"2{name}", item.size, item.last_modified, etag),
    )


def object_heading(item: ObjectView) -> str:
    """The object's key and the headers GetObject would answer with."""
    size = f"{item.size:,} bytes"
    if item.size >= 1024:
        size = f"{size_text(item.size)} ({size})"
    parts = [item.key, item.content_type, size, f"ETag {item.etag}", stamp(item.last_modified)]
    if item.parts:
        parts.append(f"multipart, {_count(item.parts, 'part')}")
    if item.storage_class != "STANDARD":
        parts.append(item.storage_class)
    if item.metadata:
        pairs = ", ".join(f"{k}={v}" for k, v in sorted(item.metadata.items()))
        parts.append(f"metadata {pairs}")
    if item.tags:
        parts.append("tags " + ", ".join(f"{k}={v}" for k, v in sorted(item.tags.items())))
    return " · ".join(printable(p) for p in parts)


def _text(data: bytes, whole: bool) -> str | None:
    """`data` as UTF-8 text, None when it is binary.

    A head cut inside a character is still text: the cut character waits
    for bytes that never come (`final=False`).
    """
    if b"\x00" in data:
        return None
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(data, final=whole)
    except UnicodeDecodeError:
        return None
    controls = sum(1 for c in text if c < " " and c not in "\t\n\r\f\x1b")
    return None if controls * 10 > len(text) else text


def _pretty_json(text: str) -> list[str] | None:
    """JSON indented, as lines; None when `text` isn't a JSON object or array."""
    if text.lstrip()[:1] not in ("{", "["):
        return None
    try:
        pretty = json.dumps(json_document(text), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        return None
    return pretty.splitlines()


def readable_lines(data: bytes, whole: bool) -> list[str] | None:
    """The first lines of `data` as a person reads them; None when it is binary.

    JSON is pretty-printed when all of it is there (`whole`); the head of a
    bigger document can't be parsed, so it shows as written.
    """
    text = _text(data, whole)
    if text is None:
        return None
    lines = (_pretty_json(text) if whole else None) or text.splitlines()
    return [printable(line[:LINE_CHARS]) for line in lines[:PREVIEW_LINES]]


def gunzip_head(data: bytes) -> tuple[bytes, bool]:
    """The decompressed start of gzip `data`, and whether it is the whole content.

    The data may be only the head of the object: decompression stops where
    it ends, or at `UNZIPPED_BYTES`, without an error. A damaged stream
    raises `zlib.error`.
    """
    unzip = zlib.decompressobj(wbits=31)
    out = unzip.decompress(data, UNZIPPED_BYTES)
    return out, unzip.eof and not unzip.unused_data


def content_lines(data: bytes, size: int) -> list[str]:
    """The preview of an object of `size` bytes whose first bytes are `data`."""
    if size == 0:
        return ["empty: 0 bytes"]
    if data.startswith(GZIP_MAGIC):
        try:
            unzipped, whole = gunzip_head(data)
        except zlib.error as error:
            return [f"gzip, {size:,} bytes, not readable: {error}"]
        lines = readable_lines(unzipped, whole)
        if lines is None:
            return [f"gzip, {size:,} bytes, binary inside"]
        head = "decompressed" if whole else "its decompressed head"
        return [f"gzip, {size:,} bytes; {head}:", *lines]
    lines = readable_lines(data, len(data) >= size)
    return lines if lines is not None else [f"binary, {size:,} bytes"]


@dataclass
class S3Console:
    """Which folder the person is in, in each bucket: S3 has no folders to remember it by."""

    folders: dict[str, str] = field(default_factory=dict)

    def folder(self, bucket: str) -> str:
        return self.folders.get(bucket, "")


class S3Presenter(ResourcePresenter[BucketView]):
    """Buckets keyed by name; the highlighted bucket's objects, one folder level at a time."""

    table = TableSpec("Buckets", BUCKET_COLUMNS, "no buckets yet: press n to create one")
    child_table = TableSpec("Objects", OBJECT_COLUMNS, "no objects here: press u to upload a file")

    def __init__(self, cloud: Cloud, console: S3Console) -> None:
        super().__init__(cloud)
        self.s3 = cloud.service(S3Service)
        self.console = console

    def rows(self, palette: Palette) -> list[Row]:
        return [bucket_row(b) for b in self.s3.bucket_views()]

    def find(self, key: str) -> BucketView | None:
        return self.s3.bucket_view(key)

    def name(self, resource: BucketView) -> str:
        return resource.name

    def key_of(self, name: str) -> str | None:
        return name if self.s3.bucket_view(name) is not None else None

    def detail(self, resource: BucketView) -> str:
        return bucket_line(resource)

    def child_rows(self, resource: BucketView, palette: Palette) -> list[Row]:
        """`..` (below the top), the folders, then the objects of the bucket's current folder."""
        bucket, prefix = resource.name, self.console.folder(resource.name)
        level = self.s3.folder_view(bucket, prefix, FOLDER_LIMIT)
        rows = [up_row(bucket, prefix)] if prefix else []
        rows += [folder_row(bucket, prefix, f, palette) for f in level.folders]
        rows += [object_row(bucket, prefix, item) for item in level.objects]
        return rows

    def child_title(self, resource: BucketView, shown: int) -> str:
        """`Objects · reports/2026/ · 12 shown`: where in the tree, and how much of it."""
        prefix = self.console.folder(resource.name)
        entries = shown - 1 if prefix else shown
        title = f"Objects · {printable(resource.name + '/' + prefix)} · {entries:,} shown"
        if entries >= FOLDER_LIMIT:
            title += f" (a level lists at most {FOLDER_LIMIT:,})"
        return title

    def object_of(self, entry: Entry) -> ObjectView | None:
        return self.s3.object_view(entry.bucket, entry.path)

    def preview(self, entry: Entry, item: ObjectView | None) -> Preview:
        """The heading and content of the row `entry`; `item` is its object, if it is one."""
        where = printable(f"{entry.bucket}/{entry.path}")
        if entry.kind is Kind.UP:
            return Preview(f".. · up to {where}")
        if entry.kind is Kind.FOLDER:
            return Preview(f"{where} · a folder: the keys that start with it · enter opens it")
        if item is None:
            return Preview(f"{printable(entry.path)} · gone")
        data = self.s3.preview(entry.bucket, item.key, PREVIEW_BYTES)
        return Preview(object_heading(item), tuple(content_lines(data, item.size)))

    def badge(self) -> tuple[str, bool]:
        """Objects in all buckets."""
        objects = sum(b.objects for b in self.s3.bucket_views())
        return (compact_count(objects) if objects else ""), False
