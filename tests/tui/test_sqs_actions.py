"""The SQS pane's newer actions: a message's detail, DLQ redrive, and honest feedback."""

from __future__ import annotations

import json

from textual.widgets import Static, Tab, TextArea

from backend.services.sqs.move_tasks import Status
from tests.tui.helpers import (
    PRODUCER,
    SIZE,
    fill,
    queue,
    screen,
    select_queue,
    send,
    settle,
    sqs_pane,
    sqs_service,
    step,
    submit,
    toasts,
)
from tests.tui.test_news import poison
from tui.app import SkydeckApp
from tui.screens.message import MessageScreen
from widgets.confirm import ConfirmScreen
from widgets.form import FormScreen


async def test_enter_on_a_queue_goes_to_its_messages_and_on_a_message_opens_it(
    app: SkydeckApp,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        body = json.dumps({"order": 1288, "sku": "A-17", "qty": 2})
        await send(
            app,
            "orders",
            body,
            MessageAttributes={"colour": {"DataType": "String", "StringValue": "blue"}},
        )
        url = sqs_service(app).queue_url(queue(app, "orders"))
        await app.cloud.call("sqs", "ReceiveMessage", {"QueueUrl": url}, caller=PRODUCER)
        await select_queue(pilot, "orders")
        pane = sqs_pane(app)
        await pilot.press("enter")
        await pilot.pause()
        assert pane.child_table.table.has_focus
        await pilot.press("enter")
        await pilot.pause()
        detail = screen(app)
        assert isinstance(detail, MessageScreen)
        text = detail.query_one(TextArea).text
        assert text == json.dumps(json.loads(body), indent=2)
        heading = detail.query_one(".message--heading", Static)
        assert "· orders · in flight, visible again in 30s" in str(heading.render())
        tabs = [str(tab.label) for tab in detail.query(Tab)]
        assert tabs == [
            f"Body ({len(body)} characters)",
            "Attributes (1)",
            "System attributes",
            "Receives (1)",
        ]
        # Live: once its visibility timeout ends, the heading's next tick says so.
        await step(pilot, 31)
        detail.refresh_heading()
        await pilot.pause()
        assert str(heading.render()).endswith("· orders · visible")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(screen(app), MessageScreen)


async def test_a_fifo_send_dropped_as_a_duplicate_says_so(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await select_queue(pilot, "payments.fifo")
        for _ in range(2):
            await pilot.press("s")
            await pilot.pause()
            await fill(pilot, MessageBody="pay 5", MessageGroupId="c-1")
            await submit(pilot)
        assert len(queue(app, "payments.fifo")) == 1
        first, second = toasts(app)[-2:]
        assert first.startswith("Sent to payments.fifo")
        assert second.startswith("Deduplicated, not sent to payments.fifo")


async def test_deleting_a_dead_letter_queue_warns_about_its_sources(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await select_queue(pilot, "orders-dlq")
        await pilot.press("D")
        await pilot.pause()
        confirm = screen(app)
        assert isinstance(confirm, ConfirmScreen)
        assert "orders-dlq is the dead-letter queue of orders." in confirm.question
        await pilot.press("escape")
        await pilot.pause()
        await select_queue(pilot, "orders")
        await pilot.press("D")
        await pilot.pause()
        confirm = screen(app)
        assert isinstance(confirm, ConfirmScreen)
        assert "dead-letter queue of" not in confirm.question


async def test_r_redrives_a_dlq_back_to_its_source_live_and_again_cancels(
    app: SkydeckApp,
) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        for n in range(5):
            await poison(app, f"poison {n}")
        await select_queue(pilot, "orders")
        await pilot.press("R")
        await pilot.pause()
        assert not isinstance(screen(app), FormScreen), "R does nothing on a queue that is no DLQ"

        await select_queue(pilot, "orders-dlq")
        await pilot.press("R")
        await pilot.pause()
        await fill(pilot, rate="2")
        await submit(pilot)
        sqs = sqs_service(app)
        [task] = sqs.move_tasks(queue(app, "orders-dlq").arn)
        assert (task.status, task.to_move, task.max_per_second) == (Status.RUNNING, 5, 2)
        settings = str(sqs_pane(app).detail_view.render())
        assert "redrive RUNNING 0 of 5 at 2/s" in settings

        await step(pilot, 0)
        settings = str(sqs_pane(app).detail_view.render())
        assert "redrive RUNNING 2 of 5 at 2/s" in settings
        assert len(queue(app, "orders")) == 2

        await pilot.press("R")
        await pilot.pause()
        assert isinstance(screen(app), ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        await step(pilot, 5)
        [task] = sqs.move_tasks(queue(app, "orders-dlq").arn)
        assert task.status is Status.CANCELLED
        assert (len(queue(app, "orders")), len(queue(app, "orders-dlq"))) == (2, 3)
        assert any(t.startswith("Redrive of orders-dlq cancelled") for t in toasts(app))
