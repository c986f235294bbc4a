"""VPC Flow Logs through EC2: the API's checks and items, and records delivered on the manual clock.

The world is a small shop: a public web subnet (web), a private app subnet
(app) and a db subnet whose own ACL lets in 5432 from the app subnet and lets
out replies to it only, and groups web (443 from anywhere), app (8080 from
web) and db (5432 from app).
"""

from __future__ import annotations

import gzip
from typing import Any

import pytest

from backend.cloud import Cloud
from backend.headless import format_summary, run_headless
from backend.scenarios import apply, parse_scenario
from backend.services import new_cloud
from backend.services.ec2 import Ec2Service
from backend.services.ec2.flow_logs.delivery import CWL_LATENCY, S3_LATENCY
from backend.services.ec2.instance import NetworkInterface
from tests.backend.ec2_helpers import default_vpc_id, ec2, ec2_error, model

TCP = 6
ROLE = "arn:aws:iam::123456789012:role/flow-logs"

SHOP = """
[scenario]
name = "shop"
seed = 3

[[ec2.vpc]]
name = "shop"
cidr = "10.0.0.0/16"

[[ec2.subnet]]
name = "web"
vpc = "shop"
cidr = "10.0.1.0/24"
public = true

[[ec2.subnet]]
name = "app"
vpc = "shop"
cidr = "10.0.2.0/24"

[[ec2.subnet]]
name = "db"
vpc = "shop"
cidr = "10.0.3.0/24"
network_acl = "db"

[[ec2.network_acl]]
name = "db"
vpc = "shop"
entries = [
  { rule = 100, protocol = "tcp", ports = 5432, cidr = "10.0.2.0/24" },
  { rule = 100, egress = true, protocol = "tcp", ports = "1024-65535", cidr = "10.0.2.0/24" },
]

[[ec2.security_group]]
name = "web"
vpc = "shop"
ingress = [{ protocol = "tcp", ports = 443, from = "0.0.0.0/0" }]

[[ec2.security_group]]
name = "app"
vpc = "shop"
ingress = [{ protocol = "tcp", ports = 8080, from = "web" }]

[[ec2.security_group]]
name = "db"
vpc = "shop"
ingress = [{ protocol = "tcp", ports = 5432, from = "app" }]

[[ec2.instance]]
name = "web-1"
subnet = "web"
groups = ["web"]

[[ec2.instance]]
name = "app-1"
subnet = "app"
groups = ["app"]

[[ec2.instance]]
name = "db-1"
subnet = "db"
groups = ["db"]
"""


class Shop:
    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud
        self.ec2 = model(cloud)
        named = {i.tags["Name"]: i for i in self.ec2.instances.values()}
        self.web: NetworkInterface = named["web-1"].interface
        self.app: NetworkInterface = named["app-1"].interface
        self.db: NetworkInterface = named["db-1"].interface
        self.vpc = self.web.vpc_id

    def connect(self, source: NetworkInterface | str, target: NetworkInterface, port: int) -> Any:
        return self.ec2.traffic.connect(
            source,
            target,
            TCP,
            40000,
            port,
            packets_out=3,
            bytes_out=300,
            packets_back=5,
            bytes_back=5000,
        )

    async def allow(self, eni: NetworkInterface, port: int, cidr: str) -> None:
        """Open `eni`'s (first) group to TCP `port` from `cidr`."""
        rule = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port}
        await ec2(
            self.cloud,
            "AuthorizeSecurityGroupIngress",
            GroupId=eni.group_ids[0],
            IpPermissions=[{**rule, "IpRanges": [{"CidrIp": cidr}]}],
        )

    async def flow_log(self, resource: str, kind: str = "VPC", **params: Any) -> str:
        given = {"LogGroupName": "flows", "DeliverLogsPermissionArn": ROLE, **params}
        made = await ec2(
            self.cloud,
            "CreateFlowLogs",
            ResourceIds=[resource],
            ResourceType=kind,
            TrafficType=params.pop("TrafficType", "ALL"),
            MaxAggregationInterval=60,
            **{k: v for k, v in given.items() if k != "TrafficType" and v is not None},
        )
        assert made["Unsuccessful"] == []
        [flow_log_id] = made["FlowLogIds"]
        return str(flow_log_id)

    async def stream(self, eni: NetworkInterface, status: str = "OK") -> list[list[str]]:
        """The records of `eni`'s stream in the `flows` group with log-status `status`."""
        got = await self.cloud.call(
            "logs", "GetLogEvents", {"logGroupName": "flows", "logStreamName": eni.id}
        )
        records = [e["message"].split() for e in got["events"]]
        return [r for r in records if r[13] == status]


