"""Instances on the manual clock: launching, the state machine, multi-ID errors, metrics."""

from __future__ import annotations

import pytest

from backend.bus import CloudEvent
from backend.cloud import Cloud
from backend.errors import AwsError
from backend.services.ec2.lifecycle import (
    BOOT_SECONDS,
    SHUTDOWN_SECONDS,
    STOP_SECONDS,
    TERMINATED_VISIBLE,
)
from tests.backend.ec2_helpers import default_vpc_id, ec2, ec2_error, model, run


async def state(cloud: Cloud, instance_id: str) -> tuple[str, int]:
    reply = await ec2(cloud, "DescribeInstances", InstanceIds=[instance_id])
    shown = reply["Reservations"][0]["Instances"][0]["State"]
    return shown["Name"], shown["Code"]


async def test_run_instances_uses_a_default_subnet_the_default_group_and_an_eni(
    cloud: Cloud,
) -> None:
    [instance] = await run(cloud, InstanceType="t3.micro")
    service = model(cloud)
    vpc = service.vpcs[default_vpc_id(cloud)]
    assert instance["State"] == {"Code": 0, "Name": "pending"}
    assert instance["VpcId"] == vpc.id
    assert instance["SecurityGroups"] == [
        {"GroupId": vpc.default_security_group, "GroupName": "default"}
    ]
    assert instance["PrivateIpAddress"] == "172.31.0.4"
    assert instance["PrivateDnsName"] == "ip-172-31-0-4.ec2.internal"
    assert instance["PublicIpAddress"] and instance["Monitoring"] == {"State": "disabled"}
    [eni] = (await ec2(cloud, "DescribeNetworkInterfaces"))["NetworkInterfaces"]
    assert eni["Attachment"]["InstanceId"] == instance["InstanceId"]
    assert eni["Status"] == "in-use" and eni["PrivateIpAddress"] == "172.31.0.4"
    subnets = (await ec2(cloud, "DescribeSubnets", SubnetIds=[instance["SubnetId"]]))["Subnets"]
    assert subnets[0]["AvailableIpAddressCount"] == 4090


async def test_min_and_max_count(cloud: Cloud) -> None:
    vpc = (await ec2(cloud, "CreateVpc", CidrBlock="10.0.0.0/16"))["Vpc"]["VpcId"]
    small = (await ec2(cloud, "CreateSubnet", VpcId=vpc, CidrBlock="10.0.0.0/28"))["Subnet"]
    launched = await run(cloud, SubnetId=small["SubnetId"], MinCount=2, MaxCount=50)
    assert [i["AmiLaunchIndex"] for i in launched] == list(range(11))
    assert "PublicIpAddress" not in launched[0]
    full = await ec2_error(
        cloud, "RunInstances", ImageId="ami-1", MinCount=1, MaxCount=1, SubnetId=small["SubnetId"]
    )
    assert (full.code, full.status) == ("InsufficientInstanceCapacity", 500)
    bad = await ec2_error(cloud, "RunInstances", ImageId="ami-1", MinCount=3, MaxCount=2)
    assert bad.code == "InvalidParameterValue"


