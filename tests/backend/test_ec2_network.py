"""The EC2 network model: IDs, the default VPC, CIDR rules, filters, groups, tags, dry runs."""

from __future__ import annotations

import re

import pytest

from backend.cloud import Cloud
from backend.services import new_cloud
from backend.services.ec2.security_group import protocol_number
from tests.backend.ec2_helpers import default_vpc_id, ec2, ec2_error, model

ID = re.compile(r"[a-z-]+-[0-9a-f]{17}")


async def test_ids_are_17_hex_digits_and_the_same_for_the_same_seed(cloud: Cloud) -> None:
    again = new_cloud(seed="tests")
    first = (await ec2(cloud, "CreateVpc", CidrBlock="10.0.0.0/16"))["Vpc"]["VpcId"]
    second = (await ec2(again, "CreateVpc", CidrBlock="10.0.0.0/16"))["Vpc"]["VpcId"]
    assert first == second
    assert re.fullmatch(r"vpc-[0-9a-f]{17}", first)
    other = new_cloud(seed="other")
    assert default_vpc_id(other) != default_vpc_id(cloud)


async def test_the_default_vpc_is_172_31_with_a_20_per_zone_and_a_way_out(cloud: Cloud) -> None:
    [vpc] = (await ec2(cloud, "DescribeVpcs"))["Vpcs"]
    assert vpc["CidrBlock"] == "172.31.0.0/16" and vpc["IsDefault"] is True
    assert vpc["InstanceTenancy"] == "default" and vpc["State"] == "available"
    subnets = (await ec2(cloud, "DescribeSubnets"))["Subnets"]
    assert [(s["AvailabilityZone"], s["CidrBlock"]) for s in subnets] == [
        (f"us-east-1{letter}", f"172.31.{16 * i}.0/20") for i, letter in enumerate("abcdef")
    ]
    assert {s["AvailableIpAddressCount"] for s in subnets} == {4091}
    assert all(s["DefaultForAz"] and s["MapPublicIpOnLaunch"] for s in subnets)
    [gateway] = (await ec2(cloud, "DescribeInternetGateways"))["InternetGateways"]
    assert gateway["Attachments"] == [{"State": "available", "VpcId": vpc["VpcId"]}]
    [table] = (await ec2(cloud, "DescribeRouteTables"))["RouteTables"]
    assert [(r["DestinationCidrBlock"], r["GatewayId"]) for r in table["Routes"]] == [
        ("172.31.0.0/16", "local"),
        ("0.0.0.0/0", gateway["InternetGatewayId"]),
    ]
    [group] = (await ec2(cloud, "DescribeSecurityGroups"))["SecurityGroups"]
    assert group["GroupName"] == "default"
    assert group["Description"] == "default VPC security group"
    assert group["IpPermissions"][0]["UserIdGroupPairs"] == [
        {"GroupId": group["GroupId"], "UserId": cloud.account}
    ]
    assert group["IpPermissionsEgress"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]
    [acl] = (await ec2(cloud, "DescribeNetworkAcls"))["NetworkAcls"]
    assert [(e["RuleNumber"], e["RuleAction"], e["Egress"]) for e in acl["Entries"]] == [
        (100, "allow", False),
        (32767, "deny", False),
        (100, "allow", True),
        (32767, "deny", True),
    ]
    assert len(acl["Associations"]) == 6
    assert all(ID.fullmatch(x) for x in (vpc["VpcId"], group["GroupId"], acl["NetworkAclId"]))


