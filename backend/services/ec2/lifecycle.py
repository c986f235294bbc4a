"""The instance state machine on the virtual clock.

`pending -> running` takes `BOOT_SECONDS`, `stopping -> stopped`
`STOP_SECONDS`, `shutting-down -> terminated` `SHUTDOWN_SECONDS`; a
terminated instance stays visible for `TERMINATED_VISIBLE` (about an hour,
as in AWS) and is then forgotten. Each call that moves an instance cancels
the transition it overtakes, so a late timer never undoes a newer state.
Running instances tick once a minute, on the minute, for their metrics
(`instance_metrics.py`). Every change of state is published on the cloud's
bus (`InstanceStateChange`), where AWS sends its "EC2 Instance State-change
Notification".
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from backend.bus import CloudEvent
from backend.services.ec2.base import Ec2Base
from backend.services.ec2.instance import Instance
from backend.services.ec2.instance_metrics import STATUS_PERIOD, InstanceMetrics

BOOT_SECONDS = 15.0
STOP_SECONDS = 20.0
SHUTDOWN_SECONDS = 10.0
TERMINATED_VISIBLE = 3600.0


class Lifecycle(Ec2Base):
    """State changes and their timers, shared by the instance actions and the scenario."""

    def _later(self, instance: Instance, delay: float, state: str) -> None:
        if instance.timer is not None:
            instance.timer.cancel()
        instance.timer = self.cloud.clock.call_later(delay, self._arrive, instance, state)

    def _enter(self, instance: Instance, state: str) -> None:
        """Move to `state` and say so on the bus: each change is an AWS state-change event."""
        instance.state = state
        name = instance.tags.get("Name")
        shown = f"{instance.id} ({name})" if name else instance.id
        self.cloud.bus.publish(
            CloudEvent(
                self.cloud.clock.now(),
                "ec2",
                "InstanceStateChange",
                f"{shown}: {state}",
                resource=self.arn("instance", instance.id),
            )
        )

    def _arrive(self, instance: Instance, state: str) -> None:
        instance.timer = None
        self._enter(instance, state)
        if state == "running":
            instance.has_run = True
            self._tick_next(instance)
        elif state == "terminated":
            instance.terminated_at = self.cloud.clock.now()
            self._drop_interface(instance)
            instance.timer = self.cloud.clock.call_later(
                TERMINATED_VISIBLE, self.instances.pop, instance.id, None
            )

    def boot(self, instance: Instance) -> None:
        """`pending`, running after `BOOT_SECONDS`."""
        self._enter(instance, "pending")
        instance.transition_reason = ""
        instance.state_reason = None
        self._later(instance, BOOT_SECONDS, "running")

    def halt(self, instance: Instance, *, terminate: bool) -> None:
        """`stopping` (or `shutting-down`), stopped (terminated) a little later."""
        if instance.metrics_timer is not None:
            instance.metrics_timer.cancel()
            instance.metrics_timer = None
        now = datetime.fromtimestamp(self.cloud.clock.now(), UTC)
        instance.transition_reason = f"User initiated ({now:%Y-%m-%d %H:%M:%S} GMT)"
        instance.state_reason = "Client.UserInitiatedShutdown"
        if terminate:
            self._enter(instance, "shutting-down")
            self._later(instance, SHUTDOWN_SECONDS, "terminated")
        else:
            instance.interface.public_ip = None
            self._enter(instance, "stopping")
            self._later(instance, STOP_SECONDS, "stopped")

    def _drop_interface(self, instance: Instance) -> None:
        """The primary ENI goes with its instance (DeleteOnTermination), and its address."""
        eni = instance.interface
        self.interfaces.pop(eni.id, None)
        subnet = self.subnets.get(eni.subnet_id)
        if subnet is not None:
            subnet.release(eni.private_ip)
        eni.public_ip = None

    # -- metrics --------------------------------------------------------------------------

    def _tick_next(self, instance: Instance) -> None:
        now = self.cloud.clock.now()
        due = (math.floor(now / STATUS_PERIOD) + 1) * STATUS_PERIOD
        instance.metrics_timer = self.cloud.clock.call_at(due, self._tick, instance)

    def _tick(self, instance: Instance) -> None:
        instance.metrics_timer = None
        if instance.state != "running":
            return
        metrics = self.metrics.get(instance.id)
        if metrics is None:
            metrics = self.metrics[instance.id] = InstanceMetrics(self.cloud.metrics, instance.id)
        metrics.tick(instance, self.cloud.clock.now(), self._metric_rng)
        self._tick_next(instance)
