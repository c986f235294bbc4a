"""The event log folds bursts of one event into one line and keeps a bounded history."""

from __future__ import annotations

from backend.bus import CloudEvent, Severity
from tui.event_log import EventLog


def event(
    t: float,
    kind: str = "MovedToDeadLetterQueue",
    resource: str = "arn:q",
    summary: str = "",
    severity: Severity = "warning",
) -> CloudEvent:
    return CloudEvent(t, "sqs", kind, summary or f"at {t}", severity, resource)


def test_a_burst_on_one_resource_is_one_line_with_a_count() -> None:
    log = EventLog()
    for t in range(40):
        log.add(event(float(t)))
    assert len(log) == 1
    [line] = log.lines()
    assert (line.count, line.first, line.last, line.summary) == (40, 0.0, 39.0, "at 39.0")
    assert log.total == 40


def test_other_resources_and_kinds_get_their_own_lines_newest_first() -> None:
    log = EventLog()
    log.add(event(0, resource="arn:a"))
    log.add(event(1, resource="arn:b"))
    log.add(event(2, kind="QueuePurged", resource="arn:a"))
    log.add(event(3, resource="arn:a"))
    assert [(line.kind, line.resource, line.count) for line in log.lines()] == [
        ("MovedToDeadLetterQueue", "arn:a", 2),
        ("QueuePurged", "arn:a", 1),
        ("MovedToDeadLetterQueue", "arn:b", 1),
    ]
    newest = log.newest()
    assert newest is not None
    assert newest.last == 3


def test_after_a_quiet_minute_a_new_burst_starts_a_new_line() -> None:
    log = EventLog(fold_window=60)
    log.add(event(0))
    log.add(event(30))
    log.add(event(200))
    assert [(line.first, line.count) for line in log.lines()] == [(200.0, 1), (0.0, 2)]


def test_a_line_takes_the_worst_severity_of_its_burst() -> None:
    log = EventLog()
    log.add(event(0, severity="information"))
    log.add(event(1, severity="error"))
    log.add(event(2, severity="warning"))
    [line] = log.lines()
    assert line.severity == "error"


def test_the_log_is_bounded_and_forgets_the_oldest_lines() -> None:
    log = EventLog(capacity=3)
    for n in range(5):
        log.add(event(float(n), resource=f"arn:{n}"))
    assert [line.resource for line in log.lines()] == ["arn:4", "arn:3", "arn:2"]
    # A forgotten line is not folded into: the resource starts a line of its own.
    log.add(event(5.0, resource="arn:0"))
    assert next(log.lines()).resource == "arn:0"
    assert len(log) == 3
