"""The SQS pane: queues, the selected queue's metrics, and its messages live.

Every action here is an SQS API call through `Cloud.call` as the `console`
IAM user, so it is checked, recorded in the trail and counted exactly as if
it came from the AWS console. A message can only be deleted or have its
visibility changed with a receipt handle, and only its receiver holds one:
the pane keeps the handles of the messages *you* received (marked ● in the
list) and uses them, so what works here is what works on AWS.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, ClassVar

from textual.binding import Binding, BindingType

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.scenarios import Scenario
from backend.services.sqs import Queue, SqsService
from backend.services.sqs.move_tasks import MoveTaskState, Status
from tui.checks import integer
from tui.presenters.sqs import SqsConsole, SqsPresenter
from tui.screens.message import MessageScreen
from tui.screens.pane import PaneCommand
from tui.screens.resource_pane import ResourcePane
from widgets.form import Field, required

DISTRIBUTED = {"duplicate_rate": 0.02, "reorder_window": 4, "short_poll_sample": 0.5}

HELP = """\
A queue holds messages until a consumer deletes them. ReceiveMessage hands a
message out and hides it for the VisibilityTimeout: in flight, with a bar that
runs down on the simulated clock. Delete it with the receipt handle from that
receive, or it becomes visible again and its receive count grows. After
maxReceiveCount receives, the redrive policy moves it to the dead-letter queue.
FIFO queues deliver each message group in order, one batch in flight at a time.
A short poll (WaitTimeSeconds 0) answers at once, often empty; a long poll waits
up to 20 s for a message. Compare the two notifications queues' API calls/min.
Press a to switch standard queues to at-least-once delivery (rare duplicates,
loose order, short polls that sample servers), as SQS really behaves.

