"""CIDR blocks as EC2 reads them: canonicalised, sized, and refused with AWS's codes.

`100.68.0.18/18` is taken as `100.68.0.0/18` (AWS_FACTS §18). VPC and
subnet blocks are /16 to /28; a subnet lies inside its VPC and overlaps no
other subnet of it.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from backend.errors import ErrorCode
from backend.services.ec2.errors import InvalidParameterValue

SIZES = range(16, 29)


def block(text: object, member: str) -> IPv4Network:
    """`text` as a canonical IPv4 block, or InvalidParameterValue naming `member`."""
    try:
        if not isinstance(text, str) or "/" not in text:
            raise ValueError(text)
        return IPv4Network(text, strict=False)
    except ValueError:
        raise InvalidParameterValue(
            f"Value ({str(text)[:100]}) for parameter {member} is invalid. "
            "This is not a valid CIDR block."
        ) from None


def sized(text: object, member: str, error: ErrorCode) -> IPv4Network:
    """A block of /16 to /28, else `error` ("The CIDR 'x' is invalid.")."""
    found = block(text, member)
    if found.prefixlen not in SIZES:
        raise error(f"The CIDR '{text}' is invalid.")
    return found


def address(text: object, member: str) -> IPv4Address:
    try:
        return IPv4Address(str(text))
    except ValueError:
        raise InvalidParameterValue(
            f"Value ({str(text)[:100]}) for parameter {member} is invalid."
        ) from None