@pytest.fixture
async def shop(cloud: Cloud) -> Shop:
    await apply(parse_scenario(SHOP, "shop.toml"), cloud)
    await cloud.clock.advance(60)
    return Shop(cloud)


def _delivered() -> float:
    """Seconds after a one-minute window opens by which its CloudWatch Logs delivery is made."""
    return 60 + CWL_LATENCY[1] + 1


# -- the API ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"LogGroupName": "g", "LogDestination": "arn:aws:logs:us-east-1:1:log-group:g"},
            "Please only provide LogGroupName or only provide LogDestination.",
        ),
        ({}, "LogDestination can't be empty if LogGroupName is not provided."),
        (
            {"LogGroupName": "g", "LogDestinationType": "s3"},
            "LogDestination type must be cloud-watch-logs if LogGroupName is provided.",
        ),
        (
            {"LogGroupName": "g", "LogFormat": "${version} ${nope}"},
            "1 validation error detected: Value '${version} ${nope}' at 'logFormat' "
            "has an invalid format",
        ),
    ],
)
async def test_create_flow_logs_refuses_what_aws_refuses(
    cloud: Cloud, params: dict[str, Any], message: str
) -> None:
    error = await ec2_error(
        cloud,
        "CreateFlowLogs",
        ResourceIds=[default_vpc_id(cloud)],
        ResourceType="VPC",
        TrafficType="ALL",
        DeliverLogsPermissionArn=ROLE,
        **params,
    )
    assert (error.code, error.message) == ("InvalidParameter", message)


async def test_cloudwatch_logs_needs_a_role_and_the_interval_is_60_or_600(cloud: Cloud) -> None:
    base = {"ResourceIds": [default_vpc_id(cloud)], "ResourceType": "VPC", "TrafficType": "ALL"}
    error = await ec2_error(cloud, "CreateFlowLogs", LogGroupName="g", **base)
    assert error.code == "InvalidParameter" and "DeliverLogsPermissionArn" in error.message
    error = await ec2_error(
        cloud,
        "CreateFlowLogs",
        LogGroupName="g",
        DeliverLogsPermissionArn=ROLE,
        MaxAggregationInterval=300,
        **base,
    )
    assert error.code == "InvalidParameter" and "MaxAggregationInterval" in error.message
    error = await ec2_error(
        cloud,
        "CreateFlowLogs",
        LogGroupName="g",
        DeliverLogsPermissionArn=ROLE,
        ResourceIds=base["ResourceIds"],
        ResourceType="VPC",
    )
    assert error.code == "MissingParameter"


async def test_unknown_resources_and_repeats_are_unsuccessful_items(cloud: Cloud) -> None:
    vpc = default_vpc_id(cloud)
    params = {
        "ResourceType": "VPC",
        "TrafficType": "REJECT",
        "LogGroupName": "flows",
        "DeliverLogsPermissionArn": ROLE,
    }
    made = await ec2(cloud, "CreateFlowLogs", ResourceIds=[vpc, "vpc-0000000000000000a"], **params)
    assert len(made["FlowLogIds"]) == 1 and made["FlowLogIds"][0].startswith("fl-")
    assert made["Unsuccessful"] == [
        {
            "ResourceId": "vpc-0000000000000000a",
            "Error": {
                "Code": "InvalidVpcID.NotFound",
                "Message": "The vpc ID 'vpc-0000000000000000a' does not exist",
            },
        }
    ]
    again = await ec2(cloud, "CreateFlowLogs", ResourceIds=[vpc], **params)
    assert again["FlowLogIds"] == []
    [item] = again["Unsuccessful"]
    assert item["Error"]["Code"] == "FlowLogAlreadyExists"
    # Another traffic type to the same group is another flow log.
    other = await ec2(
        cloud, "CreateFlowLogs", ResourceIds=[vpc], **{**params, "TrafficType": "ALL"}
    )
    assert len(other["FlowLogIds"]) == 1


