"""The skydeck dashboard: one cloud, its clock, and a pane per service family.

The app owns the `Cloud` and drives its clock: in real time (speed x wall
clock, pausable) when a person runs it, or not at all when a test steps the
clock by hand (`realtime=False`). Panes pull from the cloud on an interval.

Two kinds of news reach the person, kept apart so neither buries the other:
the cloud's own happenings (the bus: a message moved to a dead-letter queue,
a purge, a redrive) go to the event log, whose newest line is the strip above
the footer (`!` opens it all; only errors also toast); toasts are for what
the person did, and they wait while a dialog is open rather than cover it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from textual.actions import ActionParseResult
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.dom import DOMNode
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.widgets import ContentSwitcher, Footer

from backend.bus import CloudEvent
from backend.clock import RealtimeDriver
from backend.scenarios import Scenario, ScenarioError, apply
from backend.services import new_cloud
from backend.wire.access import Access
from backend.wire.server import Endpoint, EndpointError, start_endpoint
from themes import STYLESHEET, THEMES, VARIABLE_DEFAULTS
from tui import paths
from tui.commands import PaneCommands
from tui.event_log import EventLog
from tui.help import HelpScreen
from tui.panes import PANES, jump_names, number_bindings, numbered, resolve
from tui.presenters.events import strip_line
from tui.presenters.palette import Palette
from tui.screens.events import EventsScreen
from tui.screens.pane import Pane
from widgets.event_strip import EventStrip
from widgets.header_bar import HeaderBar, HeaderState
from widgets.jump import JumpScreen
from widgets.rail import Rail, RailItem

log = logging.getLogger(__name__)

#: The speeds `+` and `-` step through.
SPEEDS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 1000.0)
#: Seconds of wall time between pane refreshes.
REFRESH_INTERVAL = 0.25
#: Textual's toast container, one per screen (its id: the class is private).
TOAST_RACK = "#textual-toastrack"

#: The keys of the frame around the panes; the number keys come from the registry.
FRAME_BINDINGS: list[BindingType] = [
    Binding("space", "pause", "Pause", id="clock.pause", tooltip="Pause simulated time"),
    Binding("space", "resume", "Resume", id="clock.resume", tooltip="Resume simulated time"),
    Binding(
        "plus,equals_sign",
        "speed(1)",
        "Faster",
        show=False,
        key_display="+",
        id="clock.faster",
        tooltip="Run simulated time faster (up to 1000x)",
    ),
    Binding(
        "minus",
        "speed(-1)",
        "Slower",
        show=False,
        key_display="-",
        id="clock.slower",
        tooltip="Run simulated time slower (down to 0.1x)",
    ),
    Binding(
        "question_mark",
        "help",
        "Help",
        key_display="?",
        id="app.help",
        tooltip="Keys and concepts of this pane",
    ),
    Binding(
        "colon",
        "jump",
        "Go to",
        show=False,
        key_display=":",
        id="app.jump",
        tooltip="Go to a pane by name, tab completing it (:sqs orders selects a queue)",
    ),
    Binding(
        "ctrl+p",
        "command_palette",
        "Palette",
        show=False,
        id="app.palette",
        tooltip="Search every command",
    ),
    Binding(
        "exclamation_mark",
        "events",
        "Events",
        show=False,
        key_display="!",
        id="app.events",
        tooltip="The cloud's events: DLQ moves, purges, redrives, newest first",
    ),
    Binding(
        "T",
        "next_theme",
        "Theme",
        show=False,
        id="app.theme",
        tooltip="Switch between the dark and light themes",
    ),
    Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit skydeck"),
]


def speed_label(speed: float) -> str:
    return f"{speed:g}x"


class SkydeckApp(App[None]):
    """The dashboard. Construct it with a scenario; `realtime=False` for tests."""

    TITLE = "skydeck"
    CSS_PATH = str(STYLESHEET)
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]  # noqa: RUF012 (typed by Textual)
    COMMANDS = App.COMMANDS | {PaneCommands}
    BINDINGS: ClassVar[list[BindingType]] = [*FRAME_BINDINGS, *number_bindings()]

    def __init__(
        self,
        scenario: Scenario,
        *,
        seed: int | None = None,
        speed: float | None = None,
        realtime: bool = True,
        theme: str = "skydeck-dark",
        wall: Callable[[], float] = time.monotonic,
        endpoint_port: int | None = None,
        endpoint_access: Access | None = None,
        files: Path | None = None,
        data_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.scenario = scenario
        self.cloud = new_cloud(
            seed=scenario.seed if seed is None else seed,
            start=scenario.start,
            region=scenario.region,
            data_dir=data_dir,
        )
        self.realtime = realtime
        self.driver = RealtimeDriver(
            self.cloud.clock,
            wall,
            speed=scenario.speed if speed is None else speed,
            paused=not realtime,
        )
        self.endpoint_port = endpoint_port
        self.endpoint_access = endpoint_access
        self.endpoint: Endpoint | None = None
        #: Where screenshots (and, set up by the CLI, the log) go.
        self.files = files if files is not None else paths.data_dir()
        for known in THEMES:
            self.register_theme(known)
        self.theme = theme
        self._palette_for: str | None = None
        self.palette = Palette()
        self._pending: list[CloudEvent] = []
        self.event_log = EventLog()
        #: Toasts that came while a dialog was open; shown once it closes.
        self._held: list[tuple[str, str, SeverityLevel, float | None]] = []
        self.panes: list[Pane] = [pane(self.cloud) for pane in PANES]
        self.pane_keys = {pane.pane_id: key for key, pane in numbered()}
        # Held, not queried: while a form or help is open the active screen is that
        # modal, and the refresh tick must still reach the main screen's widgets.
        self.header = HeaderBar(id="header")
        self.rail = Rail([self._rail_item(p) for p in self.panes], id="rail")
        self.strip = EventStrip(id="event-strip")
        self.switcher = ContentSwitcher(initial=self.panes[0].pane_id, id="panes")
        self.cloud.bus.subscribe(self._pending.append)
        #: Unexpected exceptions the dashboard survived; tests assert it stays empty.
        self.bugs: list[Exception] = []

    # -- layout -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield self.header
        with Horizontal(id="body"):
            yield self.rail
            with self.switcher:
                # The first pane only: the others mount when first shown, so starting
                # costs one pane's widgets however many services there are.
                yield self.panes[0]
        yield self.strip
        yield Footer(compact=True)

    async def on_mount(self) -> None:
        try:
            self.actors = await apply(self.scenario, self.cloud)
        except ScenarioError as error:
            self.notify(str(error), title="Scenario not loaded", severity="error", timeout=30)
            self.actors = []
        first = self.panes[0]
        first.refresh_view()
        first.scenario_started(self.scenario)
        if self.endpoint_port is not None:
            await self.start_endpoint(self.endpoint_port)
        if self.realtime:
            self.run_worker(self.driver.run(), name="clock", group="clock")
            # Services' live work: S3 follows its bucket folders, so a file dropped in
            # with a file manager is an object at once. Never in tests (no realtime).
            self.run_worker(self.cloud.live(), name="live", group="live", exit_on_error=False)
            # The tick. Without realtime (tests) the view moves when the test steps
            # the clock (or a key acts), never because wall time went by.
            self.set_interval(REFRESH_INTERVAL, self.refresh_view)
        self.refresh_view()
        self.current_pane.focus_main()

    async def start_endpoint(self, port: int) -> None:
        """Serve the AWS-compatible endpoint; a taken port is a notification, not a crash."""
        try:
            self.endpoint = await start_endpoint(self.cloud, port=port, access=self.endpoint_access)
        except EndpointError as error:
            self.notify(
                f"{error}. The dashboard runs without it; start skydeck with --port N to pick "
                "another port, or --no-endpoint.",
                title="AWS endpoint not started",
                severity="warning",
                timeout=15,
            )

    async def on_unmount(self) -> None:
        if self.endpoint is not None:
            await self.endpoint.close()

    # -- panes --------------------------------------------------------------------

    @property
    def current_pane(self) -> Pane:
        current = self.switcher.current
        return next(p for p in self.panes if p.pane_id == current)

    def pane(self, pane_type: type[Pane]) -> Pane:
        return next(p for p in self.panes if isinstance(p, pane_type))

    def _rail_item(self, pane: Pane) -> RailItem:
        return RailItem(pane.pane_id, self.pane_keys[pane.pane_id], pane.label, *pane.badge())

    async def action_show_pane(self, pane_id: str) -> None:
        """Show a pane; the first time, mount it and let it pick what to show first."""
        pane = next(p for p in self.panes if p.pane_id == pane_id)
        if not pane.is_attached:
            await self.switcher.add_content(pane)
            pane.palette = self.palette
            pane.refresh_view()
            pane.scenario_started(self.scenario)
        self.switcher.current = pane_id
        self.rail.show_pane(pane_id)
        self.refresh_view()
        self.current_pane.focus_main()

    async def on_option_list_option_selected(self, event: Rail.OptionSelected) -> None:
        if isinstance(event.option_list, Rail) and event.option.id:
            await self.action_show_pane(event.option.id)

    # -- the refresh tick ---------------------------------------------------------

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        """Every key, click and palette command lands here: a bug must not end the app."""
        try:
            return await super().run_action(action, default_namespace, namespaces)
        except Exception as error:
            self.survive(error, f"action {action!r}")
            return True

    def survive(self, error: Exception, where: str) -> None:
        """Log an unexpected error, tell the person once, and carry on."""
        log.exception("unexpected error in %s", where)
        first = not any(type(b) is type(error) and str(b) == str(error) for b in self.bugs)
        self.bugs.append(error)
        if first:
            self.notify(
                f"{type(error).__name__}: {error}",
                title="skydeck hit a bug (details in skydeck.log)",
                severity="error",
            )

    def refresh_view(self) -> None:
        """Pull the cloud's state into the header, the rail and the visible pane.

        Nothing to do once the app is closing: Textual removes the screens
        before it stops the app's timers, so a tick in between would find the
        panes half torn down and report a bug on every quit.
        """
        if not self.is_running:
            return
        try:
            self._refresh()
        except Exception as error:
            self.survive(error, "refresh")

    def _refresh(self) -> None:
        if self._palette_for != self.theme:
            self._palette_for = self.theme
            self.palette = Palette.from_theme(self.current_theme)
            for pane in self.panes:
                pane.palette = self.palette
        now = self.cloud.clock.now()
        stamp = datetime.fromtimestamp(now, UTC)
        self.header.state = HeaderState(
            title="skydeck",
            scenario=f"{self.scenario.name}: {self.scenario.title}",
            date=stamp.strftime("%Y-%m-%d"),
            time=stamp.strftime("%H:%M:%S"),
            speed=speed_label(self.driver.speed),
            paused=self.driver.paused,
            endpoint=self.endpoint.url.removeprefix("http://") if self.endpoint else "",
            endpoint_calls_per_second=self.endpoint.stats.calls_per_second()
            if self.endpoint
            else 0.0,
            calls_per_second=self.cloud.calls_per_second(),
        )
        self.rail.set_badges([self._rail_item(p) for p in self.panes])
        self.current_pane.refresh_view()
        self._log_events()
        self._hide_toasts_under_dialogs()
        if self._held and not isinstance(self.screen, ModalScreen):
            held, self._held = self._held, []
            for message, title, severity, timeout in held:
                self.notify(message, title=title, severity=severity, timeout=timeout)

    def _hide_toasts_under_dialogs(self) -> None:
        """Hide every toast while a dialog is open; show them again once it closes.

        New toasts are held meanwhile (`notify`), but one shown before the
        dialog opened moves onto the dialog's screen (Textual draws toasts on
        the active screen) and would cover its fields: the toast racks are
        switched off here, each tick.
        """
        shown = not isinstance(self.screen, ModalScreen)
        for layer in self.screen_stack:
            for rack in layer.query(TOAST_RACK):
                rack.display = shown

    def _log_events(self) -> None:
        """Move the bus's news into the event log and the strip; errors also toast, once."""
        if not self._pending:
            return
        events, self._pending[:] = list(self._pending), []
        errors: dict[tuple[str, str], CloudEvent] = {}
        for event in events:
            self.event_log.add(event)
            if event.severity == "error":
                errors[(event.kind, event.resource)] = event
        self.strip.line = strip_line(self.event_log.newest(), len(self.event_log))
        for event in errors.values():
            self.notify(event.summary, title=event.kind, severity="error")

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A toast for the person; held while a dialog is open, and logged when it warns.

        Held rather than shown: a toast drawn over a form or the palette hid
        the very fields it was about. Warnings and errors also go to
        skydeck.log, so a port already in use is on record, not only on screen.
        Markup is off by default: messages quote AWS text and names, which
        may hold square brackets.
        """
        if severity != "information":
            level = logging.ERROR if severity == "error" else logging.WARNING
            log.log(level, "%s: %s", title, message)
        if self.is_running and isinstance(self.screen, ModalScreen):
            self._held.append((message, title, severity, timeout))
            return
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def deliver_screenshot(
        self,
        filename: str | None = None,
        path: str | None = None,
        time_format: str | None = None,
    ) -> str | None:
        """Save an SVG of the screen in skydeck's own folder (not ~/Downloads) and say where."""
        folder = Path(path) if path else self.files / "screenshots"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            saved = self.save_screenshot(filename, str(folder), time_format)
        except OSError as error:
            why = f"{folder}: {error.strerror or error}"
            self.notify(why, title="Screenshot not saved", severity="error")
            return None
        self.notify(saved, title="Screenshot saved")
        return saved

    def action_events(self) -> None:
        self.push_screen(EventsScreen(self.event_log, lambda: self.palette))

    # -- clock --------------------------------------------------------------------

    def action_pause(self) -> None:
        self.driver.paused = True
        self.refresh_bindings()
        self.refresh_view()

    def action_resume(self) -> None:
        self.driver.paused = False
        self.refresh_bindings()
        self.refresh_view()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Space pauses while time runs and resumes while it stands: the footer says which."""
        if action == "pause":
            return not self.driver.paused
        if action == "resume":
            return self.driver.paused
        return True

    def action_speed(self, step: int) -> None:
        current = self.driver.speed
        if step > 0:
            faster = [s for s in SPEEDS if s > current]
            self.driver.speed = faster[0] if faster else SPEEDS[-1]
        else:
            slower = [s for s in SPEEDS if s < current]
            self.driver.speed = slower[-1] if slower else SPEEDS[0]
        self.refresh_view()

    # -- help, themes, palette ----------------------------------------------------

    def action_help(self) -> None:
        pane = self.current_pane
        self.push_screen(HelpScreen(pane.label, pane.help_text, self.screen.active_bindings))

    def action_jump(self) -> None:
        names = list(jump_names())
        hint = f"go to: {', '.join(p.pane_id for p in PANES)} (tab completes)"
        self.push_screen(JumpScreen(names, placeholder=hint), self.go_to)

    async def go_to(self, text: str | None) -> None:
        """Show the pane `text` names (`kin` is enough) and select the resource after it."""
        word, _, name = (text or "").strip().partition(" ")
        if not word:
            return
        pane_id = resolve(word, jump_names())
        if pane_id is None:
            known = ", ".join(sorted(jump_names()))
            self.notify(f"There is no {word!r} pane: {known}.", title="Go to", severity="warning")
            return
        await self.action_show_pane(pane_id)
        name = name.strip()
        if name and not self.current_pane.go_to(name):
            self.notify(
                f"{self.current_pane.label} has nothing called {name!r}.",
                title="Go to",
                severity="warning",
            )

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """skydeck's own colours, so that the stylesheet also parses under Textual's themes."""
        return dict(VARIABLE_DEFAULTS)

    def action_next_theme(self) -> None:
        names = [t.name for t in THEMES]
        index = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(index + 1) % len(names)]
        self.refresh_view()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for pane in self.panes:
            key = self.pane_keys[pane.pane_id] or ":" + pane.pane_id
            yield SystemCommand(
                f"Go to {pane.label}",
                f"Show the {pane.label} pane ({key})",
                lambda p=pane.pane_id: self.action_show_pane(p),
            )
        if self.driver.paused:
            yield SystemCommand("Resume time", "space", self.action_resume)
        else:
            yield SystemCommand("Pause time", "space", self.action_pause)
        yield SystemCommand(
            "Cloud events", "! the log of DLQ moves, purges, redrives", self.action_events
        )
        yield SystemCommand("Faster", "+", lambda: self.action_speed(1))
        yield SystemCommand("Slower", "-", lambda: self.action_speed(-1))
