"""The simulated AWS services, one package per service, and the default registry.

Each package exports its `REGISTRATION` (`backend.registry`); `REGISTRY` is
the services a skydeck cloud runs. The cloud itself imports none of them: it
is handed its services, so a test can run a cloud of one service.
"""

from __future__ import annotations

from typing import Any

from backend.cloud import Cloud
from backend.registry import Registration
from backend.services import (
    cloudtrail,
    cloudwatch,
    ec2,
    firehose,
    kinesis,
    logs,
    s3,
    sns,
    sqs,
    sts,
)

REGISTRY: tuple[Registration, ...] = (
    sqs.REGISTRATION,
    s3.REGISTRATION,
    kinesis.REGISTRATION,
    firehose.REGISTRATION,
    sns.REGISTRATION,
    cloudwatch.REGISTRATION,
    logs.REGISTRATION,
    cloudtrail.REGISTRATION,
    sts.REGISTRATION,
    ec2.REGISTRATION,
)


def new_cloud(registry: tuple[Registration, ...] = REGISTRY, **options: Any) -> Cloud:
    """A cloud running every service of `registry` (`Cloud`'s keyword options apply)."""
    return Cloud(services=[entry.service for entry in registry], **options)
