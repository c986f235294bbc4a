"""Amazon EC2's network core: the service the cloud runs, its action groups put together.

Each group of actions is a mixin on `Ec2Base` (its module says what AWS
checks there); the cloud finds every `@action` by its AWS name (ec2
protocol, `Action=RunInstances&Version=2016-11-15`). The model beneath is
plain Python (`network.py`, `security_group.py`, `network_acl.py`,
`instance.py`), read by `reachability.py` to decide whether a flow passes.
Other services reach it through `cloud.service(Ec2Service)` for views and
through `cloud.call("ec2", ...)` for changes.

Traffic caches its decisions (`traffic.py`), so every action that may change
the model (each one not marked read-only) drops that cache when it returns.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, ClassVar

from backend.errors import AwsError
from backend.service import Action, Params, Request
from backend.services.ec2.flow_log_actions import FlowLogActions
from backend.services.ec2.gateway_actions import GatewayActions
from backend.services.ec2.instance_actions import InstanceActions
from backend.services.ec2.network_acl_actions import NetworkAclActions
from backend.services.ec2.security_group_actions import SecurityGroupActions
from backend.services.ec2.tag_actions import TagActions
from backend.services.ec2.vpc_actions import VpcActions


class Ec2Service(
    FlowLogActions,
    VpcActions,
    GatewayActions,
    SecurityGroupActions,
    NetworkAclActions,
    InstanceActions,
    TagActions,
):
    """VPCs, subnets, security groups, network ACLs, instances and flow logs of one region."""

    name: ClassVar[str] = "ec2"
    event_source: ClassVar[str] = "ec2.amazonaws.com"

    @classmethod
    def trail_error_code(cls, error: AwsError) -> str:
        """`Client.InvalidInstanceID.NotFound`, `Server.InternalError`: CloudTrail writes
        EC2's error codes with their fault first."""
        return f"{'Client' if error.sender_fault else 'Server'}.{error.code}"

    usage_name: ClassVar[str] = "EC2"


def _invalidating(spec: Action) -> Action:
    """`spec` with the traffic's cached decisions dropped after it runs (sync handlers)."""
    handler = spec.handler

    @functools.wraps(handler)
    def run(service: Ec2Service, params: Params, request: Request) -> Any:
        try:
            return handler(service, params, request)
        finally:
            service.traffic.invalidate()

    return dataclasses.replace(spec, handler=run)


Ec2Service.actions = {
    name: spec if spec.read_only or spec.is_async else _invalidating(spec)
    for name, spec in Ec2Service.actions.items()
}
