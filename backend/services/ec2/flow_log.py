"""A flow log as the EC2 service keeps it: its settings, its engine, and what it delivered.

Each flow log owns an `Aggregator` (its capture windows) and an `Outbox` (its
closed windows waiting for delivery), from `flow_logs/`. The figures below are
for the dashboard's Network pane, read as plain attributes:

    FlowLog.id                        "fl-…"
    .resource_id / .resource_type     "vpc-…" / "VPC" | "Subnet" | "NetworkInterface"
    .traffic_type                     "ACCEPT" | "REJECT" | "ALL"
    .destination_type                 "cloud-watch-logs" | "s3"
    .log_group_name                   str | None (cloud-watch-logs)
    .log_destination                  str | None (the destination's ARN)
    .max_aggregation_interval         60 | 600
    .deliver_status                   "SUCCESS" | "FAILED"
    .deliver_error                    str | None ("Access error", ...)
    .recent_records                   deque[Record], newest last, within RECORDS_BUDGET bytes
    .records_written                  records of every closed window (NODATA included)
    .accepted_records / .rejected_records   of those, the ACCEPT and the REJECT ones
    .deliveries / .delivered_records  deliveries made and the records they carried
    .last_delivery / .next_delivery   simulated times, None when there is none

`next_delivery - now` is the delay the pane shows: records wait there between
their window's end and their delivery (AWS_FACTS §7).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Final

from backend.clock import TimerHandle
from backend.services.ec2.flow_logs import Aggregator, Interface, LogFormat, Outbox, Record

#: Bytes of rendered-size records `recent_records` keeps (each costs its fields + overhead).
RECORDS_BUDGET: Final = 1024 * 1024
#: What a held record costs beyond its strings: the tuple of 28 and its ints.
RECORD_OVERHEAD: Final = 300


def record_cost(record: Record) -> int:
    """Roughly what holding `record` costs, in bytes: its address fields and a fixed part."""
    return RECORD_OVERHEAD + len(record[2]) + len(record[3])


@dataclass(eq=False)
class FlowLog:
    id: str
    resource_id: str
    resource_type: str
    traffic_type: str
    destination_type: str
    log_group_name: str | None
    log_destination: str | None
    deliver_permission_arn: str | None
    log_format: LogFormat
    max_aggregation_interval: int
    created: float
    aggregator: Aggregator
    outbox: Outbox
    tags: dict[str, str] = field(default_factory=dict)
    deliver_status: str = "SUCCESS"
    deliver_error: str | None = None
    recent_records: deque[Record] = field(default_factory=deque)
    recent_bytes: int = 0
    records_written: int = 0
    accepted_records: int = 0
    rejected_records: int = 0
    deliveries: int = 0
    delivered_records: int = 0
    last_delivery: float | None = None
    next_delivery: float | None = None
    #: The `Interface` standing for each ENI it has seen (the aggregator keys on identity).
    interfaces: dict[str, Interface] = field(default_factory=dict)
    close_timer: TimerHandle | None = None
    send_timer: TimerHandle | None = None

    def keep(self, records: list[Record]) -> None:
        """Hold a closed window's records for the dashboard, oldest going past the budget."""
        held = self.recent_records
        used = self.recent_bytes
        overhead = RECORD_OVERHEAD
        for record in records:
            held.append(record)
            used += overhead + len(record[2]) + len(record[3])
            action = record[11]
            if action == "ACCEPT":
                self.accepted_records += 1
            elif action == "REJECT":
                self.rejected_records += 1
        while used > RECORDS_BUDGET and held:
            used -= record_cost(held.popleft())
        self.recent_bytes = used
        self.records_written += len(records)

    def stop(self) -> None:
        """Cancel its window closing and its delivery (it was deleted, or the cloud reset)."""
        for timer in (self.close_timer, self.send_timer):
            if timer is not None:
                timer.cancel()
        self.close_timer = self.send_timer = None
