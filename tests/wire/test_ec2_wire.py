"""EC2 over the ec2 protocol, as boto3 speaks it: `Name.N` lists in, `<item>` sets out."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from backend.services.ec2 import Ec2Service
from tests.wire.live import ACCOUNT, Live
from tests.wire.rawhttp import form


def test_describe_vpcs_shows_the_default_vpc_and_filters_by_is_default(live: Live) -> None:
    ec2 = live.client("ec2")
    [vpc] = ec2.describe_vpcs()["Vpcs"]
    assert vpc["CidrBlock"] == "172.31.0.0/16"
    assert vpc["IsDefault"] is True
    assert vpc["OwnerId"] == ACCOUNT
    assert vpc["CidrBlockAssociationSet"][0]["CidrBlockState"] == {"State": "associated"}
    made = ec2.create_vpc(CidrBlock="10.1.2.3/16")["Vpc"]
    assert made["CidrBlock"] == "10.1.0.0/16"
    assert made["State"] == "pending"
    found = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["false"]}])["Vpcs"]
    assert [v["VpcId"] for v in found] == [made["VpcId"]]
    both = ec2.describe_vpcs(VpcIds=[vpc["VpcId"], made["VpcId"]])["Vpcs"]
    assert len(both) == 2


def test_create_subnet_and_its_cidr_errors(live: Live) -> None:
    ec2 = live.client("ec2")
    vpc = ec2.create_vpc(
        CidrBlock="10.0.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "app"}]}],
    )["Vpc"]
    assert vpc["Tags"] == [{"Key": "Name", "Value": "app"}]
    subnet = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.0.1.0/24")["Subnet"]
    assert subnet["AvailableIpAddressCount"] == 251
    assert subnet["SubnetId"].startswith("subnet-") and len(subnet["SubnetId"]) == 24
    with pytest.raises(ClientError) as conflict:
        ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.0.1.128/25")
    assert conflict.value.response["Error"]["Code"] == "InvalidSubnet.Conflict"
    with pytest.raises(ClientError) as outside:
        ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.9.0.0/24")
    assert outside.value.response["Error"]["Code"] == "InvalidSubnet.Range"
    with pytest.raises(ClientError) as missing:
        ec2.describe_vpcs(VpcIds=["vpc-0123456789abcdef0"])
    error = missing.value.response["Error"]
    assert error == {
        "Code": "InvalidVpcID.NotFound",
        "Message": "The vpc ID 'vpc-0123456789abcdef0' does not exist",
    }
    assert missing.value.response["ResponseMetadata"]["RequestId"]


def test_run_stop_start_terminate_with_the_state_machine(live: Live) -> None:
    ec2 = live.client("ec2")
    reservation = ec2.run_instances(
        ImageId="ami-12345678",
        MinCount=2,
        MaxCount=2,
        InstanceType="t3.micro",
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}],
    )
    instances = reservation["Instances"]
    assert [i["State"] for i in instances] == [{"Code": 0, "Name": "pending"}] * 2
    assert [i["AmiLaunchIndex"] for i in instances] == [0, 1]
    first = instances[0]
    assert first["PrivateIpAddress"].startswith("172.31.")
    assert first["NetworkInterfaces"][0]["NetworkInterfaceId"].startswith("eni-")
    ids = [i["InstanceId"] for i in instances]
    live.advance(30)
    running = ec2.describe_instances(
        Filters=[
            {"Name": "instance-state-name", "Values": ["running"]},
            {"Name": "tag:Name", "Values": ["w*"]},
        ]
    )["Reservations"]
    assert [i["InstanceId"] for r in running for i in r["Instances"]] == ids
    stopping = ec2.stop_instances(InstanceIds=ids[:1])["StoppingInstances"]
    assert stopping == [
        {
            "InstanceId": ids[0],
            "CurrentState": {"Code": 64, "Name": "stopping"},
            "PreviousState": {"Code": 16, "Name": "running"},
        }
    ]
    live.advance(60)
    starting = ec2.start_instances(InstanceIds=ids[:1])["StartingInstances"]
    assert starting[0]["CurrentState"]["Name"] == "pending"
    assert starting[0]["PreviousState"] == {"Code": 80, "Name": "stopped"}
    terminating = ec2.terminate_instances(InstanceIds=ids)["TerminatingInstances"]
    assert [t["CurrentState"]["Code"] for t in terminating] == [32, 32]
    with pytest.raises(ClientError) as unknown:
        ec2.terminate_instances(InstanceIds=[ids[0], "i-0000000000000000a"])
    assert unknown.value.response["Error"]["Code"] == "InvalidInstanceID.NotFound"


def test_security_group_ingress_and_network_acl_entries(live: Live) -> None:
    ec2 = live.client("ec2")
    group = ec2.create_security_group(GroupName="web", Description="web tier")["GroupId"]
    added = ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    assert added["Return"] is True
    assert added["SecurityGroupRules"][0]["FromPort"] == 443
    [shown] = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"]
    assert shown["IpPermissions"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]
    with pytest.raises(ClientError) as duplicate:
        ec2.authorize_security_group_ingress(
            GroupId=group, IpProtocol="tcp", FromPort=443, ToPort=443, CidrIp="0.0.0.0/0"
        )
    assert duplicate.value.response["Error"]["Code"] == "InvalidPermission.Duplicate"
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(
        NetworkAclId=acl,
        RuleNumber=100,
        Protocol="6",
        RuleAction="allow",
        Egress=False,
        CidrBlock="0.0.0.0/0",
        PortRange={"From": 22, "To": 22},
    )
    [listed] = ec2.describe_network_acls(NetworkAclIds=[acl])["NetworkAcls"]
    assert [(e["RuleNumber"], e["Egress"]) for e in listed["Entries"]] == [
        (100, False),
        (32767, False),
        (32767, True),
    ]
    assert listed["Entries"][0]["PortRange"] == {"From": 22, "To": 22}
    with pytest.raises(ClientError) as again:
        ec2.create_network_acl_entry(
            NetworkAclId=acl,
            RuleNumber=100,
            Protocol="-1",
            RuleAction="deny",
            Egress=False,
            CidrBlock="0.0.0.0/0",
        )
    assert again.value.response["Error"]["Code"] == "NetworkAclEntryAlreadyExists"


def test_dry_run_and_tags(live: Live) -> None:
    ec2 = live.client("ec2")
    with pytest.raises(ClientError) as dry:
        ec2.describe_vpcs(DryRun=True)
    assert dry.value.response["Error"]["Code"] == "DryRunOperation"
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "env", "Value": "dev"}])
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [vpc]}])["Tags"]
    assert tags == [{"Key": "env", "Value": "dev", "ResourceId": vpc, "ResourceType": "vpc"}]
    model = live.call(lambda: live.cloud.service(Ec2Service).vpcs[vpc].tags)
    assert model == {"env": "dev"}


def test_the_xml_as_ec2_writes_it(live: Live) -> None:
    """Unsigned forms find EC2 by their Version; replies and errors are EC2's own XML."""
    version = {"Version": "2016-11-15"}
    made = form(
        live.url, {"Action": "CreateVpc", "CidrBlock": "10.0.0.0/16", **version}, service=None
    )
    assert made.status == 200
    text = made.body.decode()
    assert text.startswith(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<CreateVpcResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>'
    )
    assert "<vpc>" in text and "<vpcId>vpc-" in text
    assert "<cidrBlockAssociationSet><item>" in text
    assert "<isDefault>false</isDefault>" in text
    vpc_id = text.split("<vpcId>")[1].split("</vpcId>")[0]
    deleted = form(live.url, {"Action": "DeleteVpc", "VpcId": vpc_id, **version}, service=None)
    assert deleted.body.decode().endswith("</requestId><return>true</return></DeleteVpcResponse>")
    missing = form(live.url, {"Action": "DeleteVpc", "VpcId": vpc_id, **version}, service="ec2")
    assert missing.status == 400
    body = missing.body.decode()
    assert body.startswith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
        f"<Code>InvalidVpcID.NotFound</Code><Message>The vpc ID '{vpc_id}' does not exist"
        "</Message></Error></Errors><RequestID>"
    )
    unknown = form(live.url, {"Action": "CreateFlowerPot", **version}, service="ec2")
    assert unknown.status == 400
    assert "<Response><Errors><Error><Code>InvalidAction</Code>" in unknown.body.decode()


