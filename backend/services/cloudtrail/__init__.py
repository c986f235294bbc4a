"""AWS CloudTrail: the event history of recorded calls (AWS_FACTS §6)."""

from backend.registry import Registration
from backend.services.cloudtrail.service import CloudTrailService

REGISTRATION = Registration(CloudTrailService)

__all__ = ["REGISTRATION", "CloudTrailService"]
