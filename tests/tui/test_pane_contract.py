"""What every pane in the registry promises, checked for each: a new pane gets these for free.

For each pane of `tui.panes.PANES`: it mounts on an empty cloud and on the
demo; on the demo every key it declares can be pressed from each of its
focusable widgets, and every key of the app but quit on it, and on the empty
cloud every key it declares, without a bug or an exception; it has snapshots
at 80x24 in 16 colours and at 160x48; every key has an id and a tooltip (so
the footer, `?`, the palette and the README's key table can say what it
does); its names fit the rail and `:`.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from textual.binding import Binding, BindingType
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widget import Widget

from backend.scenarios import Scenario, load_scenario
from tests.tui.helpers import SIZE, AppPilot, settle, skydeck, step
from tests.tui.snapshots import SIZES, SnapCompare, SnapshotApp, ansi_only, then
from tui.app import SkydeckApp
from tui.help import reflow
from tui.panes import PANES, jump_names
from tui.screens.pane import Pane
from widgets.rail import LABEL_CELLS

each_pane = pytest.mark.parametrize("pane_class", PANES, ids=lambda p: p.pane_id)


def empty_scenario(folder: Path) -> Scenario:
    """A scenario with no resources and no actors: a pane's first look at a new account."""
    path = folder / "empty.toml"
    path.write_text('[scenario]\nname = "empty"\ntitle = "nothing yet"\n', "utf-8")
    return load_scenario(str(path))


def bindings(items: Iterable[BindingType]) -> list[Binding]:
    """Each key of each binding: `plus,equals_sign` is two."""
    return list(Binding.make_bindings(items))


def pane_keys(pane_class: type[Pane]) -> list[str]:
    """Each key of the pane's bindings (`a,b` is two)."""
    return list(dict.fromkeys(b.key for b in bindings(pane_class.pane_bindings())))


def app_keys() -> list[str]:
    """Each key of the app's bindings, but quit and the number keys (which leave the pane:
    `test_app` presses those)."""
    found = bindings(SkydeckApp.BINDINGS)
    return list(
        dict.fromkeys(
            b.key for b in found if b.action != "quit" and not b.action.startswith("show_pane(")
        )
    )


def focusable(pane: Pane) -> Iterator[Widget]:
    """The widgets of `pane` a person can move the focus to, as it is now."""
    for widget in pane.query("*"):
        if widget.focusable:
            yield widget


async def close_dialogs(pilot: AppPilot) -> None:
    """Esc out of whatever a key opened: a form, a question (No), help, the palette."""
    for _ in range(4):
        if not isinstance(pilot.app.screen, ModalScreen):
            return
        await pilot.press("escape")
        await settle(pilot)
    assert not isinstance(pilot.app.screen, ModalScreen), pilot.app.screen


async def show(pilot: Pilot[None], pane_class: type[Pane]) -> Pane:
    app = skydeck(pilot)
    await app.action_show_pane(pane_class.pane_id)
    await pilot.pause()
    pane = app.current_pane
    assert isinstance(pane, pane_class)
    return pane


# -- (a), (b): mounts anywhere, survives every key ------------------------------------


