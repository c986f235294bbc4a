"""The Firehose pane: delivery streams, each one's buffer filling up, and the objects it wrote.

Every action is a Firehose API call through `Cloud.call` as the `console`
IAM user, so it is checked, recorded in the trail and throttled exactly as if
it came from the AWS console. The console only makes DirectPut streams: a
stream that reads a Kinesis stream needs that stream, and is made by a
scenario.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from textual.binding import Binding, BindingType

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.scenarios import Scenario
from backend.services.firehose.limits import (
    DEFAULT_INTERVAL,
    DEFAULT_SIZE_MB,
    DESTINATION_ID,
    MAX_INTERVAL,
    MAX_SIZE_MB,
    MIN_INTERVAL,
    MIN_SIZE_MB,
)
from backend.services.firehose.views import StreamView
from backend.services.s3 import S3Service
from tui.checks import integer
from tui.presenters.firehose import (
    TIME_PATH,
    FirehosePresenter,
    counted,
    format_bytes,
)
from tui.presenters.formats import clock
from tui.screens.pane import PaneCommand
from tui.screens.resource_pane import ResourcePane
from tui.screens.s3 import S3Pane
from widgets.form import Field, required

HELP = """\
A delivery stream gathers records in a buffer and writes them to S3 as one
object when the buffer holds SizeInMBs, or when IntervalInSeconds have passed
since its first record, whichever comes first: the size and time gauges fill
toward each. Firehose is near-real-time, in batches: a record reaches S3 up
to IntervalInSeconds after it was put, where a Kinesis data stream hands each
record to its consumers within a second or so.

Records are concatenated with no delimiter: Firehose adds none, so a producer
that wants one record per line writes the newline itself (p offers to).

Objects are named <prefix><stream>-<VersionId>-<YYYY-MM-dd-HH-mm-ss>-<uuid>.
With no Prefix, the prefix is YYYY/MM/dd/HH/ in UTC, from the arrival of the
oldest record in the object; a Prefix without !{...} expressions gets that
time path appended, one with them (!{timestamp:yyyy/MM/dd}) is used as it
stands and needs an ErrorOutputPrefix.

