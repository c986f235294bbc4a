"""What reaches the person: cloud events in the strip and the log, toasts for their own actions.

At 300x, toasts of MovedToDeadLetterQueue buried the counts, the palette, help
and forms. Cloud events now go to the event log (newest line in the strip,
`!` for all of it); toasts are for the person's own actions (and cloud
errors), never drawn over a dialog.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.tui.helpers import (
    PRODUCER,
    SIZE,
    AppPilot,
    form,
    queue,
    screen,
    send,
    settle,
    skydeck,
    sqs_service,
    step,
    toasts,
)
from tui.app import SkydeckApp
from tui.screens.events import EventsScreen
from widgets.form import FormScreen


async def poison(app: SkydeckApp, body: str) -> None:
    """Send a message to `orders` and receive it until its redrive policy moves it."""
    await send(app, "orders", body)
    url = sqs_service(app).queue_url(queue(app, "orders"))
    params = {"QueueUrl": url, "VisibilityTimeout": 0, "MaxNumberOfMessages": 10}
    for _ in range(4):
        await app.cloud.call("sqs", "ReceiveMessage", params, caller=PRODUCER)


async def forget_the_start(pilot: AppPilot) -> None:
    """Empty the event log of what the demo's set-up made happen (its composite alarm is
    judged as it is put, INSUFFICIENT_DATA -> OK): the test's events are then all there is."""
    await step(pilot, 0)
    skydeck(pilot).event_log.clear()


async def test_a_burst_of_dlq_moves_is_one_folded_line_in_the_strip_not_toasts(
    app: SkydeckApp,
) -> None:
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await forget_the_start(pilot)
        for n in range(12):
            await poison(app, f"poison {n}")
        await step(pilot, 1)
        assert len(queue(app, "orders-dlq")) == 12
        assert toasts(app) == []
        strip = app.strip.render().plain
        assert "MovedToDeadLetterQueue ×12" in strip
        assert "moved from order…" in strip
        assert strip.rstrip().endswith("! events (1)")


async def test_bang_opens_the_whole_log_live_and_closes_again(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await forget_the_start(pilot)
        await poison(app, "first")
        await step(pilot, 1)
        url = sqs_service(app).queue_url(queue(app, "orders-dlq"))
        await app.cloud.call("sqs", "PurgeQueue", {"QueueUrl": url}, caller=PRODUCER)
        await step(pilot, 1)
        await pilot.press("exclamation_mark")
        await pilot.pause()
        log = screen(app)
        assert isinstance(log, EventsScreen)
        kinds = [row.cells[2] for row in log.table.shown]
        assert [getattr(k, "plain", k) for k in kinds] == [
            "▲ QueuePurged",
            "▲ MovedToDeadLetterQueue",
        ]
        # Live while open: a new event shows up without reopening.
        await poison(app, "second")
        await step(pilot, 1)
        log.refresh_rows()
        await pilot.pause()
        counts = [row.cells[3] for row in log.table.shown]
        assert "×2" in counts
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(screen(app), EventsScreen)


async def test_a_toast_waits_while_a_dialog_is_open(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(form(app), FormScreen)
        app.notify("done elsewhere", title="Something finished")
        await settle(pilot)
        assert toasts(app) == []
        await pilot.press("escape")
        await step(pilot, 0)
        assert toasts(app) == ["Something finished\ndone elsewhere"]


async def test_a_cloud_error_still_toasts(app: SkydeckApp) -> None:
    from backend.bus import CloudEvent

    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.cloud.bus.publish(
            CloudEvent(app.cloud.clock.now(), "sqs", "MessageMoveTaskFailed", "it broke", "error")
        )
        await step(pilot, 0)
        assert toasts(app) == ["MessageMoveTaskFailed\nit broke"]
        assert "✖ MessageMoveTaskFailed" in app.strip.render().plain


async def test_warnings_and_errors_go_to_the_log_too(
    app: SkydeckApp, caplog: pytest.LogCaptureFixture
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        with caplog.at_level(logging.WARNING, logger="tui.app"):
            app.notify(
                "cannot listen on 127.0.0.1:4566",
                title="AWS endpoint not started",
                severity="warning",
            )
            app.notify("all good")
            await pilot.pause()
    assert [r.getMessage() for r in caplog.records] == [
        "AWS endpoint not started: cannot listen on 127.0.0.1:4566"
    ]


async def test_a_screenshot_goes_to_skydecks_folder_and_says_where(
    app: SkydeckApp, tmp_path: Path
) -> None:
    app.files = tmp_path / "skydeck"
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        saved = app.deliver_screenshot()
        await pilot.pause()
        assert saved is not None
        path = Path(saved)
        assert path.parent == tmp_path / "skydeck" / "screenshots"
        assert path.read_bytes().startswith(b"<svg")  # noqa: ASYNC240 (a test reading its file)
        assert toasts(app) == [f"Screenshot saved\n{saved}"]
