"""skydeck's themes and base stylesheet.

App-specific colours (a message in flight, a delayed one, an error) are theme
variables, so every pane follows the theme and a theme file can change them.
The colours are chosen to land on distinct ANSI colours when a terminal has
only 16 (TERM=xterm over ssh): green visible, yellow in flight, cyan delayed,
red errors.
"""

from __future__ import annotations

from pathlib import Path

from textual.theme import Theme

STYLESHEET = Path(__file__).with_name("base.tcss")

#: App-specific variables every skydeck theme defines.
VARIABLE_NAMES = ("sd-visible", "sd-inflight", "sd-delayed", "sd-gone", "sd-data-event")

SKYDECK_DARK = Theme(
    name="skydeck-dark",
    primary="#4EA8DE",
    secondary="#8FBCBB",
    accent="#E8B64C",
    warning="#E8B64C",
    error="#E5534B",
    success="#57AB5A",
    foreground="#D8DEE9",
    background="#0E1116",
    surface="#151A21",
    panel="#1E252E",
    dark=True,
    variables={
        "sd-visible": "#57AB5A",
        "sd-inflight": "#E8B64C",
        "sd-delayed": "#56B6C2",
        "sd-gone": "#6B7280",
        "sd-data-event": "#B48EAD",
        "block-cursor-background": "#2F4A63",
        "block-cursor-foreground": "#FFFFFF",
        "footer-key-foreground": "#E8B64C",
    },
)

SKYDECK_LIGHT = Theme(
    name="skydeck-light",
    primary="#0B6BCB",
    secondary="#2E7D72",
    accent="#A35F00",
    warning="#A35F00",
    error="#C62828",
    success="#2E7D32",
    foreground="#1F2328",
    background="#F6F7F8",
    surface="#FFFFFF",
    panel="#E6E9ED",
    dark=False,
    variables={
        "sd-visible": "#2E7D32",
        "sd-inflight": "#A35F00",
        "sd-delayed": "#00838F",
        "sd-gone": "#8A939E",
        "sd-data-event": "#7B3F8C",
        "block-cursor-background": "#CFE3F7",
        "block-cursor-foreground": "#0B1F33",
        "footer-key-foreground": "#A35F00",
    },
)

THEMES = (SKYDECK_DARK, SKYDECK_LIGHT)
