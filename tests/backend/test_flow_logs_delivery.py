"""Flow-log delivery: PutLogEvents batches, S3 keys and files, latency on the manual clock."""

from __future__ import annotations

import gzip
import random
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from backend.cloud import Cloud
from backend.services.ec2.flow_logs import delivery
from backend.services.ec2.flow_logs.aggregate import Aggregator
from backend.services.ec2.flow_logs.delivery import (
    CWL_LATENCY,
    LOG_DELIVERY,
    MAX_BATCH_BYTES,
    S3_LATENCY,
    BucketDestination,
    LogGroupDestination,
    Outbox,
    file_bodies,
    file_period,
    object_key,
    put_log_events,
    send,
)
from backend.services.ec2.flow_logs.format import DEFAULT_FORMAT, parse_log_format
from tests.backend.test_flow_logs_helpers import ENI, OTHER, flow
from tests.backend.test_s3_helpers import get, keys

FL = "fl-1234abcd"


def outbox(destination: LogGroupDestination | BucketDestination, seed: int = 7) -> Outbox:
    return Outbox(
        destination,
        DEFAULT_FORMAT,
        flow_log_id=FL,
        account="123456789010",
        region="us-east-1",
        rng=random.Random(seed),
    )


def at(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


# -- pure parts ----------------------------------------------------------------------


def test_the_s3_key_is_awss_with_the_files_five_minutes_and_an_8_digit_hash() -> None:
    period = at("2018-06-20T16:20:00")
    key = object_key("my-logs/", "123456789012", "us-east-1", FL, period, random.Random(1))
    assert re.fullmatch(
        r"my-logs/AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/"
        r"123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_[0-9a-f]{8}\.log\.gz",
        key,
    )
    assert object_key("", "1", "eu-west-1", FL, period, random.Random(1)).startswith(
        "AWSLogs/1/vpcflowlogs/eu-west-1/2018/06/20/1_vpcflowlogs_eu-west-1_"
    )


def test_a_record_goes_to_the_file_of_the_five_minutes_its_end_falls_in() -> None:
    assert file_period(at("2018-06-20T16:24:59")) == at("2018-06-20T16:20:00")
    assert file_period(at("2018-06-20T16:25:00")) == at("2018-06-20T16:25:00")


def test_each_file_opens_with_the_header_and_is_cut_at_the_size_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    header = parse_log_format("${srcaddr} ${dstport}").header
    monkeypatch.setattr(delivery, "MAX_FILE_BYTES", len(header) + 1 + 2 * len("10.0.0.1 22\n"))
    bodies = file_bodies(header, ["10.0.0.1 22", "10.0.0.2 22", "10.0.0.3 22"])
    texts = [gzip.decompress(body).decode() for body in bodies]
    assert texts == [
        "srcaddr dstport\n10.0.0.1 22\n10.0.0.2 22\n",
        "srcaddr dstport\n10.0.0.3 22\n",
    ]


def test_put_log_events_batches_hold_at_most_10000_events() -> None:
    events = [{"timestamp": 1000 + i, "message": "x"} for i in range(20_001)]
    calls = put_log_events("g", "eni-1", events)
    assert [len(c.params["logEvents"]) for c in calls] == [10_000, 10_000, 1]
    assert all(c[:2] == ("logs", "PutLogEvents") for c in calls)
    assert calls[0].params["logStreamName"] == "eni-1"
    assert [e for c in calls for e in c.params["logEvents"]] == events


def test_put_log_events_batches_count_26_bytes_an_event_up_to_1_mib() -> None:
    exact = MAX_BATCH_BYTES // 4 - 26  # four such events fill a batch to the byte
    events: list[dict[str, Any]] = [
        {"timestamp": 1, "message": "é" * (exact // 2)} for _ in range(5)
    ]
    assert len(events[0]["message"].encode()) + 26 == MAX_BATCH_BYTES // 4
    calls = put_log_events("g", "eni-1", events)
    assert [len(c.params["logEvents"]) for c in calls] == [4, 1]


# -- on the clock --------------------------------------------------------------------


async def test_cloudwatch_logs_get_a_window_about_five_minutes_after_it_closes(
    cloud: Cloud,
) -> None:
    await cloud.call("logs", "CreateLogGroup", {"logGroupName": "flows"})
    origin = cloud.clock.now()
    aggregator = Aggregator(origin, 60)
    box = outbox(LogGroupDestination("flows"))
    aggregator.add([flow(origin + 40, 2, 120), flow(origin + 10, 1, 60, srcport=999)])
    await cloud.clock.advance_to(aggregator.next_close())
    for window in aggregator.close(cloud.clock.now(), [ENI, OTHER]):
        box.add(window)
    due = box.next_due()
    assert due is not None
    assert origin + 60 + CWL_LATENCY[0] <= due <= origin + 60 + CWL_LATENCY[1]
    await cloud.clock.advance_to(due - 0.001)
    assert box.take(cloud.clock.now()) == []
    await cloud.clock.advance_to(due)
    calls = box.take(cloud.clock.now())
    assert [c.params["logStreamName"] for c in calls] == [ENI.id, OTHER.id]
    assert await send(cloud, calls, LOG_DELIVERY, "us-east-1") is None
    assert box.next_due() is None
    got = await cloud.call(
        "logs", "GetLogEvents", {"logGroupName": "flows", "logStreamName": ENI.id}
    )
    start = int(origin)
    assert [(e["timestamp"], e["message"]) for e in got["events"]] == [
        (
            (start + 10) * 1000,
            f"2 123456789010 {ENI.id} 172.31.16.139 172.31.16.21 999 22 6 1 60 "
            f"{start + 10} {start + 10} ACCEPT OK",
        ),
        (
            (start + 40) * 1000,
            f"2 123456789010 {ENI.id} 172.31.16.139 172.31.16.21 20641 22 6 2 120 "
            f"{start + 40} {start + 40} ACCEPT OK",
        ),
    ]
    nodata = await cloud.call(
        "logs", "GetLogEvents", {"logGroupName": "flows", "logStreamName": OTHER.id}
    )
    assert [e["timestamp"] for e in nodata["events"]] == [start * 1000]
    assert nodata["events"][0]["message"].endswith(f"{start} {start + 60} - NODATA")


async def test_a_missing_log_group_and_stream_are_made_by_the_first_delivery(
    cloud: Cloud,
) -> None:
    origin = cloud.clock.now()
    aggregator = Aggregator(origin, 60)
    box = outbox(LogGroupDestination("made-by-delivery"))
    for window in aggregator.close(origin + 60, [ENI]):
        box.add(window)
    await cloud.clock.advance(60 + CWL_LATENCY[1])
    assert await send(cloud, box.take(cloud.clock.now()), LOG_DELIVERY, "us-east-1") is None
    got = await cloud.call(
        "logs", "GetLogEvents", {"logGroupName": "made-by-delivery", "logStreamName": ENI.id}
    )
    assert len(got["events"]) == 1


async def test_s3_gets_a_file_per_five_minutes_about_ten_minutes_after_they_begin(
    cloud: Cloud,
) -> None:
    await cloud.call("s3", "CreateBucket", {"Bucket": "flow-bucket"})
    origin = cloud.clock.now()
    assert origin % 300 == 0
    aggregator = Aggregator(origin, 60)
    box = outbox(BucketDestination("flow-bucket", "vpc/"))
    sent: list[tuple[float, str, bytes]] = []
    for minute in range(10):
        aggregator.add([flow(origin + minute * 60 + 30, 1, 100 + minute)])
        await cloud.clock.advance_to(aggregator.next_close())
        for window in aggregator.close(cloud.clock.now(), [ENI]):
            box.add(window)
    while (due := box.next_due()) is not None:
        await cloud.clock.advance_to(due)
        calls = box.take(cloud.clock.now())
        assert await send(cloud, calls, LOG_DELIVERY, "us-east-1") is None
        sent += [(due, c.params["Key"], c.params["Body"]) for c in calls]
    assert len(sent) == 2
    for (due, key, body), period in zip(sent, (origin, origin + 300), strict=True):
        assert period + 300 + S3_LATENCY[0] <= due <= period + 300 + S3_LATENCY[1]
        when = datetime.fromtimestamp(period, UTC)
        assert key.startswith(f"vpc/AWSLogs/123456789010/vpcflowlogs/us-east-1/{when:%Y/%m/%d}/")
        assert f"_vpcflowlogs_us-east-1_{FL}_{when:%Y%m%dT%H%MZ}_" in key
        text = gzip.decompress(body).decode().splitlines()
        assert text[0] == DEFAULT_FORMAT.header
        assert [line.split()[9] for line in text[1:]] == [
            str(100 + m) for m in range(10) if period <= origin + m * 60 + 30 < period + 300
        ]
    assert await keys(cloud, "flow-bucket") == sorted(key for _, key, _ in sent)
    assert await get(cloud, "flow-bucket", sent[0][1]) == sent[0][2]
    writes = [e.record() for e in cloud.trail.data if e.action == "PutObject"]
    assert [w["userIdentity"] for w in writes] == [
        {"type": "AWSService", "invokedBy": "delivery.logs.amazonaws.com"}
    ] * 2


async def test_a_refused_delivery_stops_and_says_why(cloud: Cloud) -> None:
    origin = cloud.clock.now()
    aggregator = Aggregator(origin, 600)
    box = outbox(BucketDestination("no-such-bucket"))
    for window in aggregator.close(origin + 600, [ENI, OTHER]):
        box.add(window)
    await cloud.clock.advance(1200)
    calls = box.take(cloud.clock.now())
    error = await send(cloud, calls, LOG_DELIVERY, "us-east-1")
    assert error is not None and error.code == "NoSuchBucket"


def test_the_same_seed_draws_the_same_delivery_times() -> None:
    def dues(seed: int) -> list[float | None]:
        aggregator = Aggregator(0.0, 60)
        box = outbox(LogGroupDestination("g"), seed=seed)
        found: list[float | None] = []
        for window in aggregator.close(600.0, [ENI]):
            box.add(window)
            found.append(box.next_due())
            box.take(float("inf"))
        return found

    assert dues(7) == dues(7)
    assert dues(7) != dues(8)
    assert len(set(dues(7))) == 10