async def test_a_missing_bucket_fails_every_resource_as_aws_reports_it(cloud: Cloud) -> None:
    made = await ec2(
        cloud,
        "CreateFlowLogs",
        ResourceIds=[default_vpc_id(cloud)],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination="arn:aws:s3:::nowhere/vpc",
    )
    assert made["FlowLogIds"] == []
    assert made["Unsuccessful"][0]["Error"] == {
        "Code": "400",
        "Message": "LogDestination: nowhere does not exist",
    }


async def test_a_client_token_repeats_the_first_reply(cloud: Cloud) -> None:
    params = {
        "ResourceIds": [default_vpc_id(cloud)],
        "ResourceType": "VPC",
        "TrafficType": "ALL",
        "LogGroupName": "flows",
        "DeliverLogsPermissionArn": ROLE,
        "ClientToken": "once",
    }
    first = await ec2(cloud, "CreateFlowLogs", **params)
    assert await ec2(cloud, "CreateFlowLogs", **params) == first
    assert first["ClientToken"] == "once" and len(model(cloud).flow_logs) == 1
    error = await ec2_error(cloud, "CreateFlowLogs", **{**params, "TrafficType": "REJECT"})
    assert error.code == "IdempotentParameterMismatch"


async def test_describe_filters_pages_and_delete(shop: Shop) -> None:
    cloud = shop.cloud
    everything = await shop.flow_log(
        shop.vpc,
        TagSpecifications=[
            {"ResourceType": "vpc-flow-log", "Tags": [{"Key": "team", "Value": "net"}]}
        ],
    )
    rejects = await shop.flow_log(shop.web.id, "NetworkInterface", TrafficType="REJECT")
    await cloud.call("s3", "CreateBucket", {"Bucket": "flow-bucket"})
    to_s3 = await shop.flow_log(
        shop.web.subnet_id,
        "Subnet",
        LogGroupName=None,
        DeliverLogsPermissionArn=None,
        LogDestinationType="s3",
        LogDestination="arn:aws:s3:::flow-bucket/vpc",
    )

    async def ids(**params: Any) -> list[str]:
        got = await ec2(cloud, "DescribeFlowLogs", **params)
        return [f["FlowLogId"] for f in got["FlowLogs"]]

    assert await ids() == [everything, rejects, to_s3]
    assert await ids(Filter=[{"Name": "traffic-type", "Values": ["REJECT"]}]) == [rejects]
    assert await ids(Filter=[{"Name": "log-destination-type", "Values": ["s3"]}]) == [to_s3]
    assert await ids(Filter=[{"Name": "resource-id", "Values": [shop.vpc]}]) == [everything]
    assert await ids(Filter=[{"Name": "log-group-name", "Values": ["flows"]}]) == [
        everything,
        rejects,
    ]
    assert await ids(Filter=[{"Name": "tag-key", "Values": ["team"]}]) == [everything]
    assert await ids(Filter=[{"Name": "deliver-log-status", "Values": ["SUCCESS"]}]) == [
        everything,
        rejects,
        to_s3,
    ]
    assert await ids(FlowLogIds=[rejects]) == [rejects]
    page = await ec2(cloud, "DescribeFlowLogs", MaxResults=5)
    assert "NextToken" not in page
    [shown] = (await ec2(cloud, "DescribeFlowLogs", FlowLogIds=[to_s3]))["FlowLogs"]
    assert shown["LogDestination"] == "arn:aws:s3:::flow-bucket/vpc"
    assert shown["FlowLogStatus"] == "ACTIVE" and shown["MaxAggregationInterval"] == 60
    assert shown["DestinationOptions"]["FileFormat"] == "plain-text"
    assert "LogGroupName" not in shown
    [vpc_log] = (await ec2(cloud, "DescribeFlowLogs", FlowLogIds=[everything]))["FlowLogs"]
    assert vpc_log["LogGroupName"] == "flows" and vpc_log["DeliverLogsPermissionArn"] == ROLE
    assert vpc_log["LogFormat"].startswith("${version} ${account-id} ${interface-id}")

    error = await ec2_error(cloud, "DeleteFlowLogs", FlowLogIds=[rejects, "fl-1234"])
    assert (error.code, error.message) == (
        "InvalidFlowLogId.NotFound",
        "These flow log ids in the input list are not found: [TotalCount: 1] fl-1234",
    )
    assert await ec2(cloud, "DeleteFlowLogs", FlowLogIds=[rejects]) == {"Unsuccessful": []}
    assert await ids() == [everything, to_s3]


