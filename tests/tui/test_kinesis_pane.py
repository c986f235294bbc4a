"""The Kinesis pane driven by its keys, checked against what the cloud did.

The demo's `clickstream` (two shards, no actors: only the test acts) on a clock
the test steps by hand; each test presses the keys a person would and then
asserts on the stream in the cloud, on the pane's tables and on the toasts.
"""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.pilot import Pilot

from backend.services.kinesis import KinesisService
from backend.services.kinesis.base import TRANSITION
from backend.services.kinesis.hashing import HASH_SPACE, hash_key
from backend.services.kinesis.stream import Stream
from tests.tui.helpers import (
    PRODUCER,
    SIZE,
    AppPilot,
    console_calls,
    field_problem,
    field_value,
    fill,
    form,
    screen,
    settle,
    skydeck,
    step,
    submit,
    toasts,
)
from tests.tui.snapshots import SIZES, SnapCompare, SnapshotApp, ansi_only, then
from tui.app import SkydeckApp
from tui.screens.kinesis import KinesisPane
from widgets.confirm import ConfirmScreen
from widgets.form import FormScreen
from widgets.live_table import Row

HALF = HASH_SPACE // 2


def kinesis_pane(app: SkydeckApp) -> KinesisPane:
    pane = app.pane(KinesisPane)
    assert isinstance(pane, KinesisPane)
    return pane


def streams(app: SkydeckApp) -> dict[str, Stream]:
    service = app.cloud.service(KinesisService)
    return {s.name: s for s in service.stream_list()}


def clickstream(app: SkydeckApp) -> Stream:
    return streams(app)["clickstream"]


def cell(row: Row, index: int) -> str:
    value = row.cells[index]
    return value.plain if isinstance(value, Text) else value


def lanes(app: SkydeckApp) -> list[list[str]]:
    """The shard table as shown: shard, state, hash range, parent."""
    return [[cell(r, i) for i in range(4)] for r in kinesis_pane(app).child_table.shown]


async def show(pilot: AppPilot, stream: str = "clickstream") -> KinesisPane:
    app = skydeck(pilot)
    await app.action_show_pane("kinesis")
    pane = kinesis_pane(app)
    assert pane.go_to(stream), stream
    await pilot.pause()
    return pane


async def highlight_shard(pilot: AppPilot, shard_id: str) -> None:
    pane = kinesis_pane(skydeck(pilot))
    pane.child_table.focus_table()
    assert pane.child_table.table.move_to_key(shard_id), shard_id
    await pilot.pause()


async def open_form(pilot: AppPilot, key: str) -> FormScreen:
    await pilot.press(key)
    await pilot.pause()
    return form(skydeck(pilot))


def footer(app: SkydeckApp) -> dict[str, bool]:
    """The footer's keys by description, and whether it draws each enabled (not dimmed).

    Read off the footer's own key widgets: it only redraws when told to.
    """
    keys: dict[str, bool] = {}
    for item in app.query("FooterKey"):
        description = str(item.render()).strip().partition(" ")[2].strip()
        keys[description] = not item.has_class("-disabled")
    return keys


def allowed(pane: KinesisPane, action: str) -> bool:
    return pane.check_action(action, ()) is True


# -- CreateStream ---------------------------------------------------------------------


