"""The SQS pane driven by its keys, checked against what the cloud did.

Each test presses the keys a person would, then asserts on the queues and
messages in the cloud, on the pane's tables and on the toasts on screen.
"""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.widget import Widget
from textual.widgets import Input

from backend.identity import role
from backend.services.sqs.message import State
from tests.tui.helpers import (
    SIZE,
    console_calls,
    field_problem,
    field_value,
    fill,
    form,
    has_queue,
    queue,
    queue_count,
    screen,
    screen_lines,
    select_queue,
    send,
    settle,
    sqs_pane,
    sqs_service,
    step,
    submit,
    toasts,
)
from tui.app import SkydeckApp
from widgets.confirm import ConfirmScreen
from widgets.form import FormScreen
from widgets.live_table import Row


def confirm_question(app: SkydeckApp) -> str:
    confirm = screen(app)
    assert isinstance(confirm, ConfirmScreen)
    return confirm.question


def state_of(app: SkydeckApp, name: str, message_id: str) -> State:
    message = queue(app, name).message(message_id)
    assert message is not None
    return message.state


def long_polling(app: SkydeckApp) -> bool:
    return bool(sqs_pane(app).console.receiving)


def cell(row: Row, index: int) -> str:
    value = row.cells[index]
    return value.plain if isinstance(value, Text) else value


# -- CreateQueue --------------------------------------------------------------------


