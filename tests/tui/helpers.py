"""Small helpers that keep the dashboard tests about behaviour rather than plumbing.

Time moves only when a test says so: the app runs with `realtime=False`, and
`step` advances the virtual clock, pulls the new state into the widgets and
lets the app process what that posted. Nothing here sleeps on the wall clock.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from typing import Any

from rich.json import JSON
from textual.app import App
from textual.content import Content
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Select, Static

from backend.identity import role
from backend.scenarios import Scenario, load_scenario
from backend.services.sqs import Queue, SqsService
from tui.app import SkydeckApp
from tui.panes import PANES, numbered
from tui.screens.sqs import SqsPane
from tui.screens.trail import TrailPane
from widgets.form import FormScreen

AppPilot = Pilot[None]

#: Who sends the tests' own messages, so the console's calls are only the dashboard's.
PRODUCER = role("test-producer")
#: Big enough for the rail (the app folds it away below 100 columns).
SIZE = (120, 36)
#: The number keys of the panes the tests visit, and their places on the rail, from
#: the registry: a pane added before them moves them.
KEYS = {pane.pane_id: key for key, pane in numbered()}
SQS_KEY, TRAIL_KEY = KEYS["sqs"], KEYS["trail"]
RAIL_PLACE = {pane.pane_id: index for index, pane in enumerate(PANES)}


def quiet_demo() -> Scenario:
    """The demo's resources without its actors and without its EC2 network (whose
    instances boot, and say so on the strip, on their own): only the test acts."""
    demo = load_scenario("demo")
    sections = {name: spec for name, spec in demo.sections.items() if name != "ec2"}
    return dataclasses.replace(demo, actors=(), sections=sections)


def sqs_service(app: SkydeckApp) -> SqsService:
    return app.cloud.service(SqsService)


def queue(app: SkydeckApp, name: str) -> Queue:
    return sqs_service(app).queues[(app.cloud.region, name)]


def queue_count(app: SkydeckApp) -> int:
    return len(sqs_service(app).queues)


def has_queue(app: SkydeckApp, name: str) -> bool:
    return (app.cloud.region, name) in sqs_service(app).queues


def sqs_pane(app: SkydeckApp) -> SqsPane:
    pane = app.pane(SqsPane)
    assert isinstance(pane, SqsPane)
    return pane


def trail_pane(app: SkydeckApp) -> TrailPane:
    pane = app.pane(TrailPane)
    assert isinstance(pane, TrailPane)
    return pane


def skydeck(pilot: AppPilot) -> SkydeckApp:
    app = pilot.app
    assert isinstance(app, SkydeckApp)
    return app


async def settle(pilot: AppPilot) -> None:
    """Let the app handle what is pending, and every task the clock woke run."""
    await pilot.pause()
    await skydeck(pilot).cloud.clock.settle()
    await pilot.pause()


async def step(pilot: AppPilot, seconds: float) -> None:
    """Advance the virtual clock, then refresh the view as the app's tick would."""
    app = skydeck(pilot)
    await app.cloud.clock.advance(seconds)
    await pilot.pause()
    app.refresh_view()
    await pilot.pause()


async def select_queue(pilot: AppPilot, name: str) -> None:
    assert sqs_pane(skydeck(pilot)).go_to(name), name
    await pilot.pause()


def screen(app: SkydeckApp) -> Screen[Any]:
    """The active screen, read afresh: after a key press it may be another one."""
    return app.screen


def form(app: SkydeckApp) -> FormScreen:
    screen = app.screen
    assert isinstance(screen, FormScreen), f"expected a form, got {screen!r}"
    return screen


def field_value(app: SkydeckApp, name: str) -> str:
    widget = form(app).query_one(f"#field-{name}")
    if isinstance(widget, Select):
        return str(widget.value)
    assert isinstance(widget, Input)
    return widget.value


async def fill(pilot: AppPilot, **values: str) -> None:
    """Set fields of the open form by name (inputs and choices alike)."""
    screen = form(skydeck(pilot))
    for name, value in values.items():
        widget = screen.query_one(f"#field-{name}")
        if isinstance(widget, Select):
            widget.value = value
        else:
            assert isinstance(widget, Input)
            widget.value = value
    await pilot.pause()


async def submit(pilot: AppPilot) -> None:
    await pilot.press("ctrl+s")
    await settle(pilot)


def field_problem(app: SkydeckApp, name: str) -> str:
    """The text under a form field that says what is wrong with it ('' when fine)."""
    line = form(app).query_one(f"#error-{name}", Static)
    return str(line.content) if line.display else ""


def toasts(app: App[Any]) -> list[str]:
    """The notifications on screen, each as 'title\\nmessage'.

    Read from the Toast widgets themselves (by CSS type: Textual doesn't export
    the class), not from the app's private list of notifications.
    """
    shown: list[str] = []
    for toast in app.screen.query("Toast"):
        content = toast.render()
        assert isinstance(content, Content)
        shown.append(content.plain)
    return shown


def shown_json(app: SkydeckApp) -> dict[str, Any] | None:
    """The CloudTrail record the trail pane shows below its table."""
    content = app.query_one("#event-json", Static).content
    if isinstance(content, JSON):
        record = json.loads(content.text.plain)
        assert isinstance(record, dict)
        return record
    assert not str(content)
    return None


async def send(app: SkydeckApp, name: str, body: str, **params: Any) -> str:
    """SendMessage from a producer (not the console), through the call path; the MessageId."""
    url = sqs_service(app).queue_url(queue(app, name))
    params = {"QueueUrl": url, "MessageBody": body, **params}
    response = await app.cloud.call("sqs", "SendMessage", params, caller=PRODUCER)
    message_id = response["MessageId"]
    assert isinstance(message_id, str)
    return message_id


def console_calls(app: SkydeckApp) -> list[tuple[str, str]]:
    """(action, error code) of every call the dashboard made, oldest first."""
    entries = app.cloud.trail.history(app.cloud.clock.now(), include_data=True)
    return [
        (e.action, e.error_code) for e in reversed(list(entries)) if e.caller.username == "console"
    ]


_TEXT = re.compile(
    r'<text class="[^"]*" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
    r'clip-path="url\(#[^)]*-line-(\d+)\)">([^<]*)</text>'
)
_CLIP = re.compile(r'<clipPath id="[^"]*-line-0">\s*<rect x="0" y="[\d.]+" width="([\d.]+)"')


def screen_lines(app: App[None]) -> list[str]:
    """The screen as lines of text, read back from `App.export_screenshot()`.

    What a screenshot shows, not what a widget holds: a value that is set but
    hidden by a border, clipped or overdrawn is missing here.
    """
    svg = app.export_screenshot()
    width, height = app.size
    clip = _CLIP.search(svg)
    assert clip is not None
    cell = float(clip.group(1)) / width
    rows = [[" "] * width for _ in range(height)]
    for x, y, text in _TEXT.findall(svg):
        start = round(float(x) / cell)
        for offset, char in enumerate(html.unescape(text).replace("\xa0", " ")):
            if start + offset < width:
                rows[int(y)][start + offset] = char
    return ["".join(row).rstrip() for row in rows]
