"""`:` go to: a one-line prompt on the bottom line that completes names as they are typed.

As in k9s: `:kin` shows `kinesis` completed (tab takes it), Enter goes, Esc
cancels. The prompt only collects the text; what a name means is its
owner's to decide, so the screen is dismissed with the text typed (None on
Esc) and the caller resolves it the way the completion does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static


class JumpScreen(ModalScreen[str | None]):
    """The prompt, over the footer, with the screen behind it left as it is.

    The footer goes under the prompt on purpose: it would list the keys of
    the pane behind, none of which work while the prompt has the keyboard.
    """

    DEFAULT_CSS = """
    JumpScreen {
        align: left bottom;
        background: transparent;
    }
    JumpScreen > Horizontal {
        height: 1;
        background: $primary-muted;
    }
    JumpScreen .jump--prompt {
        width: auto;
        padding: 0 0 0 1;
        color: $foreground;
        text-style: bold;
    }
    JumpScreen Input.-textual-compact {
        width: 1fr;
        background: $primary-muted;
        color: $foreground;
    }
    JumpScreen Input.-textual-compact > .input--suggestion {
        color: $accent;
    }
    JumpScreen Input.-textual-compact > .input--placeholder {
        color: $foreground;
        text-style: italic;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "cancel",
            "Cancel",
            id="jump.cancel",
            tooltip="Close the go-to box, going nowhere",
        ),
        Binding(
            "tab",
            "complete",
            "Complete",
            id="jump.complete",
            tooltip="Take the completion shown after what you typed",
        ),
    ]

    def __init__(self, names: Sequence[str], *, placeholder: str = "") -> None:
        super().__init__()
        self.names = list(names)
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static(":", classes="jump--prompt")
            yield Input(
                placeholder=self.placeholder,
                suggester=SuggestFromList(self.names, case_sensitive=False),
                compact=True,
            )

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_complete(self) -> None:
        self.input.action_cursor_right()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)
