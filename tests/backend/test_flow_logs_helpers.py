"""Interfaces and flows for the flow-log tests: AWS's example interface, flows by keyword."""

from __future__ import annotations

from typing import Any

from backend.services.ec2.flow_logs.records import Flow, Interface

#: AWS's example interface (flow log record examples, "Accepted and rejected traffic").
ENI = Interface(
    "eni-1235b8ca123456789",
    "123456789010",
    "vpc-abcdefab012345678",
    "subnet-aaaaaaaa012345678",
    "us-east-1",
    "use1-az1",
    "i-01234567890123456",
)
OTHER = Interface(
    "eni-0aaaaaaaaaaaaaaaa",
    "123456789010",
    "vpc-abcdefab012345678",
    "subnet-aaaaaaaa012345678",
    "us-east-1",
    "use1-az1",
)
#: The SSH session of AWS's example line, and where its window begins.
SSH: dict[str, Any] = {
    "srcaddr": "172.31.16.139",
    "dstaddr": "172.31.16.21",
    "srcport": 20641,
    "dstport": 22,
    "protocol": 6,
}
ORIGIN = 1418530000.0


def flow(time: float, packets: int = 1, nbytes: int = 100, **fields: Any) -> Flow:
    """A flow on `ENI` of the SSH session, accepted, unless `fields` say otherwise."""
    values: dict[str, Any] = {"interface": ENI, "action": "ACCEPT", **SSH, **fields}
    return Flow(packets=packets, bytes=nbytes, time=time, **values)
