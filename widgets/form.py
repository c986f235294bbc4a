"""A modal form built from plain field descriptions, with checks before it closes.

Create queue, send message, receive, change visibility: each is a handful of
labelled inputs with rules. One form widget serves them all; a field's
`check` returns the message to show under it, so a person sees exactly what
is wrong and loses nothing they typed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

Check = Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class Field:
    """One input: its name in the result, what the person sees, and its rule."""

    name: str
    label: str
    value: str = ""
    placeholder: str = ""
    check: Check | None = None
    choices: tuple[str, ...] = ()


class FormScreen(ModalScreen[dict[str, str] | None]):
    """Returns the values by field name, or None when cancelled."""

    DEFAULT_CSS = """
    FormScreen {
        align: center middle;
    }
    FormScreen > VerticalScroll {
        width: 72;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    FormScreen .form--title {
        text-style: bold;
        color: $accent;
        margin-bottom: 1;
    }
    FormScreen .form--description {
        color: $text-muted;
        margin-bottom: 1;
    }
    FormScreen .form--row {
        height: auto;
    }
    FormScreen .form--row Label {
        width: 32;
        padding-right: 1;
        color: $text-muted;
    }
    FormScreen .form--row Input, FormScreen .form--row Select {
        width: 1fr;
        background: $boost;
    }
    FormScreen .form--error {
        color: $error;
        height: auto;
        display: none;
    }
    FormScreen .form--error.-problem {
        display: block;
    }
    FormScreen .form--buttons {
        height: auto;
        margin: 1 0;
        align-horizontal: right;
    }
    FormScreen Button {
        margin-left: 1;
        min-width: 10;
    }
    """

    #: The first field has the focus when the form opens, so a person types at once;
    #: left to the default, the scrolling container would take it and keys would vanish.
    AUTO_FOCUS: ClassVar[str | None] = "Input, Select"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
        Binding("ctrl+s", "submit", "Submit", id="form.submit"),
    ]

    def __init__(
        self,
        title: str,
        fields: Sequence[Field],
        *,
        submit: str = "OK",
        description: str = "",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.fields = list(fields)
        self.submit_label = submit
        self.description = description

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self.title_text, classes="form--title")
            if self.description:
                yield Static(self.description, classes="form--description")
            for field in self.fields:
                with Horizontal(classes="form--row"):
                    yield Label(field.label)
                    if field.choices:
                        yield Select(
                            [(c, c) for c in field.choices],
                            value=field.value or field.choices[0],
                            allow_blank=False,
                            compact=True,
                            id=f"field-{field.name}",
                        )
                    else:
                        yield Input(
                            field.value,
                            placeholder=field.placeholder,
                            compact=True,
                            id=f"field-{field.name}",
                        )
                yield Static("", id=f"error-{field.name}", classes="form--error")
            with Horizontal(classes="form--buttons"):
                yield Button("Cancel", compact=True, id="cancel")
                yield Button(self.submit_label, variant="primary", compact=True, id="submit")

    def values(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for field in self.fields:
            widget = self.query_one(f"#field-{field.name}")
            if isinstance(widget, Select):
                out[field.name] = str(widget.value)
            elif isinstance(widget, Input):
                out[field.name] = widget.value
        return out

    def action_submit(self) -> None:
        values = self.values()
        first_bad: str | None = None
        for field in self.fields:
            problem = field.check(values[field.name]) if field.check else None
            self._show_problem(field.name, problem)
            if problem and first_bad is None:
                first_bad = field.name
        if first_bad is not None:
            self.query_one(f"#field-{first_bad}").focus()
            return
        self.dismiss(values)

    def _show_problem(self, name: str, problem: str | None) -> None:
        """Show (or hide) the line under a field that says what is wrong with it.

        The line takes no space while there is nothing to say. Textual has no
        pseudo-class for a Static without text (`:empty` means "no displayed
        children", which every Static matches), so a class carries it.
        """
        line = self.query_one(f"#error-{name}", Static)
        line.update(problem or "")
        line.set_class(bool(problem), "-problem")

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "submit":
            self.action_submit()
        else:
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = list(self.query(Input))
        if event.input is inputs[-1]:
            self.action_submit()
        else:
            self.focus_next()


def integer(low: int, high: int, *, optional: bool = False) -> Check:
    """A check for a whole number in [low, high] (or empty, when optional)."""

    def check(value: str) -> str | None:
        if not value.strip():
            return None if optional else "required"
        try:
            number = int(value)
        except ValueError:
            return f"a whole number from {low} to {high}"
        if not low <= number <= high:
            return f"must be from {low} to {high}"
        return None

    return check


def required(value: str) -> str | None:
    return None if value.strip() else "required"