# -- records on the clock ----------------------------------------------------------------


async def test_a_refused_ssh_connection_is_a_reject_record_after_the_delivery_delay(
    shop: Shop,
) -> None:
    await shop.flow_log(shop.vpc)
    seen = shop.connect("203.0.113.9", shop.web, 22)
    assert seen.action == "REJECT" and "no rule" in seen.reason
    await shop.cloud.clock.advance(60 + CWL_LATENCY[0] - 1)
    with pytest.raises(Exception, match="ResourceNotFound"):
        await shop.stream(shop.web)
    await shop.cloud.clock.advance(CWL_LATENCY[1] - CWL_LATENCY[0] + 2)
    [record] = await shop.stream(shop.web)
    assert record[3:8] == ["203.0.113.9", str(shop.web.private_ip), "40000", "22", "6"]
    assert record[8:10] == ["1", "60"]  # the SYN alone
    assert record[12:] == ["REJECT", "OK"]


async def test_an_accepted_connection_is_accept_records_both_ways_at_each_end(shop: Shop) -> None:
    flow_log_id = await shop.flow_log(shop.vpc)
    seen = shop.connect(shop.web, shop.app, 8080)
    assert seen.action == "ACCEPT"
    await shop.cloud.clock.advance(_delivered())
    web, app = str(shop.web.private_ip), str(shop.app.private_ip)
    for eni in (shop.web, shop.app):
        records = await shop.stream(eni)
        assert sorted((r[3], r[4], r[5], r[6], r[8], r[9], r[12]) for r in records) == [
            (web, app, "40000", "8080", "3", "300", "ACCEPT"),
            (app, web, "8080", "40000", "5", "5000", "ACCEPT"),
        ]
    flow_log = shop.ec2.flow_logs[flow_log_id]
    # Later windows (NODATA each) are written and wait for their own delivery.
    assert flow_log.deliveries >= 1
    assert 4 < flow_log.delivered_records < flow_log.records_written
    assert flow_log.next_delivery is not None and flow_log.next_delivery > shop.cloud.clock.now()
    assert [r.action for r in flow_log.recent_records if r.interface_id == shop.web.id][:2] == [
        "ACCEPT",
        "ACCEPT",
    ]


async def test_a_quiet_interface_gets_nodata(shop: Shop) -> None:
    await shop.flow_log(shop.vpc)
    await shop.cloud.clock.advance(_delivered())
    record = (await shop.stream(shop.db, "NODATA"))[0]
    assert record[3:13] == ["-"] * 7 + [record[10], record[11], "-"]
    assert record[13] == "NODATA"
    assert int(record[11]) - int(record[10]) == 60


