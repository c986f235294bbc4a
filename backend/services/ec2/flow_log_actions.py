"""VPC Flow Logs: Create/Describe/DeleteFlowLogs, and each flow log's windows and deliveries.

CreateFlowLogs checks the call as a whole first (AWS's `InvalidParameter`
texts, AWS_FACTS §18), then each resource on its own: an unknown one, or one
that already has a flow log of the same traffic type to the same destination
(`FlowLogAlreadyExists`), is an `Unsuccessful` item and the others still get
their flow log. An S3 bucket that does not exist fails every resource the same
way (`"400"`, "LogDestination: <bucket> does not exist"); it is looked up with
HeadBucket as `delivery.logs.amazonaws.com`, which the trail shows. A log group
need not exist yet: delivery makes it, as the flow log's role may. A repeated
`ClientToken` gets the first call's reply and makes nothing; with other
parameters it is `IdempotentParameterMismatch`.

Each flow log captures from its creation: a clock timer closes each window at
its end (`Aggregator.next_close`) over the ENIs the resource covers *then*
(instances launched since are in, quiet ones get NODATA), and another sends
the deliveries as they fall due (`Outbox.next_due`) through `cloud.call`. A
refused delivery sets `DeliverLogsStatus FAILED` and its error message; the
next that succeeds sets it back. Deleting a flow log cancels both timers:
what it had not delivered is lost.
"""

from __future__ import annotations

import gzip
from typing import Any, Final

from backend.cloud import Cloud
from backend.errors import AwsError, ErrorCode
from backend.identity import role
from backend.kit.pages import fingerprint
from backend.service import Params, Request, Response, action
from backend.services.ec2 import shapes
from backend.services.ec2.base import Ec2Base
from backend.services.ec2.errors import InvalidParameterValue, MissingParameter, not_found
from backend.services.ec2.filters import Filters, own_tags
from backend.services.ec2.flow_log import FlowLog
from backend.services.ec2.flow_logs import (
    LOG_DELIVERY,
    Aggregator,
    BucketDestination,
    Call,
    Destination,
    Interface,
    InvalidParameter,
    LogGroupDestination,
    Outbox,
    parse_log_format,
    send,
)
from backend.services.ec2.flow_logs.aggregate import INTERVALS
from backend.services.ec2.instance import NetworkInterface
from backend.services.ec2.traffic import Traffic

FlowLogAlreadyExists = ErrorCode("FlowLogAlreadyExists")
InvalidFlowLogIdNotFound = ErrorCode("InvalidFlowLogId.NotFound")
IdempotentParameterMismatch = ErrorCode("IdempotentParameterMismatch")

#: The resource types skydeck's flow logs watch, and the table and ID kind of each.
RESOURCE_TYPES: Final = {"VPC": "vpc", "Subnet": "subnet", "NetworkInterface": "eni"}
TRAFFIC_TYPES: Final = ("ACCEPT", "REJECT", "ALL")
DESTINATION_TYPES: Final = ("cloud-watch-logs", "s3")
#: Resources one CreateFlowLogs may name.
MAX_RESOURCES: Final = 1000
#: `DeliverLogsErrorMessage` by the error that stopped a delivery (else "Unknown error").
_DELIVERY_ERRORS: Final = {
    "AccessDenied": "Access error",
    "AccessDeniedException": "Access error",
    "NoSuchBucket": "Access error",
    "ResourceNotFoundException": "Access error",
    "ThrottlingException": "Rate limited",
    "SlowDown": "Rate limited",
}

FLOW_LOG_FILTERS = {
    "resource-id": lambda f: [f.resource_id],
    "flow-log-id": lambda f: [f.id],
    "traffic-type": lambda f: [f.traffic_type],
    "log-destination-type": lambda f: [f.destination_type],
    "log-group-name": lambda f: [f.log_group_name] if f.log_group_name else [],
    "deliver-log-status": lambda f: [f.deliver_status],
}


def az_id(zone: str, region: str) -> str:
    """The zone's ID as flow logs' `az-id` shows it (`us-east-1a` -> `use1-az1`)."""
    parts = region.split("-")
    short = parts[0] + "".join(p[0] for p in parts[1:-1]) + parts[-1]
    return f"{short}-az{ord(zone[-1]) - ord('a') + 1}"