@each_pane
@pytest.mark.parametrize("world", ["empty", "demo"])
async def test_every_key_on_the_pane_is_survived(
    pane_class: type[Pane], world: str, tmp_path: Path
) -> None:
    scenario = empty_scenario(tmp_path) if world == "empty" else load_scenario("demo")
    app = SkydeckApp(scenario, realtime=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await step(pilot, 40)
        pane = await show(pilot, pane_class)
        assert app.bugs == []
        places = list(focusable(pane))
        assert places, f"{pane_class.__name__} has nothing to focus"
        # With nothing to select, every place has the same nothing to act on: the
        # empty account gets the pane's own keys from the first place only. On the
        # demo, the app's keys (the clock, help, the palette, the theme) are pressed
        # on the first pane; what help, the palette and `:` offer of each pane is
        # checked without their screens (below; `?` itself in test_app).
        if world == "demo":
            # From the resource table and the child table, where keys act on different
            # rows; a third place (a history, a grid) acts on the resource table's row.
            presses = [(place, key) for place in places[:2] for key in pane_keys(pane_class)]
            if pane_class is PANES[0]:
                presses += [(places[0], key) for key in app_keys()]
        else:
            presses = [(places[0], key) for key in pane_keys(pane_class)]
        for place, key in presses:
            if app.current_pane is not pane:
                await show(pilot, pane_class)
            if place.focusable:
                place.focus()
            await pilot.press(key)
            await settle(pilot)
            await close_dialogs(pilot)
            assert app.bugs == [], f"{key} on {place}"
        assert app.is_running
    assert app.bugs == []


@each_pane
async def test_palette_commands_name_their_pane(pane_class: type[Pane]) -> None:
    app = SkydeckApp(load_scenario("demo"), realtime=False)
    async with app.run_test(size=SIZE) as pilot:
        pane = await show(pilot, pane_class)
        commands = list(pane.commands())
        assert commands, f"{pane_class.__name__} offers the palette nothing"
        for command in commands:
            assert command.title.startswith(f"{pane.pane_id}: "), command
            assert command.help, command
            assert hasattr(pane, f"action_{command.action}"), command


# -- (c): snapshots --------------------------------------------------------------------


@each_pane
@pytest.mark.parametrize("size", SIZES)
def test_pane_snapshot(
    snap_compare: SnapCompare, pane_class: type[Pane], size: tuple[int, int]
) -> None:
    async def show_pane(pilot: Pilot[None]) -> None:
        await show(pilot, pane_class)

    app = SnapshotApp(size)
    assert snap_compare(app, terminal_size=size, run_before=then(show_pane))
    ansi_only(app)


# -- (d): keys and names -----------------------------------------------------------------


@each_pane
def test_every_pane_says_what_it_shows_in_help(pane_class: type[Pane]) -> None:
    """What `?` shows above the pane's keys: paragraphs, each joined into one line."""
    paragraphs = reflow(pane_class.help_text).split("\n\n")
    assert all(p.strip() and "\n" not in p for p in paragraphs), pane_class.__name__


@each_pane
def test_every_key_of_the_pane_has_an_id_and_a_tooltip(pane_class: type[Pane]) -> None:
    for binding in bindings(pane_class.pane_bindings()):
        assert binding.id and binding.tooltip and binding.description, binding


def test_every_key_of_the_app_has_an_id_and_a_tooltip() -> None:
    for binding in bindings(SkydeckApp.BINDINGS):
        assert binding.id and binding.tooltip and binding.description, binding


def test_binding_ids_are_unique_across_the_app_and_its_panes() -> None:
    """One id, one binding: a user keymap (`App.set_keymap`) addresses keys by id."""
    items = [*SkydeckApp.BINDINGS, *(b for p in PANES for b in p.pane_bindings())]
    ids = [item.id or "" for item in items if isinstance(item, Binding)]
    assert len(ids) == len(items)
    assert sorted(ids) == sorted(set(ids))


@each_pane
def test_the_pane_is_named_for_the_rail_and_for_go_to(pane_class: type[Pane]) -> None:
    assert pane_class.pane_id == pane_class.pane_id.lower().strip()
    assert " " not in pane_class.pane_id
    assert 0 < len(pane_class.label) <= LABEL_CELLS, "the rail would cut the label"
    assert pane_class.help_text.strip(), "? would have nothing to say"
    names = jump_names()
    assert names[pane_class.pane_id] == pane_class.pane_id
    assert names[pane_class.label.lower()] == pane_class.pane_id


def test_pane_ids_are_unique() -> None:
    assert len({p.pane_id for p in PANES}) == len(PANES)


def test_no_pane_imports_the_app() -> None:
    """Panes reach the app through `Host`: importing every pane must not import `tui.app`."""
    code = "import sys, tui.panes, tui.commands; print('tui.app' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