async def test_the_state_machine_on_the_clock(cloud: Cloud) -> None:
    [instance] = await run(cloud)
    instance_id = instance["InstanceId"]
    await cloud.clock.advance(BOOT_SECONDS - 1)
    assert await state(cloud, instance_id) == ("pending", 0)
    await cloud.clock.advance(1)
    assert await state(cloud, instance_id) == ("running", 16)
    stopping = await ec2(cloud, "StopInstances", InstanceIds=[instance_id])
    assert stopping["StoppingInstances"] == [
        {
            "InstanceId": instance_id,
            "CurrentState": {"Code": 64, "Name": "stopping"},
            "PreviousState": {"Code": 16, "Name": "running"},
        }
    ]
    await cloud.clock.advance(STOP_SECONDS)
    assert await state(cloud, instance_id) == ("stopped", 80)
    [stopped] = (await ec2(cloud, "DescribeInstances"))["Reservations"][0]["Instances"]
    assert stopped["StateTransitionReason"] == "User initiated (2026-11-29 09:00:15 GMT)"
    assert stopped["StateReason"]["Code"] == "Client.UserInitiatedShutdown"
    assert "PublicIpAddress" not in stopped
    assert stopped["PrivateIpAddress"] == instance["PrivateIpAddress"]
    again = await ec2(cloud, "StopInstances", InstanceIds=[instance_id])
    assert again["StoppingInstances"][0]["CurrentState"]["Name"] == "stopped"
    starting = await ec2(cloud, "StartInstances", InstanceIds=[instance_id])
    assert starting["StartingInstances"][0]["CurrentState"] == {"Code": 0, "Name": "pending"}
    assert starting["StartingInstances"][0]["PreviousState"] == {"Code": 80, "Name": "stopped"}
    await cloud.clock.advance(BOOT_SECONDS)
    terminating = await ec2(cloud, "TerminateInstances", InstanceIds=[instance_id])
    assert terminating["TerminatingInstances"][0]["CurrentState"] == {
        "Code": 32,
        "Name": "shutting-down",
    }
    await cloud.clock.advance(SHUTDOWN_SECONDS)
    assert await state(cloud, instance_id) == ("terminated", 48)
    assert (await ec2(cloud, "DescribeNetworkInterfaces"))["NetworkInterfaces"] == []
    repeat = await ec2(cloud, "TerminateInstances", InstanceIds=[instance_id])
    assert repeat["TerminatingInstances"][0]["PreviousState"] == {"Code": 48, "Name": "terminated"}
    await cloud.clock.advance(TERMINATED_VISIBLE)
    gone = await ec2_error(cloud, "DescribeInstances", InstanceIds=[instance_id])
    assert gone.code == "InvalidInstanceID.NotFound"


async def test_incorrect_states_and_all_or_nothing_ids(cloud: Cloud) -> None:
    first, second = await run(cloud, MinCount=2, MaxCount=2)
    ids = [first["InstanceId"], second["InstanceId"]]
    never = await ec2_error(cloud, "StopInstances", InstanceIds=ids)
    assert (never.code, never.message) == (
        "IncorrectInstanceState",
        f"Instance '{ids[0]}' cannot be stopped as it has never reached the 'running' state.",
    )
    await cloud.clock.advance(BOOT_SECONDS)
    missing = await ec2_error(
        cloud,
        "StopInstances",
        InstanceIds=[ids[0], "i-0123456789abcdef0", "i-0123456789abcdef1"],
    )
    assert (missing.code, missing.message) == (
        "InvalidInstanceID.NotFound",
        "The instance IDs 'i-0123456789abcdef0, i-0123456789abcdef1' do not exist",
    )
    assert await state(cloud, ids[0]) == ("running", 16)
    malformed = await ec2_error(cloud, "TerminateInstances", InstanceIds=["i-xyz"])
    assert malformed.code == "InvalidInstanceID.Malformed"
    await ec2(cloud, "TerminateInstances", InstanceIds=ids[:1])
    late = await ec2_error(cloud, "StartInstances", InstanceIds=ids)
    assert late.code == "IncorrectInstanceState"
    assert await state(cloud, ids[1]) == ("running", 16)


async def test_cloudtrail_writes_ec2_error_codes_with_their_fault(cloud: Cloud) -> None:
    """`Client.InvalidInstanceID.NotFound`, as CloudTrail records EC2's errors (AWS_FACTS §18)."""
    await ec2_error(cloud, "StopInstances", InstanceIds=["i-0123456789abcdef0"])
    [entry] = cloud.trail.history(cloud.clock.now())
    assert entry.record()["errorCode"] == "Client.InvalidInstanceID.NotFound"
    # Other services' codes stay as they are.
    with pytest.raises(AwsError):
        await cloud.call("sqs", "GetQueueUrl", {"QueueName": "nope"})
    newest = next(iter(cloud.trail.history(cloud.clock.now())))
    assert newest.record()["errorCode"] == "QueueDoesNotExist"


