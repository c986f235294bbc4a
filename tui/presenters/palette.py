"""The theme's colours for presenters, as Rich style strings."""

from __future__ import annotations

from dataclasses import dataclass

from textual.theme import Theme


@dataclass(frozen=True, slots=True)
class Palette:
    visible: str = "green"
    inflight: str = "yellow"
    delayed: str = "cyan"
    gone: str = "bright_black"
    error: str = "red"
    data_event: str = "magenta"
    accent: str = "yellow"

    @classmethod
    def from_theme(cls, theme: Theme) -> Palette:
        """A palette from a Textual theme: its `sd-*` variables, error and accent."""
        default = cls()
        variables = theme.variables
        return cls(
            visible=variables.get("sd-visible", default.visible),
            inflight=variables.get("sd-inflight", default.inflight),
            delayed=variables.get("sd-delayed", default.delayed),
            gone=variables.get("sd-gone", default.gone),
            error=theme.error or default.error,
            data_event=variables.get("sd-data-event", default.data_event),
            accent=theme.accent or default.accent,
        )
