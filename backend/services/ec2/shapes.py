"""The model written in EC2's API shapes (botocore member names), for the Describe* replies.

Pure functions from model objects to dicts; the ec2 codec turns these into
the camelCase XML (`vpcSet`, `instanceState`, `ipAddress`), so nothing here
knows the wire. Tags are `[{Key, Value}]` lists, left out when empty, as
EC2 leaves out an empty `tagSet`.
"""

from __future__ import annotations

from typing import Any

from backend.services.ec2.instance import Instance, NetworkInterface
from backend.services.ec2.network import InternetGateway, RouteTable, Subnet, Vpc
from backend.services.ec2.network_acl import CATCH_ALL, NetworkAcl
from backend.services.ec2.security_group import Permission, SecurityGroup

Shape = dict[str, Any]


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _tagged(out: Shape, tags: dict[str, str]) -> Shape:
    if tags:
        out["Tags"] = tag_list(tags)
    return out


def vpc(item: Vpc) -> Shape:
    return _tagged(
        {
            "VpcId": item.id,
            "OwnerId": item.owner,
            "InstanceTenancy": "default",
            "CidrBlock": str(item.cidr),
            "CidrBlockAssociationSet": [
                {
                    "AssociationId": item.association_id,
                    "CidrBlock": str(item.cidr),
                    "CidrBlockState": {"State": "associated"},
                }
            ],
            "Ipv6CidrBlockAssociationSet": [],
            "IsDefault": item.is_default,
            "State": item.state,
            "DhcpOptionsId": item.dhcp_options_id,
        },
        item.tags,
    )


def subnet(item: Subnet) -> Shape:
    return _tagged(
        {
            "SubnetId": item.id,
            "SubnetArn": item.arn,
            "VpcId": item.vpc_id,
            "CidrBlock": str(item.cidr),
            "AvailabilityZone": item.availability_zone,
            "AvailableIpAddressCount": item.available_addresses,
            "DefaultForAz": item.default_for_az,
            "MapPublicIpOnLaunch": item.map_public_ip_on_launch,
            "State": item.state,
            "OwnerId": item.owner,
            "AssignIpv6AddressOnCreation": False,
            "Ipv6CidrBlockAssociationSet": [],
        },
        item.tags,
    )


def internet_gateway(item: InternetGateway) -> Shape:
    attachments = [] if item.vpc_id is None else [{"State": "available", "VpcId": item.vpc_id}]
    return _tagged(
        {"InternetGatewayId": item.id, "OwnerId": item.owner, "Attachments": attachments},
        item.tags,
    )


def route_table(item: RouteTable) -> Shape:
    associations: list[Shape] = [
        {"RouteTableAssociationId": assoc, "RouteTableId": item.id, "SubnetId": sub, "Main": False}
        for assoc, sub in item.subnets.items()
    ]
    if item.main:
        associations.insert(
            0,
            {"RouteTableAssociationId": item.main_association, "RouteTableId": item.id},
        )
        associations[0]["Main"] = True
    routes = []
    for route in item.routes:
        entry: Shape = {
            "DestinationCidrBlock": str(route.destination),
            "GatewayId": route.target,
            "Origin": "CreateRouteTable" if route.target == "local" else "CreateRoute",
            "State": "active",
        }
        routes.append(entry)
    return _tagged(
        {
            "RouteTableId": item.id,
            "VpcId": item.vpc_id,
            "OwnerId": item.owner,
            "Routes": routes,
            "Associations": associations,
            "PropagatingVgws": [],
        },
        item.tags,
    )


def permission(rule: Permission, owner: str) -> Shape:
    out: Shape = {"IpProtocol": rule.protocol, "IpRanges": [], "Ipv6Ranges": []}
    out["PrefixListIds"] = []
    out["UserIdGroupPairs"] = []
    if rule.from_port is not None:
        out["FromPort"] = rule.from_port
        out["ToPort"] = rule.to_port
    if rule.cidr is not None:
        cidr: Shape = {"CidrIp": str(rule.cidr)}
        if rule.description:
            cidr["Description"] = rule.description
        out["IpRanges"] = [cidr]
    if rule.group_id is not None:
        pair: Shape = {"GroupId": rule.group_id, "UserId": owner}
        if rule.description:
            pair["Description"] = rule.description
        out["UserIdGroupPairs"] = [pair]
    return out


def security_group(item: SecurityGroup) -> Shape:
    return _tagged(
        {
            "GroupId": item.id,
            "GroupName": item.name,
            "Description": item.description,
            "VpcId": item.vpc_id,
            "OwnerId": item.owner,
            "SecurityGroupArn": item.arn,
            "IpPermissions": [permission(r, item.owner) for r in item.ingress],
            "IpPermissionsEgress": [permission(r, item.owner) for r in item.egress],
        },
        item.tags,
    )


def security_group_rule(item: SecurityGroup, rule: Permission, egress: bool) -> Shape:
    out: Shape = {
        "SecurityGroupRuleId": rule.rule_id,
        "GroupId": item.id,
        "GroupOwnerId": item.owner,
        "IsEgress": egress,
        "IpProtocol": rule.protocol,
        "FromPort": -1 if rule.from_port is None else rule.from_port,
        "ToPort": -1 if rule.to_port is None else rule.to_port,
        "SecurityGroupRuleArn": f"{item.arn.rsplit('/', 1)[0]}-rule/{rule.rule_id}",
    }
    if rule.cidr is not None:
        out["CidrIpv4"] = str(rule.cidr)
    if rule.group_id is not None:
        out["ReferencedGroupInfo"] = {"GroupId": rule.group_id, "UserId": item.owner}
    if rule.description:
        out["Description"] = rule.description
    return out


