"""The frame around the panes: switching, the clock's keys, help, the palette, robustness."""

from __future__ import annotations

import pytest
from textual.command import CommandList, CommandPalette
from textual.widget import Widget
from textual.widgets import Input, Select
from textual.widgets.select import InvalidSelectValueError

from tests.tui.helpers import (
    RAIL_PLACE,
    SIZE,
    SQS_KEY,
    TRAIL_KEY,
    AppPilot,
    console_calls,
    fill,
    form,
    has_queue,
    queue,
    screen,
    screen_lines,
    select_queue,
    send,
    settle,
    sqs_pane,
    sqs_service,
    step,
    toasts,
    trail_pane,
)
from tui.app import TOAST_RACK, SkydeckApp
from tui.help import HelpScreen, reflow
from tui.panes import numbered
from widgets.confirm import ConfirmScreen
from widgets.form import FormScreen
from widgets.jump import JumpScreen


def paused(app: SkydeckApp) -> bool:
    return app.driver.paused


def header_text(app: SkydeckApp) -> str:
    return app.header.render().plain


# -- panes ------------------------------------------------------------------------


async def test_number_keys_switch_panes_and_move_focus(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        assert app.current_pane is sqs_pane(app)
        assert app.focused is sqs_pane(app).resource_table.table
        await pilot.press(TRAIL_KEY)
        await pilot.pause()
        assert app.switcher.current == "trail"
        assert app.rail.highlighted == RAIL_PLACE["trail"]
        assert app.focused is trail_pane(app).events_table.table
        await pilot.press(SQS_KEY)
        await pilot.pause()
        assert app.switcher.current == "sqs"
        assert app.rail.highlighted == RAIL_PLACE["sqs"]
        assert app.focused is sqs_pane(app).resource_table.table
        # Every number key, each to its pane, the focus inside it.
        for key, pane in numbered():
            await pilot.press(key)
            await pilot.pause()
            assert app.switcher.current == pane.pane_id, key
            assert app.rail.highlighted == RAIL_PLACE[pane.pane_id]
            assert app.focused is not None and app.current_pane in app.focused.ancestors


async def test_the_rail_switches_panes_by_mouse_and_keyboard(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        assert app.rail.display
        assert await pilot.click("#rail", offset=(3, RAIL_PLACE["trail"]))
        await pilot.pause()
        assert app.switcher.current == "trail"
        app.rail.focus()
        await pilot.press("home", "enter")
        await pilot.pause()
        assert app.switcher.current == "sqs"


async def test_below_100_columns_the_rail_folds_away_and_keys_still_switch(
    app: SkydeckApp,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        assert not app.rail.display
        await pilot.press(TRAIL_KEY)
        await pilot.pause()
        assert app.switcher.current == "trail"


async def test_the_footer_ends_with_the_palette_key_on_every_pane_at_80_columns(
    app: SkydeckApp,
) -> None:
    """Keys that overflow a narrow footer run on under the docked palette key; its last
    cell showed one of them through ("^p Palettea")."""
    async with app.run_test(size=(80, 24)) as pilot:
        for key, pane in numbered():
            await pilot.press(key)
            await pilot.pause()
            assert screen_lines(app)[-1].rstrip().endswith("▏^p Palette"), pane.pane_id


# -- the clock --------------------------------------------------------------------


def footer_keys(app: SkydeckApp) -> dict[str, str]:
    """What the footer shows: key -> description, read off the footer's own key widgets.

    Not from the screen's active bindings, which are computed afresh on each
    look: the footer only redraws when told to, and once showed "Pause" while
    paused because nobody told it.
    """
    keys: dict[str, str] = {}
    for item in app.query("FooterKey"):
        key, _, description = str(item.render()).strip().partition(" ")
        keys.setdefault(key, description.strip())
    return keys


async def test_space_pauses_and_resumes_and_the_header_says_so(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        # A test app starts paused: only the test moves its clock.
        await pilot.pause()
        assert paused(app)
        assert "‖    1x paused" in header_text(app)
        assert footer_keys(app)["space"] == "Resume"
        await pilot.press("space")
        await pilot.pause()
        assert not paused(app)
        assert app.header.state.paused is False
        assert "▶    1x" in header_text(app)
        assert footer_keys(app)["space"] == "Pause"
        await pilot.press("space")
        await pilot.pause()
        assert paused(app)
        assert "‖    1x paused" in header_text(app)
        assert footer_keys(app)["space"] == "Resume"


async def test_plus_and_minus_step_the_speed_within_its_bounds(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("plus")
        await pilot.pause()
        assert app.driver.speed == 2.0
        assert app.header.state.speed == "2x"
        await pilot.press("equals_sign", "plus")
        await pilot.pause()
        assert app.header.state.speed == "10x"
        await pilot.press("minus", "minus", "minus", "minus")
        await pilot.pause()
        assert app.header.state.speed == "0.5x"
        assert "0.5x" in header_text(app)
        await pilot.press("minus", "minus", "minus")
        await pilot.pause()
        assert app.driver.speed == 0.1
        app.driver.speed = 300.0
        await pilot.press("plus", "plus")
        await pilot.pause()
        assert app.driver.speed == 1000.0
        assert app.header.state.speed == "1000x"


async def test_the_header_shows_simulated_time(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        assert app.header.state.time == "09:00:00"
        assert app.header.state.date == "2026-11-29"
        await step(pilot, 3725)
        assert app.header.state.time == "10:02:05"
        assert "sim 2026-11-29 10:02:05" in header_text(app)


# -- help and the palette -----------------------------------------------------------


async def test_question_mark_lists_the_keys_of_the_pane(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = screen(app)
        assert isinstance(help_screen, HelpScreen)
        assert help_screen.pane == "SQS"
        keys = dict(help_screen.rows)
        assert keys["n"] == "CreateQueue: a standard or FIFO queue"
        assert keys["P"] == "PurgeQueue (asks first)"
        for key in (
            "s",
            "r",
            "d",
            "v",
            "D",
            "a",
            "/",
            "o",
            "O",
            "space",
            "+",
            "-",
            "?",
            SQS_KEY,
            "q",
        ):
            assert key in keys, key
        assert keys["⏎"] == "Open: a queue's messages, or all of a message"
        assert keys["space"] == "Resume simulated time"
        assert "e" not in keys
        # Only skydeck's own keys: Textual's generic ones (^q, scrolling, ^c) would push
        # them out of an 80x24 box; the arrows get a line of their own.
        assert not {"^q", "^c", "↑", "tab"} & set(keys)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(screen(app), HelpScreen)

        await pilot.press(TRAIL_KEY, "question_mark")
        await pilot.pause()
        help_screen = screen(app)
        assert isinstance(help_screen, HelpScreen)
        assert help_screen.pane == "Trail"
        keys = dict(help_screen.rows)
        assert keys["e"].startswith("Add the data events")
        assert "P" not in keys
        await pilot.press("question_mark")
        await pilot.pause()
        assert not isinstance(screen(app), HelpScreen)


def test_help_text_is_reflowed_to_the_box_keeping_paragraphs() -> None:
    text = "A queue holds\nmessages until\n  deleted.\n\nFIFO queues\ndeliver in order.\n"
    assert reflow(text) == "A queue holds messages until deleted.\n\nFIFO queues deliver in order."


async def palette_titles(pilot: AppPilot, query: str) -> list[str]:
    """Type `query` into the open command palette; the titles of what it found."""
    palette = pilot.app.screen
    assert isinstance(palette, CommandPalette)
    palette.query_one(Input).value = query
    for _ in range(5):
        await pilot.pause()
    return [str(o.prompt).split("\n")[0] for o in palette.query_one(CommandList).options]


async def test_ctrl_p_lists_the_commands_on_the_highlighted_queue_and_runs_them(
    app: SkydeckApp,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await select_queue(pilot, "orders")
        await pilot.press(TRAIL_KEY, "ctrl+p")
        await pilot.pause()
        assert isinstance(screen(app), CommandPalette)
        titles = await palette_titles(pilot, "sqs: purge")
        # Only the highlighted queue: one command per queue made every keystroke list them all.
        assert titles == ["sqs: purge orders"]
        assert "sqs: redrive orders" not in await palette_titles(pilot, "redrive")

        await palette_titles(pilot, "sqs: purge")
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_pane is sqs_pane(app)
        confirm = screen(app)
        assert isinstance(confirm, ConfirmScreen)
        assert confirm.question.startswith("Purge orders?")
        await pilot.press("n")
        await settle(pilot)
        assert console_calls(app) == []

        await select_queue(pilot, "orders-dlq")
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert await palette_titles(pilot, "redrive") == ["sqs: redrive orders-dlq"]
        await pilot.press("escape")


async def test_ctrl_p_offers_delete_for_a_message_you_hold(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        sent = await send(app, "orders", "work")
        await select_queue(pilot, "orders")
        await pilot.press("r", "ctrl+s")
        await settle(pilot)
        assert sent in sqs_pane(app).console.receipts
        await pilot.press(TRAIL_KEY, "ctrl+p")
        await pilot.pause()
        titles = await palette_titles(pilot, f"delete message {sent[:8]}")
        assert titles[0] == f"sqs: delete message {sent[:8]} from orders"
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_pane is sqs_pane(app)
        assert queue(app, "orders").message(sent) is None


# -- robustness ---------------------------------------------------------------------


async def test_a_queue_deleted_under_an_open_form_is_an_aws_error_in_the_form(
    app: SkydeckApp,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await select_queue(pilot, "orders")
        await pilot.press("s")
        await pilot.pause()
        url = sqs_service(app).queue_url(queue(app, "orders"))
        await app.cloud.call("sqs", "DeleteQueue", {"QueueUrl": url})
        await fill(pilot, MessageBody="too late")
        await pilot.press("ctrl+s")
        await settle(pilot)
        again = form(app)
        assert again.description.startswith("QueueDoesNotExist: ")
        assert again.query_one("#field-MessageBody", Input).value == "too late"
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(screen(app), FormScreen)
        assert not has_queue(app, "orders")


async def test_a_long_poll_on_a_queue_deleted_while_waiting_ends_quietly(
    app: SkydeckApp,
) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await select_queue(pilot, "orders")
        await pilot.press("r")
        await pilot.pause()
        await fill(pilot, WaitTimeSeconds="20")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert sqs_pane(app).console.receiving
        url = sqs_service(app).queue_url(queue(app, "orders"))
        await app.cloud.call("sqs", "DeleteQueue", {"QueueUrl": url})
        await step(pilot, 20)
        assert not sqs_pane(app).console.receiving
        assert any(t.startswith("Received nothing from orders") for t in toasts(app))


async def test_the_dlq_choices_follow_the_queue_type(app: SkydeckApp) -> None:
    """A FIFO queue's dead-letter queue must be FIFO too: only those are offered."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        dlq = form(app).query_one("#field-dlq", Select)
        dlq.value = "orders-dlq"
        with pytest.raises(InvalidSelectValueError):
            dlq.value = "payments.fifo"
        await fill(pilot, name="jobs.fifo", type="fifo")
        await pilot.pause()
        assert dlq.value == "(none)"
        with pytest.raises(InvalidSelectValueError):
            dlq.value = "orders-dlq"
        await fill(pilot, dlq="payments.fifo")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert has_queue(app, "jobs.fifo")
        redrive = queue(app, "jobs.fifo").redrive
        assert redrive is not None
        assert redrive.dead_letter_target_arn.endswith(":payments.fifo")


async def test_a_refresh_tick_after_the_app_closed_does_nothing(app: SkydeckApp) -> None:
    """Textual removes the screens before it stops the app's timers: a tick in between
    must not reach the half-removed panes (it used to report a bug on every quit)."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
    assert not app.is_running
    app.refresh_view()
    assert app.bugs == []


# -- : go to ------------------------------------------------------------------------


def go_to_box(app: SkydeckApp) -> Input:
    box = screen(app)
    assert isinstance(box, JumpScreen), f"expected the go-to box, got {box!r}"
    return box.input


async def test_colon_completes_a_pane_name_and_enter_goes_there(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon")
        await pilot.pause()  # the box opens and takes the focus first
        await pilot.press("t", "r")
        await pilot.pause()
        box = go_to_box(app)
        # The completion is drawn after the text typed, in the box itself.
        assert box.render_line(0).text.startswith("trail")
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(screen(app), JumpScreen)
        assert app.switcher.current == "trail"
        assert app.focused is trail_pane(app).events_table.table

        # From another pane, an alias, completed with tab.
        await pilot.press("colon")
        await pilot.pause()  # the box opens and takes the focus first
        await pilot.press("q", "u", "tab")
        await pilot.pause()
        assert go_to_box(app).value == "queues"
        await pilot.press("enter")
        await pilot.pause()
        assert app.switcher.current == "sqs"


async def test_colon_with_a_resource_name_selects_it(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press(TRAIL_KEY, "colon", *"sqs payments.fifo", "enter")
        await pilot.pause()
        assert app.current_pane is sqs_pane(app)
        selected = sqs_pane(app).selected()
        assert selected is not None and selected.name == "payments.fifo"

        await pilot.press("colon")

        await pilot.pause()  # the box opens and takes the focus first

        await pilot.press(*"sqs nothing-here", "enter")
        await pilot.pause()
        assert any(
            t.startswith("Go to\nSQS has nothing called 'nothing-here'") for t in toasts(app)
        )


async def test_an_unknown_name_is_a_notification_and_esc_goes_nowhere(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("colon")
        await pilot.pause()  # the box opens and takes the focus first
        await pilot.press(*"zzz", "enter")
        await pilot.pause()
        assert app.current_pane is sqs_pane(app)
        [toast] = toasts(app)
        assert toast.startswith("Go to\nThere is no 'zzz' pane: ")
        assert "trail" in toast

        await pilot.press("colon")

        await pilot.pause()  # the box opens and takes the focus first

        await pilot.press("t", "escape")
        await pilot.pause()
        assert not isinstance(screen(app), JumpScreen)
        assert app.current_pane is sqs_pane(app)
        assert app.focused is sqs_pane(app).resource_table.table


def shown(widget: Widget) -> bool:
    """Read afresh: mypy would otherwise keep an earlier assert's narrowing."""
    return bool(widget.display)


async def test_a_toast_shown_before_a_dialog_opens_does_not_cover_it(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.notify("alarm orders-backlog: OK → ALARM", title="AlarmStateChange")
        await pilot.pause()
        beneath = app.screen
        rack = beneath.query_one(TOAST_RACK)
        assert shown(rack) and rack.children
        await pilot.press("n")
        await pilot.pause()
        app.refresh_view()
        await pilot.pause()
        assert isinstance(screen(app), FormScreen)
        assert not shown(rack)
        assert not any(shown(r) for r in screen(app).query(TOAST_RACK))
        await pilot.press("escape")
        await pilot.pause()
        app.refresh_view()
        await pilot.pause()
        assert shown(rack) and rack.children
