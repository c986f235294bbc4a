"""The Kinesis Data Streams pane: streams, the highlighted stream's shards as lanes, its readers.

Every action is a Kinesis API call through `Cloud.call` as the `console` IAM
user (checked, recorded in the trail, counted), so a reshard here is refused
exactly when AWS would refuse it: while the stream is UPDATING, on a closed
shard, past double the open shards. The pane only reads the service's state
(`backend.services.kinesis.views`) to draw it and to fill in its forms.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, ClassVar

from textual.binding import Binding, BindingType

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.scenarios import Scenario
from backend.services.kinesis import KinesisService
from backend.services.kinesis.base import DAY, MAX_SCALINGS, MAX_SHARDS_PER_STREAM
from backend.services.kinesis.hashing import HASH_SPACE, hash_key, parse_hash_key
from backend.services.kinesis.shard import Shard
from backend.services.kinesis.stream import MAX_RETENTION_HOURS, MIN_RETENTION_HOURS, Stream
from tui.checks import integer
from tui.presenters.kinesis import KinesisPresenter, short_sequence, short_shard
from tui.screens.pane import PaneCommand
from tui.screens.resource_pane import ResourcePane
from widgets.form import Field, required

HELP = """\
A stream is a set of shards, each an ordered log with its own limits: writes
1,000 records/s or 1 MiB/s, reads 2 MiB/s and 5 GetRecords/s, shared by every
polling consumer. Past them a write is refused with
ProvisionedThroughputExceededException (the producer sends it again).

A record's partition key is hashed with MD5 into a number from 0 to 2^128 - 1;
each open shard owns a range of that space (the hash range bar), so one key
always lands in one shard. A hot key (one user sending most of the traffic)
throttles its shard while the others idle: the gauges show each shard's
busiest second of the last minute against its limit, red at the limit.

Split a hot shard (s) at a hash key inside its range, or merge two adjacent
cold ones (m): the parent shards close (readable until they pass retention)
and children take their ranges. Consumers read a parent to its end before its
children, so every key stays in order. u rescales (UpdateShardCount) to a
number of shards over even ranges.

