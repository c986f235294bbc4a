"""Actors: rates, failures and redrive, and surviving what a person does to their queues."""

from __future__ import annotations

import random

import pytest

from backend.actors.draws import below, pick
from backend.actors.rates import Rate, Surge
from backend.bus import CloudEvent
from backend.scenarios.loader import ScenarioError, parse_scenario
from backend.services import new_cloud
from backend.services.sqs import SqsService
from backend.services.sqs.actors import Consumer, Producer
from tests.backend.helpers import create_queue, sqs


def test_rate_swings_around_its_base() -> None:
    rate = Rate(base=4, amplitude=3, period=600)
    assert rate.at(0) == pytest.approx(4)
    assert rate.at(150) == pytest.approx(7)
    assert rate.at(450) == pytest.approx(1)
    with pytest.raises(ValueError, match="base \\+ amplitude"):
        Rate(base=0)


def test_poisson_arrivals_average_the_rate() -> None:
    rate = Rate(base=5)
    rng = random.Random(1)
    elapsed = 0.0
    arrivals = 0
    while elapsed < 1000:
        elapsed += rate.next_arrival(elapsed, rng)
        arrivals += 1
    assert 4800 < arrivals < 5200


def test_a_surge_multiplies_the_rate_for_its_time_and_arrivals_follow() -> None:
    rate = Rate(base=5, surges=(Surge(start=100, duration=50, times=4),))
    assert (rate.at(99.9), rate.at(100), rate.at(149.9), rate.at(150)) == (5, 20, 20, 5)
    assert rate.peak == 20
    rng = random.Random(2)
    elapsed, inside, outside = 0.0, 0, 0
    while elapsed < 300:
        elapsed += rate.next_arrival(elapsed, rng)
        if 100 <= elapsed < 150:
            inside += 1
        elif elapsed < 300:
            outside += 1
    assert 850 < inside < 1150  # 20/s for 50 s
    assert 1100 < outside < 1400  # 5/s for 250 s


def test_draws_take_the_same_bits_as_random_so_a_seed_keeps_its_traffic() -> None:
    ours, stdlib = random.Random(7), random.Random(7)
    items = ("a", "b", "c", "d", "e", "f", "g")
    for n in (1, 2, 5, 7, 8, 250, 5000, 49_901):
        for _ in range(200):
            assert below(ours, n) == stdlib.randrange(n)
            assert pick(ours, items) == stdlib.choice(items)
    assert ours.random() == stdlib.random()


@pytest.mark.parametrize(
    ("rate", "problem"),
    [
        ('{ base = 1, surges = [{ for = "5m" }] }', "a surge needs `at` and `for`"),
        ('{ base = 1, surges = [{ at = "1h", for = "0s" }] }', "a surge lasts more than 0 s"),
        ('{ base = 1, surges = [{ at = "1h", for = "5m", times = -1 }] }', "times must be"),
        ('{ base = 1, surges = [{ at = "1h", for = "5m", size = 2 }] }', "unknown key(s): size"),
    ],
)
def test_a_bad_surge_is_a_scenario_error(rate: str, problem: str) -> None:
    text = f"""
[scenario]
name = "s"
[[sqs.queue]]
name = "q"
[[actor]]
kind = "sqs-producer"
name = "p"
queue = "q"
rate = {rate}
"""
    with pytest.raises(ScenarioError) as error:
        parse_scenario(text, "s.toml")
    assert problem in str(error.value)
    assert "actor[0].rate.surges[0]" in str(error.value) or "actor[0]" in str(error.value)


async def test_failing_consumer_drives_messages_to_the_dead_letter_queue() -> None:
    cloud = new_cloud(seed=5)
    await create_queue(cloud, "dlq")
    redrive = (
        '{"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:dlq", "maxReceiveCount": 2}'
    )
    await create_queue(cloud, "work", VisibilityTimeout="10", RedrivePolicy=redrive)
    producer = Producer(cloud, "api", "work", rate=Rate(base=1))
    consumer = Consumer(cloud, "worker", "work", failure_rate=1.0, wait_time=20)
    producer.start()
    consumer.start()
    await cloud.clock.advance(120)
    producer.stop()
    consumer.stop()
    service = cloud.service(SqsService)
    work = service.queue_by_name("work", "us-east-1")
    dead = service.queue_by_name("dlq", "us-east-1")
    assert consumer.processed == 0
    assert work.counters.moved_to_dlq == len(dead) > 50
    assert work.counters.sent == producer.sent


async def test_actor_backs_off_and_recovers_when_its_queue_is_deleted_and_recreated() -> None:
    cloud = new_cloud(seed=2)
    url = await create_queue(cloud, "work")
    events: list[CloudEvent] = []
    cloud.bus.subscribe(events.append)
    producer = Producer(cloud, "api", "work", rate=Rate(base=2))
    producer.start()
    await cloud.clock.advance(10)
    await sqs(cloud, "DeleteQueue", {"QueueUrl": url})
    await cloud.clock.advance(30)
    assert producer.last_error == "QueueDoesNotExist"
    assert [e.summary for e in events] == ["api: SendMessage failed with QueueDoesNotExist"]
    sent_before = producer.sent
    await cloud.clock.advance(35)
    await create_queue(cloud, "work")
    await cloud.clock.advance(30)
    producer.stop()
    assert producer.sent > sent_before
    assert producer.last_error == ""


async def test_a_rejected_message_is_dropped_and_the_producer_carries_on() -> None:
    cloud = new_cloud(seed=4)
    await create_queue(cloud, "small", MaximumMessageSize="262144")
    events: list[CloudEvent] = []
    cloud.bus.subscribe(events.append)
    producer = Producer(cloud, "scanner", "small", rate=Rate(base=1), body="document")
    producer.start()
    await cloud.clock.advance(600)
    producer.stop()
    small = cloud.service(SqsService).queue_by_name("small", "us-east-1")
    rejected = cloud.errors[("sqs", "SendMessage")]
    assert rejected > 150
    assert producer.sent == small.counters.sent > 300
    assert producer.sent + rejected > 550
    assert [e.summary for e in events] == ["scanner: SendMessage failed with InvalidParameterValue"]