async def test_n_creates_a_provisioned_stream_and_selects_it(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        pane = await show(pilot)
        assert (await open_form(pilot, "n")).title_text == "CreateStream"
        await pilot.press(*"orders-events")
        await fill(pilot, ShardCount="3")
        await submit(pilot)

        created = streams(app)["orders-events"]
        assert (created.mode, created.status, len(created.open_shards)) == (
            "PROVISIONED",
            "CREATING",
            3,
        )
        assert pane.resource_table.cursor_key == created.arn
        assert any(t.startswith("Created orders-events\n") for t in toasts(app))
        await step(pilot, TRANSITION)
        assert created.status == "ACTIVE"
        assert cell(pane.resource_table.shown[1], 2) == "ACTIVE"
        assert console_calls(app) == [("CreateStream", "")]


async def test_n_on_demand_sends_no_shard_count(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await show(pilot)
        await open_form(pilot, "n")
        await fill(pilot, name="auto", mode="ON_DEMAND")
        await submit(pilot)
        created = streams(app)["auto"]
        assert (created.mode, len(created.open_shards)) == ("ON_DEMAND", 4)
        # Resharding is for provisioned streams: its keys are hidden, u too.
        pane = kinesis_pane(app)
        await step(pilot, TRANSITION)
        await highlight_shard(pilot, "shardId-000000000000")
        assert not allowed(pane, "split_shard")
        assert not allowed(pane, "merge_shards")
        assert not allowed(pane, "update_shard_count")
        assert allowed(pane, "put_record")


async def test_a_bad_stream_name_comes_back_in_the_form_with_aws_code(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await show(pilot)
        await open_form(pilot, "n")
        await fill(pilot, name="bad name!", ShardCount="4")
        await submit(pilot)
        again = form(app)
        assert again.description.startswith("ValidationException: 1 validation error")
        assert field_value(app, "name") == "bad name!"
        assert field_value(app, "ShardCount") == "4"
        # A provisioned stream without a shard count: AWS's own words, in place.
        await fill(pilot, name="good", ShardCount="")
        await submit(pilot)
        assert form(app).description == (
            "InvalidArgumentException: ShardCount is required for a stream in the "
            "PROVISIONED capacity mode."
        )
        assert console_calls(app) == [
            ("CreateStream", "ValidationException"),
            ("CreateStream", "InvalidArgumentException"),
        ]
        assert set(streams(app)) == {"clickstream"}
        assert app.bugs == []


# -- PutRecord ------------------------------------------------------------------------


async def test_p_puts_a_record_into_the_shard_its_key_hashes_to(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        pane = await show(pilot)
        stream = clickstream(app)
        target = stream.route(hash_key("user-hot"))
        await open_form(pilot, "p")
        await fill(pilot, PartitionKey="user-hot", Data='{"page": "/cart"}')
        await submit(pilot)

        assert target.stored == 1
        assert [
            key for _, key, _ in target.records(target.next_counter - 1, target.next_counter)
        ] == ["user-hot"]
        assert sum(s.stored for s in stream.open_shards) == 1
        assert pane.child_table.cursor_key == target.shard_id
        [toast] = [t for t in toasts(app) if t.startswith("Put to clickstream\n")]
        assert f"MD5(user-hot) = {hash_key('user-hot')} → {target.shard_id}" in toast

        # ExplicitHashKey overrides the key's MD5: the top of the key space.
        await open_form(pilot, "p")
        await fill(pilot, PartitionKey="user-hot", ExplicitHashKey=str(HASH_SPACE - 1))
        await submit(pilot)
        assert stream.route(HASH_SPACE - 1).stored == 1 + (target.start_hash >= HALF)


async def test_p_with_a_bad_explicit_hash_key_is_caught_in_the_form(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await show(pilot)
        await open_form(pilot, "p")
        await fill(pilot, ExplicitHashKey="half")
        await submit(pilot)
        assert field_problem(app, "ExplicitHashKey") == "a hash key: digits 0-9"
        await fill(pilot, ExplicitHashKey=str(HASH_SPACE))
        await submit(pilot)
        assert form(app).description.startswith("InvalidArgumentException: ")
        assert console_calls(app) == [("PutRecord", "InvalidArgumentException")]


# -- SplitShard, MergeShards, UpdateShardCount ----------------------------------------


async def test_s_splits_the_highlighted_shard_at_its_midpoint(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        pane = await show(pilot)
        await highlight_shard(pilot, "shardId-000000000000")
        assert footer(app)["Split"] and footer(app)["Merge"]
        split = await open_form(pilot, "s")
        assert split.title_text == "SplitShard · shardId-000000000000"
        assert split.description.startswith(
            f"shardId-000000000000 holds hash keys 0 to {HALF - 1} (50.0% of the key space)."
        )
        assert field_value(app, "NewStartingHashKey") == str(HALF // 2)
        await submit(pilot)
        stream = clickstream(app)
        assert stream.status == "UPDATING"
        assert any(t.startswith("SplitShard\n") for t in toasts(app))

        await step(pilot, TRANSITION)
        assert stream.status == "ACTIVE"
        parent = stream.shards["shardId-000000000000"]
        assert not parent.is_open
        assert [c.shard_id for c in parent.children] == [
            "shardId-000000000002",
            "shardId-000000000003",
        ]
        assert lanes(app) == [
            ["shardId-…000", "CLOSED", "▕████████        ▏", "-"],
            ["shardId-…001", "OPEN", "▕        ████████▏", "-"],
            ["shardId-…002", "OPEN", "▕████            ▏", "…000"],
            ["shardId-…003", "OPEN", "▕    ████        ▏", "…000"],
        ]
        # The closed parent can be neither split nor merged again: the keys grey
        # out in the footer, though the cursor never moved.
        assert pane.child_table.cursor_key == "shardId-000000000000"
        await pilot.pause()
        assert not footer(app)["Split"] and not footer(app)["Merge"]
        assert not allowed(pane, "split_shard")
        assert not allowed(pane, "merge_shards")
        await pilot.press("s")
        await pilot.pause()
        assert not isinstance(screen(app), FormScreen)
        assert console_calls(app) == [("SplitShard", "")]


async def test_a_split_key_outside_the_range_is_refused_with_aws_words(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await show(pilot)
        await highlight_shard(pilot, "shardId-000000000001")
        await open_form(pilot, "s")
        await fill(pilot, NewStartingHashKey="12")
        await submit(pilot)
        refused = form(app).description
        assert refused.startswith("InvalidArgumentException: NewStartingHashKey 12 used in ")
        assert field_value(app, "NewStartingHashKey") == "12"
        await pilot.press("escape")
        await pilot.pause()
        assert len(clickstream(app).open_shards) == 2
        assert app.bugs == []


async def test_m_merges_the_highlighted_shard_with_its_open_neighbour(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await show(pilot)
        await highlight_shard(pilot, "shardId-000000000001")
        merge = await open_form(pilot, "m")
        assert merge.title_text == "MergeShards · shardId-000000000001"
        assert field_value(app, "adjacent") == "shardId-000000000000 (keys below)"
        await submit(pilot)
        await step(pilot, TRANSITION)
        stream = clickstream(app)
        (child,) = stream.open_shards
        assert child.parents() == ["shardId-000000000001", "shardId-000000000000"]
        assert lanes(app)[-1] == ["shardId-…002", "OPEN", "▕████████████████▏", "…001+…000"]
        # One open shard left: nothing to merge it with.
        await highlight_shard(pilot, "shardId-000000000002")
        assert not allowed(kinesis_pane(app), "merge_shards")
        assert allowed(kinesis_pane(app), "split_shard")


async def test_u_scales_uniformly_and_a_target_past_double_is_refused(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await show(pilot)
        scale = await open_form(pilot, "u")
        assert "the target must be from 1 to 4" in scale.description
        assert field_value(app, "TargetShardCount") == "4"
        await submit(pilot)
        await step(pilot, TRANSITION)
        stream = clickstream(app)
        assert len(stream.open_shards) == 4
        assert [(s.start_hash, s.end_hash) for s in stream.open_shards] == [
            (n * HASH_SPACE // 4, (n + 1) * HASH_SPACE // 4 - 1) for n in range(4)
        ]

        await open_form(pilot, "u")
        await fill(pilot, TargetShardCount="9")
        await submit(pilot)
        assert form(app).description.startswith(
            "LimitExceededException: UpdateShardCount cannot scale up over double"
        )
        assert len(stream.open_shards) == 4
        assert console_calls(app) == [
            ("UpdateShardCount", ""),
            ("UpdateShardCount", "LimitExceededException"),
        ]


# -- retention, consumers, delete ---------------------------------------------------------


async def test_r_increases_or_decreases_retention_by_direction(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        pane = await show(pilot)
        await open_form(pilot, "r")
        assert field_value(app, "RetentionPeriodHours") == "24"
        await fill(pilot, RetentionPeriodHours="168")
        await submit(pilot)
        assert clickstream(app).retention_hours == 168
        assert cell(pane.resource_table.shown[0], 5) == "168h"

        await open_form(pilot, "r")
        await fill(pilot, RetentionPeriodHours="48")
        await submit(pilot)
        assert clickstream(app).retention_hours == 48

        await open_form(pilot, "r")
        await fill(pilot, RetentionPeriodHours="12")
        await submit(pilot)
        assert field_problem(app, "RetentionPeriodHours") == "must be from 24 to 8,760"
        await pilot.press("escape")
        await pilot.pause()
        assert console_calls(app) == [
            ("IncreaseStreamRetentionPeriod", ""),
            ("DecreaseStreamRetentionPeriod", ""),
        ]


async def test_c_registers_an_enhanced_fan_out_consumer(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        pane = await show(pilot)
        await open_form(pilot, "c")
        await fill(pilot, ConsumerName="analytics")
        await submit(pilot)
        service = app.cloud.service(KinesisService)
        [consumer] = service.consumers_of(clickstream(app))
        assert consumer.name == "analytics"
        assert any(t.startswith("Registered analytics on clickstream\n") for t in toasts(app))
        await step(pilot, TRANSITION)
        assert consumer.status == "ACTIVE"
        detail = str(pane.detail_view.content)
        assert detail.endswith("\nanalytics · EFO · 0 read · no SubscribeToShard session")


async def test_shift_d_asks_then_deletes_the_stream_and_its_consumers(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        pane = await show(pilot)
        stream = clickstream(app)
        await app.cloud.call(
            "kinesis",
            "RegisterStreamConsumer",
            {"StreamARN": stream.arn, "ConsumerName": "a"},
            caller=PRODUCER,
        )
        await pilot.press("D")
        await pilot.pause()
        confirm = screen(app)
        assert isinstance(confirm, ConfirmScreen)
        assert confirm.question.startswith("Delete stream clickstream and the 0 records")
        assert "(a) are deregistered with it (EnforceConsumerDeletion)" in confirm.question
        await pilot.press("enter")  # the focused, default answer: No
        await settle(pilot)
        assert stream.status == "ACTIVE"

        await pilot.press("D", "y")
        await settle(pilot)
        assert stream.status == "DELETING"
        assert any(t.startswith("DeleteStream\nclickstream is DELETING") for t in toasts(app))
        await step(pilot, TRANSITION)
        assert streams(app) == {}
        assert pane.resource_table.shown == []
        assert pane.selected() is None
        assert not allowed(pane, "delete_stream")
        assert console_calls(app) == [("DeleteStream", "")]


async def test_an_aws_error_from_a_confirmed_call_is_a_notification(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await app.cloud.call("kinesis", "CreateStream", {"StreamName": "young", "ShardCount": 1})
        app.refresh_view()
        await show(pilot, "young")
        await pilot.press("D", "y")
        await settle(pilot)
        assert any(
            t.startswith("DeleteStream: ResourceInUseException\nStream young under account")
            for t in toasts(app)
        )
        assert streams(app)["young"].status == "CREATING"
        assert app.bugs == []


# -- palette, copy, go to ---------------------------------------------------------------


async def test_palette_commands_name_the_stream_and_the_shard(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        pane = await show(pilot)
        await highlight_shard(pilot, "shardId-000000000001")
        titles = [c.title for c in pane.commands()]
        assert titles == [
            "kinesis: create stream",
            "kinesis: put record to clickstream",
            "kinesis: update shard count of clickstream",
            "kinesis: change retention of clickstream",
            "kinesis: register consumer on clickstream",
            "kinesis: delete stream clickstream",
            "kinesis: copy ARN of clickstream",
            "kinesis: split shardId-…001 of clickstream",
            "kinesis: merge shardId-…001 of clickstream with a neighbour",
        ]


async def test_y_copies_the_arn_or_the_focused_shard_id(
    app: SkydeckApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=SIZE) as pilot:
        pane = await show(pilot)
        pane.resource_table.focus_table()
        await pilot.press("y")
        await pilot.pause()
        assert copied == [clickstream(app).arn]
        await highlight_shard(pilot, "shardId-000000000001")
        await pilot.press("y")
        await pilot.pause()
        assert copied[-1] == "shardId-000000000001"


async def test_enter_goes_from_the_stream_to_its_shards(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        pane = await show(pilot)
        pane.resource_table.focus_table()
        await pilot.press("enter")
        await pilot.pause()
        assert pane.child_table.table.has_focus


# -- snapshots: the demo's hot shard throttling ------------------------------------------


async def first_burst(pilot: Pilot[None]) -> None:
    """Past the edge collector's first flush (at two minutes): one shard at its limit.

    The cursor on the cold shard, so the hot one shows in its own colours.
    """
    app = skydeck(pilot)
    await app.cloud.clock.advance(30)
    await app.action_show_pane("kinesis")
    app.refresh_view()
    await pilot.pause()
    await pilot.press("enter", "down")
    app.clear_notifications()


@pytest.mark.parametrize("size", SIZES)
def test_the_hot_shard_throttling(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app = SnapshotApp(size)
    assert snap_compare(app, terminal_size=size, run_before=then(first_burst))
    ansi_only(app)