class FlowLogActions(Ec2Base):
    """The flow logs of the region, and the traffic that feeds them."""

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud)
        #: Every flow log, by id, in creation order.
        self.flow_logs: dict[str, FlowLog] = {}
        self.traffic = Traffic(self, self.flow_logs, self.flow_interface)
        #: Each ClientToken's parameters (their fingerprint) and the reply they got.
        self._client_tokens: dict[str, tuple[str, Response]] = {}

    def reset(self) -> None:
        for flow_log in self.flow_logs.values():
            flow_log.stop()
        self.flow_logs.clear()
        self._client_tokens.clear()
        super().reset()
        self.traffic.reset()

    def flow_interface(self, flow_log: FlowLog, eni: NetworkInterface) -> Interface:
        """The `Interface` standing for `eni` in `flow_log`'s records (one per ENI)."""
        found = flow_log.interfaces.get(eni.id)
        if found is None:
            region = self.cloud.region
            found = flow_log.interfaces[eni.id] = Interface(
                eni.id,
                self.cloud.account,
                eni.vpc_id,
                eni.subnet_id,
                region,
                az_id(eni.availability_zone, region),
                eni.instance_id,
            )
        return found

    def covered(self, flow_log: FlowLog) -> list[NetworkInterface]:
        """The ENIs `flow_log`'s resource covers now."""
        wanted = flow_log.resource_id
        return [
            eni for eni in self.interfaces.values() if wanted in (eni.id, eni.subnet_id, eni.vpc_id)
        ]

    # -- actions ------------------------------------------------------------------------

    @action("CreateFlowLogs")
    async def create_flow_logs(self, params: Params, request: Request) -> Response:
        self.check_dry_run(params)
        token = params.get("ClientToken")
        bound = fingerprint(params, "CreateFlowLogs", ignore=("DryRun",))
        if isinstance(token, str) and token in self._client_tokens:
            first, answered = self._client_tokens[token]
            if first != bound:
                raise IdempotentParameterMismatch(
                    f"Client token {token[:64]} was used with other parameters."
                )
            return answered
        resource_ids = [str(r) for r in self.required(params, "ResourceIds")]
        resource_type = str(self.required(params, "ResourceType"))
        if resource_type not in RESOURCE_TYPES:
            raise InvalidParameterValue(
                f"Value ({resource_type[:100]}) for parameter resourceType is invalid. "
                "Supported: VPC, Subnet, NetworkInterface."
            )
        if len(resource_ids) > MAX_RESOURCES:
            raise InvalidParameterValue(
                f"Value ({len(resource_ids)}) for parameter resourceIds is invalid. "
                f"At most {MAX_RESOURCES} resources may be given."
            )
        traffic_type = params.get("TrafficType")
        if traffic_type is None:
            raise MissingParameter("The request must contain the parameter TrafficType")
        if traffic_type not in TRAFFIC_TYPES:
            raise InvalidParameterValue(
                f"Value ({str(traffic_type)[:100]}) for parameter trafficType is invalid."
            )
        destination, group, arn = self._destination(params)
        log_format = parse_log_format(params.get("LogFormat"))
        interval = params.get("MaxAggregationInterval", 600)
        if interval not in INTERVALS:
            raise InvalidParameter(
                f"Invalid MaxAggregationInterval: {interval}. Valid values are 60 and 600."
            )
        tags = self.tags_from(params, "vpc-flow-log")
        role_arn = params.get("DeliverLogsPermissionArn")
        unsuccessful: list[dict[str, Any]] = []
        if isinstance(destination, BucketDestination):
            missing = await self._bucket_missing(destination.bucket)
            if missing:
                message = f"LogDestination: {destination.bucket} does not exist"
                unsuccessful = [_failed(r, "400", message) for r in resource_ids]
                resource_ids = []
        made: list[str] = []
        table = self._watchable(resource_type)
        kind = RESOURCE_TYPES[resource_type]
        for resource_id in dict.fromkeys(resource_ids):
            if resource_id not in table:
                error = not_found(kind, [resource_id])
                unsuccessful.append(_failed(resource_id, error.code, error.message))
                continue
            if any(
                f.resource_id == resource_id
                and f.traffic_type == traffic_type
                and f.log_destination == arn
                for f in self.flow_logs.values()
            ):
                unsuccessful.append(
                    _failed(
                        resource_id,
                        FlowLogAlreadyExists.code,
                        "Error. There is an existing Flow Log with the same configuration "
                        "and log destination.",
                    )
                )
                continue
            flow_log_id = self.new_id("fl")
            now = self.cloud.clock.now()
            flow_log = FlowLog(
                id=flow_log_id,
                resource_id=resource_id,
                resource_type=resource_type,
                traffic_type=str(traffic_type),
                destination_type="s3" if group is None else "cloud-watch-logs",
                log_group_name=group,
                log_destination=arn,
                deliver_permission_arn=None if role_arn is None else str(role_arn),
                log_format=log_format,
                max_aggregation_interval=int(interval),
                created=now,
                aggregator=Aggregator(now, int(interval), traffic_type),
                outbox=Outbox(
                    destination,
                    log_format,
                    flow_log_id=flow_log_id,
                    account=self.cloud.account,
                    region=self.cloud.region,
                    rng=self.cloud.rng(f"ec2/flow-log/{flow_log_id}"),
                ),
                tags=dict(tags),
            )
            self.flow_logs[flow_log_id] = flow_log
            self._arm_close(flow_log)
            made.append(flow_log_id)
        self.traffic.invalidate()
        reply: Response = {"FlowLogIds": made, "Unsuccessful": unsuccessful}
        if isinstance(token, str):
            reply["ClientToken"] = token
            self._client_tokens[token] = (bound, reply)
        return reply

    @action("DescribeFlowLogs", read_only=True)
    def describe_flow_logs(self, params: Params, request: Request) -> Response:
        self.check_dry_run(params)
        wanted = params.get("FlowLogIds")
        chosen = (
            [self.flow_logs[i] for i in dict.fromkeys(wanted) if i in self.flow_logs]
            if wanted
            else list(self.flow_logs.values())
        )
        found = Filters(params.get("Filter"), FLOW_LOG_FILTERS, own_tags).apply(chosen)
        page, token = self.page(params, found, "DescribeFlowLogs")
        out: Response = {"FlowLogs": [self._shape(f) for f in page]}
        if token:
            out["NextToken"] = token
        return out

    @action("DeleteFlowLogs")
    def delete_flow_logs(self, params: Params, request: Request) -> Response:
        self.check_dry_run(params)
        wanted = [str(i) for i in self.required(params, "FlowLogIds")]
        missing = [i for i in dict.fromkeys(wanted) if i not in self.flow_logs]
        if missing:
            raise InvalidFlowLogIdNotFound(
                "These flow log ids in the input list are not found: "
                f"[TotalCount: {len(missing)}] {', '.join(missing)}"
            )
        for flow_log_id in dict.fromkeys(wanted):
            self.flow_logs.pop(flow_log_id).stop()
        self.traffic.invalidate()
        return {"Unsuccessful": []}

    # -- checks -------------------------------------------------------------------------

    def _destination(self, params: Params) -> tuple[Destination, str | None, str]:
        """Where the flow logs go: the destination, its log group (CWL), its ARN."""
        kind = params.get("LogDestinationType", "cloud-watch-logs")
        if kind not in DESTINATION_TYPES:
            raise InvalidParameter(
                f"LogDestinationType {str(kind)[:100]} is not supported: "
                "use cloud-watch-logs or s3."
            )
        group = params.get("LogGroupName")
        given = params.get("LogDestination")
        if group is not None and given is not None:
            raise InvalidParameter(
                "Please only provide LogGroupName or only provide LogDestination."
            )
        if group is None and given is None:
            raise InvalidParameter("LogDestination can't be empty if LogGroupName is not provided.")
        if group is not None and kind != "cloud-watch-logs":
            raise InvalidParameter(
                "LogDestination type must be cloud-watch-logs if LogGroupName is provided."
            )
        if kind == "cloud-watch-logs":
            if not params.get("DeliverLogsPermissionArn"):
                raise InvalidParameter(
                    "DeliverLogsPermissionArn can't be empty if LogDestinationType is "
                    "cloud-watch-logs."
                )
            prefix = f"arn:aws:logs:{self.cloud.region}:{self.cloud.account}:log-group:"
            if group is None:
                text = str(given)
                if not text.startswith("arn:aws:logs:") or ":log-group:" not in text:
                    raise InvalidParameter(f"LogDestination: {text[:200]} is not a valid ARN.")
                group = text.split(":log-group:", 1)[1].removesuffix(":*")
            name = str(group)
            return LogGroupDestination(name), name, prefix + name
        text = str(given)
        if not text.startswith("arn:aws:s3:::") or len(text) == len("arn:aws:s3:::"):
            raise InvalidParameter(f"LogDestination: {text[:200]} is not a valid S3 ARN.")
        bucket, _, prefix = text.removeprefix("arn:aws:s3:::").partition("/")
        return BucketDestination(bucket, prefix), None, text

    def _watchable(self, resource_type: str) -> dict[str, Any]:
        tables: dict[str, dict[str, Any]] = {
            "VPC": self.vpcs,
            "Subnet": self.subnets,
            "NetworkInterface": self.interfaces,
        }
        return tables[resource_type]

    async def _bucket_missing(self, bucket: str) -> bool:
        try:
            await self.cloud.call("s3", "HeadBucket", {"Bucket": bucket}, caller=LOG_DELIVERY)
        except AwsError:
            return True
        return False

    def _shape(self, flow_log: FlowLog) -> dict[str, Any]:
        out: dict[str, Any] = {
            "FlowLogId": flow_log.id,
            "CreationTime": flow_log.created,
            "FlowLogStatus": "ACTIVE",
            "DeliverLogsStatus": flow_log.deliver_status,
            "ResourceId": flow_log.resource_id,
            "TrafficType": flow_log.traffic_type,
            "LogDestinationType": flow_log.destination_type,
            "LogDestination": flow_log.log_destination,
            "LogFormat": flow_log.log_format.text,
            "MaxAggregationInterval": flow_log.max_aggregation_interval,
            "Tags": shapes.tag_list(flow_log.tags),
        }
        if flow_log.deliver_error is not None:
            out["DeliverLogsErrorMessage"] = flow_log.deliver_error
        if flow_log.deliver_permission_arn is not None:
            out["DeliverLogsPermissionArn"] = flow_log.deliver_permission_arn
        if flow_log.log_group_name is not None:
            out["LogGroupName"] = flow_log.log_group_name
        else:
            out["DestinationOptions"] = {
                "FileFormat": "plain-text",
                "HiveCompatiblePartitions": False,
                "PerHourPartition": False,
            }
        return out

    # -- windows and deliveries on the clock ----------------------------------------------

    def _arm_close(self, flow_log: FlowLog) -> None:
        when = flow_log.aggregator.next_close()
        flow_log.close_timer = self.cloud.clock.call_at(when, self._close_windows, flow_log)

    def _close_windows(self, flow_log: FlowLog) -> None:
        covered = self.covered(flow_log)
        interfaces = [self.flow_interface(flow_log, eni) for eni in covered]
        for window in flow_log.aggregator.close(self.cloud.clock.now(), interfaces):
            flow_log.outbox.add(window)
            for records in window.records.values():
                flow_log.keep(records)
        kept = {eni.id for eni in covered}
        if len(flow_log.interfaces) > len(kept):
            # ENIs gone since (terminated instances): their windows have closed.
            flow_log.interfaces = {k: v for k, v in flow_log.interfaces.items() if k in kept}
            self.traffic.invalidate()
        self._arm_close(flow_log)
        self._arm_send(flow_log)

    def _arm_send(self, flow_log: FlowLog) -> None:
        due = flow_log.outbox.next_due()
        timer = flow_log.send_timer
        if due is None or (timer is not None and timer.when <= due):
            flow_log.next_delivery = None if timer is None else timer.when
            return
        if timer is not None:
            timer.cancel()
        flow_log.send_timer = self.cloud.clock.call_at(due, self._deliver, flow_log)
        flow_log.next_delivery = due

    def _deliver(self, flow_log: FlowLog) -> None:
        flow_log.send_timer = None
        calls = flow_log.outbox.take(self.cloud.clock.now())
        if calls:
            self.cloud.clock.spawn(self._send(flow_log, calls), name=f"flow log {flow_log.id}")
        self._arm_send(flow_log)

    async def _send(self, flow_log: FlowLog, calls: list[Call]) -> None:
        caller = LOG_DELIVERY
        if flow_log.deliver_permission_arn is not None and flow_log.log_group_name is not None:
            caller = role(flow_log.deliver_permission_arn.rsplit("/", 1)[-1], "flow-logs")
        error = await send(self.cloud, calls, caller, self.cloud.region)
        if error is not None:
            flow_log.deliver_status = "FAILED"
            flow_log.deliver_error = _DELIVERY_ERRORS.get(error.code, "Unknown error")
            return
        flow_log.deliver_status = "SUCCESS"
        flow_log.deliver_error = None
        flow_log.deliveries += 1
        flow_log.delivered_records += sum(_records_in(call) for call in calls)
        flow_log.last_delivery = self.cloud.clock.now()


def _records_in(call: Call) -> int:
    """How many records one delivery call carries (an S3 file's lines bar its header)."""
    if call.action == "PutLogEvents":
        return len(call.params["logEvents"])
    return gzip.decompress(call.params["Body"]).count(b"\n") - 1


def _failed(resource_id: str, code: str, message: str) -> dict[str, Any]:
    return {"ResourceId": resource_id, "Error": {"Code": code, "Message": message}}
