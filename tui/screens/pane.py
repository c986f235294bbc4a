"""What every pane shares: a rail entry, a help text, and a pull-based refresh."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.containers import Vertical

from backend.cloud import Cloud
from backend.errors import AwsError
from tui.presenters.palette import Palette

if TYPE_CHECKING:
    from tui.app import SkydeckApp


class Pane(Vertical):
    """A service pane. Panes pull: the app calls `refresh_view` while the pane is shown.

    Cost is bounded by what is on screen, never by the event rate: a pane reads
    counts and a bounded window of resources from the backend on each tick.
    """

    pane_id: ClassVar[str]
    label: ClassVar[str]
    key: ClassVar[str]
    help_text: ClassVar[str] = ""

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(id=self.pane_id)
        self.cloud = cloud
        self.palette = Palette()

    @property
    def skydeck(self) -> SkydeckApp:
        from tui.app import SkydeckApp

        app = self.app
        assert isinstance(app, SkydeckApp)
        return app

    def refresh_view(self) -> None:
        """Pull the current state from the cloud into the widgets."""
        raise NotImplementedError

    def badge(self) -> tuple[str, bool]:
        """The rail badge: text, and whether it signals a problem."""
        return "", False

    def focus_main(self) -> None:
        """Focus the pane's main widget when the pane is shown."""

    def report(self, error: AwsError, action: str) -> None:
        """An AWS error from a dashboard action, shown as AWS would word it."""
        self.app.notify(f"{error.message}", title=f"{action}: {error.code}", severity="error")
