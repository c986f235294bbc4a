"""Rail: an alert badge in the theme's error colour, following a theme switch."""

from __future__ import annotations

from rich.style import Style
from textual.app import App, ComposeResult
from textual.color import Color

from themes import SKYDECK_DARK, SKYDECK_LIGHT, THEMES
from widgets.rail import Rail, RailItem

ITEMS = [RailItem("sqs", "1", "SQS"), RailItem("trail", "2", "Trail")]


class RailApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Rail(ITEMS)

    def on_mount(self) -> None:
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = SKYDECK_DARK.name


def badge_style(rail: Rail, y: int, badge: str) -> Style:
    for segment in rail.render_line(y):
        if segment.text.strip() == badge:
            assert segment.style is not None
            return segment.style
    raise AssertionError(f"no badge {badge!r} on line {y}")


def error_of(app: App[None]) -> tuple[int, int, int]:
    return Color.parse(app.theme_variables["error"]).rgb


async def test_an_alert_badge_takes_the_themes_error_colour() -> None:
    app = RailApp()
    async with app.run_test(size=(20, 5)) as pilot:
        rail = app.query_one(Rail)
        rail.set_badges(
            [RailItem("sqs", "1", "SQS", "3"), RailItem("trail", "2", "Trail", "7", True)]
        )
        await pilot.pause()
        calm, alert = badge_style(rail, 0, "3"), badge_style(rail, 1, "7")
        assert alert.bold and calm.bold
        assert alert.color is not None and alert.color.triplet == error_of(app)
        assert calm.color != alert.color

        app.theme = SKYDECK_LIGHT.name
        await pilot.pause()
        alert = badge_style(rail, 1, "7")
        assert alert.color is not None and alert.color.triplet == error_of(app)


async def test_long_names_keep_their_badge_and_end_in_an_ellipsis() -> None:
    """The AWS names fit whole (EventBridge is the longest); a longer one is cut, visibly."""
    app = RailApp()
    async with app.run_test(size=(40, 5)) as pilot:
        rail = app.query_one(Rail)
        rail.set_badges(
            [
                RailItem("sqs", "1", "EventBridge", "12"),
                RailItem("trail", "", "CloudFormation", "999k", True),
            ]
        )
        await pilot.pause()
        lines = [rail.render_line(y).text.rstrip() for y in range(2)]
        assert lines == ["1 EventBridge   12", "  CloudForma… 999k"]
