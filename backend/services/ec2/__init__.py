"""Amazon EC2's network core: VPCs, subnets, security groups, NACLs, instances (AWS_FACTS §18)."""

from backend.registry import Registration
from backend.services.ec2.actors import ACTORS
from backend.services.ec2.scenario import SECTION
from backend.services.ec2.service import Ec2Service
from backend.services.ec2.summary import summary

REGISTRATION = Registration(Ec2Service, sections=(SECTION,), actors=ACTORS, summary=summary)

__all__ = ["REGISTRATION", "Ec2Service"]
