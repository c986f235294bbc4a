"""Small helpers that keep the SQS tests about behaviour rather than plumbing."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.services.sqs import Queue, SqsService

Params = dict[str, Any]
Message = dict[str, Any]
T = TypeVar("T")


async def sqs(cloud: Cloud, action: str, params: Params | None = None) -> dict[str, Any]:
    return await cloud.call("sqs", action, params or {})


async def sqs_error(cloud: Cloud, action: str, params: Params | None = None) -> AwsError:
    """The error `action` fails with; the test fails if it succeeds."""
    with pytest.raises(AwsError) as info:
        await cloud.call("sqs", action, params or {})
    return info.value


async def cw(cloud: Cloud, action: str, **params: Any) -> dict[str, Any]:
    """A CloudWatch action, its params as keywords."""
    return await cloud.call("cloudwatch", action, params)


async def cw_error(cloud: Cloud, action: str, **params: Any) -> AwsError:
    """The AwsError a CloudWatch action must refuse with."""
    with pytest.raises(AwsError) as info:
        await cloud.call("cloudwatch", action, params)
    return info.value


async def create_queue(cloud: Cloud, name: str, **attributes: str) -> str:
    params: Params = {"QueueName": name}
    if attributes:
        params["Attributes"] = attributes
    response = await sqs(cloud, "CreateQueue", params)
    url = response["QueueUrl"]
    assert isinstance(url, str)
    return url


async def send(cloud: Cloud, url: str, body: str, **params: Any) -> dict[str, Any]:
    return await sqs(cloud, "SendMessage", {"QueueUrl": url, "MessageBody": body, **params})


async def receive(cloud: Cloud, url: str, **params: Any) -> list[Message]:
    response = await sqs(cloud, "ReceiveMessage", {"QueueUrl": url, **params})
    messages: list[Message] = response.get("Messages", [])
    return messages


async def receive_all(cloud: Cloud, url: str, **params: Any) -> list[Message]:
    """Receive in batches of ten until a receive comes back empty."""
    out: list[Message] = []
    while batch := await receive(cloud, url, MaxNumberOfMessages=10, **params):
        out.extend(batch)
    return out


async def delete(cloud: Cloud, url: str, message: Message) -> None:
    await sqs(cloud, "DeleteMessage", {"QueueUrl": url, "ReceiptHandle": message["ReceiptHandle"]})


def queue(cloud: Cloud, name: str) -> Queue:
    return cloud.service(SqsService).queues[(cloud.region, name)]


def counts(cloud: Cloud, name: str) -> tuple[int, int, int]:
    """(visible, in flight, delayed), as the ApproximateNumberOf* attributes report them."""
    q = queue(cloud, name)
    return q.n_visible, q.n_inflight, q.n_delayed


def bodies(messages: list[Message]) -> list[str]:
    return [m["Body"] for m in messages]


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run an async test body from a synchronous (hypothesis) test."""
    return asyncio.run(coro)
