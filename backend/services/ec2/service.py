"""Amazon EC2's network core: the service the cloud runs, its action groups put together.

Each group of actions is a mixin on `Ec2Base` (its module says what AWS
checks there); the cloud finds every `@action` by its AWS name (ec2
protocol, `Action=RunInstances&Version=2016-11-15`). The model beneath is
plain Python (`network.py`, `security_group.py`, `network_acl.py`,
`instance.py`), read by `reachability.py` to decide whether a flow passes.
Other services reach it through `cloud.service(Ec2Service)` for views and
through `cloud.call("ec2", ...)` for changes.
"""

from __future__ import annotations

from typing import ClassVar

from backend.services.ec2.gateway_actions import GatewayActions
from backend.services.ec2.instance_actions import InstanceActions
from backend.services.ec2.network_acl_actions import NetworkAclActions
from backend.services.ec2.security_group_actions import SecurityGroupActions
from backend.services.ec2.tag_actions import TagActions
from backend.services.ec2.vpc_actions import VpcActions


class Ec2Service(
    VpcActions,
    GatewayActions,
    SecurityGroupActions,
    NetworkAclActions,
    InstanceActions,
    TagActions,
):
    """VPCs, subnets, security groups, network ACLs and instances of one region."""

    name: ClassVar[str] = "ec2"
    event_source: ClassVar[str] = "ec2.amazonaws.com"
    trail_error_fault: ClassVar[bool] = True
    usage_name: ClassVar[str] = "EC2"
