"""Sending to an SQS queue known by its ARN, as an AWS service does it on the account's behalf.

S3 event notifications and SNS subscriptions name their queues by ARN; SQS
addresses a queue by URL, which an AWS service derives from the ARN rather
than asking GetQueueUrl (so no lookup shows in the event history). The send
goes through `cloud.call` as the service's principal (`s3.amazonaws.com`,
`sns.amazonaws.com`), so the trail shows SendMessage `invokedBy` it and the
queue's own rules (size, attributes, FIFO ids, throttling) apply.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from backend.errors import InvalidParameterValue
from backend.identity import Caller

if TYPE_CHECKING:
    from backend.cloud import Cloud

#: arn:<partition>:<service>:<region>:<12-digit account>:<resource>
ARN = re.compile(r"^arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):([0-9]{12}):(.+)$")


def queue_arn_parts(arn: str) -> tuple[str, str, str] | None:
    """(region, account, name) of an SQS queue ARN, or None."""
    found = ARN.match(arn)
    if found is None or found[2] != "sqs" or "/" in found[5] or ":" in found[5]:
        return None
    return found[3], found[4], found[5]


def queue_url(region: str, account: str, name: str) -> str:
    """The queue's URL in AWS's own form: SQS finds a queue by its path, whatever the host."""
    return f"https://sqs.{region}.amazonaws.com/{account}/{name}"


class QueueSender:
    """Sends messages to queues by ARN as `caller`."""

    def __init__(self, cloud: Cloud, caller: Caller) -> None:
        self.cloud = cloud
        self.caller = caller

    async def send(self, arn: str, params: dict[str, Any]) -> dict[str, Any]:
        """SendMessage `params` (all but QueueUrl) to queue `arn`; SQS's error if it refuses."""
        parts = queue_arn_parts(arn)
        if parts is None:
            raise InvalidParameterValue(f"{arn} is not the ARN of an SQS queue.")
        return await self.cloud.call(
            "sqs",
            "SendMessage",
            {"QueueUrl": queue_url(*parts), **params},
            caller=self.caller,
            region=parts[0],
        )
