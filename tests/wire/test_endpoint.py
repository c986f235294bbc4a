"""The endpoint itself: health, reset, its address in the cloud, its counters, clients
that go away, closing."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from backend.services import REGISTRY, new_cloud
from backend.services.sqs import SqsService
from backend.wire.server import EndpointError, start_endpoint
from tests.wire.live import ACCOUNT, TIMEOUT, Live, start_live
from tests.wire.rawhttp import answer, request, send_amz_json


def test_health_lists_the_services(live: Live) -> None:
    reply = request(live.url, "GET", "/_skydeck/health")
    assert reply.status == 200
    health = reply.json()
    assert health["services"] == dict.fromkeys(
        (entry.service.name for entry in REGISTRY), "running"
    )
    assert health["endpoint"] == live.url
    assert health["account"] == ACCOUNT
    assert health["time"] == "2026-11-29T09:00:00Z"


def test_reset_wipes_the_cloud(live: Live) -> None:
    sqs = live.client("sqs")
    sqs.create_queue(QueueName="doomed")
    reply = request(live.url, "POST", "/_skydeck/reset")
    assert (reply.status, reply.json()["reset"]) == (200, True)
    assert "QueueUrls" not in sqs.list_queues()
    sqs.create_queue(QueueName="doomed")
    events = live.client("cloudtrail").lookup_events()["Events"]
    assert [e["EventName"] for e in events] == ["CreateQueue", "ListQueues"]


def test_other_skydeck_paths(live: Live) -> None:
    assert request(live.url, "GET", "/_skydeck/reset").status == 405
    missing = request(live.url, "GET", "/_skydeck/nothing")
    assert (missing.status, missing.json()["__type"]) == (404, "NotFound")


def test_in_process_callers_get_the_endpoint_in_queue_urls(live: Live) -> None:
    assert live.cloud.endpoint == live.url
    response = live.run(live.cloud.call("sqs", "CreateQueue", {"QueueName": "inside"}))
    assert response["QueueUrl"] == f"{live.url}/{ACCOUNT}/inside"
    sqs = live.client("sqs")
    sqs.send_message(QueueUrl=response["QueueUrl"], MessageBody="from inside's url")


def test_requests_are_counted(live: Live) -> None:
    sqs = live.client("sqs")
    sqs.create_queue(QueueName="counted")
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName="uncounted")
    stats = live.endpoint.stats
    assert (stats.requests, stats.errors) == (2, 1)
    assert stats.calls_per_second(window=10) == pytest.approx(0.2)
    live.advance(10)
    assert stats.calls_per_second(window=10) == 0


def test_close_ends_long_polls_and_frees_the_port(
    loop: asyncio.AbstractEventLoop, boto_session: Any
) -> None:
    served = start_live(loop, boto_session)
    sqs = served.client("sqs")
    url = sqs.create_queue(QueueName="held")["QueueUrl"]
    queue = served.cloud.service(SqsService).queues[("us-east-1", "held")]
    outcome: list[BaseException] = []

    def poll() -> None:
        try:
            sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=poll)
    thread.start()
    served.wait_until(lambda: queue.arrived.waiting == 1)
    served.run(served.endpoint.close())
    thread.join(TIMEOUT)
    assert not thread.is_alive()
    assert outcome, "the long poll should end with its connection"
    assert served.cloud.endpoint is None
    assert queue.arrived.waiting == 0
    again = served.run(start_endpoint(served.cloud, port=served.endpoint.port))
    assert again.url == served.url
    served.run(again.close())
    served.run(served.endpoint.close())


def test_a_long_poll_whose_client_went_away_takes_no_message(live: Live) -> None:
    sqs = live.client("sqs")
    url = sqs.create_queue(QueueName="polled")["QueueUrl"]
    queue = live.cloud.service(SqsService).queues[("us-east-1", "polled")]
    poll = {"QueueUrl": url, "WaitTimeSeconds": 20}
    gone = send_amz_json(live.url, "AmazonSQS.ReceiveMessage", poll)
    live.wait_until(lambda: queue.arrived.waiting == 1)
    listening = send_amz_json(live.url, "AmazonSQS.ReceiveMessage", poll)
    live.wait_until(lambda: queue.arrived.waiting == 2)
    gone.close()
    live.wait_until(lambda: queue.arrived.waiting == 1)
    sqs.send_message(QueueUrl=url, MessageBody="for whoever still listens")
    try:
        messages = answer(listening).json()["Messages"]
    finally:
        listening.close()
    assert [m["Body"] for m in messages] == ["for whoever still listens"]
    assert queue.n_inflight == 1, "in flight with the poller that listened, and no other"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])
    assert queue.n_inflight == 0


def test_a_long_poll_cancelled_as_it_wakes_leaves_the_clock_right(live: Live) -> None:
    """The worst moment for a disconnect: the poll was woken, and is cancelled before it runs.

    The clock counts woken tasks until they run (`Clock.settle`); a cancelled
    one must still be counted off, or every later `advance` would hang.
    """
    url = live.client("sqs").create_queue(QueueName="woken")["QueueUrl"]
    cloud = live.cloud
    clock = cloud.clock
    queue = cloud.service(SqsService).queues[("us-east-1", "woken")]

    async def scenario() -> list[str]:
        poll = clock.spawn(
            cloud.call("sqs", "ReceiveMessage", {"QueueUrl": url, "WaitTimeSeconds": 20})
        )
        await clock.settle()
        assert queue.arrived.waiting == 1
        await cloud.call("sqs", "SendMessage", {"QueueUrl": url, "MessageBody": "not taken"})
        poll.cancel()
        await clock.settle()
        assert poll.cancelled()
        await clock.advance(30)
        later = await cloud.call("sqs", "ReceiveMessage", {"QueueUrl": url, "WaitTimeSeconds": 20})
        return [m["Body"] for m in later["Messages"]]

    assert live.run(scenario()) == ["not taken"]
    assert queue.arrived.waiting == 0


def test_a_taken_port_is_an_endpoint_error(live: Live) -> None:
    with pytest.raises(EndpointError, match="cannot listen"):
        live.run(start_endpoint(new_cloud(), port=live.endpoint.port))


def test_request_ids_replay_by_seed_and_never_repeat_across_restarts(
    loop: asyncio.AbstractEventLoop, boto_session: Any
) -> None:
    def ids(url: str) -> list[str]:
        return [request(url, "GET", "/_skydeck/health").request_id for _ in range(3)]

    one, two = start_live(loop, boto_session), start_live(loop, boto_session)
    try:
        first = ids(one.url)
        assert ids(two.url) == first
        assert len(set(first)) == 3
        one.run(one.endpoint.close())
        again = one.run(start_endpoint(one.cloud, port=0))
        assert not set(ids(again.url)) & set(first)
        one.run(again.close())
    finally:
        one.run(one.endpoint.close())
        two.run(two.endpoint.close())
