"""ResourcePane and the Pane plumbing on their own: a made-up service in a bare app.

The app here is not skydeck's: a pane needs only what `Host` promises, so a
service pane can be built and tried before it is on the rail.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType

from backend.cloud import Cloud
from backend.services import new_cloud
from tests.tui.helpers import toasts
from tui.presenters.palette import Palette
from tui.presenters.resource import ResourcePresenter, TableSpec
from tui.screens.pane import Pane, PaneCommand
from tui.screens.resource_pane import ResourcePane
from widgets.confirm import ConfirmScreen
from widgets.live_table import Column, Row


class Bells(ResourcePresenter[str]):
    """Bells by name: no traffic, nothing inside them."""

    table = TableSpec("Bells", (Column("name", 0), Column("note", 4)), "no bells")

    def __init__(self, cloud: Cloud, bells: dict[str, str]) -> None:
        super().__init__(cloud)
        self.bells = bells

    def rows(self, palette: Palette) -> list[Row]:
        return [Row(name, (name, note)) for name, note in self.bells.items()]

    def find(self, key: str) -> str | None:
        return key if key in self.bells else None

    def name(self, resource: str) -> str:
        return resource

    def key_of(self, name: str) -> str | None:
        return self.find(name)

    def detail(self, resource: str) -> str:
        return f"{resource} rings {self.bells[resource]}"


class BellPane(ResourcePane[str]):
    pane_id: ClassVar[str] = "bells"
    label: ClassVar[str] = "Bells"
    service: ClassVar[str] = "sqs"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "ring", "Ring", id="bells.ring", tooltip="Ring the highlighted bell"),
        Binding("z", "silence", "Silence", id="bells.silence", tooltip="Never shown: greyed"),
        Binding("u", "lookup", "Look up", id="bells.lookup", tooltip="A call that fails"),
    ]

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud, Bells(cloud, {"big-ben": "E", "liberty": "A", "tsar": "C"}))
        self.rung: list[str] = []
        self.opened: list[str] = []

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action == "silence" else True

    def open_resource(self, resource: str) -> None:
        self.opened.append(resource)

    def action_ring(self) -> None:
        bell = self.selected()
        if bell is not None:

            async def ring() -> None:
                self.rung.append(bell)

            self.confirm(f"Ring {bell}?", ring, yes="Ring")

    async def action_lookup(self) -> dict[str, Any] | None:
        return await self.call("GetQueueUrl", {"QueueName": "no-such-queue"})


class BellApp(App[None]):
    """Hosts panes as `Host` says: a list of them, a way to show one, and survival."""

    def __init__(self) -> None:
        super().__init__()
        self.pane = BellPane(new_cloud(seed="bells"))
        self.bugs: list[Exception] = []

    @property
    def panes(self) -> Sequence[Pane]:
        return [self.pane]

    async def action_show_pane(self, pane_id: str) -> None:
        self.pane.focus_main()

    def survive(self, error: Exception, where: str) -> None:
        self.bugs.append(error)

    def compose(self) -> ComposeResult:
        yield self.pane

    def on_mount(self) -> None:
        self.pane.refresh_view()
        self.pane.focus_main()


async def test_without_children_or_series_the_resources_take_the_pane() -> None:
    app = BellApp()
    async with app.run_test(size=(60, 16)) as pilot:
        await pilot.pause()
        pane = app.pane
        assert not pane.child_table.display
        assert not pane.spark_row.display
        assert pane.resource_table.outer_size.height == pane.size.height - 1
        assert str(pane.detail_view.render()) == "big-ben rings E"
        await pilot.press("down")
        await pilot.pause()
        assert str(pane.detail_view.render()) == "liberty rings A"
        await pilot.press("enter")
        assert pane.opened == []  # enter is not bound here: the pane did not ask for it
        await pane.action_open()
        assert pane.opened == ["liberty"]


async def test_go_to_and_the_palette_follow_the_highlighted_resource() -> None:
    app = BellApp()
    async with app.run_test(size=(60, 16)) as pilot:
        await pilot.pause()
        pane = app.pane
        assert pane.go_to("tsar")
        assert not pane.go_to("no-such-bell")
        await pilot.pause()
        assert pane.selected() == "tsar"
        assert list(pane.commands()) == [
            PaneCommand("bells: ring", "Ring the highlighted bell", "ring"),
            PaneCommand("bells: look up", "A call that fails", "lookup"),
        ]


async def test_a_destructive_action_asks_first_and_no_is_the_default() -> None:
    app = BellApp()
    async with app.run_test(size=(60, 16)) as pilot:
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert app.pane.rung == []
        await pilot.press("x", "y")
        await pilot.pause()
        assert app.pane.rung == ["big-ben"]


async def test_an_aws_error_from_a_key_is_a_notification_titled_with_its_code() -> None:
    app = BellApp()
    async with app.run_test(size=(60, 16), notifications=True) as pilot:
        await pilot.press("u")
        await pilot.pause()
        [toast] = toasts(app)
        assert toast == "GetQueueUrl: QueueDoesNotExist\nThe specified queue does not exist."
        assert app.bugs == []