On a dead-letter queue, R redrives its messages back to the queues they came
from (StartMessageMoveTask, as the console's "DLQ redrive" does), at a rate you
choose; the settings line shows the task moving them, and R again cancels it."""


def _attributes(text: str) -> dict[str, dict[str, str]]:
    """`name=value, name2=value2` as String message attributes."""
    out: dict[str, dict[str, str]] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        out[name.strip()] = {"DataType": "String", "StringValue": value.strip()}
    return out


def _check_attributes(text: str) -> str | None:
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        if not sep or not name.strip() or not value.strip():
            return "write attributes as name=value, separated by commas"
    return None


class SqsPane(ResourcePane[Queue]):
    pane_id: ClassVar[str] = "sqs"
    label: ClassVar[str] = "SQS"
    help_text: ClassVar[str] = HELP
    aliases: ClassVar[tuple[str, ...]] = ("queues",)
    service: ClassVar[str] = "sqs"
    presenter: SqsPresenter

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "n",
            "create_queue",
            "New",
            id="sqs.create_queue",
            tooltip="CreateQueue: a standard or FIFO queue",
        ),
        Binding("s", "send", "Send", id="sqs.send", tooltip="SendMessage to the selected queue"),
        Binding(
            "r", "receive", "Recv", id="sqs.receive", tooltip="ReceiveMessage: short or long poll"
        ),
        Binding(
            "d",
            "delete_message",
            "Delete",
            id="sqs.delete_message",
            tooltip="DeleteMessage with your receipt handle",
        ),
        Binding(
            "v",
            "change_visibility",
            "Vis",
            show=False,
            id="sqs.change_visibility",
            tooltip="ChangeMessageVisibility with your receipt handle",
        ),
        Binding("P", "purge", "Purge", id="sqs.purge", tooltip="PurgeQueue (asks first)"),
        Binding(
            "D",
            "delete_queue",
            "Delete queue",
            show=False,
            id="sqs.delete_queue",
            tooltip="DeleteQueue (asks first)",
        ),
        Binding(
            "a",
            "toggle_delivery",
            "At-least-once",
            show=False,
            id="sqs.delivery",
            tooltip="Switch standard queues between exact and at-least-once delivery",
        ),
        Binding(
            "y",
            "copy",
            "Copy",
            show=False,
            id="sqs.copy",
            tooltip="Copy the selected message's body, or the queue's URL",
        ),
        Binding(
            "enter",
            "open",
            "Open",
            show=False,
            id="sqs.open",
            tooltip="Open: a queue's messages, or all of a message",
        ),
        Binding(
            "R",
            "redrive",
            "Redrive",
            show=False,
            id="sqs.redrive",
            tooltip="On a dead-letter queue: redrive its messages to their sources "
            "(StartMessageMoveTask); again to cancel",
        ),
    ]

    def __init__(self, cloud: Cloud) -> None:
        console = SqsConsole()
        super().__init__(cloud, SqsPresenter(cloud, console))
        self.console = console
        self.sqs = cloud.service(SqsService)

    def scenario_started(self, scenario: Scenario) -> None:
        """Show the first queue an actor works on: where something happens from the start."""
        for spec in scenario.actors:
            queue = spec.options.get("queue")
            if isinstance(queue, str) and self.go_to(queue):
                return

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out what cannot apply; `d`/`v` stay live on any highlighted message.

        Textual does not run an action whose check fails, so gating `d` and `v`
        on holding a receipt handle would make them do nothing at all on a
        message someone else received; kept live, they explain why (`_held`).
        """
        if action in ("send", "receive", "purge", "delete_queue", "open"):
            return True if self.selected() is not None else None
        if action == "redrive":
            queue = self.selected()
            return True if queue is not None and self.sqs.is_dead_letter_queue(queue.arn) else None
        if action in ("delete_message", "change_visibility"):
            return True if self.selected_child_key() is not None else None
        return True

    def commands(self) -> Iterable[PaneCommand]:
        """A new queue and the delivery switch; the rest act on the highlighted queue, message."""
        yield PaneCommand("sqs: create queue", "CreateQueue", "create_queue")
        yield PaneCommand(
            "sqs: toggle at-least-once delivery",
            "Standard queues' distributed behaviour",
            "toggle_delivery",
        )
        queue = self.selected()
        if queue is None:
            return
        name = queue.name
        yield PaneCommand(f"sqs: send to {name}", "SendMessage", "send")
        yield PaneCommand(f"sqs: receive from {name}", "ReceiveMessage", "receive")
        yield PaneCommand(f"sqs: purge {name}", "PurgeQueue (asks first)", "purge")
        yield PaneCommand(f"sqs: delete queue {name}", "DeleteQueue (asks first)", "delete_queue")
        if self.sqs.is_dead_letter_queue(queue.arn):
            yield PaneCommand(
                f"sqs: redrive {name}", "StartMessageMoveTask, or cancel the one running", "redrive"
            )
        message_id = self.selected_child_key()
        if message_id is not None and message_id in self.presenter.held(queue):
            short = message_id[:8]
            yield PaneCommand(
                f"sqs: delete message {short} from {name}",
                "DeleteMessage (you hold its receipt handle)",
                "delete_message",
            )
            yield PaneCommand(
                f"sqs: change visibility of {short} in {name}",
                "ChangeMessageVisibility",
                "change_visibility",
            )

    # -- actions ------------------------------------------------------------------

    def action_create_queue(self) -> None:
        queues = sorted(self.sqs.queues.values(), key=lambda q: q.name)
        standard = tuple(q.name for q in queues if not q.fifo)
        fifo = tuple(q.name for q in queues if q.fifo)
        fields = [
            Field(
                "name", "QueueName", placeholder="my-queue (FIFO: my-queue.fifo)", check=required
            ),
            Field("type", "Type", "standard", choices=("standard", "fifo")),
            Field("VisibilityTimeout", "VisibilityTimeout (s)", "30", check=integer(0, 43_200)),
            Field(
                "MessageRetentionPeriod",
                "MessageRetentionPeriod (s)",
                "345600",
                check=integer(60, 1_209_600),
            ),
            Field("DelaySeconds", "DelaySeconds", "0", check=integer(0, 900)),
            Field(
                "ReceiveMessageWaitTimeSeconds",
                "ReceiveMessageWaitTimeSeconds",
                "0",
                check=integer(0, 20),
            ),
            Field(
                "dlq",
                "Dead-letter queue",
                "(none)",
                choices=("(none)", *standard),
                choices_by=("type", {"standard": ("(none)", *standard), "fifo": ("(none)", *fifo)}),
            ),
            Field("maxReceiveCount", "maxReceiveCount", "3", check=integer(1, 1000)),
        ]

        async def run(values: dict[str, str]) -> AwsError | None:
            name = values["name"].strip()
            attributes: dict[str, str] = {
                key: values[key]
                for key in (
                    "VisibilityTimeout",
                    "MessageRetentionPeriod",
                    "DelaySeconds",
                    "ReceiveMessageWaitTimeSeconds",
                )
            }
            if values["type"] == "fifo":
                attributes["FifoQueue"] = "true"
            if values["dlq"] != "(none)":
                target = next(q for q in self.sqs.queues.values() if q.name == values["dlq"])
                attributes["RedrivePolicy"] = json.dumps(
                    {
                        "deadLetterTargetArn": target.arn,
                        "maxReceiveCount": values["maxReceiveCount"],
                    }
                )
            response, error = await self.attempt(
                "CreateQueue", {"QueueName": name, "Attributes": attributes}
            )
            if response is not None:
                self.refresh_view()
                self.go_to(name)
                self.app.notify(response["QueueUrl"], title=f"Created {name}")
            return error

        self.ask("CreateQueue", fields, run, submit="Create")

    def action_send(self) -> None:
        queue = self.selected()
        if queue is None:
            return
        fields = [
            Field(
                "MessageBody",
                "MessageBody",
                '{"order": 1, "sku": "A-17", "qty": 1}',
                check=required,
            ),
            Field(
                "attributes",
                "MessageAttributes (optional)",
                placeholder="name=value, …",
                check=_check_attributes,
            ),
        ]
        if queue.fifo:
            fields += [
                Field("MessageGroupId", "MessageGroupId", "customer-1", check=required),
                Field(
                    "MessageDeduplicationId",
                    "MessageDeduplicationId",
                    placeholder="optional with ContentBasedDeduplication",
                ),
            ]
        else:
            fields.append(
                Field(
                    "DelaySeconds",
                    "DelaySeconds",
                    placeholder=f"the queue's: {queue.delay_seconds}",
                    check=integer(0, 900, optional=True),
                )
            )
        url = self.sqs.queue_url(queue)

        async def run(values: dict[str, str]) -> AwsError | None:
            params: dict[str, Any] = {"QueueUrl": url, "MessageBody": values["MessageBody"]}
            attributes = _attributes(values.get("attributes", ""))
            if attributes:
                params["MessageAttributes"] = attributes
            for key in ("MessageGroupId", "MessageDeduplicationId"):
                if values.get(key, "").strip():
                    params[key] = values[key].strip()
            if values.get("DelaySeconds", "").strip():
                params["DelaySeconds"] = int(values["DelaySeconds"])
            sent_before = queue.counters.sent
            response, error = await self.attempt("SendMessage", params)
            if response is None:
                return error
            if queue.counters.sent == sent_before:
                self.app.notify(
                    "A message with the same MessageDeduplicationId (or, with "
                    "ContentBasedDeduplication, the same body) was sent in the last 5 minutes: "
                    f"SQS answered with that message's id, {response['MessageId'][:8]}, and "
                    "enqueued nothing.",
                    title=f"Deduplicated, not sent to {queue.name}",
                    severity="warning",
                )
            else:
                self.app.notify(f"MessageId {response['MessageId']}", title=f"Sent to {queue.name}")
            self.refresh_view()
            return None

        self.ask(f"SendMessage → {queue.name}", fields, run, submit="Send")

    def action_receive(self) -> None:
        queue = self.selected()
        if queue is None:
            return
        fields = [
            Field(
                "MaxNumberOfMessages",
                "MaxNumberOfMessages",
                "1",
                placeholder="1 to 10",
                check=integer(1, 10),
            ),
            Field(
                "VisibilityTimeout",
                "VisibilityTimeout",
                placeholder=f"the queue's: {queue.visibility_timeout}s",
                check=integer(0, 43_200, optional=True),
            ),
            Field(
                "WaitTimeSeconds",
                "WaitTimeSeconds",
                str(queue.wait_time_seconds),
                placeholder="0 short poll … 20 long poll",
                check=integer(0, 20),
            ),
        ]
        url = self.sqs.queue_url(queue)

        async def run(values: dict[str, str]) -> AwsError | None:
            params: dict[str, Any] = {
                "QueueUrl": url,
                "MaxNumberOfMessages": int(values["MaxNumberOfMessages"]),
                "WaitTimeSeconds": int(values["WaitTimeSeconds"]),
                "AttributeNames": ["All"],
                "MessageAttributeNames": ["All"],
            }
            if values["VisibilityTimeout"].strip():
                params["VisibilityTimeout"] = int(values["VisibilityTimeout"])
            self.run_worker(self._receive(queue.name, params), group="receive")
            return None

        self.ask(f"ReceiveMessage ← {queue.name}", fields, run, submit="Receive")

    async def _receive(self, name: str, params: dict[str, Any]) -> None:
        try:
            await self._receive_into_view(name, params)
        except Exception as error:
            self.host.survive(error, "ReceiveMessage")

    async def _receive_into_view(self, name: str, params: dict[str, Any]) -> None:
        wait = int(params["WaitTimeSeconds"])
        poll = (name, self.cloud.clock.now() + wait)
        if wait:
            self.console.receiving.append(poll)
            self.app.notify(
                f"Waiting up to {wait} s of simulated time for a message; the messages "
                "title counts down, and the poll returns as soon as one arrives.",
                title=f"ReceiveMessage long poll on {name}",
            )
        try:
            response = await self.call("ReceiveMessage", params)
        finally:
            if wait:
                self.console.receiving.remove(poll)
        if response is None:
            return
        messages = response.get("Messages", [])
        for message in messages:
            self.console.receipts[message["MessageId"]] = message["ReceiptHandle"]
        if messages:
            ids = ", ".join(m["MessageId"][:8] for m in messages)
            self.app.notify(
                f"{ids} — in flight, ● in the list; d deletes, v changes visibility",
                title=f"Received {len(messages)} from {name}",
            )
            self.refresh_view()
            selected = self.selected()
            if selected is not None and selected.name == name:
                self.child_table.table.move_to_key(messages[0]["MessageId"])
        else:
            self.app.notify(
                "No message was available: an empty receive (still a billed call).",
                title=f"Received nothing from {name}",
                severity="warning",
            )
        self.refresh_keys()

    def _held(self) -> tuple[Queue, str, str] | None:
        queue = self.selected()
        message_id = self.selected_child_key()
        if queue is None or message_id is None:
            return None
        handle = self.console.receipts.get(message_id)
        if handle is None:
            self.app.notify(
                "Only the receiver of a message holds its receipt handle: receive it first (r).",
                title="No receipt handle",
                severity="warning",
            )
            return None
        return queue, message_id, handle

    async def action_delete_message(self) -> None:
        held = self._held()
        if held is None:
            return
        queue, message_id, handle = held
        params = {"QueueUrl": self.sqs.queue_url(queue), "ReceiptHandle": handle}
        if await self.call("DeleteMessage", params) is not None:
            del self.console.receipts[message_id]
            self.app.notify(f"{message_id[:8]} deleted from {queue.name}", title="DeleteMessage")
            self.refresh_view()

    def action_change_visibility(self) -> None:
        held = self._held()
        if held is None:
            return
        queue, message_id, handle = held
        fields = [
            Field(
                "VisibilityTimeout",
                "VisibilityTimeout from now",
                "0",
                placeholder="seconds; 0 = visible now",
                check=integer(0, 43_200),
            ),
        ]
        url = self.sqs.queue_url(queue)

        async def run(values: dict[str, str]) -> AwsError | None:
            timeout = int(values["VisibilityTimeout"])
            params = {"QueueUrl": url, "ReceiptHandle": handle, "VisibilityTimeout": timeout}
            response, error = await self.attempt("ChangeMessageVisibility", params)
            if response is not None:
                self.app.notify(
                    f"{message_id[:8]} visible again in {timeout}s", title="ChangeMessageVisibility"
                )
                self.refresh_view()
            return error

        self.ask(f"ChangeMessageVisibility · {message_id[:8]}", fields, run)

    def action_purge(self) -> None:
        queue = self.selected()
        if queue is None:
            return
        url = self.sqs.queue_url(queue)

        async def purge() -> None:
            count = len(queue)
            if await self.call("PurgeQueue", {"QueueUrl": url}) is not None:
                self.app.notify(
                    f"{count:,} messages deleted; the next purge is allowed in 60 s.",
                    title=f"Purged {queue.name}",
                )
                self.refresh_view()

        self.confirm(
            f"Purge {queue.name}? Its {len(queue):,} messages are deleted and can't be "
            "recovered. You can purge a queue once every 60 seconds.",
            purge,
            yes="Purge",
        )

    def action_delete_queue(self) -> None:
        queue = self.selected()
        if queue is None:
            return
        url = self.sqs.queue_url(queue)
        name = queue.name

        async def delete() -> None:
            if await self.call("DeleteQueue", {"QueueUrl": url}) is not None:
                self.app.notify(
                    f"{name} deleted; its name can be reused after 60 seconds.", title="DeleteQueue"
                )
                self.refresh_view()

        question = f"Delete queue {name} and its {len(queue):,} messages?"
        sources = sorted(
            q.name
            for q in self.sqs.queues.values()
            if q.redrive is not None and q.redrive.dead_letter_target_arn == queue.arn
        )
        if sources:
            question += (
                f"\n\n{name} is the dead-letter queue of {', '.join(sources)}. Their redrive "
                "policy will name a queue that no longer exists: messages that fail there stay "
                "in the source queue instead of moving."
            )
        self.confirm(question, delete, yes="Delete")

    def action_copy(self) -> None:
        """Copy what is selected: the focused message's body, else the queue's URL.

        The URL, not the ARN: it is what SendMessage and ReceiveMessage take, in
        the aws CLI and every SDK.
        """
        queue = self.selected()
        if queue is None:
            return
        message_id = self.selected_child_key()
        message = queue.message(message_id) if message_id else None
        if self.child_table.table.has_focus and message_id and message is not None:
            self.app.copy_to_clipboard(message.body)
            self.app.notify(
                f"{len(message.body):,} characters", title=f"Copied body of {message_id[:8]}"
            )
            return
        url = self.sqs.queue_url(queue)
        self.app.copy_to_clipboard(url)
        self.app.notify(url, title=f"Copied the URL of {queue.name}")

    async def open_child(self, resource: Queue, key: str) -> None:
        message = resource.message(key)
        if message is not None:
            self.app.push_screen(MessageScreen(message, resource, self.cloud.clock.now))

    def action_redrive(self) -> None:
        """Start a redrive of the selected dead-letter queue, or cancel the one running."""
        queue = self.selected()
        if queue is None or not self.sqs.is_dead_letter_queue(queue.arn):
            return
        task = self.presenter.move_task(queue)
        if task is not None and task.status is Status.RUNNING:
            self._cancel_redrive(queue, task)
            return
        others = sorted(
            q.name for q in self.sqs.queues.values() if q.fifo == queue.fifo and q is not queue
        )
        original = "(each message's source queue)"
        fields = [
            Field("destination", "DestinationArn", original, choices=(original, *others)),
            Field(
                "rate",
                "MaxNumberOfMessagesPerSecond",
                placeholder="1 to 500; empty: the system's rate",
                check=integer(1, 500, optional=True),
            ),
        ]

        async def run(values: dict[str, str]) -> AwsError | None:
            params: dict[str, Any] = {"SourceArn": queue.arn}
            if values["destination"] != original:
                target = self.sqs.queue_by_name(values["destination"], queue.region)
                params["DestinationArn"] = target.arn
            if values["rate"].strip():
                params["MaxNumberOfMessagesPerSecond"] = int(values["rate"])
            response, error = await self.attempt("StartMessageMoveTask", params)
            if response is not None:
                self.app.notify(
                    f"{len(queue):,} messages to move; the settings line shows "
                    "its progress, R again cancels.",
                    title=f"Redrive of {queue.name} started",
                )
                self.refresh_view()
            return error

        description = (
            f"Moves the {len(queue):,} messages now in {queue.name} back to where they came "
            "from, oldest first, as the console's DLQ redrive does."
        )
        self.ask(
            f"StartMessageMoveTask · redrive {queue.name}",
            fields,
            run,
            submit="Redrive",
            description=description,
        )

    def _cancel_redrive(self, queue: Queue, task: MoveTaskState) -> None:
        async def cancel() -> None:
            response = await self.call("CancelMessageMoveTask", {"TaskHandle": task.handle})
            if response is not None:
                moved = response.get("ApproximateNumberOfMessagesMoved", 0)
                self.app.notify(
                    f"{moved:,} messages were moved before the cancel.",
                    title=f"Redrive of {queue.name} cancelled",
                )
                self.refresh_view()

        self.confirm(
            f"Cancel the redrive of {queue.name}? {task.moved:,} of {task.to_move:,} messages "
            "are moved; the rest stay.",
            cancel,
            yes="Cancel it",
        )

    def action_toggle_delivery(self) -> None:
        delivery = self.sqs.delivery
        if delivery.exact:
            for knob, value in DISTRIBUTED.items():
                setattr(delivery, knob, value)
            self.app.notify(
                "Standard queues now deliver at least once: ~2% of deletes miss a copy (the "
                "message comes back), order is loose, and short polls sample half the servers.",
                title="At-least-once delivery on",
            )
        else:
            delivery.duplicate_rate = 0.0
            delivery.reorder_window = 1
            delivery.short_poll_sample = 1.0
            self.app.notify(
                "Standard queues deliver exactly once, oldest first.",
                title="At-least-once delivery off",
            )
