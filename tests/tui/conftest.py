"""Fixtures for the dashboard suite: the demo's queues on a clock only the test moves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet
from textual.css.types import CSSLocation
from textual.notifications import Notification

from tests.tui.helpers import quiet_demo
from tui.app import SkydeckApp


@pytest.fixture
def app() -> Iterator[SkydeckApp]:
    """The demo's seven queues, no actors, the clock stepped by hand (`helpers.step`).

    Run it inside the test (`async with app.run_test(...)`), not in a fixture:
    Textual keeps the active app in a context variable, which a fixture's task
    would not share with the test's. Afterwards, the app must have survived no
    bug of its own: `SkydeckApp.survive` turns them into toasts, not crashes, so
    a test that only looked at the screen would miss them.
    """
    app = SkydeckApp(quiet_demo(), realtime=False)
    yield app
    assert app.bugs == []


@pytest.fixture(autouse=True)
def toasts_stay(monkeypatch: pytest.MonkeyPatch) -> None:
    """Toasts expire on the wall clock; in tests they stay until the test has read them.

    Otherwise a loaded machine, slower than five seconds between a toast and
    the assertion on it, would fail a test that is right.
    """
    monkeypatch.setattr(Notification, "time_left", property(lambda n: n.timeout + 3600))


@pytest.fixture(autouse=True, scope="session")
def _stylesheets_parsed_once() -> Iterator[None]:
    """Each test starts an app, and each app parses the same stylesheets again (twice:
    once with Textual's theme, once with skydeck's). Parsing depends only on the CSS and
    the theme's variables, so within the test run it is done once for each pair.

    The parsed rules are only read once made, so apps can share them.
    """
    parsed: dict[tuple[object, ...], list[RuleSet]] = {}
    parse = Stylesheet._parse_rules

    def parse_once(
        self: Stylesheet,
        css: str,
        read_from: CSSLocation,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> list[RuleSet]:
        variables = tuple(sorted(self._variables.items()))
        key = (css, read_from, is_default_rules, tie_breaker, scope, variables)
        if key not in parsed:
            parsed[key] = parse(self, css, read_from, is_default_rules, tie_breaker, scope)
        return parsed[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Stylesheet, "_parse_rules", parse_once)
        yield
