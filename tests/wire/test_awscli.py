"""The real aws CLI against the endpoint, with the commands people type.

Each command runs in the aws CLI from the registry (v1), one process for a
test's commands (`tests.wire.aws_cli`: a fresh driver each, its own output and
exit code), with AWS_ENDPOINT_URL and dummy credentials only, in a HOME of its
own so no user configuration leaks in. CLI v1 ignores AWS_ENDPOINT_URL for `aws sqs`
(aws/aws-cli#8737), so the config file loads skydeck's small plugin that
gives it CLI v2's behaviour (docs/wire.md); the commands stay verbatim.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import pytest

from backend.services.sqs import SqsService
from tests.wire.aws_cli import ACCESS_KEY, AwsCli
from tests.wire.live import ACCOUNT, TIMEOUT, Live

pytestmark = pytest.mark.awscli


def aws(cli: AwsCli, *args: str) -> Any:
    """Run `aws <args>` and return its JSON output (None when it prints nothing)."""
    done = cli.run(*args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else None


def test_the_sqs_commands_verbatim(live: Live, aws_env: dict[str, str], cli: AwsCli) -> None:
    created = aws(cli, "sqs", "create-queue", "--queue-name", "cli-queue")
    url = aws(cli, "sqs", "get-queue-url", "--queue-name", "cli-queue")["QueueUrl"]
    assert url == created["QueueUrl"] == f"{live.url}/{ACCOUNT}/cli-queue"

    attributes = aws(
        cli, "sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "All"
    )["Attributes"]
    assert attributes["QueueArn"] == f"arn:aws:sqs:us-east-1:{ACCOUNT}:cli-queue"
    assert attributes["VisibilityTimeout"] == "30"

    sent = aws(cli, "sqs", "send-message", "--queue-url", url, "--message-body", "INSERTMESSAGE")
    received = aws(cli, "sqs", "receive-message", "--queue-url", url)["Messages"]
    assert [(m["MessageId"], m["Body"]) for m in received] == [(sent["MessageId"], "INSERTMESSAGE")]
    handle = received[0]["ReceiptHandle"]
    assert aws(cli, "sqs", "delete-message", "--queue-url", url, "--receipt-handle", handle) is None

    queue = live.cloud.service(SqsService).queues[("us-east-1", "cli-queue")]
    waiting = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "awscli",
            "sqs",
            "receive-message",
            "--wait-time-seconds",
            "10",
            "--max-number-of-messages",
            "10",
            "--queue-url",
            url,
        ],
        env=aws_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    live.wait_until(lambda: queue.arrived.waiting == 1)
    live.advance(10)
    out, err = waiting.communicate(timeout=TIMEOUT)
    assert (waiting.returncode, out.strip()) == (0, ""), err

    for body in ("one", "two"):
        aws(cli, "sqs", "send-message", "--queue-url", url, "--message-body", body)
    batch = aws(
        cli,
        "sqs",
        "--region",
        "us-east-1",
        "receive-message",
        "--wait-time-seconds",
        "10",
        "--max-number-of-messages",
        "10",
        "--queue-url",
        url,
    )["Messages"]
    assert sorted(m["Body"] for m in batch) == ["one", "two"]


def test_lookup_events_and_caller_identity(live: Live, cli: AwsCli) -> None:
    for name in ("a", "b", "c"):
        aws(cli, "sqs", "create-queue", "--queue-name", name)
        live.advance(1)
    identity = aws(cli, "sts", "get-caller-identity")
    assert identity["Account"] == ACCOUNT
    assert identity["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/{ACCESS_KEY}"
    events = aws(cli, "cloudtrail", "lookup-events", "--max-results", "5")["Events"]
    assert [e["EventName"] for e in events] == [
        "GetCallerIdentity",
        "CreateQueue",
        "CreateQueue",
        "CreateQueue",
    ]
    record = json.loads(events[1]["CloudTrailEvent"])
    assert record["userIdentity"]["accessKeyId"] == ACCESS_KEY
    assert record["userAgent"].startswith("aws-cli/")
    assert record["requestParameters"] == {"queueName": "c"}


def test_validate_logs_checks_the_digest_chain(live: Live, cli: AwsCli) -> None:
    aws(cli, "s3api", "create-bucket", "--bucket", "audit")
    arn = aws(
        cli,
        "cloudtrail",
        "create-trail",
        "--name",
        "main",
        "--s3-bucket-name",
        "audit",
        "--enable-log-file-validation",
    )["TrailARN"]
    aws(cli, "cloudtrail", "start-logging", "--name", "main")
    start = _iso(live.cloud.clock.now())
    live.advance(7200)
    window = ("--start-time", start, "--end-time", _iso(live.cloud.clock.now() + 60))
    validate = ("cloudtrail", "validate-logs", "--trail-arn", arn, *window, "--verbose")
    done = cli.run(*validate)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2/2 digest files valid" in done.stdout
    assert re.search(r"(\d+)/\1 log files valid", done.stdout), done.stdout

    log_key = re.findall(r"Log file\ts3://audit/(\S+)\tvalid", done.stdout)[0]
    put = {"Bucket": "audit", "Key": log_key, "Body": gzip.compress(b'{"Records": []}')}
    live.run(live.cloud.call("s3", "PutObject", put))
    tampered = cli.run(*validate)
    assert tampered.returncode == 1
    assert f"s3://audit/{log_key}\tINVALID: hash value doesn't match" in tampered.stderr


def _iso(when: float) -> str:
    return f"{datetime.fromtimestamp(when, UTC):%Y-%m-%dT%H:%M:%SZ}"


def test_the_logs_commands_verbatim(live: Live, cli: AwsCli) -> None:
    """`aws logs tail` is CLI v2's alone; the v1 CLI installed here has no such command.

    The stream is made with boto3: one CLI process fewer, each a second or more.
    """
    assert aws(cli, "logs", "create-log-group", "--log-group-name", "/cli/app") is None
    live.client("logs").create_log_stream(logGroupName="/cli/app", logStreamName="web")
    now = int(live.cloud.clock.now() * 1000)
    events = [
        {"timestamp": now - 2, "message": "INFO ok"},
        {"timestamp": now - 1, "message": "ERROR boom"},
    ]
    put = aws(
        cli,
        "logs",
        "put-log-events",
        "--log-group-name",
        "/cli/app",
        "--log-stream-name",
        "web",
        "--log-events",
        json.dumps(events),
    )
    assert "rejectedLogEventsInfo" not in put
    found = aws(
        cli,
        "logs",
        "filter-log-events",
        "--log-group-name",
        "/cli/app",
        "--filter-pattern",
        "ERROR",
    )["events"]
    assert [(e["logStreamName"], e["timestamp"], e["message"]) for e in found] == [
        ("web", now - 1, "ERROR boom")
    ]


def test_the_ec2_commands_verbatim(live: Live, cli: AwsCli) -> None:
    [vpc] = aws(cli, "ec2", "describe-vpcs", "--filters", "Name=is-default,Values=true")["Vpcs"]
    assert vpc["CidrBlock"] == "172.31.0.0/16"
    launched = aws(
        cli,
        "ec2",
        "run-instances",
        "--image-id",
        "ami-12345678",
        "--count",
        "2",
        "--instance-type",
        "t3.micro",
    )["Instances"]
    assert [i["State"]["Name"] for i in launched] == ["pending", "pending"]
    assert {i["VpcId"] for i in launched} == {vpc["VpcId"]}
    logged = aws(
        cli,
        "ec2",
        "create-flow-logs",
        "--resource-ids",
        vpc["VpcId"],
        "--resource-type",
        "VPC",
        "--traffic-type",
        "ALL",
        "--log-group-name",
        "flows",
        "--deliver-logs-permission-arn",
        "arn:aws:iam::123456789012:role/flow-logs",
    )
    assert logged["FlowLogIds"][0].startswith("fl-") and logged["Unsuccessful"] == []