async def test_a_nacl_blocking_only_replies_gives_accept_and_reject(shop: Shop) -> None:
    """The db subnet's ACL lets replies out only to the app subnet. Opened to web-1's
    5432 on the way in (an ACL entry and a group rule), the request passes and the
    reply to web-1 is what the ACL refuses."""
    cloud = shop.cloud
    await ec2(
        cloud,
        "CreateNetworkAclEntry",
        NetworkAclId=shop.ec2.network_acl_of(shop.ec2.subnets[shop.db.subnet_id]).id,
        RuleNumber=110,
        Protocol="6",
        RuleAction="allow",
        Egress=False,
        CidrBlock="10.0.1.0/24",
        PortRange={"From": 5432, "To": 5432},
    )
    await shop.allow(shop.db, 5432, "10.0.1.0/24")
    await shop.flow_log(shop.vpc)
    seen = shop.connect(shop.web, shop.db, 5432)
    assert seen.action == "REJECT" and seen.reason.startswith("reply refused")
    await cloud.clock.advance(_delivered())
    actions = {(r[3], r[12]) for r in await shop.stream(shop.db)}
    assert actions == {(str(shop.web.private_ip), "ACCEPT"), (str(shop.db.private_ip), "REJECT")}
    # The reply never left the db subnet: web-1 saw only its request go.
    assert [(r[3], r[12]) for r in await shop.stream(shop.web)] == [
        (str(shop.web.private_ip), "ACCEPT")
    ]


async def test_s3_delivery_writes_the_header_line_and_awss_key(shop: Shop) -> None:
    cloud = shop.cloud
    await cloud.call("s3", "CreateBucket", {"Bucket": "flow-bucket"})
    flow_log_id = await shop.flow_log(
        shop.web.id,
        "NetworkInterface",
        LogGroupName=None,
        DeliverLogsPermissionArn=None,
        LogDestinationType="s3",
        LogDestination="arn:aws:s3:::flow-bucket/vpc",
    )
    shop.connect("198.51.100.7", shop.web, 443)
    await cloud.clock.advance(600 + S3_LATENCY[1] + 60)
    listed = await cloud.call("s3", "ListObjectsV2", {"Bucket": "flow-bucket"})
    keys = [o["Key"] for o in listed["Contents"]]
    assert keys and all(
        k.startswith(f"vpc/AWSLogs/{cloud.account}/vpcflowlogs/{cloud.region}/") for k in keys
    )
    assert all(f"_vpcflowlogs_{cloud.region}_{flow_log_id}_" in k for k in keys)
    lines: list[str] = []
    for key in keys:
        got = await cloud.call("s3", "GetObject", {"Bucket": "flow-bucket", "Key": key})
        text = gzip.decompress(got["Body"].read() if hasattr(got["Body"], "read") else got["Body"])
        head, *rest = text.decode().splitlines()
        assert head.startswith("version account-id interface-id srcaddr dstaddr")
        lines += rest
    accepted = [line for line in lines if line.endswith("ACCEPT OK")]
    assert len(accepted) == 2 and any("198.51.100.7" in line for line in accepted)


async def test_deleting_a_flow_log_stops_its_windows(shop: Shop) -> None:
    flow_log_id = await shop.flow_log(shop.vpc)
    await ec2(shop.cloud, "DeleteFlowLogs", FlowLogIds=[flow_log_id])
    shop.connect(shop.web, shop.app, 8080)
    await shop.cloud.clock.advance(_delivered())
    with pytest.raises(Exception, match="ResourceNotFound"):
        await shop.stream(shop.web)


async def test_instances_launched_later_are_covered_by_the_vpcs_flow_log(shop: Shop) -> None:
    flow_log_id = await shop.flow_log(shop.vpc)
    [web_subnet] = [s for s in shop.ec2.subnets.values() if s.id == shop.web.subnet_id]
    await ec2(
        shop.cloud,
        "RunInstances",
        ImageId="ami-12345678",
        MinCount=1,
        MaxCount=1,
        SubnetId=web_subnet.id,
    )
    await shop.cloud.clock.advance(60)
    flow_log = shop.ec2.flow_logs[flow_log_id]
    covered = {r.interface_id for r in flow_log.recent_records}
    assert len(covered) == 4 and shop.web.id in covered


