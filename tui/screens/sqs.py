"""The SQS pane: queues, the selected queue's metrics, and its messages live.

Every action here is an SQS API call through `Cloud.call` as the `console`
IAM user, so it is checked, recorded in the trail and counted exactly as if
it came from the AWS console. A message can only be deleted or have its
visibility changed with a receipt handle, and only its receiver holds one:
the pane keeps the handles of the messages *you* received (marked ● in the
list) and uses them, so what works here is what works on AWS.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.services.sqs import Queue, SqsService
from backend.services.sqs.message import State
from backend.services.sqs.move_tasks import MoveTaskState, Status
from tui.checks import integer
from tui.presenters.sqs import (
    FIFO_MESSAGE_COLUMNS,
    MESSAGE_COLUMNS,
    MESSAGE_LIMIT,
    QUEUE_COLUMNS,
    message_rows,
    move_task_line,
    queue_row,
    settings_line,
)
from tui.screens.message import MessageScreen
from tui.screens.pane import Pane
from widgets.confirm import ConfirmScreen
from widgets.form import Field, FormScreen, required
from widgets.resource_table import ResourceTable
from widgets.spark_row import SparkRow

SPARK_SECONDS = 60
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


class SqsPane(Pane):
    pane_id: ClassVar[str] = "sqs"
    label: ClassVar[str] = "SQS"
    key: ClassVar[str] = "1"
    help_text: ClassVar[str] = HELP

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "create_queue", "New", id="sqs.create_queue",
                tooltip="CreateQueue: a standard or FIFO queue"),
        Binding("s", "send", "Send", id="sqs.send", tooltip="SendMessage to the selected queue"),
        Binding("r", "receive", "Recv", id="sqs.receive",
                tooltip="ReceiveMessage: short or long poll"),
        Binding("d", "delete_message", "Delete", id="sqs.delete_message",
                tooltip="DeleteMessage with your receipt handle"),
        Binding("v", "change_visibility", "Vis", show=False, id="sqs.change_visibility",
                tooltip="ChangeMessageVisibility with your receipt handle"),
        Binding("P", "purge", "Purge", id="sqs.purge", tooltip="PurgeQueue (asks first)"),
        Binding("D", "delete_queue", "Delete queue", show=False, id="sqs.delete_queue",
                tooltip="DeleteQueue (asks first)"),
        Binding("a", "toggle_delivery", "At-least-once", show=False, id="sqs.delivery",
                tooltip="Switch standard queues between exact and at-least-once delivery"),
        Binding("y", "copy", "Copy", show=False, id="sqs.copy",
                tooltip="Copy the selected message's body, or the queue's URL"),
        Binding("enter", "open", "Open", show=False, id="sqs.open",
                tooltip="Open: a queue's messages, or all of a message"),
        Binding("R", "redrive", "Redrive", show=False, id="sqs.redrive",
                tooltip="On a dead-letter queue: redrive its messages to their sources "
                        "(StartMessageMoveTask); again to cancel"),
    ]  # fmt: skip

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud)
        self.sqs = cloud.service(SqsService)
        #: Receipt handles of messages the console received, by message id.
        self.receipts: dict[str, str] = {}
        #: Long polls the console is waiting in: (queue name, simulated deadline) each.
        self.receiving: list[tuple[str, float]] = []
        self._fifo_columns: bool | None = None

    def compose(self) -> ComposeResult:
        yield ResourceTable(
            "Queues", QUEUE_COLUMNS, id="queues", empty="no queues yet: press n to create one"
        )
        yield Static("", id="queue-settings")
        yield SparkRow(["sent", "recv", "del", "empty"], id="sparks")
        yield ResourceTable("Messages", MESSAGE_COLUMNS, id="messages", empty="no messages")

    @property
    def queues_table(self) -> ResourceTable:
        return self.query_one("#queues", ResourceTable)

    @property
    def messages_table(self) -> ResourceTable:
        return self.query_one("#messages", ResourceTable)

    def focus_main(self) -> None:
        self.queues_table.focus_table()

    # -- what is selected ---------------------------------------------------------

    def selected_queue(self) -> Queue | None:
        key = self.queues_table.cursor_key
        return self.sqs.queue_by_arn(key) if key else None

    def select_queue(self, name: str) -> bool:
        for queue in self.sqs.queues.values():
            if queue.name == name:
                return self.queues_table.table.move_to_key(queue.arn)
        return False

    def selected_message_id(self) -> str | None:
        return self.messages_table.cursor_key

    def held_messages(self, queue: Queue) -> set[str]:
        """Ids of `queue`'s in-flight messages whose receipt handle the console holds."""
        return {
            message_id
            for message_id in self.receipts
            if (message := queue.message(message_id)) is not None
            and message.state is State.INFLIGHT
        }

    def _dlq_name(self, queue: Queue) -> str | None:
        if queue.redrive is None:
            return None
        target = self.sqs.queue_by_arn(queue.redrive.dead_letter_target_arn)
        return target.name if target else queue.redrive.dead_letter_target_arn.rsplit(":", 1)[-1]

    # -- refresh ------------------------------------------------------------------

    def refresh_view(self) -> None:
        now = self.cloud.clock.now()
        queues = sorted(self.sqs.queues.values(), key=lambda q: (q.region, q.name))
        self.queues_table.set_rows([queue_row(q, now, self._dlq_name(q)) for q in queues])
        self._refresh_detail(now)

    def _refresh_detail(self, now: float) -> None:
        queue = self.selected_queue()
        settings = self.query_one("#queue-settings", Static)
        sparks = self.query_one("#sparks", SparkRow)
        messages = self.messages_table
        if queue is None:
            settings.update("", layout=False)
            sparks.set_series({})
            messages.set_title("Messages")
            messages.set_rows([])
            return
        if self._fifo_columns is not queue.fifo:
            self._fifo_columns = queue.fifo
            messages.set_columns(FIFO_MESSAGE_COLUMNS if queue.fifo else MESSAGE_COLUMNS)
        end = int(now)
        m = queue.metrics
        calls = sum(sum(s.sums(end, 60)) for s in (m.sent, m.received, m.deleted, m.empty_receives))
        line = settings_line(queue, self._dlq_name(queue), calls)
        task = self._move_task(queue)
        if task is not None:
            line = f"{move_task_line(task, now)} · {line}"
        settings.update(line, layout=False)
        sparks.set_series(
            {
                "sent": m.sent.sums(end, SPARK_SECONDS),
                "recv": m.received.sums(end, SPARK_SECONDS),
                "del": m.deleted.sums(end, SPARK_SECONDS),
                "empty": m.empty_receives.sums(end, SPARK_SECONDS),
            }
        )
        held = self.held_messages(queue)
        shown = list(queue.peek(MESSAGE_LIMIT))
        messages.set_rows(message_rows(shown, now, self.palette, fifo=queue.fifo, held=held))
        title = f"Messages · {queue.name} · {len(queue):,}"
        if len(queue) > len(shown):
            title += f" (oldest {len(shown):,} shown)"
        deadlines = [deadline for name, deadline in self.receiving if name == queue.name]
        if deadlines:
            left = max(0.0, min(deadlines) - now)
            title += f" · ReceiveMessage long poll waiting… {left:.0f}s left"
        messages.set_title(title)

    def _move_task(self, queue: Queue) -> MoveTaskState | None:
        """The queue's redrive worth showing: one under way, or one that ended a minute ago."""
        tasks = self.sqs.move_tasks(queue.arn)
        if not tasks:
            return None
        task = tasks[0]
        recent = task.ended_at is not None and self.cloud.clock.now() - task.ended_at < 60
        return task if task.active or recent else None

    def badge(self) -> tuple[str, bool]:
        backlog = sum(1 for q in self.sqs.queues.values() if q.n_visible)
        targets = {q.redrive.dead_letter_target_arn for q in self.sqs.queues.values() if q.redrive}
        dead = any(len(q) for q in self.sqs.queues.values() if q.arn in targets)
        return (f"{backlog:,}" if backlog else ""), dead

    def on_resource_table_highlighted(self, event: ResourceTable.Highlighted) -> None:
        if event.table.id == "queues":
            self._refresh_detail(self.cloud.clock.now())
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out what cannot apply; `d`/`v` stay live on any highlighted message.

        Textual does not run an action whose check fails, so gating `d` and `v`
        on holding a receipt handle would make them do nothing at all on a
        message someone else received; kept live, they explain why (`_held`).
        """
        if action in ("send", "receive", "purge", "delete_queue", "open"):
            return True if self.selected_queue() is not None else None
        if action == "redrive":
            queue = self.selected_queue()
            return True if queue is not None and self.sqs.is_dead_letter_queue(queue.arn) else None
        if action in ("delete_message", "change_visibility"):
            return True if self.selected_message_id() is not None else None
        return True

    # -- calling the cloud --------------------------------------------------------

    async def call(self, action: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """`cloud.call` as the console; an AWS error becomes a notification (and None)."""
        try:
            return await self.cloud.call("sqs", action, params)
        except AwsError as error:
            self.report(error, action)
            return None

    def _ask(
        self,
        title: str,
        fields: list[Field],
        run: Callable[[dict[str, str]], Awaitable[AwsError | None]],
        *,
        description: str = "",
        submit: str = "OK",
    ) -> None:
        """Show a form; if the call it makes fails, show it again with the values and why."""

        async def done(values: dict[str, str] | None) -> None:
            if values is None:
                return
            error = await run(values)
            if error is not None:
                again = [dataclasses.replace(f, value=values.get(f.name, f.value)) for f in fields]
                self._ask(title, again, run, description=f"{error.code}: {error.message}",
                          submit=submit)  # fmt: skip

        self.app.push_screen(
            FormScreen(title, fields, submit=submit, description=description), done
        )

    async def _try(
        self, action: str, params: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, AwsError | None]:
        try:
            return await self.cloud.call("sqs", action, params), None
        except AwsError as error:
            return None, error

    # -- actions ------------------------------------------------------------------

    def action_create_queue(self) -> None:
        queues = sorted(self.sqs.queues.values(), key=lambda q: q.name)
        standard = tuple(q.name for q in queues if not q.fifo)
        fifo = tuple(q.name for q in queues if q.fifo)
        fields = [
            Field("name", "QueueName", placeholder="my-queue (FIFO: my-queue.fifo)",
                  check=required),
            Field("type", "Type", "standard", choices=("standard", "fifo")),
            Field("VisibilityTimeout", "VisibilityTimeout (s)", "30", check=integer(0, 43_200)),
            Field("MessageRetentionPeriod", "MessageRetentionPeriod (s)", "345600",
                  check=integer(60, 1_209_600)),
            Field("DelaySeconds", "DelaySeconds", "0", check=integer(0, 900)),
            Field("ReceiveMessageWaitTimeSeconds", "ReceiveMessageWaitTimeSeconds", "0",
                  check=integer(0, 20)),
            Field("dlq", "Dead-letter queue", "(none)", choices=("(none)", *standard),
                  choices_by=("type", {"standard": ("(none)", *standard),
                                       "fifo": ("(none)", *fifo)})),
            Field("maxReceiveCount", "maxReceiveCount", "3", check=integer(1, 1000)),
        ]  # fmt: skip

        async def run(values: dict[str, str]) -> AwsError | None:
            name = values["name"].strip()
            attributes: dict[str, str] = {
                key: values[key]
                for key in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds",
                            "ReceiveMessageWaitTimeSeconds")
            }  # fmt: skip
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
            response, error = await self._try(
                "CreateQueue", {"QueueName": name, "Attributes": attributes}
            )
            if response is not None:
                self.refresh_view()
                self.select_queue(name)
                self.app.notify(response["QueueUrl"], title=f"Created {name}")
            return error

        self._ask("CreateQueue", fields, run, submit="Create")

    def action_send(self) -> None:
        queue = self.selected_queue()
        if queue is None:
            return
        fields = [
            Field("MessageBody", "MessageBody", '{"order": 1, "sku": "A-17", "qty": 1}',
                  check=required),
            Field("attributes", "MessageAttributes (optional)", placeholder="name=value, …",
                  check=_check_attributes),
        ]  # fmt: skip
        if queue.fifo:
            fields += [
                Field("MessageGroupId", "MessageGroupId", "customer-1", check=required),
                Field("MessageDeduplicationId", "MessageDeduplicationId",
                      placeholder="optional with ContentBasedDeduplication"),
            ]  # fmt: skip
        else:
            fields.append(
                Field("DelaySeconds", "DelaySeconds",
                      placeholder=f"the queue's: {queue.delay_seconds}",
                      check=integer(0, 900, optional=True))
            )  # fmt: skip
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
            response, error = await self._try("SendMessage", params)
            if response is None:
                return error
            if queue.counters.sent == sent_before:
                self.app.notify(
                    "A message with the same MessageDeduplicationId (or, with "
                    "ContentBasedDeduplication, the same body) was sent in the last 5 minutes: "
                    f"SQS answered with that message's id, {response['MessageId'][:8]}, and "
                    "enqueued nothing.",
                    title=f"Deduplicated, not sent to {queue.name}", severity="warning",
                )  # fmt: skip
            else:
                self.app.notify(f"MessageId {response['MessageId']}", title=f"Sent to {queue.name}")
            self.refresh_view()
            return None

        self._ask(f"SendMessage → {queue.name}", fields, run, submit="Send")

    def action_receive(self) -> None:
        queue = self.selected_queue()
        if queue is None:
            return
        fields = [
            Field("MaxNumberOfMessages", "MaxNumberOfMessages", "1", placeholder="1 to 10",
                  check=integer(1, 10)),
            Field("VisibilityTimeout", "VisibilityTimeout",
                  placeholder=f"the queue's: {queue.visibility_timeout}s",
                  check=integer(0, 43_200, optional=True)),
            Field("WaitTimeSeconds", "WaitTimeSeconds", str(queue.wait_time_seconds),
                  placeholder="0 short poll … 20 long poll", check=integer(0, 20)),
        ]  # fmt: skip
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

        self._ask(f"ReceiveMessage ← {queue.name}", fields, run, submit="Receive")

    async def _receive(self, name: str, params: dict[str, Any]) -> None:
        try:
            await self._receive_into_view(name, params)
        except Exception as error:
            self.skydeck.survive(error, "ReceiveMessage")

    async def _receive_into_view(self, name: str, params: dict[str, Any]) -> None:
        wait = int(params["WaitTimeSeconds"])
        poll = (name, self.cloud.clock.now() + wait)
        if wait:
            self.receiving.append(poll)
            self.app.notify(
                f"Waiting up to {wait} s of simulated time for a message; the messages "
                "title counts down, and the poll returns as soon as one arrives.",
                title=f"ReceiveMessage long poll on {name}",
            )
        try:
            response = await self.call("ReceiveMessage", params)
        finally:
            if wait:
                self.receiving.remove(poll)
        if response is None:
            return
        messages = response.get("Messages", [])
        for message in messages:
            self.receipts[message["MessageId"]] = message["ReceiptHandle"]
        if messages:
            ids = ", ".join(m["MessageId"][:8] for m in messages)
            self.app.notify(f"{ids} — in flight, ● in the list; d deletes, v changes visibility",
                            title=f"Received {len(messages)} from {name}")  # fmt: skip
            self.refresh_view()
            selected = self.selected_queue()
            if selected is not None and selected.name == name:
                self.messages_table.table.move_to_key(messages[0]["MessageId"])
        else:
            self.app.notify("No message was available: an empty receive (still a billed call).",
                            title=f"Received nothing from {name}", severity="warning")  # fmt: skip
        self.refresh_bindings()

    def _held(self) -> tuple[Queue, str, str] | None:
        queue = self.selected_queue()
        message_id = self.selected_message_id()
        if queue is None or message_id is None:
            return None
        handle = self.receipts.get(message_id)
        if handle is None:
            self.app.notify(
                "Only the receiver of a message holds its receipt handle: receive it first (r).",
                title="No receipt handle", severity="warning",
            )  # fmt: skip
            return None
        return queue, message_id, handle

    async def action_delete_message(self) -> None:
        held = self._held()
        if held is None:
            return
        queue, message_id, handle = held
        params = {"QueueUrl": self.sqs.queue_url(queue), "ReceiptHandle": handle}
        if await self.call("DeleteMessage", params) is not None:
            del self.receipts[message_id]
            self.app.notify(f"{message_id[:8]} deleted from {queue.name}", title="DeleteMessage")
            self.refresh_view()

    def action_change_visibility(self) -> None:
        held = self._held()
        if held is None:
            return
        queue, message_id, handle = held
        fields = [
            Field("VisibilityTimeout", "VisibilityTimeout from now", "0",
                  placeholder="seconds; 0 = visible now", check=integer(0, 43_200)),
        ]  # fmt: skip
        url = self.sqs.queue_url(queue)

        async def run(values: dict[str, str]) -> AwsError | None:
            timeout = int(values["VisibilityTimeout"])
            params = {"QueueUrl": url, "ReceiptHandle": handle, "VisibilityTimeout": timeout}
            response, error = await self._try("ChangeMessageVisibility", params)
            if response is not None:
                self.app.notify(f"{message_id[:8]} visible again in {timeout}s",
                                title="ChangeMessageVisibility")  # fmt: skip
                self.refresh_view()
            return error

        self._ask(f"ChangeMessageVisibility · {message_id[:8]}", fields, run)

    def action_purge(self) -> None:
        queue = self.selected_queue()
        if queue is None:
            return
        url = self.sqs.queue_url(queue)

        async def answered(yes: bool | None) -> None:
            count = len(queue)
            if yes and await self.call("PurgeQueue", {"QueueUrl": url}) is not None:
                self.app.notify(f"{count:,} messages deleted; the next purge is allowed in 60 s.",
                                title=f"Purged {queue.name}")  # fmt: skip
                self.refresh_view()

        self.app.push_screen(
            ConfirmScreen(
                f"Purge {queue.name}? Its {len(queue):,} messages are deleted and can't be "
                "recovered. You can purge a queue once every 60 seconds.",
                yes="Purge",
            ),
            answered,
        )

    def action_delete_queue(self) -> None:
        queue = self.selected_queue()
        if queue is None:
            return
        url = self.sqs.queue_url(queue)
        name = queue.name

        async def answered(yes: bool | None) -> None:
            if yes and await self.call("DeleteQueue", {"QueueUrl": url}) is not None:
                self.app.notify(f"{name} deleted; its name can be reused after 60 seconds.",
                                title="DeleteQueue")  # fmt: skip
                self.refresh_view()

        question = f"Delete queue {name} and its {len(queue):,} messages?"
        sources = sorted(
            q.name for q in self.sqs.queues.values()
            if q.redrive is not None and q.redrive.dead_letter_target_arn == queue.arn
        )  # fmt: skip
        if sources:
            question += (
                f"\n\n{name} is the dead-letter queue of {', '.join(sources)}. Their redrive "
                "policy will name a queue that no longer exists: messages that fail there stay "
                "in the source queue instead of moving."
            )
        self.app.push_screen(ConfirmScreen(question, yes="Delete"), answered)

    def action_copy(self) -> None:
        """Copy what is selected: the highlighted message's body, else the queue's URL.

        With the URL comes the aws CLI command to read the queue, since that is
        what a person copies a queue URL for.
        """
        queue = self.selected_queue()
        if queue is None:
            return
        message_id = self.selected_message_id()
        message = queue.message(message_id) if message_id else None
        if self.messages_table.table.has_focus and message_id and message is not None:
            self.app.copy_to_clipboard(message.body)
            self.app.notify(
                f"{len(message.body):,} characters", title=f"Copied body of {message_id[:8]}"
            )
            return
        url = self.sqs.queue_url(queue)
        self.app.copy_to_clipboard(url)
        self.app.notify(url, title=f"Copied the URL of {queue.name}")

    def action_open(self) -> None:
        """Enter: on a queue, go to its messages; on a message, show all of it."""
        queue = self.selected_queue()
        if queue is None:
            return
        message_id = self.selected_message_id()
        message = queue.message(message_id) if message_id else None
        if self.messages_table.table.has_focus and message is not None:
            self.app.push_screen(MessageScreen(message, queue, self.cloud.clock.now))
        else:
            self.messages_table.focus_table()

    def on_resource_table_selected(self, event: ResourceTable.Selected) -> None:
        """A double click opens, as Enter does, what it was on."""
        if isinstance(event.table, ResourceTable):
            event.table.focus_table()
        self.action_open()

    def action_redrive(self) -> None:
        """Start a redrive of the selected dead-letter queue, or cancel the one running."""
        queue = self.selected_queue()
        if queue is None or not self.sqs.is_dead_letter_queue(queue.arn):
            return
        task = self._move_task(queue)
        if task is not None and task.status is Status.RUNNING:
            self._cancel_redrive(queue, task)
            return
        others = sorted(
            q.name for q in self.sqs.queues.values() if q.fifo == queue.fifo and q is not queue
        )
        original = "(each message's source queue)"
        fields = [
            Field("destination", "DestinationArn", original, choices=(original, *others)),
            Field("rate", "MaxNumberOfMessagesPerSecond",
                  placeholder="1 to 500; empty: the system's rate",
                  check=integer(1, 500, optional=True)),
        ]  # fmt: skip

        async def run(values: dict[str, str]) -> AwsError | None:
            params: dict[str, Any] = {"SourceArn": queue.arn}
            if values["destination"] != original:
                target = self.sqs.queue_by_name(values["destination"], queue.region)
                params["DestinationArn"] = target.arn
            if values["rate"].strip():
                params["MaxNumberOfMessagesPerSecond"] = int(values["rate"])
            response, error = await self._try("StartMessageMoveTask", params)
            if response is not None:
                self.app.notify(f"{len(queue):,} messages to move; the settings line shows "
                                "its progress, R again cancels.",
                                title=f"Redrive of {queue.name} started")  # fmt: skip
                self.refresh_view()
            return error

        description = (
            f"Moves the {len(queue):,} messages now in {queue.name} back to where they came "
            "from, oldest first, as the console's DLQ redrive does."
        )
        self._ask(f"StartMessageMoveTask · redrive {queue.name}", fields, run, submit="Redrive",
                  description=description)  # fmt: skip

    def _cancel_redrive(self, queue: Queue, task: MoveTaskState) -> None:
        async def answered(yes: bool | None) -> None:
            if not yes:
                return
            response = await self.call("CancelMessageMoveTask", {"TaskHandle": task.handle})
            if response is not None:
                moved = response.get("ApproximateNumberOfMessagesMoved", 0)
                self.app.notify(f"{moved:,} messages were moved before the cancel.",
                                title=f"Redrive of {queue.name} cancelled")  # fmt: skip
                self.refresh_view()

        self.app.push_screen(
            ConfirmScreen(f"Cancel the redrive of {queue.name}? {task.moved:,} of "
                          f"{task.to_move:,} messages are moved; the rest stay.", yes="Cancel it"),
            answered,
        )  # fmt: skip

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
            self.app.notify("Standard queues deliver exactly once, oldest first.",
                            title="At-least-once delivery off")  # fmt: skip