async def test_describe_instances_filters_and_reservations(cloud: Cloud) -> None:
    web = await run(
        cloud,
        MinCount=2,
        MaxCount=2,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}],
    )
    await run(cloud, InstanceType="c5.large")
    await cloud.clock.advance(BOOT_SECONDS)
    reply = await ec2(
        cloud,
        "DescribeInstances",
        Filters=[
            {"Name": "tag:Name", "Values": ["w?b"]},
            {"Name": "instance-state-code", "Values": ["16"]},
        ],
    )
    [reservation] = reply["Reservations"]
    assert [i["InstanceId"] for i in reservation["Instances"]] == [i["InstanceId"] for i in web]
    every = await ec2(cloud, "DescribeInstances")
    assert len(every["Reservations"]) == 2
    by_type = await ec2(
        cloud, "DescribeInstances", Filters=[{"Name": "instance-type", "Values": ["c5.*"]}]
    )
    assert len(by_type["Reservations"][0]["Instances"]) == 1


async def test_metrics_every_five_minutes_or_every_minute_and_none_when_stopped(
    cloud: Cloud,
) -> None:
    [basic] = await run(cloud)
    [detailed] = await run(cloud, Monitoring={"Enabled": True})
    model(cloud).instances[basic["InstanceId"]].interface.record(bytes_in=1500, packets_in=1)
    await cloud.clock.advance(600)
    cpu_basic = cloud.metrics.find("AWS/EC2", "CPUUtilization", {"InstanceId": basic["InstanceId"]})
    cpu_detailed = cloud.metrics.find(
        "AWS/EC2", "CPUUtilization", {"InstanceId": detailed["InstanceId"]}
    )
    assert cpu_basic is not None and cpu_detailed is not None
    basic_times = [b.second for b in cpu_basic.bins(0, 2**40)]
    assert len(basic_times) == 2 and all(t % 300 == 0 for t in basic_times)
    assert len(list(cpu_detailed.bins(0, 2**40))) == 10
    network = cloud.metrics.find("AWS/EC2", "NetworkIn", {"InstanceId": basic["InstanceId"]})
    assert network is not None
    assert [b.total for b in network.bins(0, 2**40)] == [1500.0, 0.0]
    status = cloud.metrics.find("AWS/EC2", "StatusCheckFailed", {"InstanceId": basic["InstanceId"]})
    assert status is not None and {b.total for b in status.bins(0, 2**40)} == {0.0}
    await ec2(cloud, "StopInstances", InstanceIds=[detailed["InstanceId"]])
    before = len(list(cpu_detailed.bins(0, 2**40)))
    await cloud.clock.advance(600)
    assert len(list(cpu_detailed.bins(0, 2**40))) == before
    assert len(list(cpu_basic.bins(0, 2**40))) == 4


async def test_each_state_change_is_published_on_the_bus(cloud: Cloud) -> None:
    seen: list[CloudEvent] = []
    cloud.bus.subscribe(seen.append)
    [instance] = await run(
        cloud,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}],
    )
    await cloud.clock.advance(BOOT_SECONDS)
    await ec2(cloud, "TerminateInstances", InstanceIds=[instance["InstanceId"]])
    await cloud.clock.advance(SHUTDOWN_SECONDS)
    instance_id = instance["InstanceId"]
    assert [e.summary for e in seen] == [
        f"{instance_id} (web): {state}"
        for state in ("pending", "running", "shutting-down", "terminated")
    ]
    assert seen[0].resource == f"arn:aws:ec2:us-east-1:{cloud.account}:instance/{instance_id}"
