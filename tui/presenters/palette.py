"""The theme's colours for presenters, as Rich style strings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Palette:
    visible: str = "green"
    inflight: str = "yellow"
    delayed: str = "cyan"
    gone: str = "bright_black"
    error: str = "red"
    muted: str = "bright_black"
    data_event: str = "magenta"
    accent: str = "yellow"

    @classmethod
    def from_theme(cls, variables: Mapping[str, str]) -> Palette:
        """A palette from a theme's variables (`App.theme_variables`)."""
        default = cls()
        return cls(
            visible=variables.get("sd-visible", default.visible),
            inflight=variables.get("sd-inflight", default.inflight),
            delayed=variables.get("sd-delayed", default.delayed),
            gone=variables.get("sd-gone", default.gone),
            error=variables.get("error", default.error),
            muted=variables.get("text-muted", default.muted),
            data_event=variables.get("sd-data-event", default.data_event),
            accent=variables.get("accent", default.accent),
        )