async def test_n_creates_a_queue_from_the_form_and_selects_it(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert form(app).title_text == "CreateQueue"
        await pilot.press(*"audit-log")
        await fill(pilot, VisibilityTimeout="45", dlq="orders-dlq", maxReceiveCount="5")
        await submit(pilot)

        assert not isinstance(screen(app), FormScreen)
        created = queue(app, "audit-log")
        assert created.visibility_timeout == 45
        assert created.redrive is not None
        assert created.redrive.max_receive_count == 5
        assert created.redrive.dead_letter_target_arn == queue(app, "orders-dlq").arn
        pane = sqs_pane(app)
        assert pane.resource_table.cursor_key == created.arn
        assert "audit-log" in [cell(r, 0) for r in pane.resource_table.shown]
        assert any(t.startswith("Created audit-log\n") for t in toasts(app))
        assert console_calls(app) == [("CreateQueue", "")]


async def test_n_with_a_fifo_type_creates_a_fifo_queue(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await fill(pilot, name="jobs.fifo", type="fifo")
        await submit(pilot)
        assert queue(app, "jobs.fifo").fifo


async def test_a_bad_name_shows_the_aws_error_and_the_form_keeps_the_values(
    app: SkydeckApp,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"bad name!")
        await fill(pilot, VisibilityTimeout="45", DelaySeconds="5")
        await submit(pilot)

        again = form(app)
        assert again.description.startswith("InvalidParameterValue: ")
        assert "alphanumeric characters, hyphens, or underscores" in again.description
        assert field_value(app, "name") == "bad name!"
        assert field_value(app, "VisibilityTimeout") == "45"
        assert field_value(app, "DelaySeconds") == "5"
        assert not has_queue(app, "bad name!")
        assert console_calls(app) == [("CreateQueue", "InvalidParameterValue")]

        # Corrected in place, the same form creates it with what was kept.
        again.query_one("#field-name", Input).value = "good-name"
        await submit(pilot)
        assert not isinstance(screen(app), FormScreen)
        good = queue(app, "good-name")
        assert (good.visibility_timeout, good.delay_seconds) == (45, 5)


async def test_a_value_out_of_range_is_caught_before_any_call(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await fill(pilot, name="q", VisibilityTimeout="abc", DelaySeconds="901")
        await submit(pilot)
        digits_only = "a whole number from 0 to 43,200, in digits 0-9"
        assert field_problem(app, "VisibilityTimeout") == digits_only
        assert field_problem(app, "DelaySeconds") == "must be from 0 to 900"
        assert field_problem(app, "name") == ""
        assert app.screen.focused is form(app).query_one("#field-VisibilityTimeout")
        assert console_calls(app) == []

        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(screen(app), FormScreen)
        assert not has_queue(app, "q")


# -- SendMessage --------------------------------------------------------------------


async def test_s_sends_to_a_standard_queue(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await select_queue(pilot, "orders")
        await pilot.press("s")
        await pilot.pause()
        assert form(app).title_text == "SendMessage → orders"
        await fill(pilot, MessageBody='{"order": 7}', attributes="source=test, tier=gold")
        await submit(pilot)

        [message] = queue(app, "orders").peek(10)
        assert message.body == '{"order": 7}'
        assert message.attributes["source"]["StringValue"] == "test"
        assert message.attributes["tier"]["StringValue"] == "gold"
        assert message.state is State.VISIBLE
        rows = sqs_pane(app).child_table.shown
        assert [r.key for r in rows] == [message.message_id]
        assert [cell(rows[0], i) for i in (1, 2, 3)] == ["visible", "0", '{"order": 7}']
        assert any(t.startswith("Sent to orders\nMessageId ") for t in toasts(app))

        await pilot.press("s")
        await pilot.pause()
        await fill(pilot, MessageBody="later", DelaySeconds="30")
        await submit(pilot)
        delayed = [m for m in queue(app, "orders").peek(10) if m.body == "later"]
        assert [m.state for m in delayed] == [State.DELAYED]


async def test_s_sends_to_a_fifo_queue_with_its_group(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await select_queue(pilot, "payments.fifo")
        await pilot.press("s")
        await pilot.pause()
        await fill(pilot, MessageGroupId="customer-9")
        await submit(pilot)

        [message] = queue(app, "payments.fifo").peek(10)
        assert message.group_id == "customer-9"
        assert message.sequence_number is not None
        table = sqs_pane(app).child_table
        assert [c.label for c in table.table.columns][:4] == ["id", "state", "rcv", "group"]
        assert cell(table.shown[0], 3) == "customer-9"

        # A FIFO message needs its group: the form says so and sends nothing.
        await pilot.press("s")
        await pilot.pause()
        await fill(pilot, MessageGroupId="  ")
        await submit(pilot)
        assert field_problem(app, "MessageGroupId") == "required"
        assert len(queue(app, "payments.fifo")) == 1


# -- ReceiveMessage -----------------------------------------------------------------


async def test_r_short_poll_receives_and_holds_the_receipt(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        first = await send(app, "orders", "one")
        await send(app, "orders", "two")
        await select_queue(pilot, "orders")
        await pilot.press("r")
        await pilot.pause()
        assert field_value(app, "WaitTimeSeconds") == "0"
        await submit(pilot)

        message = queue(app, "orders").message(first)
        assert message is not None
        assert message.state is State.INFLIGHT
        pane = sqs_pane(app)
        assert set(pane.console.receipts) == {first}
        assert pane.child_table.cursor_key == first
        row = pane.child_table.shown[0]
        assert cell(row, 1).startswith("in flight ████████")
        assert cell(row, 2) == "●1"
        assert any(t.startswith("Received 1 from orders\n") for t in toasts(app))

        # The bar runs down on the virtual clock: 30 s timeout, 15 s later half gone.
        await step(pilot, 15)
        assert cell(pane.child_table.shown[0], 1) == "in flight ████░░░░ 15s"


async def test_r_on_an_empty_queue_is_an_empty_receive(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await select_queue(pilot, "orders")
        await pilot.press("r")
        await pilot.pause()
        await submit(pilot)
        assert queue(app, "orders").counters.empty_receives == 1
        assert sqs_pane(app).console.receipts == {}
        assert any(t.startswith("Received nothing from orders\n") for t in toasts(app))
        assert console_calls(app) == [("ReceiveMessage", "")]


async def test_r_long_poll_waits_visibly_and_returns_when_a_message_arrives(
    app: SkydeckApp,
) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        pane = sqs_pane(app)
        await select_queue(pilot, "notifications-long")
        await pilot.press("r")
        await pilot.pause()
        await fill(pilot, WaitTimeSeconds="20")
        await submit(pilot)
        app.refresh_view()
        await pilot.pause()
        assert long_polling(app)
        assert pane.child_table.title.endswith("long poll waiting… 20s left")

        await step(pilot, 5)
        assert pane.child_table.title.endswith("long poll waiting… 15s left")
        assert console_calls(app) == []

        sent = await send(app, "notifications-long", "wake up")
        await settle(pilot)
        app.refresh_view()
        await pilot.pause()
        assert not long_polling(app)
        assert "waiting" not in pane.child_table.title
        assert set(pane.console.receipts) == {sent}
        message = queue(app, "notifications-long").message(sent)
        assert message is not None
        assert message.state is State.INFLIGHT
        assert any(t.startswith("Received 1 from notifications-long") for t in toasts(app))


async def test_r_long_poll_returns_empty_when_wait_time_passes(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        pane = sqs_pane(app)
        start = app.cloud.clock.now()
        await select_queue(pilot, "orders")
        await pilot.press("r")
        await pilot.pause()
        await fill(pilot, WaitTimeSeconds="20")
        await submit(pilot)

        # Said at once, where the person looks: the poll is waiting, for how long.
        [started] = toasts(app)
        assert started.startswith("ReceiveMessage long poll on orders\nWaiting up to 20 s")
        await step(pilot, 19)
        assert pane.child_table.title.endswith("long poll waiting… 1s left")
        assert toasts(app) == [started]

        await step(pilot, 1)
        assert not long_polling(app)
        assert "waiting" not in pane.child_table.title
        assert any(t.startswith("Received nothing from orders") for t in toasts(app))
        [entry] = app.cloud.trail.data
        assert (entry.action, entry.time) == ("ReceiveMessage", start + 20)
        assert queue(app, "orders").counters.empty_receives == 1


# -- DeleteMessage and ChangeMessageVisibility ----------------------------------------


async def test_d_deletes_the_message_you_received(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        sent = await send(app, "orders", "work")
        await send(app, "orders", "other work")
        await select_queue(pilot, "orders")
        await pilot.press("r")
        await pilot.pause()
        await submit(pilot)
        assert sqs_pane(app).child_table.cursor_key == sent

        await pilot.press("d")
        await settle(pilot)
        assert queue(app, "orders").message(sent) is None
        assert len(queue(app, "orders")) == 1
        assert sqs_pane(app).console.receipts == {}
        assert sent not in [r.key for r in sqs_pane(app).child_table.shown]
        assert any(t.startswith("DeleteMessage\n") for t in toasts(app))
        assert console_calls(app)[-1] == ("DeleteMessage", "")


async def test_v_changes_visibility_and_0_makes_it_visible(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        sent = await send(app, "orders", "work")
        await select_queue(pilot, "orders")
        await pilot.press("r")
        await pilot.pause()
        await submit(pilot)

        await pilot.press("v")
        await pilot.pause()
        await fill(pilot, VisibilityTimeout="120")
        await submit(pilot)
        assert state_of(app, "orders", sent) is State.INFLIGHT
        message = queue(app, "orders").message(sent)
        assert message is not None
        assert message.deadline == app.cloud.clock.now() + 120
        await step(pilot, 60)
        assert state_of(app, "orders", sent) is State.INFLIGHT

        await pilot.press("v")
        await pilot.pause()
        assert field_value(app, "VisibilityTimeout") == "0"
        await submit(pilot)
        assert state_of(app, "orders", sent) is State.VISIBLE
        assert cell(sqs_pane(app).child_table.shown[0], 1) == "visible"
        assert console_calls(app)[-2:] == [
            ("ChangeMessageVisibility", ""),
            ("ChangeMessageVisibility", ""),
        ]


async def test_d_and_v_on_a_message_you_did_not_receive_warn_and_change_nothing(
    app: SkydeckApp,
) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        # A worker receives the first message: it is in flight, but its handle isn't ours.
        other = await send(app, "orders", "received by a worker")
        url = sqs_service(app).queue_url(queue(app, "orders"))
        await app.cloud.call("sqs", "ReceiveMessage", {"QueueUrl": url}, caller=role("worker"))
        mine = await send(app, "orders", "visible")
        await select_queue(pilot, "orders")
        app.refresh_view()
        await pilot.pause()
        pane = sqs_pane(app)
        for message_id in (mine, other):
            assert pane.child_table.table.move_to_key(message_id)
            await pilot.pause()
            calls = console_calls(app)
            await pilot.press("d")
            await settle(pilot)
            await pilot.press("v")
            await settle(pilot)
            assert not isinstance(screen(app), FormScreen)
            assert console_calls(app) == calls
        assert len(queue(app, "orders")) == 2
        warnings = [t for t in toasts(app) if t.startswith("No receipt handle\n")]
        assert len(warnings) == 4
        assert "receive it first (r)" in warnings[0]


# -- PurgeQueue and DeleteQueue -------------------------------------------------------


async def test_p_purge_asks_first_and_a_second_purge_within_60s_is_refused(
    app: SkydeckApp,
) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        for n in range(3):
            await send(app, "orders", f"order {n}")
        await select_queue(pilot, "orders")

        await pilot.press("P")
        await pilot.pause()
        assert isinstance(screen(app), ConfirmScreen)
        assert confirm_question(app).startswith("Purge orders? Its 3 messages are deleted")
        await pilot.press("enter")  # the focused, default answer: No
        await settle(pilot)
        await pilot.press("P", "n")
        await settle(pilot)
        assert not isinstance(screen(app), ConfirmScreen)
        assert len(queue(app, "orders")) == 3
        assert console_calls(app) == []

        await pilot.press("P", "y")
        await settle(pilot)
        assert len(queue(app, "orders")) == 0
        assert sqs_pane(app).child_table.shown == []
        assert console_calls(app) == [("PurgeQueue", "")]

        await send(app, "orders", "after the purge")
        await step(pilot, 30)
        await pilot.press("P", "y")
        await settle(pilot)
        assert len(queue(app, "orders")) == 1
        assert console_calls(app)[-1] == ("PurgeQueue", "PurgeQueueInProgress")
        assert any(t.startswith("PurgeQueue: PurgeQueueInProgress\n") for t in toasts(app))

        await step(pilot, 31)
        await pilot.press("P", "y")
        await settle(pilot)
        assert len(queue(app, "orders")) == 0


async def test_shift_d_deletes_the_queue_after_asking(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await send(app, "notifications-short", "hello")
        await select_queue(pilot, "notifications-short")
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(screen(app), ConfirmScreen)
        assert confirm_question(app) == "Delete queue notifications-short and its 1 messages?"
        await pilot.press("escape")
        await settle(pilot)
        assert has_queue(app, "notifications-short")

        await pilot.press("D", "y")
        await settle(pilot)
        assert not has_queue(app, "notifications-short")
        pane = sqs_pane(app)
        assert "notifications-short" not in [cell(r, 0) for r in pane.resource_table.shown]
        assert pane.selected() is not None
        assert any(t.startswith("DeleteQueue\nnotifications-short deleted") for t in toasts(app))


# -- delivery -------------------------------------------------------------------------


def exact(app: SkydeckApp) -> bool:
    return sqs_service(app).delivery.exact


async def test_a_toggles_at_least_once_delivery(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        delivery = sqs_service(app).delivery
        assert exact(app)
        await pilot.press("a")
        await settle(pilot)
        assert not exact(app)
        assert (delivery.duplicate_rate, delivery.reorder_window) == (0.02, 4)
        assert delivery.short_poll_sample == 0.5
        assert any(t.startswith("At-least-once delivery on\n") for t in toasts(app))
        await pilot.press("a")
        await settle(pilot)
        assert exact(app)
        assert any(t.startswith("At-least-once delivery off\n") for t in toasts(app))


# -- the queue table: filter and sort --------------------------------------------------


def shown(widget: Widget) -> bool:
    return widget.display


def focused(app: SkydeckApp) -> Widget | None:
    return app.focused


def queue_names(app: SkydeckApp) -> list[str]:
    return [cell(r, 0) for r in sqs_pane(app).resource_table.shown]


async def test_slash_filters_the_queues_and_escape_clears(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        table = sqs_pane(app).resource_table
        assert len(queue_names(app)) == queue_count(app)
        await pilot.press("slash")
        await pilot.pause()
        box = table.query_one(Input)
        assert shown(box)
        assert focused(app) is box
        await pilot.press(*"^pay")
        await pilot.pause()
        assert queue_names(app) == ["payments.fifo"]
        title = str(table.query_one(".resource-table--title").render())
        assert f"/^pay  1 of {queue_count(app)}" in title

        every = sorted(q.name for q in sqs_service(app).queues.values())
        box.value = ""
        await pilot.press(*"!orders")
        await pilot.pause()
        others = [name for name in every if "orders" not in name]
        assert "payments.fifo" in others
        assert queue_names(app) == others

        # The filter holds across refreshes, as new rows come in.
        app.refresh_view()
        await pilot.pause()
        assert queue_names(app) == others

        await pilot.press("escape")
        await pilot.pause()
        assert len(queue_names(app)) == queue_count(app)
        assert not shown(box)
        assert focused(app) is table.table


async def test_o_sorts_by_the_next_column_and_shift_o_reverses(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await send(app, "orders-dlq", "dead")
        for n in range(3):
            await send(app, "payments.fifo", f"p{n}", MessageGroupId="g")
        app.refresh_view()
        await pilot.pause()
        names = sorted(queue_names(app))

        await pilot.press("o")
        await pilot.pause()
        assert queue_names(app) == names
        header = sqs_pane(app).resource_table.table.render_line(0).text
        assert "▲name" in header
        await pilot.press("O")
        await pilot.pause()
        assert queue_names(app) == names[::-1]
        assert "▼name" in sqs_pane(app).resource_table.table.render_line(0).text

        # type, then visible (descending, still reversed): the busiest queue first.
        await pilot.press("o", "o")
        await pilot.pause()
        assert queue_names(app)[:2] == ["payments.fifo", "orders-dlq"]
        await pilot.press("O")
        await pilot.pause()
        assert queue_names(app)[-2:] == ["orders-dlq", "payments.fifo"]


async def test_y_copies_the_queue_url_or_the_focused_message_body(
    app: SkydeckApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await select_queue(pilot, "orders")
        await pilot.press("y")
        await pilot.pause()
        assert copied == ["https://sqs.us-east-1.amazonaws.com/123456789012/orders"]
        await send(app, "orders", "copy me")
        app.refresh_view()
        sqs_pane(app).child_table.focus_table()
        await pilot.press("y")
        await pilot.pause()
        assert copied[-1] == "copy me"
        assert any("Copied body of" in t for t in toasts(app))


# -- layout ---------------------------------------------------------------------------


async def test_the_demos_nine_queues_fit_the_sqs_pane_at_80x24(app: SkydeckApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        for n in range(20):
            await send(app, "orders", f"m{n}")
        await select_queue(pilot, "orders")
        app.refresh_view()
        await pilot.pause()
        lines = screen_lines(app)
        for name in queue_names(app):
            assert any(line[1:].startswith(name + " ") for line in lines), name
        assert len(queue_names(app)) == queue_count(app)
        # The header and at least five messages.
        assert sqs_pane(app).child_table.table.size.height >= 6