Records stay for the retention period (24 h to 365 days; r changes it): the
TRIM_HORIZON moves with the clock. Any number of consumers read the same records, each at
its own position and lag, where an SQS message goes to one consumer and is
gone. A registered (enhanced fan-out) consumer (c) gets its own 2 MiB/s a shard."""


def _hash_key_check(value: str) -> str | None:
    return None if parse_hash_key(value.strip()) is not None else "a hash key: digits 0-9"


def _optional_hash_key(value: str) -> str | None:
    return _hash_key_check(value) if value.strip() else None


def _share(start: int, end: int) -> str:
    return f"{(end - start + 1) / HASH_SPACE:.1%}"


class KinesisPane(ResourcePane[Stream]):
    pane_id: ClassVar[str] = "kinesis"
    label: ClassVar[str] = "Kinesis"
    help_text: ClassVar[str] = HELP
    aliases: ClassVar[tuple[str, ...]] = ("streams", "kds")
    service: ClassVar[str] = "kinesis"
    presenter: KinesisPresenter

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "n",
            "create_stream",
            "New",
            id="kinesis.create_stream",
            tooltip="CreateStream: provisioned shards or on-demand",
        ),
        Binding(
            "p",
            "put_record",
            "Put",
            id="kinesis.put_record",
            tooltip="PutRecord to the selected stream: a partition key and data",
        ),
        Binding(
            "s",
            "split_shard",
            "Split",
            id="kinesis.split_shard",
            tooltip="SplitShard: the highlighted open shard, at a hash key in its range",
        ),
        Binding(
            "m",
            "merge_shards",
            "Merge",
            id="kinesis.merge_shards",
            tooltip="MergeShards: the highlighted open shard with an adjacent open one",
        ),
        Binding(
            "u",
            "update_shard_count",
            "Scale",
            show=False,
            id="kinesis.update_shard_count",
            tooltip="UpdateShardCount: uniform scaling to a number of open shards",
        ),
        Binding(
            "r",
            "retention",
            "Retention",
            show=False,
            id="kinesis.retention",
            tooltip="Increase or DecreaseStreamRetentionPeriod, in hours",
        ),
        Binding(
            "c",
            "register_consumer",
            "Consumer",
            show=False,
            id="kinesis.register_consumer",
            tooltip="RegisterStreamConsumer: an enhanced fan-out consumer",
        ),
        Binding(
            "D",
            "delete_stream",
            "Delete stream",
            show=False,
            id="kinesis.delete_stream",
            tooltip="DeleteStream (asks first)",
        ),
        Binding(
            "y",
            "copy",
            "Copy",
            show=False,
            id="kinesis.copy",
            tooltip="Copy the stream's ARN, or the focused shard's id",
        ),
        Binding(
            "enter",
            "open",
            "Open",
            show=False,
            id="kinesis.open",
            tooltip="Open: a stream's shards",
        ),
    ]

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud, KinesisPresenter(cloud))
        self.kinesis = cloud.service(KinesisService)

    def scenario_started(self, scenario: Scenario) -> None:
        """Show the first stream an actor works on: where something happens from the start."""
        for spec in scenario.actors:
            stream = spec.options.get("stream")
            if isinstance(stream, str) and self.go_to(stream):
                return

    # -- what applies -------------------------------------------------------------

    def open_shard(self) -> tuple[Stream, Shard] | None:
        """The selected provisioned stream and its highlighted shard, if that is open."""
        stream = self.selected()
        key = self.selected_child_key()
        if stream is None or key is None or stream.mode != "PROVISIONED":
            return None
        shard = stream.shard(key, self.cloud.clock.now())
        return (stream, shard) if shard is not None and shard.is_open else None

    def neighbours(self, stream: Stream, shard: Shard) -> list[Shard]:
        """The open shards whose hash ranges touch `shard`'s: what it can merge with."""
        return [s for s in stream.open_shards if s is not shard and stream.adjacent(s, shard)]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out what cannot apply: resharding needs a provisioned stream and an open shard."""
        stream = self.selected()
        if action in (
            "put_record",
            "retention",
            "register_consumer",
            "delete_stream",
            "copy",
            "open",
        ):
            return True if stream is not None else None
        if action == "update_shard_count":
            return True if stream is not None and stream.mode == "PROVISIONED" else None
        if action == "split_shard":
            return True if self.open_shard() is not None else None
        if action == "merge_shards":
            found = self.open_shard()
            return True if found is not None and self.neighbours(*found) else None
        return True

    def commands(self) -> Iterable[PaneCommand]:
        """A new stream; the rest act on the highlighted stream, and shard."""
        yield PaneCommand("kinesis: create stream", "CreateStream", "create_stream")
        stream = self.selected()
        if stream is None:
            return
        name = stream.name
        yield PaneCommand(f"kinesis: put record to {name}", "PutRecord", "put_record")
        if stream.mode == "PROVISIONED":
            yield PaneCommand(
                f"kinesis: update shard count of {name}",
                "UpdateShardCount (UNIFORM_SCALING)",
                "update_shard_count",
            )
        yield PaneCommand(
            f"kinesis: change retention of {name}",
            "Increase or DecreaseStreamRetentionPeriod",
            "retention",
        )
        yield PaneCommand(
            f"kinesis: register consumer on {name}", "RegisterStreamConsumer", "register_consumer"
        )
        yield PaneCommand(
            f"kinesis: delete stream {name}", "DeleteStream (asks first)", "delete_stream"
        )
        yield PaneCommand(f"kinesis: copy ARN of {name}", "The stream's ARN", "copy")
        found = self.open_shard()
        if found is None:
            return
        shard = found[1]
        short = f"shardId-{short_shard(shard.shard_id)}"
        yield PaneCommand(f"kinesis: split {short} of {name}", "SplitShard", "split_shard")
        if self.neighbours(*found):
            yield PaneCommand(
                f"kinesis: merge {short} of {name} with a neighbour", "MergeShards", "merge_shards"
            )

    # -- streams ------------------------------------------------------------------

    def action_create_stream(self) -> None:
        fields = [
            Field("name", "StreamName", placeholder="clicks", check=required),
            Field("mode", "StreamMode", "PROVISIONED", choices=("PROVISIONED", "ON_DEMAND")),
            Field(
                "ShardCount",
                "ShardCount (PROVISIONED only)",
                "2",
                check=integer(1, MAX_SHARDS_PER_STREAM, optional=True),
            ),
        ]

        async def run(values: dict[str, str]) -> AwsError | None:
            name = values["name"].strip()
            mode = values["mode"]
            params: dict[str, Any] = {"StreamName": name, "StreamModeDetails": {"StreamMode": mode}}
            if mode == "PROVISIONED" and values["ShardCount"].strip():
                params["ShardCount"] = int(values["ShardCount"])
            response, error = await self.attempt("CreateStream", params)
            if response is not None:
                self.refresh_view()
                self.go_to(name)
                self.app.notify(
                    "CREATING for a few seconds, then ACTIVE: writes are refused until then.",
                    title=f"Created {name}",
                )
            return error

        self.ask(
            "CreateStream",
            fields,
            run,
            submit="Create",
            description="ON_DEMAND starts with 4 shards and takes no ShardCount.",
        )

    def action_put_record(self) -> None:
        stream = self.selected()
        if stream is None:
            return
        fields = [
            Field("PartitionKey", "PartitionKey", "user-00001", check=required),
            Field("Data", "Data", '{"event": "click", "page": "/"}', check=required),
            Field(
                "ExplicitHashKey",
                "ExplicitHashKey (optional)",
                placeholder="a number from 0 to 2^128 - 1; overrides the key's MD5",
                check=_optional_hash_key,
            ),
        ]

        async def run(values: dict[str, str]) -> AwsError | None:
            key = values["PartitionKey"]
            params: dict[str, Any] = {
                "StreamARN": stream.arn,
                "PartitionKey": key,
                "Data": values["Data"].encode(),
            }
            explicit = values["ExplicitHashKey"].strip()
            if explicit:
                params["ExplicitHashKey"] = explicit
            response, error = await self.attempt("PutRecord", params)
            if response is None:
                return error
            shard_id = response["ShardId"]
            routed = f"ExplicitHashKey {explicit}" if explicit else f"MD5({key}) = {hash_key(key)}"
            self.app.notify(
                f"{routed} → {shard_id}, SequenceNumber "
                f"{short_sequence(response['SequenceNumber'])}",
                title=f"Put to {stream.name}",
            )
            self.refresh_view()
            self.child_table.table.move_to_key(shard_id)
            return None

        self.ask(f"PutRecord → {stream.name}", fields, run, submit="Put")

    def action_update_shard_count(self) -> None:
        stream = self.selected()
        if stream is None:
            return
        current = len(stream.open_shards)
        now = self.cloud.clock.now()
        used = sum(1 for t in stream.scalings if now - t < DAY)
        fields = [
            Field(
                "TargetShardCount",
                "TargetShardCount",
                str(min(current * 2, MAX_SHARDS_PER_STREAM)),
                check=integer(1, MAX_SHARDS_PER_STREAM),
            )
        ]
        description = (
            f"{stream.name} has {current} open shards. UNIFORM_SCALING splits and merges "
            f"them into even ranges; the target must be from {math.ceil(current / 2)} to "
            f"{current * 2}, and a stream may scale {MAX_SCALINGS} times in 24 hours "
            f"({used} used)."
        )

        async def run(values: dict[str, str]) -> AwsError | None:
            target = int(values["TargetShardCount"])
            params = {
                "StreamARN": stream.arn,
                "TargetShardCount": target,
                "ScalingType": "UNIFORM_SCALING",
            }
            response, error = await self.attempt("UpdateShardCount", params)
            if response is not None:
                self.app.notify(
                    f"UPDATING: {current} → {target} open shards in a few seconds; reads and "
                    "writes go on meanwhile.",
                    title=f"Scaling {stream.name}",
                )
                self.refresh_view()
            return error

        self.ask(
            f"UpdateShardCount · {stream.name}",
            fields,
            run,
            submit="Scale",
            description=description,
        )

    def action_retention(self) -> None:
        stream = self.selected()
        if stream is None:
            return
        current = stream.retention_hours
        fields = [
            Field(
                "RetentionPeriodHours",
                "RetentionPeriodHours",
                str(current),
                check=integer(MIN_RETENTION_HOURS, MAX_RETENTION_HOURS),
            )
        ]

        async def run(values: dict[str, str]) -> AwsError | None:
            hours = int(values["RetentionPeriodHours"])
            if hours == current:
                return None
            action = (
                "IncreaseStreamRetentionPeriod"
                if hours > current
                else "DecreaseStreamRetentionPeriod"
            )
            params = {"StreamARN": stream.arn, "RetentionPeriodHours": hours}
            response, error = await self.attempt(action, params)
            if response is not None:
                self.app.notify(f"{current}h → {hours}h", title=action)
                self.refresh_view()
            return error

        self.ask(
            f"Retention · {stream.name}",
            fields,
            run,
            submit="Change",
            description=(
                f"Now {current} hours. Longer keeps records longer (and costs more); shorter "
                "drops the records past it at once."
            ),
        )

    def action_register_consumer(self) -> None:
        stream = self.selected()
        if stream is None:
            return
        fields = [Field("ConsumerName", "ConsumerName", placeholder="analytics", check=required)]

        async def run(values: dict[str, str]) -> AwsError | None:
            name = values["ConsumerName"].strip()
            params = {"StreamARN": stream.arn, "ConsumerName": name}
            response, error = await self.attempt("RegisterStreamConsumer", params)
            if response is not None:
                self.app.notify(
                    response["Consumer"]["ConsumerARN"], title=f"Registered {name} on {stream.name}"
                )
                self.refresh_view()
            return error

        self.ask(
            f"RegisterStreamConsumer · {stream.name}",
            fields,
            run,
            submit="Register",
            description=(
                "An enhanced fan-out consumer has its own 2 MiB/s on every shard, pushed "
                "to it by SubscribeToShard, instead of sharing the shard's reads."
            ),
        )

    def action_delete_stream(self) -> None:
        stream = self.selected()
        if stream is None:
            return
        name, arn = stream.name, stream.arn
        consumers = [c.name for c in self.kinesis.consumers_of(stream)]
        held = sum(s.stored for s in stream.listed(self.cloud.clock.now()))

        async def delete() -> None:
            params: dict[str, Any] = {"StreamARN": arn}
            if consumers:
                params["EnforceConsumerDeletion"] = True
            if await self.call("DeleteStream", params) is not None:
                self.app.notify(f"{name} is DELETING, then gone.", title="DeleteStream")
                self.refresh_view()

        question = f"Delete stream {name} and the {held:,} records it holds?"
        if consumers:
            question += (
                f"\n\nIts registered consumers ({', '.join(consumers)}) are deregistered with "
                "it (EnforceConsumerDeletion)."
            )
        self.confirm(question, delete, yes="Delete")

    def action_copy(self) -> None:
        """Copy the focused shard's id, else the stream's ARN (what the CLI and SDKs take)."""
        stream = self.selected()
        if stream is None:
            return
        shard_id = self.selected_child_key()
        if self.child_table.table.has_focus and shard_id is not None:
            self.app.copy_to_clipboard(shard_id)
            self.app.notify(shard_id, title=f"Copied a shard id of {stream.name}")
            return
        self.app.copy_to_clipboard(stream.arn)
        self.app.notify(stream.arn, title=f"Copied the ARN of {stream.name}")

    # -- shards -------------------------------------------------------------------

    def action_split_shard(self) -> None:
        found = self.open_shard()
        if found is None:
            return
        stream, shard = found
        start, end = shard.start_hash, shard.end_hash
        middle = start + (end - start + 1) // 2
        fields = [
            Field(
                "NewStartingHashKey",
                "NewStartingHashKey",
                str(middle),
                check=_hash_key_check,
            )
        ]
        description = (
            f"{shard.shard_id} holds hash keys {start} to {end} ({_share(start, end)} of the "
            "key space). It closes; one child takes the keys below NewStartingHashKey, the "
            "other the rest. The default cuts it in half."
        )

        async def run(values: dict[str, str]) -> AwsError | None:
            params = {
                "StreamARN": stream.arn,
                "ShardToSplit": shard.shard_id,
                "NewStartingHashKey": values["NewStartingHashKey"].strip(),
            }
            response, error = await self.attempt("SplitShard", params)
            if response is not None:
                self.app.notify(
                    f"{stream.name} is UPDATING: {shard.shard_id} closes and two children "
                    "open in a few seconds.",
                    title="SplitShard",
                )
                self.refresh_view()
            return error

        self.ask(
            f"SplitShard · {shard.shard_id}",
            fields,
            run,
            submit="Split",
            description=description,
        )

    def action_merge_shards(self) -> None:
        found = self.open_shard()
        if found is None:
            return
        stream, shard = found
        choices = {
            f"{n.shard_id} (keys {'below' if n.end_hash < shard.start_hash else 'above'})": n
            for n in self.neighbours(stream, shard)
        }
        if not choices:
            return
        fields = [
            Field("adjacent", "AdjacentShardToMerge", next(iter(choices)), choices=tuple(choices))
        ]
        description = (
            f"{shard.shard_id} ({_share(shard.start_hash, shard.end_hash)} of the key space) "
            "and the open shard next to it close; one child takes both ranges, and is read "
            "after both of them."
        )

        async def run(values: dict[str, str]) -> AwsError | None:
            adjacent = choices[values["adjacent"]]
            params = {
                "StreamARN": stream.arn,
                "ShardToMerge": shard.shard_id,
                "AdjacentShardToMerge": adjacent.shard_id,
            }
            response, error = await self.attempt("MergeShards", params)
            if response is not None:
                self.app.notify(
                    f"{stream.name} is UPDATING: {shard.shard_id} and {adjacent.shard_id} "
                    "close, and one child opens in a few seconds.",
                    title="MergeShards",
                )
                self.refresh_view()
            return error

        self.ask(
            f"MergeShards · {shard.shard_id}",
            fields,
            run,
            submit="Merge",
            description=description,
        )