def test_flow_logs_over_the_wire(live: Live) -> None:
    """ResourceId.N and Filter.N in; flowLogIdSet, unsuccessful and flowLogSet items out."""
    ec2 = live.client("ec2")
    [vpc] = ec2.describe_vpcs()["Vpcs"]
    made = ec2.create_flow_logs(
        ResourceIds=[vpc["VpcId"], "vpc-0000000000000000a"],
        ResourceType="VPC",
        TrafficType="REJECT",
        LogGroupName="flows",
        DeliverLogsPermissionArn=f"arn:aws:iam::{ACCOUNT}:role/flow-logs",
        MaxAggregationInterval=60,
        TagSpecifications=[{"ResourceType": "vpc-flow-log", "Tags": [{"Key": "k", "Value": "v"}]}],
        ClientToken="wire-1",
    )
    [flow_log_id] = made["FlowLogIds"]
    assert made["ClientToken"] == "wire-1"
    assert made["Unsuccessful"][0]["ResourceId"] == "vpc-0000000000000000a"
    assert made["Unsuccessful"][0]["Error"]["Code"] == "InvalidVpcID.NotFound"
    [shown] = ec2.describe_flow_logs(Filters=[{"Name": "traffic-type", "Values": ["REJECT"]}])[
        "FlowLogs"
    ]
    assert shown["FlowLogId"] == flow_log_id
    assert (shown["LogGroupName"], shown["MaxAggregationInterval"]) == ("flows", 60)
    assert shown["DeliverLogsStatus"] == "SUCCESS" and shown["Tags"] == [{"Key": "k", "Value": "v"}]
    with pytest.raises(ClientError) as info:
        ec2.create_flow_logs(
            ResourceIds=[vpc["VpcId"]], ResourceType="VPC", TrafficType="ALL", LogGroupName="g"
        )
    assert info.value.response["Error"]["Code"] == "InvalidParameter"
    assert ec2.delete_flow_logs(FlowLogIds=[flow_log_id])["Unsuccessful"] == []
    with pytest.raises(ClientError) as info:
        ec2.delete_flow_logs(FlowLogIds=[flow_log_id])
    assert info.value.response["Error"]["Code"] == "InvalidFlowLogId.NotFound"
