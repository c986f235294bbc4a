"""Capture windows: sums per interface and 5-tuple, NODATA, SKIPDATA, TrafficType, fields."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.services.ec2.flow_logs.aggregate import Aggregator
from backend.services.ec2.flow_logs.format import DEFAULT_FORMAT, parse_log_format
from backend.services.ec2.flow_logs.records import (
    FIN,
    RST,
    SYN,
    SYN_ACK,
    Interface,
    Record,
    TrafficType,
    recorded_tcp_flags,
)
from tests.backend.test_flow_logs_helpers import ENI, ORIGIN, OTHER, flow

ALL_FIELDS = parse_log_format(
    "${version} ${vpc-id} ${subnet-id} ${instance-id} ${tcp-flags} ${type} ${pkt-srcaddr} "
    "${pkt-dstaddr} ${region} ${az-id} ${sublocation-type} ${sublocation-id} "
    "${pkt-src-aws-service} ${pkt-dst-aws-service} ${flow-direction} ${traffic-path}"
)


def lines(aggregator: Aggregator, now: float, *enis: Interface) -> list[list[str]]:
    """Each window closed by `now`, as default-format lines, interface by interface."""
    return [
        [DEFAULT_FORMAT.render(r) for records in w.records.values() for r in records]
        for w in aggregator.close(now, enis)
    ]


def test_flows_of_one_5_tuple_in_a_window_make_one_record_of_their_sums() -> None:
    aggregator = Aggregator(ORIGIN, 60)
    aggregator.add([flow(ORIGIN + 30.7, 3, 300, tcp_flags=SYN), flow(ORIGIN + 2.2, 2, 50)])
    aggregator.add([flow(ORIGIN + 59.9, 5, 1000, tcp_flags=FIN)])
    [window] = aggregator.close(ORIGIN + 60, [ENI])
    [record] = window.records[ENI.id]
    assert (record.packets, record.bytes, record.start, record.end) == (
        10,
        1350,
        1418530002,
        1418530059,
    )
    assert record.tcp_flags == SYN | FIN
    assert record.log_status == "OK"


def test_each_5_tuple_and_action_is_its_own_record_in_first_seen_order() -> None:
    aggregator = Aggregator(ORIGIN, 60)
    aggregator.add(
        [
            flow(ORIGIN + 1),
            flow(ORIGIN + 2, srcport=20642),
            flow(ORIGIN + 3, action="REJECT"),
            flow(ORIGIN + 4),
            flow(ORIGIN + 5, interface=OTHER),
        ]
    )
    [window] = aggregator.close(ORIGIN + 60, [ENI, OTHER])
    assert [(r.srcport, r.action, r.packets) for r in window.records[ENI.id]] == [
        (20641, "ACCEPT", 2),
        (20642, "ACCEPT", 1),
        (20641, "REJECT", 1),
    ]
    assert [r.interface_id for r in window.records[OTHER.id]] == [OTHER.id]


def test_windows_follow_one_another_from_the_origin() -> None:
    aggregator = Aggregator(ORIGIN, 600)
    aggregator.add([flow(ORIGIN + 599), flow(ORIGIN + 600), flow(ORIGIN + 1300)])
    assert aggregator.close(ORIGIN + 599.9, [ENI]) == []
    assert aggregator.next_close() == ORIGIN + 600
    first, second = aggregator.close(ORIGIN + 1200, [ENI])
    assert (first.start, first.end, second.start, second.end) == (
        ORIGIN,
        ORIGIN + 600,
        ORIGIN + 600,
        ORIGIN + 1200,
    )
    assert [r.start for r in first.records[ENI.id]] == [1418530599]
    assert [r.start for r in second.records[ENI.id]] == [1418530600]
    [third] = aggregator.close(ORIGIN + 1800, [ENI])
    assert [r.start for r in third.records[ENI.id]] == [1418531300]


def test_an_interface_without_traffic_gets_a_nodata_record_spanning_the_window() -> None:
    aggregator = Aggregator(ORIGIN, 60)
    aggregator.add([flow(ORIGIN + 10)])
    first, idle = lines(aggregator, ORIGIN + 120, ENI, OTHER)
    assert first[1] == (
        "2 123456789010 eni-0aaaaaaaaaaaaaaaa - - - - - - - 1418530000 1418530060 - NODATA"
    )
    assert idle == [
        "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1418530060 1418530120 - NODATA",
        "2 123456789010 eni-0aaaaaaaaaaaaaaaa - - - - - - - 1418530060 1418530120 - NODATA",
    ]


@pytest.mark.parametrize(
    ("traffic_type", "kept"),
    [("ACCEPT", ["ACCEPT"]), ("REJECT", ["REJECT"]), ("ALL", ["ACCEPT", "REJECT"])],
)
def test_the_traffic_type_keeps_only_its_actions(
    traffic_type: TrafficType, kept: list[str]
) -> None:
    aggregator = Aggregator(ORIGIN, 60, traffic_type)
    aggregator.add([flow(ORIGIN + 1), flow(ORIGIN + 2, action="REJECT")])
    [window] = aggregator.close(ORIGIN + 60, [ENI])
    assert [r.action for r in window.records[ENI.id]] == kept


def test_traffic_the_filter_leaves_out_is_still_traffic_not_nodata() -> None:
    aggregator = Aggregator(ORIGIN, 60, "ACCEPT")
    aggregator.add([flow(ORIGIN + 1, action="REJECT")])
    [window] = aggregator.close(ORIGIN + 60, [ENI, OTHER])
    assert ENI.id not in window.records
    assert [r.log_status for r in window.records[OTHER.id]] == ["NODATA"]


def test_new_keys_past_the_budget_are_skipped_with_one_skipdata_record() -> None:
    aggregator = Aggregator(ORIGIN, 60, max_entries=2)
    aggregator.add(
        [
            flow(ORIGIN + 1, srcport=1),
            flow(ORIGIN + 2, srcport=2, interface=OTHER),
            flow(ORIGIN + 3, srcport=3),
            flow(ORIGIN + 4, srcport=4),
            flow(ORIGIN + 5, srcport=1, packets=4),
        ]
    )
    [window] = aggregator.close(ORIGIN + 60, [ENI, OTHER])
    mine = window.records[ENI.id]
    assert [(r.srcport, r.packets, r.log_status) for r in mine] == [
        (1, 5, "OK"),
        ("-", "-", "SKIPDATA"),
    ]
    assert DEFAULT_FORMAT.render(mine[-1]) == (
        "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1418530000 1418530060 - SKIPDATA"
    )
    assert [r.log_status for r in window.records[OTHER.id]] == ["OK"]
    [next_window] = aggregator.close(ORIGIN + 120, [])
    assert next_window.records == {}


def test_a_flow_for_a_closed_window_is_counted_late() -> None:
    aggregator = Aggregator(ORIGIN, 60)
    aggregator.close(ORIGIN + 60, [])
    aggregator.add([flow(ORIGIN + 59), flow(ORIGIN + 61)])
    assert aggregator.late == 1
    [window] = aggregator.close(ORIGIN + 120, [])
    assert [r.start for r in window.records[ENI.id]] == [1418530061]


def test_the_interval_must_be_60_or_600() -> None:
    with pytest.raises(ValueError, match="60 or 600"):
        Aggregator(ORIGIN, 300)


def test_version_3_to_5_fields_render_from_the_flow_and_its_interface() -> None:
    # AWS's example: an instance calls S3 through an internet gateway (traffic-path 8).
    instance, s3 = ("10.0.0.71", 34210), ("52.95.128.179", 80)
    call = flow(ORIGIN + 1, tcp_flags=SYN, direction="egress", pkt_dst_aws_service="S3")
    reply = flow(ORIGIN + 2, tcp_flags=SYN_ACK, pkt_src_aws_service="S3")
    legs = [(call, instance, s3), (reply, s3, instance)]
    aggregator = Aggregator(ORIGIN, 60)
    aggregator.add(
        f._replace(srcaddr=src[0], srcport=src[1], dstaddr=dst[0], dstport=dst[1], traffic_path=8)
        for f, src, dst in legs
    )
    [window] = aggregator.close(ORIGIN + 60, [ENI])
    egress, ingress = (ALL_FIELDS.render(r) for r in window.records[ENI.id])
    context = "vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-01234567890123456"
    assert egress == (
        f"5 {context} 2 IPv4 10.0.0.71 52.95.128.179 us-east-1 use1-az1 - - - S3 egress 8"
    )
    # traffic-path is for egress only: an ingress record shows `-` whatever the flow says.
    assert ingress == (
        f"5 {context} 18 IPv4 52.95.128.179 10.0.0.71 us-east-1 use1-az1 - - S3 - ingress -"
    )


def test_packet_addresses_type_and_sublocations() -> None:
    nat = Interface(
        "eni-1235b8ca123456789",
        "123456789010",
        "vpc-1",
        "subnet-1",
        "us-west-2",
        "usw2-az1",
        sublocation_type="outpost",
        sublocation_id="op-0123456789abcdef0",
    )
    aggregator = Aggregator(ORIGIN, 60)
    aggregator.add(
        [
            flow(
                ORIGIN + 1,
                interface=nat,
                srcaddr="10.0.1.5",
                dstaddr="10.0.0.220",
                pkt_dstaddr="203.0.113.5",
            ),
            flow(ORIGIN + 2, interface=nat, srcaddr="2001:db8::1", dstaddr="2001:db8::2"),
        ]
    )
    [window] = aggregator.close(ORIGIN + 60, [nat])
    fields = parse_log_format(
        "${instance-id} ${srcaddr} ${dstaddr} ${pkt-srcaddr} ${pkt-dstaddr} ${type} ${az-id} "
        "${sublocation-type} ${sublocation-id}"
    )
    assert [fields.render(r) for r in window.records[nat.id]] == [
        "- 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5 IPv4 - outpost op-0123456789abcdef0",
        "- 2001:db8::1 2001:db8::2 2001:db8::1 2001:db8::2 IPv6 - outpost op-0123456789abcdef0",
    ]


def test_nodata_lines_of_a_custom_format_fill_only_the_interfaces_own_fields() -> None:
    [window] = Aggregator(ORIGIN, 60).close(ORIGIN + 60, [ENI])
    [record] = window.records[ENI.id]
    context = "vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-01234567890123456"
    assert ALL_FIELDS.render(record) == f"5 {context} - - - - us-east-1 use1-az1 - - - - - -"


@pytest.mark.parametrize(
    ("packet", "recorded"),
    [(0x02, SYN), (0x12, SYN_ACK), (0x10, 0), (0x18, 0), (0x11, FIN), (0x04, RST), (0x42, SYN)],
)
def test_flow_logs_record_fin_syn_rst_and_syn_ack_only(packet: int, recorded: int) -> None:
    assert recorded_tcp_flags(packet) == recorded


BURSTS = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=3599.999),
        st.integers(min_value=1, max_value=10_000),
        st.integers(min_value=40, max_value=10**9),
        st.sampled_from([20641, 20642, 443]),
    ),
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(bursts=BURSTS, interval=st.sampled_from([60, 600]))
def test_packets_and_bytes_are_conserved_across_windows(
    bursts: list[tuple[float, int, int, int]], interval: int
) -> None:
    aggregator = Aggregator(ORIGIN, interval)
    aggregator.add([flow(ORIGIN + t, p, b, srcport=port) for t, p, b, port in bursts])
    windows = aggregator.close(ORIGIN + 3600, [ENI])
    assert len(windows) == 3600 // interval
    records: list[Record] = [r for w in windows for r in w.records[ENI.id]]
    ok = [r for r in records if r.log_status == "OK"]
    assert sum(int(r.packets) for r in ok) == sum(p for _, p, _, _ in bursts)
    assert sum(int(r.bytes) for r in ok) == sum(b for _, _, b, _ in bursts)
    for window in windows:
        for record in window.records[ENI.id]:
            assert window.start <= record.start <= record.end <= window.end
    nodata = sum(r.log_status == "NODATA" for r in records)
    busy = {int(t // interval) for t, _, _, _ in bursts}
    assert nodata == len(windows) - len(busy)
