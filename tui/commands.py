"""Command palette entries for the SQS pane: one per action that applies right now."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from backend.services.sqs import SqsService


class SqsCommands(Provider):
    """`sqs: send to orders`, `sqs: purge orders`, ... for every queue that exists,
    and delete / change visibility for each message the console holds a handle for."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        from tui.app import SkydeckApp
        from tui.screens.sqs import SqsPane

        app = self.app
        assert isinstance(app, SkydeckApp)
        pane = app.pane(SqsPane)
        assert isinstance(pane, SqsPane)

        async def run(action: str, queue: str | None = None, message: str | None = None) -> None:
            app.action_show_pane(pane.pane_id)
            if queue is not None:
                pane.select_queue(queue)
                pane.refresh_view()
            if message is not None:
                pane.messages_table.table.move_to_key(message)
            await pane.run_action(action)

        commands: list[tuple[str, str, Callable[[], object]]] = [
            ("sqs: create queue", "CreateQueue", partial(run, "create_queue")),
            ("sqs: toggle at-least-once delivery", "Standard queues' distributed behaviour",
             partial(run, "toggle_delivery")),
        ]  # fmt: skip
        service = app.cloud.service(SqsService)
        for queue in sorted(service.queues.values(), key=lambda q: q.name):
            name = queue.name
            commands += [
                (f"sqs: send to {name}", "SendMessage", partial(run, "send", name)),
                (f"sqs: receive from {name}", "ReceiveMessage", partial(run, "receive", name)),
                (f"sqs: purge {name}", "PurgeQueue (asks first)", partial(run, "purge", name)),
                (f"sqs: delete queue {name}", "DeleteQueue (asks first)",
                 partial(run, "delete_queue", name)),
            ]  # fmt: skip
            for message_id in sorted(pane.held_messages(queue)):
                short = message_id[:8]
                commands += [
                    (f"sqs: delete message {short} from {name}", "DeleteMessage (you hold its "
                     "receipt handle)", partial(run, "delete_message", name, message_id)),
                    (f"sqs: change visibility of {short} in {name}", "ChangeMessageVisibility",
                     partial(run, "change_visibility", name, message_id)),
                ]  # fmt: skip
        return commands

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
