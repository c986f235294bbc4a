"""Every theme defines the colours skydeck's panes ask for."""

from __future__ import annotations

import pytest
from textual.theme import Theme

from themes import THEMES, VARIABLE_NAMES
from tui.presenters.palette import Palette


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
def test_theme_defines_the_app_variables(theme: Theme) -> None:
    assert set(VARIABLE_NAMES) <= set(theme.variables)
    palette = Palette.from_theme(theme)
    assert palette.inflight == theme.variables["sd-inflight"]
    assert palette.error == theme.error


def test_themes_are_one_dark_and_one_light() -> None:
    assert sorted(t.dark for t in THEMES) == [False, True]
