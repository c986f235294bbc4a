"""Standard-queue delivery knobs (seeded, deterministic) and the AWS/SQS metrics."""

from __future__ import annotations

from backend.cloud import Cloud
from backend.metrics import Series
from backend.services import new_cloud
from backend.services.sqs import SqsService
from tests.backend.helpers import (
    bodies,
    counts,
    create_queue,
    delete,
    queue,
    receive,
    send,
    sqs,
)

START = 1_795_942_800


def knobs(cloud: Cloud, duplicate_rate: float = 0.0, reorder: int = 1, sample: float = 1.0) -> None:
    delivery = cloud.service(SqsService).delivery
    delivery.duplicate_rate = duplicate_rate
    delivery.reorder_window = reorder
    delivery.short_poll_sample = sample


async def test_delivery_is_exact_by_default(cloud: Cloud) -> None:
    assert cloud.service(SqsService).delivery.exact
    url = await create_queue(cloud, "q")
    for i in range(30):
        await send(cloud, url, f"m{i}")
    seen = []
    while got := await receive(cloud, url, MaxNumberOfMessages=7):
        seen += bodies(got)
    assert seen == [f"m{i}" for i in range(30)]


async def test_duplicate_rate_lets_a_deleted_message_come_back(cloud: Cloud) -> None:
    knobs(cloud, duplicate_rate=1.0)
    url = await create_queue(cloud, "q", VisibilityTimeout="10")
    await send(cloud, url, "m")
    [got] = await receive(cloud, url)
    await delete(cloud, url, got)
    c = queue(cloud, "q").counters
    assert (c.duplicates, c.deleted) == (1, 0)
    await cloud.clock.advance(10)
    [again] = await receive(cloud, url, AttributeNames=["ApproximateReceiveCount"])
    assert again["MessageId"] == got["MessageId"]
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"
    knobs(cloud)
    await delete(cloud, url, again)
    assert (c.duplicates, c.deleted, len(queue(cloud, "q"))) == (1, 1, 0)


async def test_reorder_window_picks_among_the_oldest(cloud: Cloud) -> None:
    knobs(cloud, reorder=3)
    url = await create_queue(cloud, "q")
    for i in range(40):
        await send(cloud, url, f"m{i:02}")
    waiting = [f"m{i:02}" for i in range(40)]
    order = []
    while got := await receive(cloud, url):
        body = got[0]["Body"]
        assert waiting.index(body) < 3
        waiting.remove(body)
        order.append(body)
    assert sorted(order) == [f"m{i:02}" for i in range(40)]
    assert order != sorted(order)


