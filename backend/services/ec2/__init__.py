"""Amazon EC2's network core: VPCs, subnets, security groups, NACLs, instances (AWS_FACTS §18)."""

from backend.registry import Registration
from backend.services.ec2.service import Ec2Service

REGISTRATION = Registration(Ec2Service)

__all__ = ["REGISTRATION", "Ec2Service"]
