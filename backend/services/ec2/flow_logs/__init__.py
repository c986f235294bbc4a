"""VPC Flow Logs' record engine: formats, capture windows and delivery (AWS_FACTS §7).

Self-contained beneath the EC2 service, which owns the API (CreateFlowLogs,
DescribeFlowLogs, DeleteFlowLogs) and the network that decides each flow's
ACCEPT or REJECT. Per flow log it keeps an `Aggregator` fed with `Flow`s and
closed by the clock at window ends, and an `Outbox` whose due calls a clock
task `send`s through `cloud.call`.
"""

from backend.services.ec2.flow_logs.aggregate import Aggregator, Window
from backend.services.ec2.flow_logs.delivery import (
    LOG_DELIVERY,
    BucketDestination,
    Call,
    Destination,
    LogGroupDestination,
    Outbox,
    send,
)
from backend.services.ec2.flow_logs.format import (
    DEFAULT_LOG_FORMAT,
    InvalidParameter,
    LogFormat,
    parse_log_format,
)
from backend.services.ec2.flow_logs.records import (
    Action,
    Direction,
    Flow,
    Interface,
    Record,
    TrafficType,
    recorded_tcp_flags,
)

__all__ = [
    "DEFAULT_LOG_FORMAT",
    "LOG_DELIVERY",
    "Action",
    "Aggregator",
    "BucketDestination",
    "Call",
    "Destination",
    "Direction",
    "Flow",
    "Interface",
    "InvalidParameter",
    "LogFormat",
    "LogGroupDestination",
    "Outbox",
    "Record",
    "TrafficType",
    "Window",
    "parse_log_format",
    "recorded_tcp_flags",
    "send",
]