When S3 refuses a delivery (the bucket is missing, say), Firehose retries
every 5 s and keeps the data for 24 hours; what is still undelivered then is
dropped. The detail says so while it happens, and the rail counts such
streams in the error colour.
UpdateDestination flushes what is buffered under the current VersionId first;
records after it go under the next one."""

COMPRESSIONS = ("UNCOMPRESSED", "GZIP")
NEWLINE = "a newline (\\n)"
NOTHING = "nothing"


def _applies(action: str, view: StreamView) -> bool:
    """Whether `action` can work on `view` as it is now.

    Only an ACTIVE DirectPut stream takes PutRecord (a Kinesis-fed one reads
    its stream), only an ACTIVE one takes UpdateDestination, and one being
    deleted cannot be deleted again.
    """
    if action == "put_record":
        return view.type == "DirectPut" and view.status == "ACTIVE"
    if action == "update_buffering":
        return view.status == "ACTIVE"
    if action == "delete_stream":
        return view.status != "DELETING"
    return True


#: The actions on the highlighted stream (the rest, `create_stream`, need none).
ON_A_STREAM = ("put_record", "update_buffering", "delete_stream", "copy", "open")


class FirehosePane(ResourcePane[StreamView]):
    pane_id: ClassVar[str] = "firehose"
    label: ClassVar[str] = "Firehose"
    help_text: ClassVar[str] = HELP
    aliases: ClassVar[tuple[str, ...]] = ("delivery",)
    service: ClassVar[str] = "firehose"
    presenter: FirehosePresenter

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "n",
            "create_stream",
            "New",
            id="firehose.create_stream",
            tooltip="CreateDeliveryStream: a DirectPut stream into an S3 bucket",
        ),
        Binding(
            "p",
            "put_record",
            "Put",
            id="firehose.put_record",
            tooltip="PutRecord into the selected stream's buffer",
        ),
        Binding(
            "u",
            "update_buffering",
            "Buffering",
            id="firehose.update_destination",
            tooltip="UpdateDestination: the selected stream's BufferingHints, "
            "with its current VersionId",
        ),
        Binding(
            "d",
            "delete_stream",
            "Delete",
            id="firehose.delete_stream",
            tooltip="DeleteDeliveryStream (asks first)",
        ),
        Binding(
            "y",
            "copy",
            "Copy",
            show=False,
            id="firehose.copy",
            tooltip="Copy the selected object's s3:// URI, or the stream's ARN",
        ),
        Binding(
            "enter",
            "open",
            "Open",
            show=False,
            id="firehose.open",
            tooltip="Open: a stream's deliveries, or a delivered object in the S3 pane",
        ),
    ]

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud, FirehosePresenter(cloud))

    def refresh_view(self) -> None:
        self.presenter.palette = self.palette
        super().refresh_view()

    def scenario_started(self, scenario: Scenario) -> None:
        """Show the first stream an actor feeds: where something happens from the start."""
        for spec in scenario.actors:
            stream = spec.options.get("delivery_stream")
            if isinstance(stream, str) and self.go_to(stream):
                return

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out (None) what the highlighted stream cannot do now, and all of it without one."""
        if action not in ON_A_STREAM:
            return True
        view = self.selected()
        return True if view is not None and _applies(action, view) else None

    def commands(self) -> Iterable[PaneCommand]:
        """A new stream; the rest act on the highlighted stream, when it can take them."""
        yield PaneCommand(
            "firehose: create delivery stream", "CreateDeliveryStream", "create_stream"
        )
        view = self.selected()
        if view is None:
            return
        name = view.name
        offered = (
            ("put_record", f"put a record into {name}", "PutRecord"),
            (
                "update_buffering",
                f"update buffering of {name}",
                f"UpdateDestination (VersionId {view.version})",
            ),
            ("delete_stream", f"delete {name}", "DeleteDeliveryStream (asks first)"),
        )
        for action, title, why in offered:
            if _applies(action, view):
                yield PaneCommand(f"firehose: {title}", why, action)

    # -- actions ------------------------------------------------------------------

    def action_create_stream(self) -> None:
        buckets = tuple(b.name for b in self.cloud.service(S3Service).bucket_views())
        if buckets:
            bucket = Field("bucket", "S3 bucket", buckets[0], choices=buckets)
        else:
            bucket = Field(
                "bucket",
                "S3 bucket",
                placeholder="none exists yet: delivery retries until it does",
                check=required,
            )
        role = f"arn:aws:iam::{self.cloud.account}:role/firehose-delivery"
        fields = [
            Field("name", "DeliveryStreamName", placeholder="my-stream", check=required),
            bucket,
            Field("Prefix", "Prefix", placeholder=f"empty: {TIME_PATH} (UTC)"),
            Field(
                "ErrorOutputPrefix",
                "ErrorOutputPrefix",
                placeholder="needed when Prefix has !{...}",
            ),
            Field(
                "SizeInMBs",
                f"SizeInMBs ({MIN_SIZE_MB}-{MAX_SIZE_MB})",
                str(DEFAULT_SIZE_MB),
                check=integer(MIN_SIZE_MB, MAX_SIZE_MB),
            ),
            Field(
                "IntervalInSeconds",
                f"IntervalInSeconds ({MIN_INTERVAL}-{MAX_INTERVAL} s)",
                str(DEFAULT_INTERVAL),
                check=integer(MIN_INTERVAL, MAX_INTERVAL),
            ),
            Field("CompressionFormat", "CompressionFormat", COMPRESSIONS[0], choices=COMPRESSIONS),
            Field("RoleARN", "RoleARN", role, check=required),
        ]

        async def run(values: dict[str, str]) -> AwsError | None:
            name = values["name"].strip()
            s3: dict[str, Any] = {
                "RoleARN": values["RoleARN"].strip(),
                "BucketARN": f"arn:aws:s3:::{values['bucket'].strip()}",
                "BufferingHints": {
                    "SizeInMBs": int(values["SizeInMBs"]),
                    "IntervalInSeconds": int(values["IntervalInSeconds"]),
                },
                "CompressionFormat": values["CompressionFormat"],
            }
            for key in ("Prefix", "ErrorOutputPrefix"):
                if values[key].strip():
                    s3[key] = values[key].strip()
            params = {
                "DeliveryStreamName": name,
                "DeliveryStreamType": "DirectPut",
                "ExtendedS3DestinationConfiguration": s3,
            }
            response, error = await self.attempt("CreateDeliveryStream", params)
            if response is not None:
                self.refresh_view()
                self.go_to(name)
                self.app.notify(
                    f"{response['DeliveryStreamARN']} — CREATING for a few seconds, then "
                    "ACTIVE: p puts a record.",
                    title=f"Created {name}",
                )
            return error

        description = (
            "AWS requires a RoleARN, the role Firehose assumes to write to the bucket: the "
            "one filled in is a plausible default (skydeck does not check IAM roles)."
        )
        self.ask("CreateDeliveryStream", fields, run, description=description, submit="Create")

    def action_put_record(self) -> None:
        view = self.selected()
        if view is None:
            return
        name = view.name
        fields = [
            Field("Data", "Data", '{"level": "INFO", "msg": "hello"}'),
            Field("delimiter", "Then add", NEWLINE, choices=(NEWLINE, NOTHING)),
        ]

        async def run(values: dict[str, str]) -> AwsError | None:
            data = values["Data"].encode() + (b"\n" if values["delimiter"] == NEWLINE else b"")
            params = {"DeliveryStreamName": name, "Record": {"Data": data}}
            response, error = await self.attempt("PutRecord", params)
            if response is None:
                return error
            self.refresh_view()
            after = self.presenter.find(view.arn)
            buffered = (
                f"{counted(after.buffer.records, 'record')}, {format_bytes(after.buffer.bytes)} "
                "buffered"
                if after is not None
                else ""
            )
            self.app.notify(
                f"RecordId {response['RecordId'][:16]}… · {buffered}", title=f"Put into {name}"
            )
            return None

        description = (
            "Firehose adds no delimiter between records: without a newline, this record "
            "runs into the next one in the object."
        )
        self.ask(f"PutRecord → {name}", fields, run, description=description, submit="Put")

    def action_update_buffering(self) -> None:
        view = self.selected()
        if view is None:
            return
        name, version = view.name, view.version
        fields = [
            Field(
                "SizeInMBs",
                f"SizeInMBs ({MIN_SIZE_MB}-{MAX_SIZE_MB})",
                str(view.buffer.size_hint >> 20),
                check=integer(MIN_SIZE_MB, MAX_SIZE_MB),
            ),
            Field(
                "IntervalInSeconds",
                f"IntervalInSeconds ({MIN_INTERVAL}-{MAX_INTERVAL} s)",
                str(view.buffer.interval_hint),
                check=integer(MIN_INTERVAL, MAX_INTERVAL),
            ),
        ]

        async def run(values: dict[str, str]) -> AwsError | None:
            hints = {
                "SizeInMBs": int(values["SizeInMBs"]),
                "IntervalInSeconds": int(values["IntervalInSeconds"]),
            }
            params = {
                "DeliveryStreamName": name,
                "CurrentDeliveryStreamVersionId": str(version),
                "DestinationId": DESTINATION_ID,
                "ExtendedS3DestinationUpdate": {"BufferingHints": hints},
            }
            response, error = await self.attempt("UpdateDestination", params)
            if response is not None:
                self.refresh_view()
                self.app.notify(
                    f"BufferingHints {hints['SizeInMBs']} MiB / {hints['IntervalInSeconds']} s "
                    f"from VersionId {version + 1}; anything buffered was flushed under "
                    f"VersionId {version}.",
                    title=f"Updated {name}",
                )
            return error

        description = (
            f"UpdateDestination with CurrentDeliveryStreamVersionId {version}: what is "
            f"buffered is flushed first, under VersionId {version}; records after it go "
            f"under {version + 1}."
        )
        self.ask(
            f"UpdateDestination · {name}", fields, run, description=description, submit="Update"
        )

    def action_delete_stream(self) -> None:
        view = self.selected()
        if view is None:
            return
        name, bucket = view.name, view.bucket

        async def delete() -> None:
            if await self.call("DeleteDeliveryStream", {"DeliveryStreamName": name}) is not None:
                self.app.notify(
                    f"DELETING for a few seconds, then gone; the objects in s3://{bucket} stay.",
                    title=f"Deleted {name}",
                )
                self.refresh_view()

        self.confirm(
            f"Delete delivery stream {name}? What it has not delivered yet "
            f"({counted(view.waiting_records, 'record')}) is lost; the objects already in "
            f"s3://{bucket} stay.",
            delete,
            yes="Delete",
        )

    def action_copy(self) -> None:
        """Copy the focused object's s3:// URI, else the stream's ARN: what the aws CLI takes."""
        view = self.selected()
        if view is None:
            return
        key = self.selected_child_key()
        if self.child_table.table.has_focus and key is not None:
            uri = f"s3://{view.bucket}/{key}"
            self.app.copy_to_clipboard(uri)
            self.app.notify(uri, title="Copied the object's URI")
            return
        self.app.copy_to_clipboard(view.arn)
        self.app.notify(view.arn, title=f"Copied the ARN of {view.name}")

    async def open_child(self, resource: StreamView, key: str) -> None:
        """A delivered object: at it in the S3 pane, or where it was in a toast once it is gone.

        The S3 pane is found among the host's panes, not through the app, so
        the two panes meet only where `:s3 s3://bucket/key` would take a person.
        """
        delivered = next((d for d in self.presenter.deliveries(resource) if d.key == key), None)
        if delivered is None:
            return
        uri = f"s3://{delivered.bucket}/{delivered.key}"
        s3 = next((pane for pane in self.host.panes if isinstance(pane, S3Pane)), None)
        if s3 is not None:
            await self.host.action_show_pane(s3.pane_id)
            if s3.go_to(uri):
                return
            await self.host.action_show_pane(self.pane_id)
        self.app.notify(
            f"{uri}\n{format_bytes(delivered.size)}, {counted(delivered.records, 'record')}, "
            f"delivered at {clock(delivered.time)} UTC",
            title=f"Delivered by {resource.name}",
            timeout=10,
        )
