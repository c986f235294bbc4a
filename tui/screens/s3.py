"""The S3 pane: buckets, a bucket's keys as a folder tree, and a preview of an object.

Every change is an S3 API call through `Cloud.call` as the `console` user,
so it is checked, recorded and notified (to SQS) exactly as a call from the
console or the aws CLI. Uploads and downloads stream: a file is read, and an
object written out, a chunk at a time in a worker, so a big one neither
fills the memory nor stops the dashboard.
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import os
from collections.abc import AsyncIterator, Coroutine, Iterable
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.services.s3 import S3Service
from backend.services.s3.names import US_EAST_1
from backend.services.s3.views import BucketView
from backend.streams import CHUNK, ByteStream, FileSlice
from tui.presenters.s3 import Entry, Kind, S3Console, S3Presenter, parent, printable, size_text
from tui.screens.pane import PaneCommand
from tui.screens.resource_pane import ResourcePane
from widgets.form import Field, required

HELP = """\
Each bucket is a folder in skydeck's data folder (y on a bucket copies its path)
and each object a file in it: a file copied in there becomes an object, with its
ObjectCreated event; a file deleted there is gone.

S3 itself is flat: a key is one string, and photos/2026/cat.jpg is a key, not a
file in two folders. The console, the aws CLI and this pane show the keys as a
tree split at / (ListObjectsV2 with Delimiter /): the keys under photos/ roll up
into one common prefix, a folder here. Enter opens a folder; .., Backspace or Esc
go up. The keys a, a/ and a/b can all exist at once.

An ETag is the MD5 of the object's bytes, or, for a multipart upload, the MD5 of
its parts' MD5s followed by -N, the number of parts: the same file uploaded both
ways gets two ETags. A bucket can send event notifications (ObjectCreated,
ObjectRemoved) to SQS queues, the way to react to new objects without listing.

