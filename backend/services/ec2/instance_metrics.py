"""AWS/EC2 metrics of one instance, dimension InstanceId (EC2 User Guide, "Instance metrics").

An instance running with basic monitoring reports every 5 minutes, with
detailed monitoring (`Monitoring.Enabled`) every minute; a stopped one
reports nothing. Each point is stamped at the start of its period, as
CloudWatch shows EC2's. CPUUtilization idles around a level drawn at
launch; the network figures are what traffic actors recorded on the
instance's ENI in the period (`NetworkInterface.record`), zero when none
did. The status checks are free 1-minute metrics whatever the monitoring,
and pass (0) here: skydeck's instances do not fail.
"""

from __future__ import annotations

import random

from backend.metrics import MetricStore, Series
from backend.services.ec2.instance import Instance

NAMESPACE = "AWS/EC2"
BASIC_PERIOD = 300
DETAILED_PERIOD = 60
#: The status checks' period, whatever the monitoring.
STATUS_PERIOD = 60
STATUS_CHECKS = (
    "StatusCheckFailed",
    "StatusCheckFailed_Instance",
    "StatusCheckFailed_System",
)


class InstanceMetrics:
    __slots__ = ("cpu", "network_in", "network_out", "packets_in", "packets_out", "status")

    def __init__(self, store: MetricStore, instance_id: str) -> None:
        dims = {"InstanceId": instance_id}

        def series(name: str, unit: str) -> Series:
            return store.series(NAMESPACE, name, dims, unit)

        self.cpu = series("CPUUtilization", "Percent")
        self.network_in = series("NetworkIn", "Bytes")
        self.network_out = series("NetworkOut", "Bytes")
        self.packets_in = series("NetworkPacketsIn", "Count")
        self.packets_out = series("NetworkPacketsOut", "Count")
        self.status = [series(name, "Count") for name in STATUS_CHECKS]

    def tick(self, instance: Instance, now: float, rng: random.Random) -> None:
        """One minute of a running instance: status checks, and its period's figures if it ended."""
        minute = now - STATUS_PERIOD
        for check in self.status:
            check.add(minute, 0.0)
        period = DETAILED_PERIOD if instance.detailed_monitoring else BASIC_PERIOD
        if int(now) % period:
            return
        start = now - period
        eni = instance.interface
        self.cpu.add(start, max(0.0, min(100.0, instance.cpu_base + rng.uniform(-1.5, 1.5))))
        self.network_in.add(start, float(eni.bytes_in))
        self.network_out.add(start, float(eni.bytes_out))
        self.packets_in.add(start, float(eni.packets_in))
        self.packets_out.add(start, float(eni.packets_out))
        eni.bytes_in = eni.bytes_out = eni.packets_in = eni.packets_out = 0
