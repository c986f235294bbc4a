"""Instances and their network interfaces, and the instance state machine.

States and codes are AWS's (`pending 0`, `running 16`, `shutting-down 32`,
`terminated 48`, `stopping 64`, `stopped 80`). The transitions that take
time (`pending -> running`, `stopping -> stopped`, `shutting-down ->
terminated`) are timers on the virtual clock, set by `lifecycle.py`; this
module only holds the state. A stopped instance keeps its ENI and private
address and loses its public one, as AWS's do without an Elastic IP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address

from backend.clock import TimerHandle

STATE_CODES = {
    "pending": 0,
    "running": 16,
    "shutting-down": 32,
    "terminated": 48,
    "stopping": 64,
    "stopped": 80,
}


@dataclass(eq=False)
class NetworkInterface:
    id: str
    subnet_id: str
    vpc_id: str
    availability_zone: str
    private_ip: IPv4Address
    mac: str
    owner: str
    group_ids: list[str]
    public_ip: IPv4Address | None = None
    instance_id: str | None = None
    attachment_id: str | None = None
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    #: Traffic since the instance's metrics last read it: what traffic actors add
    #: (`record`), and NetworkIn/Out and NetworkPacketsIn/Out report per period.
    bytes_in: int = 0
    bytes_out: int = 0
    packets_in: int = 0
    packets_out: int = 0

    def record(
        self, *, bytes_in: int = 0, bytes_out: int = 0, packets_in: int = 0, packets_out: int = 0
    ) -> None:
        self.bytes_in += bytes_in
        self.bytes_out += bytes_out
        self.packets_in += packets_in
        self.packets_out += packets_out

    @property
    def status(self) -> str:
        return "in-use" if self.instance_id else "available"


@dataclass(eq=False)
class Instance:
    id: str
    reservation_id: str
    image_id: str
    instance_type: str
    launch_index: int
    launched: float
    subnet_id: str
    vpc_id: str
    availability_zone: str
    interface: NetworkInterface
    detailed_monitoring: bool
    key_name: str | None = None
    state: str = "pending"
    #: `StateTransitionReason`: empty, or "User initiated (2024-05-01 12:00:00 GMT)".
    transition_reason: str = ""
    #: `StateReason`'s code, for stopped and terminated instances.
    state_reason: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    #: The pending transition's timer, cancelled when another call overtakes it.
    timer: TimerHandle | None = None
    #: The next metrics tick, while running.
    metrics_timer: TimerHandle | None = None
    #: The CPUUtilization it idles around, drawn at launch.
    cpu_base: float = 5.0
    #: Whether it ever reached `running` (a pending one that never did can't be stopped).
    has_run: bool = False
    #: When it reached `terminated`; it stays visible for an hour after.
    terminated_at: float | None = None

    @property
    def state_code(self) -> int:
        return STATE_CODES[self.state]

    @property
    def private_ip(self) -> IPv4Address:
        return self.interface.private_ip

    @property
    def public_ip(self) -> IPv4Address | None:
        return self.interface.public_ip

    @property
    def group_ids(self) -> list[str]:
        return self.interface.group_ids