An SQS message holds at most 1 MiB (256 KiB before 2025). A bigger payload goes
to S3, and the message carries a pointer to it: the Extended Client Library's
pattern. In the demo, scanner-offload puts documents over 256 KiB into the
documents-offload bucket and sends pointers to the documents-offloaded queue;
archiver-offload fetches each one, then deletes it, so the bucket holds only the
documents in flight. Firehose's app-logs lands its batches in log-archive under
app/yyyy/MM/dd/; gzip objects (.gz) preview decompressed."""


def file_stream(source: BinaryIO, size: int) -> ByteStream:
    """An open file as a request body, read a chunk at a time off the event loop."""

    async def chunks() -> AsyncIterator[bytes]:
        while chunk := await asyncio.to_thread(source.read, CHUNK):
            yield chunk

    return ByteStream(chunks(), size)


async def save(body: FileSlice, target: Path, *, overwrite: bool) -> int:
    """Write `body` to `target` a chunk at a time; the bytes written.

    Without `overwrite` the file is created exclusively, so a file that
    appeared after the person was asked is never replaced. A write that
    fails removes what it began rather than leave half an object behind.
    """
    out = await asyncio.to_thread(target.open, "wb" if overwrite else "xb")
    written = 0
    try:
        with out:
            async for chunk in body.chunks():
                await asyncio.to_thread(out.write, chunk)
                written += len(chunk)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(target)
        raise
    return written


def local_name(key: str) -> str:
    """The file name a download of `key` defaults to: its last segment, never a path."""
    name = printable(key.rstrip("/").rpartition("/")[2])
    return name if name not in ("", ".", "..") else "object"


class S3Pane(ResourcePane[BucketView]):
    pane_id: ClassVar[str] = "s3"
    label: ClassVar[str] = "S3"
    help_text: ClassVar[str] = HELP
    aliases: ClassVar[tuple[str, ...]] = ("buckets", "objects")
    service: ClassVar[str] = "s3"
    presenter: S3Presenter

    DEFAULT_CSS = """
    S3Pane > .s3-pane--preview-title {
        height: 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        padding: 0 1;
        color: $text;
        background: $panel;
        text-style: bold;
    }
    S3Pane > .s3-pane--preview {
        height: auto;
        max-height: 35%;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        padding: 0 1;
        color: $text;
        background: $surface;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "n",
            "create_bucket",
            "New",
            id="s3.create_bucket",
            tooltip="CreateBucket: a new bucket, a new folder on disk",
        ),
        Binding(
            "u",
            "upload",
            "Upload",
            id="s3.upload",
            tooltip="PutObject: upload a local file into the folder shown",
        ),
        Binding(
            "g",
            "download",
            "Download",
            id="s3.download",
            tooltip="GetObject: save the highlighted object as a local file",
        ),
        Binding(
            "d",
            "delete_object",
            "Delete",
            id="s3.delete_object",
            tooltip="DeleteObject: the highlighted object (asks first)",
        ),
        Binding(
            "D",
            "delete_bucket",
            "Delete bucket",
            show=False,
            id="s3.delete_bucket",
            tooltip="DeleteBucket: S3 deletes only an empty bucket (asks first)",
        ),
        Binding(
            "backspace,escape",
            "up",
            "Up",
            id="s3.up",
            tooltip="Up to the parent folder; at the top, back to the buckets",
        ),
        Binding(
            "enter",
            "open",
            "Open",
            show=False,
            id="s3.open",
            tooltip="Open: a bucket's objects, a folder, or .. to go up",
        ),
        Binding(
            "y",
            "copy",
            "Copy",
            show=False,
            id="s3.copy",
            tooltip="Copy the highlighted object's s3:// URI, or the bucket's folder on disk",
        ),
    ]

    def __init__(self, cloud: Cloud) -> None:
        console = S3Console()
        super().__init__(cloud, S3Presenter(cloud, console))
        self.console = console
        self.s3 = cloud.service(S3Service)
        self.preview_title = Static("", classes="s3-pane--preview-title")
        self.preview_body = Static("", classes="s3-pane--preview")
        #: What the preview shows now: a row key and its object's version.
        self._previewed: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield self.preview_title
        yield self.preview_body

    # -- what is highlighted --------------------------------------------------------

    def entry(self) -> Entry | None:
        """The highlighted row of the object table, if it belongs to the highlighted bucket."""
        bucket = self.selected()
        key = self.selected_child_key()
        if bucket is None or key is None:
            return None
        entry = Entry.parse(key)
        return entry if entry.bucket == bucket.name else None

    def highlighted_object(self) -> Entry | None:
        entry = self.entry()
        return entry if entry is not None and entry.kind is Kind.OBJECT else None

    def folder(self) -> str:
        """The folder shown of the highlighted bucket ("" at the top or with no bucket)."""
        bucket = self.selected()
        return self.console.folder(bucket.name) if bucket is not None else ""

    def go_to(self, name: str) -> bool:
        """`:s3 logs`, or into a folder (`logs/app/2026/`) or at an object (`s3://logs/app/a.gz`)."""
        bucket, slash, path = name.removeprefix("s3://").partition("/")
        if not super().go_to(bucket):
            return False
        if slash:
            at = Entry(Kind.OBJECT, bucket, path).key if path and not path.endswith("/") else None
            self._go(bucket, path[: path.rfind("/") + 1], at)
        return True

    # -- refresh ----------------------------------------------------------------------

    def show_highlighted(self) -> None:
        """Preview the highlighted row; an object's bytes are read again only when it changed."""
        entry = self.entry()
        if entry is None:
            self._previewed = None
            self.preview_title.display = self.preview_body.display = False
            return
        item = self.presenter.object_of(entry) if entry.kind is Kind.OBJECT else None
        version = (entry.key, item.etag, item.last_modified) if item else (entry.key,)
        if version == self._previewed:
            return
        self._previewed = version
        preview = self.presenter.preview(entry, item)
        self.preview_title.update(Text(preview.heading))
        self.preview_body.update(Text("\n".join(preview.lines)))
        self.preview_title.display = True
        self.preview_body.display = bool(preview.lines)

    # -- moving in the tree -------------------------------------------------------------

    def _go(self, bucket: str, prefix: str, cursor: str | None = None) -> None:
        """Show folder `prefix` of `bucket`, the cursor on row `cursor`, else the first entry."""
        if prefix:
            self.console.folders[bucket] = prefix
        else:
            self.console.folders.pop(bucket, None)
        self.refresh_view()
        keys = [row.key for row in self.child_table.shown]
        if cursor not in keys:
            cursor = next((k for k in keys if Entry.parse(k).kind is not Kind.UP), None)
        if cursor is not None:
            self.child_table.table.move_to_key(cursor)

    async def open_child(self, resource: BucketView, key: str) -> None:
        """Enter on a folder goes into it, on `..` up; an object is already previewed."""
        entry = Entry.parse(key)
        if entry.kind is Kind.FOLDER:
            self._go(resource.name, entry.path)
        elif entry.kind is Kind.UP:
            self.action_up()

    def action_up(self) -> None:
        bucket = self.selected()
        folder = self.folder()
        if bucket is not None and folder:
            self._go(bucket.name, parent(folder), Entry(Kind.FOLDER, bucket.name, folder).key)
        elif self.child_table.table.has_focus:
            self.resource_table.focus_table()

    # -- what applies -------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out what needs a bucket or an object; `up` is there only when it can go somewhere.

        Esc is `up` too: when it can't go up it must not be taken, so that
        it still reaches whatever else wants it.
        """
        if action in ("upload", "delete_bucket", "open", "copy"):
            return True if self.selected() is not None else None
        if action in ("download", "delete_object"):
            return True if self.highlighted_object() is not None else None
        if action == "up":
            return bool(self.folder()) or self.child_table.table.has_focus
        return True

    def commands(self) -> Iterable[PaneCommand]:
        """A new bucket; uploads to and deleting the highlighted bucket; its highlighted object."""
        yield PaneCommand("s3: create bucket", "CreateBucket", "create_bucket")
        bucket = self.selected()
        if bucket is None:
            return
        where = printable(f"{bucket.name}/{self.folder()}")
        yield PaneCommand(f"s3: upload a file to {where}", "PutObject from a local file", "upload")
        yield PaneCommand(
            f"s3: delete bucket {bucket.name}", "DeleteBucket (asks first)", "delete_bucket"
        )
        if self.folder():
            yield PaneCommand(f"s3: up from {where}", "Show the parent folder", "up")
        entry = self.highlighted_object()
        if entry is not None:
            key = printable(entry.path)
            yield PaneCommand(f"s3: download {key}", "GetObject to a local file", "download")
            yield PaneCommand(f"s3: delete {key}", "DeleteObject (asks first)", "delete_object")

    # -- actions ------------------------------------------------------------------------

    def _transfer(self, work: Coroutine[Any, Any, None], where: str) -> None:
        """Run an upload or download in a worker: the dashboard goes on while it streams."""

        async def guarded() -> None:
            try:
                await work
            except Exception as error:
                self.host.survive(error, where)

        self.run_worker(guarded(), group="s3-transfer")

    def action_create_bucket(self) -> None:
        fields = [
            Field("Bucket", "Bucket name", placeholder="3-63 of a-z 0-9 . -", check=required),
            Field("region", "Region", self.cloud.region, check=required),
        ]

        async def run(values: dict[str, str]) -> AwsError | None:
            name, region = values["Bucket"].strip(), values["region"].strip()
            params: dict[str, Any] = {"Bucket": name}
            if region != US_EAST_1:
                params["CreateBucketConfiguration"] = {"LocationConstraint": region}
            response, error = await self.attempt("CreateBucket", params)
            if response is not None:
                self.refresh_view()
                self.go_to(name)
                created = self.s3.bucket_view(name)
                where = f"Its folder: {created.folder}" if created is not None else ""
                self.app.notify(f"s3://{name} in {region}. {where}", title=f"Created {name}")
            return error

        self.ask("CreateBucket", fields, run, submit="Create")

    def action_upload(self) -> None:
        bucket = self.selected()
        if bucket is None:
            return
        name, folder = bucket.name, self.folder()
        fields = [
            Field("path", "Local file", placeholder="~/report.json", check=required),
            Field("Key", "Key", folder, placeholder="the file's name"),
        ]

        async def run(values: dict[str, str]) -> AwsError | None:
            self._start_upload(name, values["path"], values["Key"])
            return None

        self.ask(
            f"PutObject → {printable(name)}/{printable(folder)}",
            fields,
            run,
            description="A key ending in / gets the file's name after it.",
            submit="Upload",
        )

    def _start_upload(self, bucket: str, path: str, key: str) -> None:
        """Upload the file at `path` as `key` (a key ending in `/` gets the file's name)."""
        file = Path(path.strip()).expanduser()
        if not file.is_file():
            why = "is a folder: upload its files one by one" if file.is_dir() else "no such file"
            self.app.notify(f"{file}: {why}", title="Not uploaded", severity="warning")
            return
        try:
            source = file.open("rb")
        except (OSError, ValueError) as error:
            self.app.notify(f"{file}: {error}", title="Not uploaded", severity="error")
            return
        if not key or key.endswith("/"):
            key += file.name
        self._transfer(self._upload(bucket, source, key), "upload")

    async def _upload(self, bucket: str, source: BinaryIO, key: str) -> None:
        with source:
            size = os.fstat(source.fileno()).st_size
            params: dict[str, Any] = {
                "Bucket": bucket,
                "Key": key,
                "Body": file_stream(source, size),
            }
            guessed = mimetypes.guess_type(key, strict=False)[0]
            if guessed is not None:
                params["ContentType"] = guessed
            response = await self.call("PutObject", params)
        if response is None:
            return
        self.app.notify(
            f"{size_text(size)} · ETag {response['ETag']}",
            title=f"Uploaded s3://{printable(bucket)}/{printable(key)}",
        )
        self.refresh_view()
        self.child_table.table.move_to_key(Entry(Kind.OBJECT, bucket, key).key)

    def action_download(self) -> None:
        entry = self.highlighted_object()
        if entry is None:
            return
        bucket, key = entry.bucket, entry.path
        name = local_name(key)
        fields = [Field("path", "Save as", str(Path.cwd() / name), check=required)]

        async def run(values: dict[str, str]) -> AwsError | None:
            self._start_download(bucket, key, values["path"])
            return None

        self.ask(f"GetObject · {printable(key)}", fields, run, submit="Download")

    def _start_download(self, bucket: str, key: str, path: str) -> None:
        """Save `key` at `path` (into it, if it is a folder), asking before replacing a file."""
        target = Path(path.strip()).expanduser()
        if target.is_dir():
            target /= local_name(key)
        if not target.parent.is_dir():
            self.app.notify(
                f"{target.parent}: no such folder", title="Not downloaded", severity="warning"
            )
        elif target.exists():

            async def replace() -> None:
                self._transfer(self._download(bucket, key, target, True), "download")

            self.confirm(f"{target} exists. Replace it?", replace, yes="Replace")
        else:
            self._transfer(self._download(bucket, key, target, False), "download")

    async def _download(self, bucket: str, key: str, target: Path, overwrite: bool) -> None:
        response = await self.call("GetObject", {"Bucket": bucket, "Key": key})
        if response is None:
            return
        body = response["Body"]
        assert isinstance(body, FileSlice)
        try:
            written = await save(body, target, overwrite=overwrite)
        except (OSError, ValueError) as error:
            self.app.notify(f"{target}: {error}", title="Not downloaded", severity="error")
            return
        finally:
            if body.done is not None:
                body.done()
        self.app.notify(f"{size_text(written)} to {target}", title=f"Downloaded {printable(key)}")

    def action_delete_object(self) -> None:
        entry = self.highlighted_object()
        if entry is None:
            return
        bucket, key = entry.bucket, entry.path
        uri = printable(f"s3://{bucket}/{key}")

        async def delete() -> None:
            if await self.call("DeleteObject", {"Bucket": bucket, "Key": key}) is not None:
                self.app.notify(uri, title="DeleteObject")
                self.refresh_view()

        self.confirm(
            f"Delete {uri}? With no versioning on the bucket, no copy is kept.",
            delete,
            yes="Delete",
        )

    def action_delete_bucket(self) -> None:
        bucket = self.selected()
        if bucket is None:
            return
        name = bucket.name

        async def delete() -> None:
            if await self.call("DeleteBucket", {"Bucket": name}) is not None:
                self.console.folders.pop(name, None)
                self.app.notify(f"{name} and its folder are gone.", title="DeleteBucket")
                self.refresh_view()

        question = f"Delete bucket {name}?"
        if bucket.objects:
            question += (
                f" It holds {bucket.objects:,} objects: S3 deletes only an empty bucket, and "
                "answers BucketNotEmpty."
            )
        self.confirm(question, delete, yes="Delete")

    def action_copy(self) -> None:
        """Copy the focused object's (or folder's) s3:// URI, else the bucket's folder on disk."""
        bucket = self.selected()
        if bucket is None:
            return
        entry = self.entry()
        if self.child_table.table.has_focus and entry is not None and entry.kind is not Kind.UP:
            uri = f"s3://{bucket.name}/{entry.path}"
            self.app.copy_to_clipboard(uri)
            self.app.notify(printable(uri), title="Copied")
            return
        self.app.copy_to_clipboard(str(bucket.folder))
        self.app.notify(
            f"{bucket.folder}: files put there become objects of {bucket.name}.",
            title=f"Copied the folder of {bucket.name}",
        )
