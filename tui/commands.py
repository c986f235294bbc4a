"""The command palette's pane commands: what each pane says applies now (`Pane.commands`).

One provider for every pane: it asks each pane of the app for its commands on
every keystroke, which is why a pane lists only its own actions and those on
what is highlighted, never one per resource. Running a command shows its
pane first, so what it does happens where the person can see it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.screens.pane import Host, Pane, PaneCommand


def _runner(host: Host, pane: Pane, command: PaneCommand) -> Callable[[], object]:
    async def run() -> None:
        await host.action_show_pane(pane.pane_id)
        await pane.run_action(command.action)

    return run


class PaneCommands(Provider):
    """`sqs: purge orders`, `trail: data events`, ... from every pane of the app."""

    def _commands(self) -> Iterator[tuple[str, str, Callable[[], object]]]:
        host = self.app
        if not isinstance(host, Host):
            return
        # A pane mounts when first shown: until then it has no highlighted resource
        # to act on, and the palette's "Go to ..." is how to reach it.
        for pane in host.panes:
            if not pane.is_attached:
                continue
            for command in pane.commands():
                yield command.title, command.help, _runner(host, pane, command)

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
