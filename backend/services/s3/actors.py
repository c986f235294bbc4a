"""S3's scenario actors: a producer whose big messages go through S3.

The pattern of the SQS Extended Client Library: a message too big for SQS
(256 KiB until 2025, 1 MiB since) is put into a bucket, and the queue
carries a pointer to it, the library's exact JSON
`["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":...,"s3Key":...}]`
with the original size in the `ExtendedPayloadSize` message attribute.
Smaller messages go inline, as the library sends them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from backend.actors.queues import QueueByName
from backend.actors.rates import Rate, read_rate
from backend.cloud import Cloud
from backend.ids import uuid4
from backend.kit.scenario import Reader
from backend.registry import ActorKind

#: The class name the Extended Client Library writes as the pointer's type.
POINTER_CLASS = "software.amazon.payloadoffloading.PayloadS3Pointer"
#: The message attribute carrying the offloaded payload's size.
SIZE_ATTRIBUTE = "ExtendedPayloadSize"
#: The library's default threshold: messages over it go to S3.
DEFAULT_THRESHOLD = 262_144


def pointer(bucket: str, key: str) -> str:
    """The message body that points at an offloaded payload, as the library writes it."""
    return json.dumps(
        [POINTER_CLASS, {"s3BucketName": bucket, "s3Key": key}], separators=(",", ":")
    )


def document(n: int, size: int) -> bytes:
    """A JSON document of exactly `size` bytes (at least its frame), as a scanned file would be."""
    head = f'{{"document":{n},"pages":{size // 2048 + 1},"content":"'
    tail = '"}'
    return (head + "x" * max(0, size - len(head) - len(tail)) + tail).encode()


class BigDocumentProducer(QueueByName):
    """Documents of varying sizes at `rate`; those over `threshold` bytes go through S3.

    Each offloaded document is put into `bucket` under `prefix` and a random
    key (the library uses a UUID), then the pointer is sent to `queue`.
    """

    kind: ClassVar[str] = "s3-big-document-producer"
    retry_codes: ClassVar[frozenset[str]] = QueueByName.retry_codes | {"NoSuchBucket"}

    def __init__(
        self,
        cloud: Cloud,
        name: str,
        *,
        bucket: str,
        queue: str,
        rate: Rate,
        min_size: int = 16 * 1024,
        max_size: int = 2 * 1024 * 1024,
        threshold: int = DEFAULT_THRESHOLD,
        prefix: str = "",
    ) -> None:
        super().__init__(cloud, name, queue)
        self.bucket = bucket
        self.rate = rate
        self.min_size = min_size
        self.max_size = max_size
        self.threshold = threshold
        self.prefix = prefix
        self.sent = 0
        self.offloaded = 0

    async def run(self) -> None:
        started = self.cloud.clock.now()
        while True:
            await self.arrival(self.rate, started)
            url = await self.queue_url()
            if url is None:
                continue
            body = document(self.sent, self.rng.randint(self.min_size, self.max_size))
            params: dict[str, Any] = {"QueueUrl": url}
            offload = len(body) > self.threshold
            if offload:
                key = f"{self.prefix}{uuid4(self.rng)}"
                put = {"Bucket": self.bucket, "Key": key, "Body": body}
                stored = await self.call(
                    "s3", "PutObject", {**put, "ContentType": "application/json"}
                )
                if stored is None:
                    continue
                params["MessageBody"] = pointer(self.bucket, key)
                params["MessageAttributes"] = {
                    SIZE_ATTRIBUTE: {"DataType": "Number", "StringValue": str(len(body))}
                }
            else:
                params["MessageBody"] = body.decode()
            if await self.call("sqs", "SendMessage", params) is not None:
                self.sent += 1
                self.offloaded += offload


class BigDocumentConsumer(QueueByName):
    """Receives documents from `queue`, fetching offloaded ones from S3, as the library does.

    A pointer message is resolved with GetObject; once the document is
    processed, the payload is deleted from the bucket with DeleteObject and
    the message from the queue, so the bucket holds only documents in flight.
    """

    kind: ClassVar[str] = "s3-big-document-consumer"

    def __init__(self, cloud: Cloud, name: str, *, queue: str, wait_time: int = 20) -> None:
        super().__init__(cloud, name, queue)
        self.wait_time = wait_time
        self.received = 0
        self.fetched = 0

    async def run(self) -> None:
        while True:
            url = await self.queue_url()
            if url is None:
                continue
            self.status = "polling"
            received = await self.call(
                "sqs",
                "ReceiveMessage",
                {"QueueUrl": url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": self.wait_time},
            )
            for message in (received or {}).get("Messages", []):
                self.received += 1
                self.status = "processing"
                where = pointed_at(message["Body"])
                if where is not None:
                    fetched = await self.call("s3", "GetObject", where)
                    if fetched is None:
                        continue
                    self.fetched += 1
                    await self.call("s3", "DeleteObject", where)
                handle = message["ReceiptHandle"]
                await self.call("sqs", "DeleteMessage", {"QueueUrl": url, "ReceiptHandle": handle})


def pointed_at(body: str) -> dict[str, str] | None:
    """`{"Bucket", "Key"}` of a pointer message's payload; None for an inline message."""
    if not body.startswith(f'["{POINTER_CLASS}"'):
        return None
    try:
        _, where = json.loads(body)
        return {"Bucket": str(where["s3BucketName"]), "Key": str(where["s3Key"])}
    except (ValueError, TypeError, KeyError):
        return None


def _consumer_options(table: Reader, defined: Mapping[str, set[str]]) -> dict[str, Any]:
    queue = table.defined("queue", "sqs.queue", defined)
    return {"queue": queue, "wait_time": int(table.number("wait_time", 20, 0, 20))}


def _options(table: Reader, defined: Mapping[str, set[str]]) -> dict[str, Any]:
    options: dict[str, Any] = {
        "bucket": table.defined("bucket", "s3.bucket", defined),
        "queue": table.defined("queue", "sqs.queue", defined),
        "rate": read_rate(table, "documents per second"),
        "min_size": int(table.number("min_size", 16 * 1024, 1, 5 * 1024**3)),
        "max_size": int(table.number("max_size", 2 * 1024 * 1024, 1, 5 * 1024**3)),
        "threshold": int(table.number("threshold", DEFAULT_THRESHOLD, 0, 2**31)),
        "prefix": table.get("prefix", str, ""),
    }
    if options["min_size"] > options["max_size"]:
        raise table.fail("min_size must not exceed max_size")
    return options


ACTORS = (
    ActorKind(
        "s3-big-document-producer",
        _options,
        BigDocumentProducer.build,
        "documents over a threshold to S3, a pointer to SQS (Extended Client Library)",
    ),
    ActorKind(
        "s3-big-document-consumer",
        _consumer_options,
        BigDocumentConsumer.build,
        "documents from SQS, offloaded ones fetched from S3 and deleted after",
    ),
)
