"""EC2's error codes (EC2 API Reference, "Error codes for the Amazon EC2 API").

Codes are dotted (`InvalidVpcID.NotFound`); the ec2 protocol writes them in
`<Response><Errors><Error><Code>`, and CloudTrail as `Client.<Code>`.
Messages follow AWS's where AWS_FACTS §18 records them.
"""

from __future__ import annotations

from collections.abc import Sequence

from backend.errors import AwsError, ErrorCode

DryRunOperation = ErrorCode("DryRunOperation", 412)
InvalidParameterValue = ErrorCode("InvalidParameterValue")
InvalidParameterCombination = ErrorCode("InvalidParameterCombination")
MissingParameter = ErrorCode("MissingParameter")
InvalidNextToken = ErrorCode("InvalidNextToken")
InvalidVpcRange = ErrorCode("InvalidVpcRange")
VpcLimitExceeded = ErrorCode("VpcLimitExceeded")
SubnetLimitExceeded = ErrorCode("SubnetLimitExceeded")
InvalidSubnetRange = ErrorCode("InvalidSubnet.Range")
InvalidSubnetConflict = ErrorCode("InvalidSubnet.Conflict")
DependencyViolation = ErrorCode("DependencyViolation")
VpcIdNotSpecified = ErrorCode("VPCIdNotSpecified")
InvalidGroupDuplicate = ErrorCode("InvalidGroup.Duplicate")
InvalidGroupReserved = ErrorCode("InvalidGroup.Reserved")
CannotDelete = ErrorCode("CannotDelete")
InvalidPermissionDuplicate = ErrorCode("InvalidPermission.Duplicate")
InvalidPermissionNotFound = ErrorCode("InvalidPermission.NotFound")
RulesPerSecurityGroupLimitExceeded = ErrorCode("RulesPerSecurityGroupLimitExceeded")
NetworkAclEntryAlreadyExists = ErrorCode("NetworkAclEntryAlreadyExists")
NetworkAclEntryLimitExceeded = ErrorCode("NetworkAclEntryLimitExceeded")
InvalidNetworkAclEntryNotFound = ErrorCode("InvalidNetworkAclEntry.NotFound")
ResourceAlreadyAssociated = ErrorCode("Resource.AlreadyAssociated")
GatewayNotAttached = ErrorCode("Gateway.NotAttached")
IncorrectInstanceState = ErrorCode("IncorrectInstanceState")
InvalidInstanceIdMalformed = ErrorCode("InvalidInstanceID.Malformed")
InsufficientInstanceCapacity = ErrorCode("InsufficientInstanceCapacity", 500, sender_fault=False)
InvalidId = ErrorCode("InvalidID")
RouteAlreadyExists = ErrorCode("RouteAlreadyExists")

#: Not-found codes by resource prefix, and how the message names the resource.
_NOT_FOUND = {
    "vpc": ("InvalidVpcID.NotFound", "vpc ID"),
    "subnet": ("InvalidSubnetID.NotFound", "subnet ID"),
    "sg": ("InvalidGroup.NotFound", "security group"),
    "acl": ("InvalidNetworkAclID.NotFound", "network ACL"),
    "aclassoc": ("InvalidAssociationID.NotFound", "association ID"),
    "igw": ("InvalidInternetGatewayID.NotFound", "internetGateway ID"),
    "rtb": ("InvalidRouteTableID.NotFound", "route table ID"),
    "eni": ("InvalidNetworkInterfaceID.NotFound", "networkInterface ID"),
    "i": ("InvalidInstanceID.NotFound", "instance ID"),
}


def not_found(kind: str, ids: Sequence[str]) -> AwsError:
    """`InvalidVpcID.NotFound`: "The vpc ID 'vpc-x' does not exist", several IDs listed once."""
    code, noun = _NOT_FOUND[kind]
    if len(ids) == 1:
        return ErrorCode(code)(f"The {noun} '{ids[0]}' does not exist")
    return ErrorCode(code)(f"The {noun}s '{', '.join(ids)}' do not exist")


def dry_run() -> AwsError:
    return DryRunOperation("Request would have succeeded, but DryRun flag is set.")