async def test_short_poll_sample_can_miss_messages_but_long_poll_does_not(cloud: Cloud) -> None:
    knobs(cloud, sample=0.3)
    url = await create_queue(cloud, "q", VisibilityTimeout="0")
    for i in range(3):
        await send(cloud, url, f"m{i}")
    short = [len(await receive(cloud, url, MaxNumberOfMessages=10)) for _ in range(40)]
    assert min(short) < 3
    assert 0 in short
    for _ in range(20):
        got = await receive(cloud, url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        assert sorted(bodies(got)) == ["m0", "m1", "m2"]
    assert counts(cloud, "q") == (3, 0, 0)


async def test_fifo_queues_ignore_the_knobs(cloud: Cloud) -> None:
    knobs(cloud, duplicate_rate=1.0, reorder=5, sample=0.1)
    url = await create_queue(cloud, "q.fifo", FifoQueue="true", ContentBasedDeduplication="true")
    for i in range(10):
        await send(cloud, url, f"m{i}", MessageGroupId="g")
    got = await receive(cloud, url, MaxNumberOfMessages=10)
    assert bodies(got) == [f"m{i}" for i in range(10)]
    for message in got:
        await delete(cloud, url, message)
    assert len(queue(cloud, "q.fifo")) == 0


async def noisy_run(seed: int) -> list[str]:
    cloud = new_cloud(seed=seed)
    knobs(cloud, duplicate_rate=0.3, reorder=4, sample=0.5)
    url = await create_queue(cloud, "q", VisibilityTimeout="5")
    for i in range(30):
        await send(cloud, url, f"m{i}")
    trace = []
    for _ in range(60):
        got = await receive(cloud, url, MaxNumberOfMessages=3)
        trace.append(",".join(bodies(got)))
        for message in got:
            await delete(cloud, url, message)
        await cloud.clock.advance(1)
    return trace


async def test_the_knobs_are_seeded_and_deterministic() -> None:
    first = await noisy_run(3)
    assert first == await noisy_run(3)
    assert first != await noisy_run(4)


# -- AWS/SQS metrics --------------------------------------------------------------------


def series(cloud: Cloud, name: str, queue_name: str = "q") -> Series:
    found = cloud.metrics.find("AWS/SQS", name, {"QueueName": queue_name})
    assert found is not None, name
    return found


async def test_counter_metrics(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    await send(cloud, url, "abc")
    await send(
        cloud, url, "x" * 100, MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}}
    )
    await sqs(
        cloud,
        "SendMessageBatch",
        {"QueueUrl": url, "Entries": [{"Id": "a", "MessageBody": "12345"}]},
    )
    await cloud.clock.advance(1)
    got = await receive(cloud, url, MaxNumberOfMessages=2)
    await receive(cloud, url, MaxNumberOfMessages=1)
    await receive(cloud, url)
    await receive(cloud, url)
    await delete(cloud, url, got[0])
    await delete(cloud, url, got[0])  # repeats count, as AWS counts them
    await delete(cloud, url, got[1])
    second = START + 1
    assert series(cloud, "NumberOfMessagesSent").sums(START + 2, 2) == [3.0, 0.0]
    assert series(cloud, "NumberOfMessagesReceived").sums(START + 2, 2) == [0.0, 3.0]
    assert series(cloud, "NumberOfEmptyReceives").sums(START + 2, 2) == [0.0, 2.0]
    assert series(cloud, "NumberOfMessagesDeleted").sums(START + 2, 2) == [0.0, 3.0]
    [sizes] = list(series(cloud, "SentMessageSize").bins(START, second))
    assert (sizes.count, sizes.total, sizes.minimum, sizes.maximum) == (3, 3 + 108 + 5, 3, 108)
    assert series(cloud, "SentMessageSize").unit == "Bytes"
    assert queue(cloud, "q").counters.deleted == 2


async def test_gauges_are_sampled_every_minute(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    await send(cloud, url, "visible")
    await send(cloud, url, "in flight")
    await send(cloud, url, "delayed", DelaySeconds=90)
    await receive(cloud, url, VisibilityTimeout=300)
    await cloud.clock.advance(125)

    def values(name: str) -> list[float]:
        return [b.total for b in series(cloud, name).bins(START, START + 200)]

    assert values("ApproximateNumberOfMessagesVisible") == [1.0, 2.0]
    assert values("ApproximateNumberOfMessagesNotVisible") == [1.0, 1.0]
    assert values("ApproximateNumberOfMessagesDelayed") == [1.0, 0.0]
    assert values("ApproximateAgeOfOldestMessage") == [60.0, 120.0]
    age = series(cloud, "ApproximateAgeOfOldestMessage")
    assert [b.second for b in age.bins(0, START + 200)] == [START + 60, START + 120]
    assert age.unit == "Seconds"


async def test_the_sampler_stops_when_the_last_queue_is_deleted(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    await cloud.clock.advance(2)
    await sqs(cloud, "DeleteQueue", {"QueueUrl": url})
    await cloud.clock.advance(70)
    assert cloud.clock.next_due() is None
    await create_queue(cloud, "again")
    await cloud.clock.advance(60)
    visible = series(cloud, "ApproximateNumberOfMessagesVisible", "again")
    assert [b.second for b in visible.bins(0, START + 1000)] == [START + 120]
