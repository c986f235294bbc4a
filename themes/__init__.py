"""skydeck's themes and base stylesheet.

App-specific colours (a message in flight, a delayed one, an error) are theme
variables, so every pane follows the theme and a theme file can change them.

Many terminals have only 16 colours (TERM=xterm over ssh), and there every
colour becomes the nearest of the 16 ANSI ones: two shades that differ in
truecolor can land on the same one, and a colour that reads well on white
can land on yellow, which does not. So each colour here was picked for where
it lands (Rich's `Color.downgrade(ColorSystem.STANDARD)`), with a margin to
the next nearest, as well as for how it looks:

| state        | dark               | light               |
| ------------ | ------------------ | ------------------- |
| visible      | bright green       | green               |
| in flight    | bright yellow      | magenta             |
| delayed      | cyan               | blue                |
| gone         | white (grey)       | bright black (grey) |
| error        | bright red         | red                 |
| data event   | bright magenta     | bright blue         |
| completion   | bright yellow      | magenta             |
| cursor       | on blue            | on blue             |
| cursor, blur | on bright black    | on white (grey)     |

On the light theme's white, yellow, the pale brights and cyan are not
readable, so no text colour lands there (`tests/tui/test_themes.py` checks
all of this for both themes).
"""

from __future__ import annotations

from pathlib import Path

from textual.theme import Theme

STYLESHEET = Path(__file__).with_name("base.tcss")

#: App-specific variables every skydeck theme defines.
VARIABLE_NAMES = (
    "sd-visible",
    "sd-inflight",
    "sd-delayed",
    "sd-gone",
    "sd-data-event",
    "sd-suggestion",
)

SKYDECK_DARK = Theme(
    name="skydeck-dark",
    primary="#4EA8DE",
    secondary="#8FBCBB",
    accent="#EABD4B",
    warning="#EABD4B",
    error="#E4544B",
    success="#57B757",
    foreground="#D8DEE9",
    background="#0E1116",
    surface="#151A21",
    panel="#1E252E",
    dark=True,
    variables={
        "sd-visible": "#57B757",
        "sd-inflight": "#EABD4B",
        "sd-delayed": "#4BB7C3",
        "sd-gone": "#8A939F",
        "sd-data-event": "#CC72E1",
        "sd-suggestion": "#EABD4B",
        "block-cursor-background": "#153999",
        "block-cursor-foreground": "#FFFFFF",
        "block-cursor-blurred-background": "#3C4551",
        "block-cursor-blurred-foreground": "#D8DEE9",
        "footer-key-foreground": "#EABD4B",
    },
)

SKYDECK_LIGHT = Theme(
    name="skydeck-light",
    primary="#0348AB",
    secondary="#2E7D72",
    accent="#8151DE",
    warning="#EA481E",
    error="#CF1E2D",
    success="#188730",
    foreground="#1F2328",
    background="#F6F7F8",
    surface="#FFFFFF",
    panel="#E6E9ED",
    dark=False,
    variables={
        "sd-visible": "#188730",
        "sd-inflight": "#9C27B1",
        "sd-delayed": "#0348AB",
        "sd-gone": "#6C7881",
        "sd-data-event": "#8151DE",
        "sd-suggestion": "#7A1FA2",
        "block-cursor-background": "#0348AB",
        "block-cursor-foreground": "#FFFFFF",
        "block-cursor-blurred-background": "#B1B7C0",
        "block-cursor-blurred-foreground": "#1F2328",
        "footer-key-foreground": "#0348AB",
    },
)

THEMES = (SKYDECK_DARK, SKYDECK_LIGHT)

#: The app-specific variables under any other theme (Textual's own, from the palette).
VARIABLE_DEFAULTS = {name: SKYDECK_DARK.variables[name] for name in VARIABLE_NAMES}
