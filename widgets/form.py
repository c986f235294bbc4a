"""A modal form built from plain field descriptions, with checks before it closes.

Create queue, send message, receive, change visibility: each is a handful of
labelled inputs with rules. One form widget serves them all; a field's
`check` returns the message to show under it, so a person sees exactly what
is wrong and loses nothing they typed.

Enter moves to the next field and submits from the last, on an input and on
a choice alike (a choice opens its list with space or the arrow keys), so a
form can be filled and sent without reaching for the mouse or knowing about
ctrl+s; a hint line under the fields says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.events import DescendantFocus
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

Check = Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class Field:
    """One input: its name in the result, what the person sees, and its rule.

    With `choices` it is a drop-down. With `choices_by=(other, {value: choices})`
    its choices follow another choice field's value while the form is open
    (a dead-letter queue must be of the same type as its queue); `choices`
    then serves any value the table does not list. Every list needs at
    least one choice.
    """

    name: str
    label: str
    value: str = ""
    placeholder: str = ""
    check: Check | None = None
    choices: tuple[str, ...] = ()
    choices_by: tuple[str, Mapping[str, tuple[str, ...]]] | None = None

    @property
    def is_choice(self) -> bool:
        return bool(self.choices or self.choices_by)

    def options(self, values: Mapping[str, str]) -> tuple[str, ...]:
        """The choices this field offers, given the other fields' `values`."""
        if self.choices_by is None:
            return self.choices
        source, table = self.choices_by
        return table.get(values.get(source, ""), self.choices)


class FormSelect(Select[str]):
    """A drop-down where Enter moves on, as in an input; space and the arrows open it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "screen.advance", "Next", show=False),
    ]


#: Under the fields: how to move, send and leave, in a line that fits 80 columns.
HINT = "enter: next field · ctrl+s: submit · esc: cancel"


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
    /* Which field has the focus, said by its label: the fields all share one colour. */
    FormScreen .form--row.-focused Label {
        color: $accent;
        text-style: bold;
    }
    FormScreen .form--row Input, FormScreen .form--row Select {
        width: 1fr;
    }
    /* The field is its own colour, distinct from the form's in 16 colours too,
       so an empty input is still visibly a place to type. */
    FormScreen .form--row Input, FormScreen .form--row SelectCurrent {
        background: $primary-muted;
        color: $foreground;
        padding: 0 1;
    }
    FormScreen .form--hint {
        color: $text-muted;
        margin-top: 1;
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
            given = {field.name: field.value for field in self.fields}
            for field in self.fields:
                with Horizontal(classes="form--row"):
                    yield Label(field.label)
                    if field.is_choice:
                        options = field.options(given)
                        yield FormSelect(
                            [(c, c) for c in options],
                            value=field.value if field.value in options else options[0],
                            allow_blank=False,
                            compact=True,
                            id=f"field-{field.name}",
                            classes="form--field",
                        )
                    else:
                        yield Input(
                            field.value,
                            placeholder=field.placeholder,
                            compact=True,
                            id=f"field-{field.name}",
                            classes="form--field",
                        )
                yield Static("", id=f"error-{field.name}", classes="form--error")
            yield Static(HINT, classes="form--hint")
            with Horizontal(classes="form--buttons"):
                yield Button("Cancel", compact=True, id="cancel")
                yield Button(self.submit_label, variant="primary", compact=True, id="submit")

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        """Mark the focused field's row (its label lights up).

        A class rather than `:focus-within`, which Textual does not re-apply to
        the row's other children when the focus moves.
        """
        for row in self.query(".form--row"):
            row.set_class(row in event.widget.ancestors, "-focused")

    def on_mount(self) -> None:
        for field in self.fields:
            if field.choices_by is not None:
                source = self.query_one(f"#field-{field.choices_by[0]}", Select)
                self.watch(source, "value", partial(self._follow, field))

    def _follow(self, field: Field) -> None:
        """Offer `field` the choices for the value its source field has now.

        Watched rather than handled as a message, so the new choices are in
        place before anything sets the dependent field next.
        """
        select = self.query_one(f"#field-{field.name}", Select)
        options = field.options(self.values())
        kept = select.value
        select.set_options([(c, c) for c in options])
        if kept in options:
            select.value = kept

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
        self.action_advance()

    def action_advance(self) -> None:
        """Enter: on to the next field, or submit from the last one."""
        fields = list(self.query(".form--field"))
        focused = self.focused
        if focused not in fields or focused is fields[-1]:
            self.action_submit()
        else:
            fields[fields.index(focused) + 1].focus()


def required(value: str) -> str | None:
    return None if value.strip() else "required"