def network_acl(item: NetworkAcl) -> Shape:
    entries = []
    for entry in item.all_entries():
        shaped: Shape = {
            "RuleNumber": entry.number,
            "Protocol": str(entry.protocol),
            "RuleAction": "allow" if entry.allow else "deny",
            "Egress": entry.egress,
            "CidrBlock": str(entry.cidr),
        }
        if entry.from_port is not None and entry.number != CATCH_ALL:
            shaped["PortRange"] = {"From": entry.from_port, "To": entry.to_port}
        entries.append(shaped)
    return _tagged(
        {
            "NetworkAclId": item.id,
            "VpcId": item.vpc_id,
            "IsDefault": item.is_default,
            "OwnerId": item.owner,
            "Entries": entries,
            "Associations": [
                {"NetworkAclAssociationId": assoc, "NetworkAclId": item.id, "SubnetId": sub}
                for assoc, sub in item.associations.items()
            ],
        },
        item.tags,
    )


def private_dns(address: object, region: str) -> str:
    dashed = str(address).replace(".", "-")
    if region == "us-east-1":
        return f"ip-{dashed}.ec2.internal"
    return f"ip-{dashed}.{region}.compute.internal"


def public_dns(address: object, region: str) -> str:
    dashed = str(address).replace(".", "-")
    if region == "us-east-1":
        return f"ec2-{dashed}.compute-1.amazonaws.com"
    return f"ec2-{dashed}.{region}.compute.amazonaws.com"


def network_interface(item: NetworkInterface, groups: list[Shape], region: str) -> Shape:
    dns = private_dns(item.private_ip, region)
    address: Shape = {"Primary": True, "PrivateIpAddress": str(item.private_ip)}
    address["PrivateDnsName"] = dns
    out: Shape = {
        "NetworkInterfaceId": item.id,
        "SubnetId": item.subnet_id,
        "VpcId": item.vpc_id,
        "AvailabilityZone": item.availability_zone,
        "Description": item.description,
        "OwnerId": item.owner,
        "PrivateIpAddress": str(item.private_ip),
        "PrivateDnsName": dns,
        "PrivateIpAddresses": [address],
        "Groups": groups,
        "Status": item.status,
        "InterfaceType": "interface",
        "MacAddress": item.mac,
        "SourceDestCheck": True,
        "RequesterManaged": False,
        "Ipv6Addresses": [],
    }
    if item.public_ip is not None:
        association = {"PublicIp": str(item.public_ip), "IpOwnerId": "amazon"}
        association["PublicDnsName"] = public_dns(item.public_ip, region)
        out["Association"] = association
        address["Association"] = association
    if item.instance_id is not None:
        out["Attachment"] = {
            "AttachmentId": item.attachment_id,
            "InstanceId": item.instance_id,
            "InstanceOwnerId": item.owner,
            "DeviceIndex": 0,
            "Status": "attached",
            "DeleteOnTermination": True,
        }
    return _tagged(out, item.tags)


def state(name: str, code: int) -> Shape:
    return {"Code": code, "Name": name}


def instance(item: Instance, groups: list[Shape], interface: Shape | None, region: str) -> Shape:
    """An instance as DescribeInstances and RunInstances write it (`interface` None when gone)."""
    out: Shape = {
        "InstanceId": item.id,
        "ImageId": item.image_id,
        "InstanceType": item.instance_type,
        "AmiLaunchIndex": item.launch_index,
        "LaunchTime": item.launched,
        "State": state(item.state, item.state_code),
        "StateTransitionReason": item.transition_reason,
        "Placement": {"AvailabilityZone": item.availability_zone, "Tenancy": "default"},
        "Monitoring": {"State": "enabled" if item.detailed_monitoring else "disabled"},
        "Architecture": "x86_64",
        "RootDeviceType": "ebs",
        "RootDeviceName": "/dev/xvda",
        "VirtualizationType": "hvm",
        "Hypervisor": "xen",
        "EbsOptimized": False,
        "EnaSupport": True,
        "SourceDestCheck": True,
        "BlockDeviceMappings": [],
        "ProductCodes": [],
    }
    if item.key_name:
        out["KeyName"] = item.key_name
    if item.state_reason is not None:
        out["StateReason"] = {
            "Code": item.state_reason,
            "Message": f"{item.state_reason}: User initiated shutdown",
        }
    if item.state != "terminated":
        out["SubnetId"] = item.subnet_id
        out["VpcId"] = item.vpc_id
        out["PrivateIpAddress"] = str(item.private_ip)
        out["PrivateDnsName"] = private_dns(item.private_ip, region)
        out["SecurityGroups"] = groups
        out["PublicDnsName"] = ""
        if item.public_ip is not None:
            out["PublicIpAddress"] = str(item.public_ip)
            out["PublicDnsName"] = public_dns(item.public_ip, region)
        if interface is not None:
            out["NetworkInterfaces"] = [interface]
    else:
        out["PrivateDnsName"] = ""
        out["PublicDnsName"] = ""
        out["SecurityGroups"] = []
        out["NetworkInterfaces"] = []
    return _tagged(out, item.tags)