async def test_cidr_blocks_are_canonical_sized_inside_and_apart(cloud: Cloud) -> None:
    vpc = (await ec2(cloud, "CreateVpc", CidrBlock="100.68.0.18/18"))["Vpc"]
    assert vpc["CidrBlock"] == "100.68.0.0/18"
    assert vpc["State"] == "pending" and vpc["IsDefault"] is False
    assert (await ec2_error(cloud, "CreateVpc", CidrBlock="10.0.0.0/8")).code == "InvalidVpcRange"
    bad = await ec2_error(cloud, "CreateVpc", CidrBlock="10.0.0.0")
    assert bad.code == "InvalidParameterValue"
    assert bad.message == (
        "Value (10.0.0.0) for parameter cidrBlock is invalid. This is not a valid CIDR block."
    )
    vpc_id = vpc["VpcId"]
    await ec2(cloud, "CreateSubnet", VpcId=vpc_id, CidrBlock="100.68.0.0/24")
    outside = await ec2_error(cloud, "CreateSubnet", VpcId=vpc_id, CidrBlock="100.69.0.0/24")
    assert (outside.code, outside.message) == (
        "InvalidSubnet.Range",
        "The CIDR '100.69.0.0/24' is invalid.",
    )
    tiny = await ec2_error(cloud, "CreateSubnet", VpcId=vpc_id, CidrBlock="100.68.1.0/29")
    assert tiny.code == "InvalidSubnet.Range"
    overlap = await ec2_error(cloud, "CreateSubnet", VpcId=vpc_id, CidrBlock="100.68.0.128/25")
    assert (overlap.code, overlap.message) == (
        "InvalidSubnet.Conflict",
        "The CIDR '100.68.0.128/25' conflicts with another subnet",
    )
    gone = await ec2_error(cloud, "CreateSubnet", VpcId="vpc-x", CidrBlock="10.0.0.0/24")
    assert (gone.code, gone.message) == (
        "InvalidVpcID.NotFound",
        "The vpc ID 'vpc-x' does not exist",
    )


async def test_a_vpc_with_subnets_cannot_be_deleted_then_can(cloud: Cloud) -> None:
    vpc = (await ec2(cloud, "CreateVpc", CidrBlock="10.0.0.0/16"))["Vpc"]["VpcId"]
    subnet = (await ec2(cloud, "CreateSubnet", VpcId=vpc, CidrBlock="10.0.0.0/24"))["Subnet"]
    error = await ec2_error(cloud, "DeleteVpc", VpcId=vpc)
    assert (error.code, error.message) == (
        "DependencyViolation",
        f"The vpc '{vpc}' has dependencies and cannot be deleted.",
    )
    await ec2(cloud, "DeleteSubnet", SubnetId=subnet["SubnetId"])
    await ec2(cloud, "DeleteVpc", VpcId=vpc)
    assert len(model(cloud).vpcs) == 1
    assert len(model(cloud).security_groups) == 1 and len(model(cloud).network_acls) == 1


