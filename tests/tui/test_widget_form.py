"""FormScreen: says how to submit, Enter moves on and submits, fields visible in 16 colours."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.containers import VerticalScroll
from textual.widgets import Input, Label, OptionList, Select

from tests.tui.helpers import screen_lines
from tests.tui.test_widget_table import ansi
from themes import THEMES
from widgets.form import HINT, Field, FormScreen, required

DLQS = {"standard": ("(none)", "orders-dlq"), "fifo": ("(none)", "payments-dlq.fifo")}

FIELDS = [
    Field("name", "QueueName", check=required),
    Field("type", "Type", "standard", choices=("standard", "fifo")),
    Field("dlq", "Dead-letter queue", "orders-dlq", choices=("(none)",), choices_by=("type", DLQS)),
    Field("maxReceiveCount", "maxReceiveCount", "3"),
]


class FormApp(App[None]):
    def __init__(self, fields: list[Field], *, theme: str = "skydeck-dark") -> None:
        super().__init__()
        self.fields = fields
        self._theme_name = theme
        self.results: list[dict[str, str] | None] = []

    def on_mount(self) -> None:
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = self._theme_name
        self.push_screen(FormScreen("CreateQueue", self.fields), self.results.append)

    @property
    def form(self) -> FormScreen:
        screen = self.screen
        assert isinstance(screen, FormScreen)
        return screen

    def field(self, name: str) -> Input | Select[str]:
        widget = self.form.query_one(f"#field-{name}")
        assert isinstance(widget, Input | Select)
        return widget


def choices(select: Input | Select[str]) -> list[str]:
    assert isinstance(select, Select)
    overlay = select.query_one(OptionList)
    return [str(overlay.get_option_at_index(i).prompt) for i in range(overlay.option_count)]


async def test_the_form_says_how_to_submit_in_a_line_that_fits_80_columns() -> None:
    app = FormApp(FIELDS)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert any(HINT in line for line in screen_lines(app))
        assert len(HINT) <= 64


async def test_enter_moves_through_inputs_and_choices_and_submits_from_the_last() -> None:
    app = FormApp(FIELDS)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"jobs", "enter")
        assert app.focused is app.field("type")
        await pilot.press("enter")
        # A choice moves on like an input rather than opening its list.
        assert app.focused is app.field("dlq")
        assert not app.field("type").has_class("-expanded")
        await pilot.press("enter")
        assert app.focused is app.field("maxReceiveCount")
        assert app.results == []
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [
            {"name": "jobs", "type": "standard", "dlq": "orders-dlq", "maxReceiveCount": "3"}
        ]


async def test_enter_on_a_last_field_that_is_a_choice_submits() -> None:
    app = FormApp([Field("name", "QueueName", "jobs"), Field("type", "Type", choices=("a", "b"))])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        assert app.focused is app.field("type")
        await pilot.press("space")
        assert app.field("type").has_class("-expanded")
        await pilot.press("down", "enter")
        assert app.field("type").value == "b"
        assert app.results == []
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [{"name": "jobs", "type": "b"}]


async def test_enter_on_a_field_with_a_problem_stays_and_says_why() -> None:
    app = FormApp(FIELDS)
    async with app.run_test(size=(80, 24)) as pilot:
        app.field("maxReceiveCount").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == []
        assert app.focused is app.field("name")


async def test_choices_follow_the_field_they_depend_on() -> None:
    app = FormApp(FIELDS)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        kind, dlq = app.field("type"), app.field("dlq")
        assert isinstance(kind, Select) and isinstance(dlq, Select)
        assert choices(dlq) == ["(none)", "orders-dlq"]
        assert dlq.value == "orders-dlq"
        # Set at once, as a test (or a person with a fast hand) would: the new
        # choices are there before the dependent field is set.
        kind.value = "fifo"
        dlq.value = "payments-dlq.fifo"
        await pilot.pause()
        assert choices(dlq) == ["(none)", "payments-dlq.fifo"]
        assert dlq.value == "payments-dlq.fifo"
        kind.value = "standard"
        await pilot.pause()
        assert choices(dlq) == ["(none)", "orders-dlq"]
        assert dlq.value == "(none)"


def test_fields_are_still_built_positionally() -> None:
    field = Field("dlq", "DLQ", "(none)", "", None, ("(none)", "a"))
    assert field.options({}) == ("(none)", "a")
    assert field.is_choice
    assert not Field("name", "Name").is_choice


@pytest.mark.parametrize("theme", [t.name for t in THEMES])
async def test_fields_are_visible_and_readable_in_16_colours(theme: str) -> None:
    app = FormApp(FIELDS, theme=theme)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        surface = ansi(app.form.query_one(VerticalScroll).rich_style, background=True)
        name = app.field("name")
        assert isinstance(name, Input)
        await pilot.press(*"jobs")
        text = [s for s in name.render_line(0) if s.text.strip() == "jobs"]
        assert text and text[0].style is not None
        field_bg = ansi(text[0].style, background=True)
        assert field_bg != surface
        assert ansi(text[0].style) not in (field_bg, None)
        current = app.field("type").query_one("SelectCurrent")
        assert ansi(current.rich_style, background=True) not in (surface, None)


async def test_the_focused_fields_label_stands_out_in_16_colours() -> None:
    app = FormApp(FIELDS)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("tab")
        assert app.focused is app.field("type")
        labels = {str(label.content): label.rich_style for label in app.form.query(Label)}
        assert labels["Type"].bold
        assert not labels["QueueName"].bold
        assert ansi(labels["Type"]) != ansi(labels["QueueName"])
