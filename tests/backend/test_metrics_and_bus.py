"""The metric store's per-second series, and the event bus."""

from __future__ import annotations

from backend.bus import Bus, CloudEvent
from backend.metrics import MetricStore


def test_points_in_one_second_share_a_bin() -> None:
    store = MetricStore()
    s = store.series("NS", "M", {"B": "2", "A": "1"})
    for t, v in ((10.1, 5.0), (10.9, 1.0), (10.5, 9.0), (12.0, 4.0)):
        s.add(t, v)
    bins = list(s.bins(0, 100))
    assert [(b.second, b.count, b.total, b.minimum, b.maximum) for b in bins] == [
        (10, 3, 15.0, 1.0, 9.0),
        (12, 1, 4.0, 4.0, 4.0),
    ]
    assert s.sums(13, 4) == [0.0, 15.0, 0.0, 4.0]
    assert [b.second for b in s.bins(11, 13)] == [12]


def test_late_points_land_in_order() -> None:
    s = MetricStore().series("NS", "M", {})
    s.add(10, 1)
    s.add(14, 1)
    s.add(12, 2)
    s.add(10, 3)
    assert [(b.second, b.total) for b in s.bins(0, 100)] == [(10, 4.0), (12, 2.0), (14, 1.0)]


def test_retention_keeps_the_newest_seconds() -> None:
    store = MetricStore(retention=3)
    s = store.series("NS", "M", {})
    for second in range(10):
        s.add(second, second)
    assert [b.second for b in s.bins(0, 100)] == [7, 8, 9]
    s.add(1, 1.0)  # older than everything kept: stays out of the window
    assert [b.second for b in s.bins(0, 100)] == [7, 8, 9]


def test_series_identity_is_namespace_name_and_exact_dimensions() -> None:
    store = MetricStore()
    a = store.series("NS", "M", {"A": "1", "B": "2"})
    assert store.series("NS", "M", {"B": "2", "A": "1"}) is a
    assert store.find("NS", "M", {"A": "1"}) is None
    assert store.series("NS", "M", {"A": "1"}) is not a
    assert store.find("NS", "M", {"B": "2", "A": "1"}) is a
    assert len(list(store.all())) == 2
    assert a.unit == "Count"


def test_bus_delivers_to_every_subscriber_even_when_one_fails() -> None:
    bus = Bus()
    got: list[str] = []

    def failing(event: CloudEvent) -> None:
        raise RuntimeError("subscriber bug")

    bus.subscribe(failing)
    unsubscribe = bus.subscribe(lambda e: got.append(e.kind))
    event = CloudEvent(1.0, "sqs", "QueuePurged", "q purged")
    bus.publish(event)
    unsubscribe()
    bus.publish(event)
    assert got == ["QueuePurged"]
    assert (event.severity, event.resource) == ("information", "")
