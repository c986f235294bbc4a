"""Flow-log formats: the default, custom formats and their version, AWS's refusals, rendering."""

from __future__ import annotations

import pytest

from backend.errors import AwsError
from backend.services.ec2.flow_logs.aggregate import Aggregator
from backend.services.ec2.flow_logs.format import (
    DEFAULT_FORMAT,
    DEFAULT_LOG_FORMAT,
    FIELDS,
    parse_log_format,
)
from tests.backend.test_flow_logs_helpers import ENI, ORIGIN, flow

AWS_EXAMPLE = (
    "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 "
    "1418530010 1418530070 ACCEPT OK"
)


def test_the_default_format_is_the_version_2_fields_as_describe_flow_logs_shows_it() -> None:
    assert DEFAULT_LOG_FORMAT == (
        "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} "
        "${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}"
    )
    assert parse_log_format(None) == DEFAULT_FORMAT
    assert DEFAULT_FORMAT.version == 2
    assert DEFAULT_FORMAT.header == (
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets "
        "bytes start end action log-status"
    )


def test_aws_example_line_renders_from_the_ssh_session_it_describes() -> None:
    aggregator = Aggregator(ORIGIN, 600)
    aggregator.add([flow(1418530010, 12, 2449), flow(1418530070, 8, 1800)])
    [window] = aggregator.close(ORIGIN + 600, [ENI])
    [record] = window.records[ENI.id]
    assert DEFAULT_FORMAT.render(record) == AWS_EXAMPLE


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("${srcaddr} ${dstaddr}", 2),
        ("${version} ${vpc-id} ${srcaddr}", 3),
        ("${az-id} ${tcp-flags} ${version}", 4),
        ("${traffic-path}", 5),
        (" ".join(f"${{{f.name}}}" for f in FIELDS), 5),
    ],
)
def test_a_custom_format_reports_the_highest_version_among_its_fields(
    text: str, version: int
) -> None:
    log_format = parse_log_format(text)
    assert log_format.version == version
    assert log_format.text == text


def test_the_header_names_a_custom_formats_fields_in_its_order() -> None:
    log_format = parse_log_format("${start} ${version} ${pkt-dstaddr} ${start}")
    assert log_format.header == "start version pkt-dstaddr start"
    assert log_format.fields == ("start", "version", "pkt-dstaddr", "start")


@pytest.mark.parametrize(
    "text",
    [
        f"{DEFAULT_LOG_FORMAT} ",  # AWS-recorded: a trailing space
        "$${version}",  # Terraform's escape, sent as is
        "${version}  ${srcaddr}",
        "${version},${srcaddr}",
        "${srcaddr} ${no-such-field}",
        "version srcaddr",
        "${reject-reason}",
        "",
    ],
)
def test_a_malformed_format_is_refused_with_aws_validation_text(text: str) -> None:
    with pytest.raises(AwsError) as info:
        parse_log_format(text)
    assert info.value.code == "InvalidParameter"
    assert info.value.status == 400
    assert info.value.message == (
        f"1 validation error detected: Value '{text}' at 'logFormat' has an invalid format"
    )


def test_formats_of_one_field_render_it_alone() -> None:
    aggregator = Aggregator(ORIGIN, 600)
    aggregator.add([flow(ORIGIN + 5)])
    [window] = aggregator.close(ORIGIN + 600, [ENI])
    [record] = window.records[ENI.id]
    assert parse_log_format("${dstport}").render(record) == "22"
    assert parse_log_format("${version}").render(record) == "2"
    assert parse_log_format("${version} ${vpc-id}").render(record) == "3 vpc-abcdefab012345678"