async def test_filters_and_names_or_values_wildcards_and_tags(cloud: Cloud) -> None:
    made = {}
    for name, block in (("web-a", "10.0.0.0/16"), ("web-b", "10.1.0.0/16"), ("db", "10.2.0.0/16")):
        tags = [{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": name}]}]
        reply = await ec2(cloud, "CreateVpc", CidrBlock=block, TagSpecifications=tags)
        made[name] = reply["Vpc"]["VpcId"]

    async def ids(*filters: tuple[str, list[str]]) -> set[str]:
        given = [{"Name": n, "Values": v} for n, v in filters]
        return {v["VpcId"] for v in (await ec2(cloud, "DescribeVpcs", Filters=given))["Vpcs"]}

    assert await ids(("tag:Name", ["web-*"])) == {made["web-a"], made["web-b"]}
    assert await ids(("tag:Name", ["web-?"]), ("cidr", ["10.1.0.0/16"])) == {made["web-b"]}
    assert await ids(("tag:Name", ["db", "web-a"])) == {made["db"], made["web-a"]}
    assert await ids(("tag:Name", ["WEB-*"])) == set()
    assert await ids(("tag-key", ["Name"])) == set(made.values())
    assert await ids(("isDefault", ["true"])) == {default_vpc_id(cloud)}
    assert await ids(("cidr", ["10.\\*"])) == set()
    unknown = await ec2_error(cloud, "DescribeVpcs", Filters=[{"Name": "colour", "Values": ["x"]}])
    assert (unknown.code, unknown.message) == (
        "InvalidParameterValue",
        "The filter 'colour' is invalid",
    )


async def test_describe_pages_by_max_results(cloud: Cloud) -> None:
    for index in range(4):
        await ec2(cloud, "CreateVpc", CidrBlock=f"10.{index}.0.0/16")
    first = await ec2(cloud, "DescribeVpcs", MaxResults=5)
    assert len(first["Vpcs"]) == 5 and "NextToken" not in first
    assert (await ec2_error(cloud, "DescribeVpcs", MaxResults=4)).code == "InvalidParameterValue"
    subnets = await ec2(cloud, "DescribeSubnets", MaxResults=5)
    rest = await ec2(cloud, "DescribeSubnets", MaxResults=5, NextToken=subnets["NextToken"])
    assert len(subnets["Subnets"]) == 5 and len(rest["Subnets"]) == 1
    assert "NextToken" not in rest


async def test_multi_id_calls_are_all_or_nothing(cloud: Cloud) -> None:
    vpc = default_vpc_id(cloud)
    error = await ec2_error(cloud, "DescribeVpcs", VpcIds=[vpc, "vpc-a", "vpc-b"])
    assert (error.code, error.message) == (
        "InvalidVpcID.NotFound",
        "The vpc IDs 'vpc-a, vpc-b' do not exist",
    )
    tagged = await ec2_error(
        cloud, "CreateTags", Resources=[vpc, "subnet-0"], Tags=[{"Key": "k", "Value": "v"}]
    )
    assert tagged.code == "InvalidSubnetID.NotFound"
    assert model(cloud).vpcs[vpc].tags == {}


async def test_security_groups_rules_duplicates_and_the_reserved_default(cloud: Cloud) -> None:
    vpc = default_vpc_id(cloud)
    group = (await ec2(cloud, "CreateSecurityGroup", GroupName="web", Description="w"))["GroupId"]
    [shown] = (await ec2(cloud, "DescribeSecurityGroups", GroupIds=[group]))["SecurityGroups"]
    assert shown["VpcId"] == vpc and shown["IpPermissions"] == []
    assert shown["IpPermissionsEgress"][0]["IpProtocol"] == "-1"
    again = await ec2_error(cloud, "CreateSecurityGroup", GroupName="web", Description="w")
    assert again.code == "InvalidGroup.Duplicate"
    reserved = await ec2_error(cloud, "CreateSecurityGroup", GroupName="default", Description="d")
    assert reserved.code == "InvalidGroup.Reserved"
    rule = {
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
    }
    await ec2(cloud, "AuthorizeSecurityGroupIngress", GroupId=group, IpPermissions=[rule])
    duplicate = await ec2_error(
        cloud, "AuthorizeSecurityGroupIngress", GroupId=group, IpPermissions=[rule]
    )
    assert duplicate.code == "InvalidPermission.Duplicate"
    no_ports = {"IpProtocol": "udp", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    refused = await ec2_error(
        cloud, "AuthorizeSecurityGroupIngress", GroupId=group, IpPermissions=[no_ports]
    )
    assert refused.code == "InvalidParameterValue"
    await ec2(cloud, "RevokeSecurityGroupIngress", GroupId=group, IpPermissions=[rule])
    missing = await ec2_error(
        cloud, "RevokeSecurityGroupIngress", GroupId=group, IpPermissions=[rule]
    )
    assert missing.code == "InvalidPermission.NotFound"
    default = model(cloud).vpcs[vpc].default_security_group
    assert (await ec2_error(cloud, "DeleteSecurityGroup", GroupId=default)).code == "CannotDelete"
    await ec2(cloud, "DeleteSecurityGroup", GroupId=group)
    assert group not in model(cloud).security_groups


async def test_network_acl_entries_and_moving_a_subnet(cloud: Cloud) -> None:
    vpc = default_vpc_id(cloud)
    acl = (await ec2(cloud, "CreateNetworkAcl", VpcId=vpc))["NetworkAcl"]
    assert [e["RuleNumber"] for e in acl["Entries"]] == [32767, 32767]
    acl_id = acl["NetworkAclId"]
    entry = {
        "NetworkAclId": acl_id,
        "RuleNumber": 100,
        "Protocol": "6",
        "RuleAction": "allow",
        "Egress": False,
        "CidrBlock": "0.0.0.0/0",
    }
    missing_ports = await ec2_error(cloud, "CreateNetworkAclEntry", **entry)
    assert missing_ports.code == "MissingParameter"
    await ec2(cloud, "CreateNetworkAclEntry", **entry, PortRange={"From": 22, "To": 22})
    duplicate = await ec2_error(
        cloud, "CreateNetworkAclEntry", **entry, PortRange={"From": 80, "To": 80}
    )
    assert duplicate.code == "NetworkAclEntryAlreadyExists"
    high = await ec2_error(
        cloud, "CreateNetworkAclEntry", **{**entry, "RuleNumber": 32767, "Protocol": "-1"}
    )
    assert high.code == "InvalidParameterValue"
    service = model(cloud)
    subnet = next(iter(service.subnets.values()))
    default_acl = service.network_acl_of(subnet)
    [association] = [a for a, s in default_acl.associations.items() if s == subnet.id]
    moved = await ec2(
        cloud, "ReplaceNetworkAclAssociation", AssociationId=association, NetworkAclId=acl_id
    )
    assert moved["NewAssociationId"] != association
    assert service.network_acl_of(subnet).id == acl_id
    await ec2(cloud, "DeleteNetworkAclEntry", NetworkAclId=acl_id, RuleNumber=100, Egress=False)
    assert service.network_acls[acl_id].entries == []


async def test_dry_run_says_it_would_have_succeeded_and_changes_nothing(cloud: Cloud) -> None:
    error = await ec2_error(cloud, "CreateVpc", CidrBlock="10.0.0.0/16", DryRun=True)
    assert (error.code, error.status) == ("DryRunOperation", 412)
    assert error.message == "Request would have succeeded, but DryRun flag is set."
    assert len(model(cloud).vpcs) == 1
    bad = await ec2_error(cloud, "CreateVpc", CidrBlock="10.0.0.0/8", DryRun=True)
    assert bad.code == "InvalidVpcRange"


async def test_tags_create_describe_delete(cloud: Cloud) -> None:
    vpc = default_vpc_id(cloud)
    tags = [{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "net"}]
    await ec2(cloud, "CreateTags", Resources=[vpc], Tags=tags)
    listed = await ec2(cloud, "DescribeTags", Filters=[{"Name": "key", "Values": ["env"]}])
    assert listed["Tags"] == [
        {"Key": "env", "Value": "dev", "ResourceId": vpc, "ResourceType": "vpc"}
    ]
    await ec2(cloud, "DeleteTags", Resources=[vpc], Tags=[{"Key": "env", "Value": "prod"}])
    assert model(cloud).vpcs[vpc].tags == {"env": "dev", "team": "net"}
    await ec2(cloud, "DeleteTags", Resources=[vpc], Tags=[{"Key": "env"}])
    assert model(cloud).vpcs[vpc].tags == {"team": "net"}
    reserved = await ec2_error(
        cloud, "CreateTags", Resources=[vpc], Tags=[{"Key": "aws:x", "Value": "v"}]
    )
    assert reserved.code == "InvalidParameterValue"


@pytest.mark.parametrize(
    ("given", "number"),
    [("tcp", 6), ("UDP", 17), ("-1", -1), ("all", -1), ("50", 50), ("255", 255)]
    + [(text, None) for text in ("256", "٣", "¹", "+6", " 6", "-5", "6.0", "")],
)
def test_an_ip_protocol_is_a_name_or_an_ascii_number_up_to_255(
    given: str, number: int | None
) -> None:
    assert protocol_number(given) == number