# -- the demo's alarm -------------------------------------------------------------------

#: The demo's: refused TCP connections to port 22, in the default format.
SSH_REJECTS = (
    '[version, account, eni, source, destination, srcport, destport="22", protocol="6", '
    'packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]'
)
SCANNED = (
    SHOP
    + f"""
[[logs.group]]
name = "/skydeck/vpc-flow-logs"

[[logs.group.metric_filter]]
name = "ssh-rejects"
pattern = '{SSH_REJECTS}'
namespace = "Skydeck/Network"
metric = "SshRejects"
value = "1"

[[cloudwatch.alarm]]
name = "ssh-scan"
namespace = "Skydeck/Network"
metric = "SshRejects"
statistic = "Sum"
period = "5m"
evaluation_periods = 3
datapoints_to_alarm = 1
comparison = "GreaterThanThreshold"
threshold = 20
treat_missing_data = "notBreaching"

[[ec2.flow_log]]
resource = "shop"
log_group = "/skydeck/vpc-flow-logs"
interval = 60

[[actor]]
kind = "ec2-traffic"
name = "ssh-scanner"
from = "internet"
to = "public"
port = 22
rate = 0.2
sources = 3

[[actor]]
kind = "ec2-traffic"
name = "clients"
from = "internet"
to = "web-1"
port = 443
rate = 0.5
"""
)


async def test_the_ssh_rejects_filter_counts_the_scanner_and_the_alarm_goes_off() -> None:
    cloud = new_cloud(seed="scan")
    await apply(parse_scenario(SCANNED, "scanned.toml"), cloud)

    async def state() -> str:
        got = await cloud.call("cloudwatch", "DescribeAlarms", {"AlarmNames": ["ssh-scan"]})
        return str(got["MetricAlarms"][0]["StateValue"])

    await cloud.clock.advance(5 * 60)
    assert await state() != "ALARM"  # nothing delivered yet: the first window is still on its way
    await cloud.clock.advance(10 * 60)
    assert await state() == "ALARM"
    stats = await cloud.call(
        "cloudwatch",
        "GetMetricStatistics",
        {
            "Namespace": "Skydeck/Network",
            "MetricName": "SshRejects",
            "StartTime": cloud.clock.now() - 3600,
            "EndTime": cloud.clock.now(),
            "Period": 3600,
            "Statistics": ["Sum"],
        },
    )
    [point] = stats["Datapoints"]
    assert point["Sum"] > 20
    # Only SSH rejects count: the clients' accepted 443 connections do not.
    [flow_log] = cloud.service(Ec2Service).flow_logs.values()
    assert flow_log.accepted_records > 0 and point["Sum"] <= flow_log.rejected_records


async def test_the_same_seed_writes_the_same_records() -> None:
    async def records(seed: str) -> list[tuple[Any, ...]]:
        cloud = new_cloud(seed=seed)
        await apply(parse_scenario(SCANNED, "scanned.toml"), cloud)
        await cloud.clock.advance(300)
        [flow_log] = cloud.service(Ec2Service).flow_logs.values()
        return [tuple(r) for r in flow_log.recent_records]

    first = await records("same")
    assert first and first == await records("same")
    assert first != await records("other")


async def test_the_headless_summary_has_a_line_per_flow_log() -> None:
    summary = format_summary(await run_headless(parse_scenario(SCANNED, "scanned.toml"), 900))
    lines = summary.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("flow log "))
    assert lines[header].split() == [
        "flow",
        "log",
        "resource",
        "to",
        "records",
        "accept",
        "reject",
        "deliveries",
    ]
    fields = lines[header + 1].split()
    assert fields[0].startswith("fl-") and fields[1:3] == ["shop", "/skydeck/vpc-flow-logs"]
    records, accepted, rejected, deliveries = (int(f.replace(",", "")) for f in fields[3:])
    assert accepted > 0 and rejected > 20 and records >= accepted + rejected
    assert deliveries > 0
