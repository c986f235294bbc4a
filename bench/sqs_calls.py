"""In-process SQS throughput through `Cloud.call`: the hot path every face shares.

    python bench/sqs_calls.py [--messages N]

Prints SendMessage/s, and ReceiveMessage (10 at a time) + DeleteMessage ops/s.
Rates are per CPU second of this process (`time.process_time`), so other load
on the machine does not skew them.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from backend.services import new_cloud


async def main(count: int) -> None:
    cloud = new_cloud(seed=1)
    url = (await cloud.call("sqs", "CreateQueue", {"QueueName": "bench"}))["QueueUrl"]
    call = cloud.call
    body = '{"order": 1288, "sku": "A-17", "qty": 2}'

    started = time.process_time()
    for _ in range(count):
        await call("sqs", "SendMessage", {"QueueUrl": url, "MessageBody": body})
    send_seconds = time.process_time() - started

    started = time.process_time()
    received = 0
    while received < count:
        response = await call("sqs", "ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 10})
        for message in response.get("Messages", []):
            await call(
                "sqs", "DeleteMessage", {"QueueUrl": url, "ReceiptHandle": message["ReceiptHandle"]}
            )
            received += 1
    receive_seconds = time.process_time() - started
    receives = -(-count // 10)

    print(f"SendMessage:                     {count / send_seconds:>10,.0f} calls/s")
    print(
        f"ReceiveMessage(10)+DeleteMessage: {(count + receives) / receive_seconds:>9,.0f} calls/s"
        f"  ({count / receive_seconds:,.0f} messages/s)"
    )
    print(f"trail entries recorded: {cloud.trail.recorded:,}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=200_000)
    asyncio.run(main(parser.parse_args().messages))
