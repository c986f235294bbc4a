"""Small helpers that keep the EC2 tests about behaviour rather than plumbing."""

from __future__ import annotations

from typing import Any

import pytest

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.services.ec2 import Ec2Service


async def ec2(cloud: Cloud, action: str, **params: Any) -> dict[str, Any]:
    """An EC2 action, its params as keywords."""
    return await cloud.call("ec2", action, params)


async def ec2_error(cloud: Cloud, action: str, **params: Any) -> AwsError:
    """The AwsError an EC2 action must refuse with."""
    with pytest.raises(AwsError) as info:
        await cloud.call("ec2", action, params)
    return info.value


def model(cloud: Cloud) -> Ec2Service:
    return cloud.service(Ec2Service)


def default_vpc_id(cloud: Cloud) -> str:
    found = model(cloud).default_vpc()
    assert found is not None
    return found.id


async def run(cloud: Cloud, **params: Any) -> list[dict[str, Any]]:
    """Launch instances (one by default) and return their shapes."""
    params = {"ImageId": "ami-12345678", "MinCount": 1, "MaxCount": 1, **params}
    reply = await ec2(cloud, "RunInstances", **params)
    instances: list[dict[str, Any]] = reply["Instances"]
    return instances
