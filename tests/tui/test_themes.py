"""Every theme defines the colours skydeck's panes ask for, readable and distinct.

Checked as a terminal with 16 colours shows them too (TERM=xterm over ssh): there
each colour becomes the nearest ANSI one, as Rich's `Color.downgrade` picks it.
"""

from __future__ import annotations

import pytest
from rich.color import Color as RichColor
from rich.color import ColorSystem
from rich.color_triplet import ColorTriplet
from textual.color import Color, ColorParseError
from textual.theme import Theme

from tests.tui.helpers import quiet_demo
from themes import SKYDECK_DARK, THEMES, VARIABLE_NAMES
from tui.app import SkydeckApp
from tui.presenters.palette import Palette


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
def test_theme_defines_the_app_variables(theme: Theme) -> None:
    assert set(VARIABLE_NAMES) <= set(theme.variables)
    palette = Palette.from_theme(theme)
    assert palette.inflight == theme.variables["sd-inflight"]
    assert palette.error == theme.error


def test_themes_are_one_dark_and_one_light() -> None:
    assert sorted(t.dark for t in THEMES) == [False, True]


#: The states a message or event is shown in: each its own colour, in 16 colours too.
STATES = ("sd-visible", "sd-inflight", "sd-delayed", "sd-gone", "error", "sd-data-event")

#: (text colour, the background it is drawn on, least contrast in truecolor).
ROLES = [
    *((state, "surface", 4.5) for state in STATES),
    ("foreground", "surface", 4.5),
    ("accent", "panel", 3.0),  # the header's title, sparkline bars
    ("warning", "panel", 3.0),  # the header's "‖ paused"
    ("success", "panel", 3.0),  # the header's running speed
    ("footer-key-foreground", "footer-background", 3.0),
    ("block-cursor-foreground", "block-cursor-background", 4.5),
    ("block-cursor-blurred-foreground", "block-cursor-blurred-background", 4.5),
    ("foreground", "primary-muted", 4.5),  # form fields, the filter box, the go-to box
    ("sd-suggestion", "primary-muted", 4.5),  # the completion the go-to box offers
]

#: ANSI colours that do not read as text on a light background (yellow, white, the
#: pale brights), whatever Rich's palette says: terminals draw them near-white.
PALE = {3, 7, 10, 11, 14, 15}
#: ... and on a dark one (black, blue, bright black).
DIM = {0, 4, 8}


def luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = rgb
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def contrast(one: tuple[int, int, int], other: tuple[int, int, int]) -> float:
    """WCAG contrast ratio: 1 (none) to 21 (black on white)."""
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def colours(theme: Theme) -> dict[str, tuple[int, int, int]]:
    """Every theme variable that is a colour, as RGB over the theme's surface."""
    variables = theme.to_color_system().generate() | theme.variables
    surface = Color.parse(variables["surface"])
    out: dict[str, tuple[int, int, int]] = {}
    for name, value in variables.items():
        try:
            color = Color.parse(value)
        except ColorParseError:
            continue
        out[name] = (surface + color).rgb
    return out


def ansi(rgb: tuple[int, int, int]) -> int:
    """The ANSI colour (0-15) an RGB colour becomes in 16 colours."""
    number = RichColor.from_triplet(ColorTriplet(*rgb)).downgrade(ColorSystem.STANDARD).number
    assert number is not None
    return number


def ansi_rgb(number: int) -> tuple[int, int, int]:
    """How a terminal draws ANSI colour `number` (Rich's default terminal palette)."""
    red, green, blue = RichColor.from_ansi(number).get_truecolor()
    return (red, green, blue)


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
def test_each_state_has_its_own_colour_in_truecolor_and_in_16_colours(theme: Theme) -> None:
    rgb = colours(theme)
    assert len({rgb[state] for state in STATES}) == len(STATES)
    in_16 = {state: ansi(rgb[state]) for state in STATES}
    assert len(set(in_16.values())) == len(STATES), in_16
    assert ansi(rgb["surface"]) not in in_16.values()


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
@pytest.mark.parametrize(("text", "background", "least"), ROLES)
def test_text_reads_on_its_background_in_truecolor_and_in_16_colours(
    theme: Theme, text: str, background: str, least: float
) -> None:
    rgb = colours(theme)
    assert contrast(rgb[text], rgb[background]) >= least
    fg, bg = ansi(rgb[text]), ansi(rgb[background])
    assert fg != bg
    assert contrast(ansi_rgb(fg), ansi_rgb(bg)) >= 3.0, (fg, bg)
    unreadable = PALE if luminance(ansi_rgb(bg)) > 0.3 else DIM
    assert fg not in unreadable, (fg, bg)


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
def test_the_focused_and_unfocused_cursors_differ_in_16_colours(theme: Theme) -> None:
    rgb = colours(theme)
    backgrounds = {
        ansi(rgb[name])
        for name in ("surface", "block-cursor-background", "block-cursor-blurred-background")
    }
    assert len(backgrounds) == 3


async def test_the_dashboard_runs_under_textuals_own_themes_too() -> None:
    """The palette offers Textual's themes, which lack skydeck's variables: defaults fill in."""
    app = SkydeckApp(quiet_demo(), realtime=False, theme="textual-light")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon")
        await pilot.pause()  # the box opens and takes the focus first
        await pilot.press("t")
        await pilot.pause()
        assert app.theme == "textual-light"
        assert app.theme_variables["sd-suggestion"] == SKYDECK_DARK.variables["sd-suggestion"]
    assert app.bugs == []
