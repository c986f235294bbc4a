"""What every pane shares: a rail entry, a help text, a pull-based refresh, and the
plumbing that turns a key into an AWS call.

A pane never imports the app (`tui.app`): what it asks of the app is `Host`,
so adding a pane never means editing the app, and a pane can run in any app
that offers that much. Calls go through `call`/`attempt`, forms through `ask`
and destructive actions through `confirm`, so every pane reports an AWS error
the same way (AWS's code as the title), and every "are you sure" defaults to
No.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

from textual.actions import parse
from textual.binding import Binding, BindingType
from textual.containers import Vertical

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.scenarios import Scenario
from tui.presenters.palette import Palette
from widgets.confirm import ConfirmScreen
from widgets.form import Field, FormScreen


@runtime_checkable
class Host(Protocol):
    """What a pane, and the palette's pane commands, may ask of the app that runs them."""

    @property
    def panes(self) -> Sequence[Pane]: ...

    async def action_show_pane(self, pane_id: str) -> None: ...

    def survive(self, error: Exception, where: str) -> None: ...


@dataclass(frozen=True, slots=True)
class PaneCommand:
    """A palette entry: `sqs: purge orders` runs the pane's `purge` action.

    An action on a resource acts on the highlighted one, so a command names
    that resource in its title rather than carrying it: listing one per
    resource (and one per message) made the palette's cost grow with the
    cloud on every keystroke.
    """

    title: str
    help: str
    action: str


class Pane(Vertical):
    """A service pane. Panes pull: the app calls `refresh_view` while the pane is shown.

    Cost is bounded by what is on screen, never by the event rate: a pane reads
    counts and a bounded window of resources from the backend on each tick.

    A new pane is a subclass listed in `tui.panes.PANES`: that gives it a
    number key, a place on the rail, `:` completion, `?` help, palette
    commands and a section of the README's key table.
    """

    #: The pane's id, lower case: its DOM id and its name for `:` (`sqs`).
    pane_id: ClassVar[str]
    #: Its name on the rail and in help, the AWS one, short (`SQS`, `Firehose`).
    label: ClassVar[str]
    help_text: ClassVar[str] = ""
    #: More names `:` goes to this pane by, lower case, besides its id and label.
    aliases: ClassVar[tuple[str, ...]] = ()
    #: The service `call` addresses (`cloud.call`'s first argument); "" for none.
    service: ClassVar[str] = ""

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(id=self.pane_id)
        self.cloud = cloud
        self.palette = Palette()
        self._applies: tuple[bool | None, ...] = ()

    @classmethod
    def pane_bindings(cls) -> list[BindingType]:
        """The keys the pane declares: its class's `BINDINGS` and its pane bases', not Textual's."""
        return [
            binding
            for klass in cls.__mro__[: cls.__mro__.index(Pane)]
            for binding in vars(klass).get("BINDINGS", ())
        ]

    @classmethod
    @functools.cache
    def pane_actions(cls) -> tuple[tuple[Binding, str, tuple[object, ...]], ...]:
        """Each key of the pane's bindings with its action parsed, once per class.

        The tick and every cursor move ask `check_action` of each (`refresh_keys`).
        """
        return tuple(
            (binding, *parse(binding.action)[1:])
            for binding in Binding.make_bindings(cls.pane_bindings())
        )

    @property
    def host(self) -> Host:
        app = self.app
        assert isinstance(app, Host), f"{type(app).__name__} cannot host panes"
        return app

    def refresh_view(self) -> None:
        """Pull the current state from the cloud into the widgets."""
        raise NotImplementedError

    def badge(self) -> tuple[str, bool]:
        """The rail badge: text, and whether it signals a problem."""
        return "", False

    def focus_main(self) -> None:
        """Focus the pane's main widget when the pane is shown."""

    def scenario_started(self, scenario: Scenario) -> None:
        """The scenario's resources exist and its actors run: a pane may pick what to show first."""

    def go_to(self, name: str) -> bool:
        """`:sqs orders`: highlight the resource called `name`; False when there is none."""
        return False

    def commands(self) -> Iterable[PaneCommand]:
        """The palette's commands for this pane: its keys that apply now.

        Cheap, since the palette asks on every keystroke. A pane whose actions
        act on a highlighted resource overrides this to name it.
        """
        seen: set[str] = set()
        for binding, name, parameters in self.pane_actions():
            if binding.action in seen or not binding.tooltip:
                continue
            seen.add(binding.action)
            if self.check_action(name, parameters):
                title = f"{self.pane_id}: {binding.description.lower()}"
                yield PaneCommand(title, binding.tooltip, binding.action)

    def refresh_keys(self) -> None:
        """Redraw the footer if what applies changed since it was last drawn.

        Textual's footer rebuilds every key on `refresh_bindings` (tens of
        milliseconds at 120 columns), and a cursor move or a reshard landing
        usually changes nothing it shows; so the pane compares `check_action`
        over its own keys first.
        """
        applies = tuple(self.check_action(name, params) for _, name, params in self.pane_actions())
        if applies != self._applies:
            self._applies = applies
            self.refresh_bindings()

    # -- calling the cloud --------------------------------------------------------

    def report(self, error: AwsError, action: str) -> None:
        """An AWS error from a dashboard action, shown as AWS would word it."""
        self.app.notify(error.message, title=f"{action}: {error.code}", severity="error")

    async def call(self, action: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """`cloud.call` to the pane's service as the console; an AWS error is reported, None."""
        response, error = await self.attempt(action, params)
        if error is not None:
            self.report(error, action)
        return response

    async def attempt(
        self, action: str, params: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, AwsError | None]:
        """`cloud.call` that hands an AWS error back, for a form to show it in place."""
        try:
            return await self.cloud.call(self.service, action, params), None
        except AwsError as error:
            return None, error

    def ask(
        self,
        title: str,
        fields: list[Field],
        run: Callable[[dict[str, str]], Awaitable[AwsError | None]],
        *,
        description: str = "",
        submit: str = "OK",
    ) -> None:
        """Show a form; if the call `run` makes fails, show it again with the values and why.

        A person who mistyped one field of eight loses nothing: the form comes
        back filled in, AWS's code and message on top.
        """

        async def done(values: dict[str, str] | None) -> None:
            if values is None:
                return
            error = await run(values)
            if error is not None:
                again = [dataclasses.replace(f, value=values.get(f.name, f.value)) for f in fields]
                why = f"{error.code}: {error.message}"
                self.ask(title, again, run, description=why, submit=submit)

        self.app.push_screen(
            FormScreen(title, fields, submit=submit, description=description), done
        )

    def confirm(self, question: str, then: Callable[[], Awaitable[object]], *, yes: str) -> None:
        """Ask `question` (No focused: Enter or Esc keeps things as they are); on yes, `then`."""

        async def answered(agreed: bool | None) -> None:
            if agreed:
                await then()

        self.app.push_screen(ConfirmScreen(question, yes=yes), answered)
