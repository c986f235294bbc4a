"""Instances: Run, Describe, Start, Stop and TerminateInstances, and DescribeNetworkInterfaces.

RunInstances launches up to MaxCount and fails unless MinCount fit (the
subnet's free addresses; `MAX_LAUNCH` a call), each with its primary ENI in
the subnet (a default subnet when none is named) and the VPC's default
security group when none is named. AMIs are not checked and there are no
volumes (docs/deviations.md). Start, stop and terminate are all-or-nothing
over their IDs, and answer each instance's CurrentState and PreviousState
(AWS_FACTS §18).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backend.kit.timestamps import iso_millis
from backend.service import Params, Request, Response, action
from backend.services.ec2 import cidr, shapes
from backend.services.ec2.errors import (
    IncorrectInstanceState,
    InsufficientInstanceCapacity,
    InvalidParameterCombination,
    InvalidParameterValue,
    VpcIdNotSpecified,
    not_found,
)
from backend.services.ec2.filters import Filters, own_tags
from backend.services.ec2.instance import Instance, NetworkInterface
from backend.services.ec2.lifecycle import Lifecycle
from backend.services.ec2.network import Subnet

MAX_LAUNCH = 100
MAX_GROUPS = 5
DEFAULT_TYPE = "m1.small"

INSTANCE_FILTERS: dict[str, Callable[[Instance], list[str]]] = {
    "instance-id": lambda i: [i.id],
    "instance-state-name": lambda i: [i.state],
    "instance-state-code": lambda i: [str(i.state_code)],
    "instance-type": lambda i: [i.instance_type],
    "image-id": lambda i: [i.image_id],
    "subnet-id": lambda i: [i.subnet_id],
    "vpc-id": lambda i: [i.vpc_id],
    "availability-zone": lambda i: [i.availability_zone],
    "private-ip-address": lambda i: [str(i.private_ip)],
    "ip-address": lambda i: [str(i.public_ip)] if i.public_ip else [],
    "reservation-id": lambda i: [i.reservation_id],
    "instance.group-id": lambda i: list(i.group_ids),
    "group-id": lambda i: list(i.group_ids),
    "key-name": lambda i: [i.key_name] if i.key_name else [],
    "monitoring-state": lambda i: ["enabled" if i.detailed_monitoring else "disabled"],
    "launch-time": lambda i: [iso_millis(i.launched)],
    "network-interface.network-interface-id": lambda i: [i.interface.id],
}
INTERFACE_FILTERS: dict[str, Callable[[NetworkInterface], list[str]]] = {
    "network-interface-id": lambda e: [e.id],
    "attachment.instance-id": lambda e: [e.instance_id] if e.instance_id else [],
    "attachment.attachment-id": lambda e: [e.attachment_id] if e.attachment_id else [],
    "subnet-id": lambda e: [e.subnet_id],
    "vpc-id": lambda e: [e.vpc_id],
    "availability-zone": lambda e: [e.availability_zone],
    "private-ip-address": lambda e: [str(e.private_ip)],
    "addresses.private-ip-address": lambda e: [str(e.private_ip)],
    "association.public-ip": lambda e: [str(e.public_ip)] if e.public_ip else [],
    "mac-address": lambda e: [e.mac],
    "status": lambda e: [e.status],
    "group-id": lambda e: list(e.group_ids),
    "owner-id": lambda e: [e.owner],
}


class InstanceActions(Lifecycle):
    # -- views ----------------------------------------------------------------------------

    def group_shapes(self, group_ids: list[str]) -> list[dict[str, str]]:
        return [
            {"GroupId": g, "GroupName": self.security_groups[g].name}
            for g in group_ids
            if g in self.security_groups
        ]

    def interface_shape(self, eni: NetworkInterface) -> dict[str, Any]:
        return shapes.network_interface(eni, self.group_shapes(eni.group_ids), self.cloud.region)

    def instance_shape(self, instance: Instance) -> dict[str, Any]:
        eni = instance.interface
        attached = self.interface_shape(eni) if eni.id in self.interfaces else None
        if attached is not None:
            for drop in ("AvailabilityZone", "InterfaceType", "RequesterManaged"):
                attached.pop(drop, None)
        return shapes.instance(
            instance, self.group_shapes(instance.group_ids), attached, self.cloud.region
        )

    # -- launching ------------------------------------------------------------------------

    def _launch_subnet(self, params: Params) -> Subnet:
        subnet_id = params.get("SubnetId")
        if subnet_id is not None:
            return self.find(self.subnets, "subnet", subnet_id)
        zone = (params.get("Placement") or {}).get("AvailabilityZone")
        defaults = [s for s in self.subnets.values() if s.default_for_az]
        if not defaults:
            raise VpcIdNotSpecified("No default VPC for this user")
        if zone:
            chosen = [s for s in defaults if s.availability_zone == zone]
            if not chosen:
                raise InvalidParameterValue(f"Invalid availability zone: [{str(zone)[:100]}]")
            return chosen[0]
        return defaults[0]

    def _launch_groups(self, params: Params, subnet: Subnet) -> list[str]:
        ids = [str(g) for g in params.get("SecurityGroupIds") or ()]
        for name in params.get("SecurityGroups") or ():
            found = self.group_named(subnet.vpc_id, str(name))
            if found is None:
                raise not_found("sg", [str(name)])
            ids.append(found.id)
        ids = list(dict.fromkeys(ids))
        groups = self.find_all(self.security_groups, "sg", ids)
        for group in groups:
            if group.vpc_id != subnet.vpc_id:
                raise InvalidParameterValue(
                    f"Security group {group.id} and subnet {subnet.id} belong to different "
                    "networks."
                )
        if len(ids) > MAX_GROUPS:
            raise InvalidParameterValue(
                f"The maximum number of security groups per interface ({MAX_GROUPS}) has been "
                "exceeded."
            )
        return ids or [self.vpcs[subnet.vpc_id].default_security_group]

    @action("RunInstances")
    def run_instances(self, params: Params, request: Request) -> Response:
        image = str(self.required(params, "ImageId"))
        low = self.required(params, "MinCount")
        high = self.required(params, "MaxCount")
        if not 1 <= low <= high:
            raise InvalidParameterValue(
                f"Value ({low}) for parameter minCount is invalid. Expected a positive value "
                "no greater than maxCount."
            )
        subnet = self._launch_subnet(params)
        groups = self._launch_groups(params, subnet)
        wanted = params.get("PrivateIpAddress")
        address = None if wanted is None else cidr.address(wanted, "privateIpAddress")
        if address is not None and high > 1:
            raise InvalidParameterCombination(
                "Cannot specify a private IP address when launching more than one instance."
            )
        tags = self.tags_from(params, "instance", also=("network-interface", "volume"))
        eni_tags = self.tags_from(params, "network-interface", also=("instance", "volume"))
        self.check_dry_run(params)
        count = min(high, MAX_LAUNCH, subnet.available_addresses)
        if count < low:
            raise InsufficientInstanceCapacity(
                "We currently do not have sufficient capacity to launch the requested number "
                "of instances."
            )
        if address is not None and int(address) in subnet.used:
            raise InvalidParameterValue(f"Address {address} is in use.")
        reservation = self.new_id("r")
        monitoring = bool((params.get("Monitoring") or {}).get("Enabled"))
        launched = []
        for index in range(count):
            private = subnet.allocate(address)
            if private is None:
                raise InvalidParameterValue(
                    f"Address {address} does not fall within the subnet's address range"
                )
            eni = NetworkInterface(
                id=self.new_id("eni"),
                subnet_id=subnet.id,
                vpc_id=subnet.vpc_id,
                availability_zone=subnet.availability_zone,
                private_ip=private,
                mac=self.mac_address(),
                owner=self.cloud.account,
                group_ids=list(groups),
                public_ip=self.public_address() if subnet.map_public_ip_on_launch else None,
                attachment_id=self.new_id("eni-attach"),
                tags=dict(eni_tags),
            )
            instance = Instance(
                id=self.new_id("i"),
                reservation_id=reservation,
                image_id=image,
                instance_type=str(params.get("InstanceType") or DEFAULT_TYPE),
                launch_index=index,
                launched=self.cloud.clock.now(),
                subnet_id=subnet.id,
                vpc_id=subnet.vpc_id,
                availability_zone=subnet.availability_zone,
                interface=eni,
                detailed_monitoring=monitoring,
                key_name=params.get("KeyName"),
                tags=dict(tags),
                cpu_base=self._metric_rng.uniform(2.0, 20.0),
            )
            eni.instance_id = instance.id
            self.interfaces[eni.id] = eni
            self.instances[instance.id] = instance
            self.boot(instance)
            launched.append(instance)
        return {
            "ReservationId": reservation,
            "OwnerId": self.cloud.account,
            "Groups": [],
            "Instances": [self.instance_shape(i) for i in launched],
        }

    # -- describing -----------------------------------------------------------------------

    @action("DescribeInstances", read_only=True)
    def describe_instances(self, params: Params, request: Request) -> Response:
        self.check_dry_run(params)
        ids = params.get("InstanceIds")
        if ids and params.get("MaxResults") is not None:
            raise InvalidParameterCombination(
                "The parameter instancesSet cannot be used with the parameter maxResults"
            )
        filters = Filters(params.get("Filters"), INSTANCE_FILTERS, own_tags)
        found = filters.apply(self.chosen(self.instances, "i", ids))
        page, token = self.page(params, found, "instances")
        reservations: dict[str, list[Instance]] = {}
        for instance in page:
            reservations.setdefault(instance.reservation_id, []).append(instance)
        out: Response = {
            "Reservations": [
                {
                    "ReservationId": reservation,
                    "OwnerId": self.cloud.account,
                    "Groups": [],
                    "Instances": [self.instance_shape(i) for i in members],
                }
                for reservation, members in reservations.items()
            ]
        }
        if token:
            out["NextToken"] = token
        return out

    @action("DescribeNetworkInterfaces", read_only=True)
    def describe_network_interfaces(self, params: Params, request: Request) -> Response:
        return self.described(
            params,
            "NetworkInterfaces",
            self.interfaces,
            "NetworkInterfaceIds",
            INTERFACE_FILTERS,
            self.interface_shape,
        )

    def _targets(self, params: Params) -> list[Instance]:
        ids = self.required(params, "InstanceIds")
        found = self.find_all(self.instances, "i", ids)
        self.check_dry_run(params)
        return found

    @staticmethod
    def _moved(targets: list[Instance], moves: Callable[[Instance], None]) -> list[dict[str, Any]]:
        """Each instance's CurrentState and PreviousState around `moves` (which may leave it)."""
        changes = []
        for instance in targets:
            before = shapes.state(instance.state, instance.state_code)
            moves(instance)
            changes.append(
                {
                    "InstanceId": instance.id,
                    "CurrentState": shapes.state(instance.state, instance.state_code),
                    "PreviousState": before,
                }
            )
        return changes

    @action("StopInstances")
    def stop_instances(self, params: Params, request: Request) -> Response:
        targets = self._targets(params)
        for instance in targets:
            if instance.state == "pending" and not instance.has_run:
                raise IncorrectInstanceState(
                    f"Instance '{instance.id}' cannot be stopped as it has never reached the "
                    "'running' state."
                )
            if instance.state in ("pending", "shutting-down", "terminated"):
                raise IncorrectInstanceState(
                    f"This instance '{instance.id}' is not in a state from which it can be stopped."
                )
        return {"StoppingInstances": self._moved(targets, self._stop)}

    @action("StartInstances")
    def start_instances(self, params: Params, request: Request) -> Response:
        targets = self._targets(params)
        for instance in targets:
            if instance.state in ("stopping", "shutting-down", "terminated"):
                raise IncorrectInstanceState(
                    f"The instance '{instance.id}' is not in a state from which it can be started."
                )
        return {"StartingInstances": self._moved(targets, self._start)}

    @action("TerminateInstances")
    def terminate_instances(self, params: Params, request: Request) -> Response:
        return {"TerminatingInstances": self._moved(self._targets(params), self._terminate)}

    def _stop(self, instance: Instance) -> None:
        """Only a running instance stops; a stopping or stopped one stays as it is."""
        if instance.state == "running":
            self.halt(instance, terminate=False)

    def _start(self, instance: Instance) -> None:
        """Only a stopped instance starts (with a new public address in a public subnet)."""
        if instance.state != "stopped":
            return
        subnet = self.subnets.get(instance.subnet_id)
        if subnet is not None and subnet.map_public_ip_on_launch:
            instance.interface.public_ip = self.public_address()
        self.boot(instance)

    def _terminate(self, instance: Instance) -> None:
        """Terminating is idempotent: a terminated instance stays as it is."""
        if instance.state not in ("shutting-down", "terminated"):
            self.halt(instance, terminate=True)
