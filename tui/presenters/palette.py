"""The theme's colours for presenters, as Rich style strings.

Presenters build rich `Text` cells, which take styles rather than CSS, so
the app hands them the active theme's colours as a `Palette`. The empty
default (no styling) only lasts until the app's first refresh.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.theme import Theme


@dataclass(frozen=True, slots=True)
class Palette:
    visible: str = ""
    inflight: str = ""
    delayed: str = ""
    gone: str = ""
    error: str = ""
    warning: str = ""
    success: str = ""
    data_event: str = ""
    accent: str = ""

    @classmethod
    def from_theme(cls, theme: Theme) -> Palette:
        """A palette from a Textual theme: its `sd-*` variables, error, warning, success, accent."""
        variables = theme.variables
        return cls(
            visible=variables.get("sd-visible", ""),
            inflight=variables.get("sd-inflight", ""),
            delayed=variables.get("sd-delayed", ""),
            gone=variables.get("sd-gone", ""),
            error=theme.error or "",
            warning=theme.warning or "",
            success=theme.success or "",
            data_event=variables.get("sd-data-event", ""),
            accent=theme.accent or "",
        )
