"""Presenters: backend objects in, plain rows out. No app, no widgets."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from rich.text import Text

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.identity import CONSOLE, Caller, role
from backend.services import new_cloud
from backend.services.sqs import Queue, SqsService
from backend.services.sqs.message import Message, State
from backend.services.sqs.move_tasks import MoveTaskState, Status
from backend.trail import Trail, TrailEntry
from tui.presenters.formats import compact_count
from tui.presenters.palette import Palette
from tui.presenters.sqs import (
    FIFO_MESSAGE_COLUMNS,
    MESSAGE_LIMIT,
    SqsConsole,
    SqsPresenter,
    message_attribute_rows,
    message_heading,
    message_row,
    message_state,
    move_task_line,
    pretty_body,
    queue_row,
    receive_rows,
    settings_line,
    system_attribute_rows,
)
from tui.presenters.trail import TrailSearch, entry_row, search_text, shortened, user_label
from widgets.resource_table import text_filter

PALETTE = Palette(
    visible="v-style",
    inflight="i-style",
    delayed="d-style",
    gone="g-style",
    error="e-style",
    data_event="de-style",
    accent="a-style",
)
NOW = 1_800_000_000.0


def plain(cell: str | Text) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def message(
    body: str = "{}", *, message_id: str = "3f2a9c11-0000-4000-8000-000000000001"
) -> Message:
    return Message(message_id, body, NOW, "AIDA", bytes(16))


# -- message_state: the words and the bar -------------------------------------------


@pytest.mark.parametrize(
    ("received", "deadline", "text"),
    [
        (NOW, NOW + 40, "in flight ████████ 40s"),
        (NOW - 10, NOW + 30, "in flight ██████░░ 30s"),
        (NOW - 35, NOW + 5, "in flight █░░░░░░░  5s"),
        (NOW - 40, NOW, "in flight ░░░░░░░░  0s"),
        # The clock can be a hair past the deadline before the queue's timer runs.
        (NOW - 41, NOW - 1, "in flight ░░░░░░░░  0s"),
        (NOW - 600, NOW + 600, "in flight ████░░░░ 10m00s"),
    ],
)
def test_an_in_flight_message_shows_its_visibility_timeout_running_down(
    received: float, deadline: float, text: str
) -> None:
    m = message()
    m.note_receive(received, "worker")
    m.state, m.deadline = State.INFLIGHT, deadline
    state = message_state(m, NOW, PALETTE)
    assert state.plain == text
    assert state.style == "i-style"


def test_a_delayed_message_shows_its_delay_running_down() -> None:
    m = message()
    m.state, m.sent_at, m.deadline = State.DELAYED, NOW - 15, NOW + 45
    state = message_state(m, NOW, PALETTE)
    assert state.plain == "delayed   ██████░░ 45s"
    assert state.style == "d-style"


def test_visible_and_gone_are_words_in_their_colours() -> None:
    m = message()
    assert (message_state(m, NOW, PALETTE).plain, message_state(m, NOW, PALETTE).style) == (
        "visible",
        "v-style",
    )
    m.state = State.GONE
    assert message_state(m, NOW, PALETTE) == Text("gone", "g-style")


def test_in_flight_and_delayed_states_have_the_same_width() -> None:
    """The state column is 22 cells: the bars line up, whatever the state."""
    inflight, delayed = message(), message()
    inflight.note_receive(NOW, "worker")
    inflight.state, inflight.deadline = State.INFLIGHT, NOW + 9
    delayed.state, delayed.sent_at, delayed.deadline = State.DELAYED, NOW, NOW + 9
    a, b = message_state(inflight, NOW, PALETTE).plain, message_state(delayed, NOW, PALETTE).plain
    assert len(a) == len(b) == 22
    assert a.index("█") == b.index("█")


# -- message_row --------------------------------------------------------------------


def test_a_standard_message_row() -> None:
    m = message('{"order": 1}\n{"more": 2}')
    m.receive_count = 2
    row = message_row(m, NOW, PALETTE, fifo=False)
    assert row.key == m.message_id
    assert [plain(c) for c in row.cells] == ["3f2a9c11", "visible", "2", '{"order": 1} {"more": 2}']


def test_a_held_message_is_marked_in_the_accent_colour() -> None:
    m = message()
    m.note_receive(NOW, "worker")
    m.state, m.deadline, m.receive_count = State.INFLIGHT, NOW + 30, 1
    receives = message_row(m, NOW, PALETTE, fifo=False, held=True).cells[2]
    assert receives == Text("●1", "a-style")
    assert plain(message_row(m, NOW, PALETTE, fifo=False).cells[2]) == "1"


def test_a_fifo_message_row_has_its_group_and_sequence_number() -> None:
    m = message("x" * 500)
    m.group_id, m.sequence_number = "customer-1", "18849496460467696128"
    row = message_row(m, NOW, PALETTE, fifo=True)
    cells = [plain(c) for c in row.cells]
    assert cells[3:5] == ["customer-1", "696128"]
    assert cells[5] == "x" * 200


# -- queue_row and settings_line, on a real queue -------------------------------------


async def make_queue(cloud: Cloud, name: str, **attributes: Any) -> tuple[Queue, str]:
    response = await cloud.call("sqs", "CreateQueue", {"QueueName": name, "Attributes": attributes})
    service = cloud.service(SqsService)
    return service.queues[(cloud.region, name)], response["QueueUrl"]


async def test_queue_row_counts_ages_and_rates() -> None:
    cloud = new_cloud(seed="presenters")
    q, url = await make_queue(cloud, "orders")
    assert [plain(c) for c in queue_row(q, cloud.clock.now(), None).cells] == [
        "orders",
        "std",
        "0",
        "0",
        "0",
        "-",
        "0.0",
        "0.0",
        "-",
    ]
    for body in ("a", "b", "c"):
        await cloud.call("sqs", "SendMessage", {"QueueUrl": url, "MessageBody": body})
    await cloud.call(
        "sqs", "SendMessage", {"QueueUrl": url, "MessageBody": "d", "DelaySeconds": 60}
    )
    await cloud.call("sqs", "ReceiveMessage", {"QueueUrl": url})
    await cloud.clock.advance(1)
    row = queue_row(q, cloud.clock.now(), "orders-dlq")
    assert row.key == q.arn
    assert [plain(c) for c in row.cells] == [
        "orders",
        "std",
        "2",
        "1",
        "1",
        "1s",
        "0.4",
        "0.1",
        "orders-dlq",
    ]
    await cloud.clock.advance(250)
    row = queue_row(q, cloud.clock.now(), "orders-dlq")
    assert [plain(c) for c in row.cells][2:8] == ["4", "0", "0", "4m11s", "0.0", "0.0"]
    assert row.sort[:6] == ("orders", False, 4, 0, 0, 251.0)


async def test_settings_line_names_what_shapes_the_queue() -> None:
    cloud = new_cloud(seed="presenters")
    dlq, _ = await make_queue(cloud, "jobs-dlq.fifo", FifoQueue="true")
    redrive = f'{{"deadLetterTargetArn": "{dlq.arn}", "maxReceiveCount": 3}}'
    q, _ = await make_queue(
        cloud,
        "jobs.fifo",
        FifoQueue="true",
        ContentBasedDeduplication="true",
        DelaySeconds="5",
        ReceiveMessageWaitTimeSeconds="20",
        RedrivePolicy=redrive,
    )
    assert settings_line(q, "jobs-dlq.fifo", 12) == (
        "jobs.fifo · VisibilityTimeout 30s · Retention 4d00h · DelaySeconds 5 · "
        "ReceiveMessageWaitTimeSeconds 20 · maxReceiveCount 3 → jobs-dlq.fifo · "
        "ContentBasedDeduplication · 12 API calls/min"
    )
    assert settings_line(dlq, None, 0) == (
        "jobs-dlq.fifo · VisibilityTimeout 30s · Retention 4d00h · 0 API calls/min"
    )


async def test_settings_line_counts_deletes_that_missed_a_copy() -> None:
    cloud = new_cloud(seed="presenters")
    q, url = await make_queue(cloud, "work")
    cloud.service(SqsService).delivery.duplicate_rate = 1.0
    await cloud.call("sqs", "SendMessage", {"QueueUrl": url, "MessageBody": "again"})
    received = await cloud.call("sqs", "ReceiveMessage", {"QueueUrl": url})
    handle = received["Messages"][0]["ReceiptHandle"]
    await cloud.call("sqs", "DeleteMessage", {"QueueUrl": url, "ReceiptHandle": handle})
    assert " · missed deletes 1 · " in settings_line(q, None, 3)


# -- SqsPresenter: what the SQS pane shows, on a bare cloud ------------------------------


async def test_the_sqs_presenter_lists_queues_by_arn_and_finds_them_again() -> None:
    cloud = new_cloud(seed="presenters")
    presenter = SqsPresenter(cloud, SqsConsole())
    assert presenter.rows(PALETTE) == []
    assert presenter.badge() == ("", False)
    dlq, _ = await make_queue(cloud, "work-dlq")
    redrive = f'{{"deadLetterTargetArn": "{dlq.arn}", "maxReceiveCount": 3}}'
    work, url = await make_queue(cloud, "work", RedrivePolicy=redrive)
    rows = presenter.rows(PALETTE)
    assert [r.key for r in rows] == [work.arn, dlq.arn]
    assert plain(rows[0].cells[-1]) == "work-dlq"
    assert presenter.find(work.arn) is work
    assert presenter.key_of("work") == work.arn
    assert presenter.key_of("missing") is None
    assert presenter.name(work) == "work"
    assert presenter.detail(work).startswith("work · VisibilityTimeout 30s")
    assert presenter.detail(work).endswith(" · maxReceiveCount 3 → work-dlq · 0 API calls/min")
    await cloud.call("sqs", "SendMessage", {"QueueUrl": url, "MessageBody": "x"})
    assert presenter.badge() == ("1", False)
    await cloud.call("sqs", "DeleteQueue", {"QueueUrl": url})
    assert presenter.find(work.arn) is None


async def test_the_sqs_presenter_shows_the_oldest_messages_and_marks_the_consoles() -> None:
    cloud = new_cloud(seed="presenters")
    console = SqsConsole()
    presenter = SqsPresenter(cloud, console)
    q, url = await make_queue(cloud, "jobs.fifo", FifoQueue="true")
    for n in range(MESSAGE_LIMIT + 5):
        params = {"QueueUrl": url, "MessageBody": f"job {n}", "MessageGroupId": "g"}
        await cloud.call("sqs", "SendMessage", {**params, "MessageDeduplicationId": str(n)})
    received = await cloud.call("sqs", "ReceiveMessage", {"QueueUrl": url})
    message = received["Messages"][0]
    console.receipts[message["MessageId"]] = message["ReceiptHandle"]
    console.receiving.append(("jobs.fifo", cloud.clock.now() + 20))
    rows = presenter.child_rows(q, PALETTE)
    assert len(rows) == MESSAGE_LIMIT
    assert plain(rows[0].cells[2]) == "●1"
    assert presenter.held(q) == {message["MessageId"]}
    assert presenter.child_columns(q) == FIFO_MESSAGE_COLUMNS
    assert presenter.child_title(q, len(rows)) == (
        f"Messages · jobs.fifo · {MESSAGE_LIMIT + 5} (oldest {MESSAGE_LIMIT} shown) · "
        "ReceiveMessage long poll waiting… 20s left"
    )
    await cloud.clock.advance(2)
    sparks = presenter.sparks(q)
    assert list(sparks) == ["sent", "recv", "del", "empty"]
    assert sum(sparks["sent"]) == MESSAGE_LIMIT + 5
    assert sum(sparks["recv"]) == 1


def test_a_count_on_the_rail_takes_at_most_four_cells() -> None:
    assert [compact_count(n) for n in (0, 7, 999, 1_000, 12_345, 999_999, 3_400_000)] == [
        "0",
        "7",
        "999",
        "1k",
        "12k",
        "999k",
        "3M",
    ]


# -- trail ----------------------------------------------------------------------------


BOTO = Caller(
    type="IAMUser",
    name="dev",
    access_key_id="AKIAIOSFODNN7EXAMPLE",
    user_agent="Boto3/1.44.8 md/Botocore#1.44.8 ua/2.1 os/linux#6.1",
)
CLI = Caller(
    type="IAMUser",
    name="dev",
    access_key_id="AKIAIOSFODNN7EXAMPLE",
    user_agent="aws-cli/2.15.0 md/awscrt#0.19.19 ua/2.0",
)


@pytest.mark.parametrize(
    ("caller", "label"),
    [
        (CONSOLE, "console"),
        (role("orders-worker"), "orders-worker"),
        (role("orders-worker", session="i-0abc"), "i-0abc"),
        (BOTO, "AKIA…MPLE (Boto3/1.44.8)"),
        (CLI, "AKIA…MPLE (aws-cli/2.15.0)"),
    ],
)
async def test_user_label_names_the_caller(caller: Caller, label: str) -> None:
    cloud = new_cloud(seed="presenters")
    await cloud.call("sqs", "ListQueues", {}, caller=caller)
    [entry] = cloud.trail.management
    assert user_label(entry) == label


async def _entries(cloud: Cloud) -> list[TrailEntry]:
    _, url = await make_queue(cloud, "orders")
    await cloud.clock.advance(3723)
    await cloud.call("sqs", "SendMessage", {"QueueUrl": url, "MessageBody": "x"})
    await cloud.call("sqs", "ReceiveMessage", {"QueueUrl": url})
    await cloud.call("sqs", "PurgeQueue", {"QueueUrl": url})
    with pytest.raises(AwsError, match="PurgeQueue"):
        await cloud.call("sqs", "PurgeQueue", {"QueueUrl": url})
    return sorted([*cloud.trail.management, *cloud.trail.data], key=lambda e: e.seq)


async def test_entry_row_shows_time_event_source_user_read_only_and_error() -> None:
    cloud = new_cloud(seed="presenters", start=NOW)
    create, send, receive, purge, refused = await _entries(cloud)
    rows = [entry_row(e, PALETTE) for e in (create, send, receive, purge, refused)]
    assert [[plain(c) for c in r.cells] for r in rows] == [
        ["08:00:00", "CreateQueue", "sqs.amazonaws.com", "console", "", ""],
        ["09:02:03", "SendMessage", "sqs.amazonaws.com", "console", "", ""],
        ["09:02:03", "ReceiveMessage", "sqs.amazonaws.com", "console", "ro", ""],
        ["09:02:03", "PurgeQueue", "sqs.amazonaws.com", "console", "", ""],
        ["09:02:03", "PurgeQueue", "sqs.amazonaws.com", "console", "", "PurgeQueueInProgress"],
    ]
    assert [r.key for r in rows] == [str(e.seq) for e in (create, send, receive, purge, refused)]
    # Data events in their own colour; management events plain; errors in the error colour.
    assert [r.cells[1].style for r in rows if isinstance(r.cells[1], Text)] == [
        "",
        "de-style",
        "de-style",
        "",
        "",
    ]
    error = rows[4].cells[5]
    assert isinstance(error, Text)
    assert error.style == "e-style"
    # Sorting by time sorts by sequence: same-second events keep their order.
    assert [r.sort[0] for r in rows] == [e.seq for e in (create, send, receive, purge, refused)]


def test_long_strings_in_a_shown_record_are_cut_and_say_so() -> None:
    record: dict[str, Any] = {
        "requestParameters": {"messageBody": "x" * 5000, "queueUrl": "u"},
        "list": ["y" * 3],
    }
    shown = shortened(record, limit=100)
    assert shown["requestParameters"]["messageBody"] == "x" * 100 + "… (4,900 more characters)"
    assert shown["requestParameters"]["queueUrl"] == "u"
    assert shown["list"] == ["yyy"]
    assert record["requestParameters"]["messageBody"] == "x" * 5000


# -- a message's detail ---------------------------------------------------------------


def test_a_json_body_is_indented_and_anything_else_is_shown_as_sent() -> None:
    indented = '{\n  "a": [\n    1,\n    2\n  ],\n  "é": "ü"\n}'
    assert pretty_body('{"a": [1, 2], "é": "ü"}') == indented
    assert pretty_body("{not json") == "{not json"
    assert pretty_body("plain text") == "plain text"


def test_detail_rows_name_every_attribute_and_receive() -> None:
    m = message()
    m.attributes = {
        "colour": {"DataType": "String", "StringValue": "blue"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
    }
    m.group_id = "customer-1"
    assert message_attribute_rows(m) == [("blob", "Binary", "AP8="), ("colour", "String", "blue")]
    system = dict(system_attribute_rows(m))
    assert system["SentTimestamp"] == "1800000000000  (2027-01-15 08:00:00 UTC)"
    assert system["MessageGroupId"] == "customer-1"
    assert system["ApproximateReceiveCount"] == "0"
    assert receive_rows(m) == []


async def test_receive_history_keeps_the_latest_receives_and_who_made_them() -> None:
    cloud = new_cloud(seed="presenters", start=NOW)
    _, url = await make_queue(cloud, "orders")
    await cloud.call("sqs", "SendMessage", {"QueueUrl": url, "MessageBody": "x"})
    receive = {"QueueUrl": url, "VisibilityTimeout": 0}
    for n in range(12):
        await cloud.call("sqs", "ReceiveMessage", receive, caller=role(f"worker-{n}"))
        await cloud.clock.advance(1)
    [m] = cloud.service(SqsService).queues[("us-east-1", "orders")].peek(1)
    rows = receive_rows(m)
    assert len(rows) == 10
    assert rows[0] == ("2027-01-15 08:00:11", "worker-11")
    assert rows[-1] == ("2027-01-15 08:00:02", "worker-2")
    assert dict(system_attribute_rows(m))["ApproximateReceiveCount"] == "12"


def test_the_heading_says_how_long_a_state_lasts_and_when_a_message_is_gone() -> None:
    cloud_queue = Queue.__new__(Queue)
    cloud_queue.name = "orders"
    m = message()
    m.state, m.deadline = State.INFLIGHT, NOW + 90
    assert message_heading(m, cloud_queue, NOW, True).endswith(
        "· orders · in flight, visible again in 1m30s"
    )
    m.state, m.deadline = State.DELAYED, NOW + 5
    assert message_heading(m, cloud_queue, NOW, True).endswith("· delayed, visible in 5s")
    assert message_heading(m, cloud_queue, NOW, False).endswith(
        "· gone (deleted, expired, purged or moved)"
    )


# -- the trail's search ---------------------------------------------------------------


async def test_a_trail_search_finds_the_newest_matches_in_slices() -> None:
    cloud = new_cloud(seed="presenters", start=NOW)
    await cloud.call("sqs", "CreateQueue", {"QueueName": "first"})
    for _ in range(50):
        await cloud.call("sqs", "ListQueues", {})
    with pytest.raises(AwsError):
        await cloud.call("sqs", "GetQueueUrl", {"QueueName": "missing"})
    for _ in range(50):
        await cloud.call("sqs", "ListQueues", {})
    search = TrailSearch(text_filter("QueueDoesNotExist"), include_data=False, limit=5)
    search.step(cloud.trail, cloud.clock.now(), budget=30)
    assert (search.found, search.scanned, search.searching) == ([], 30, True)
    search.step(cloud.trail, cloud.clock.now(), budget=30)
    [found] = search.found
    assert found.action == "GetQueueUrl"
    search.step(cloud.trail, cloud.clock.now(), budget=100)
    assert (search.scanned, search.searching) == (102, False)
    # New matches come in above the old, without searching the history again.
    with pytest.raises(AwsError):
        await cloud.call("sqs", "GetQueueUrl", {"QueueName": "missing"})
    await cloud.call("sqs", "ListQueues", {})
    search.step(cloud.trail, cloud.clock.now(), budget=100)
    assert [e.seq for e in search.found] == [103, 52]
    assert search.scanned == 104


async def test_a_trail_search_stops_at_its_limit() -> None:
    cloud = new_cloud(seed="presenters", start=NOW)
    for _ in range(20):
        await cloud.call("sqs", "ListQueues", {})
    search = TrailSearch(text_filter("ListQueues"), include_data=False, limit=5)
    search.step(cloud.trail, cloud.clock.now())
    assert [e.seq for e in search.found] == [20, 19, 18, 17, 16]
    assert (search.scanned, search.searching) == (5, False)


def test_the_search_text_is_the_rows_words() -> None:
    trail = Trail("s", "123456789012")
    entry = trail.record(
        NOW,
        "sqs.amazonaws.com",
        "SendMessage",
        {},
        None,
        None,
        CONSOLE,
        "us-east-1",
        False,
        True,
        None,
    )
    assert entry is not None
    assert search_text(entry) == " ".join(plain(c) for c in entry_row(entry, PALETTE).cells)


def test_a_redrive_in_one_phrase() -> None:
    task = MoveTaskState("t", "arn:dlq", None, 50, NOW, to_move=500, moved=120)
    assert move_task_line(task, NOW) == "redrive RUNNING 120 of 500 at 50/s"
    failed = dataclasses.replace(task, status=Status.FAILED, failure_reason="NonExistentQueue")
    assert move_task_line(failed, NOW) == "redrive FAILED 120 of 500 moved (NonExistentQueue)"
