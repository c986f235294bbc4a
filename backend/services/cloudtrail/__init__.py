"""AWS CloudTrail: the event history of recorded calls, and trails (AWS_FACTS §6)."""

from backend.registry import Registration
from backend.services.cloudtrail.scenario import SECTION
from backend.services.cloudtrail.service import CloudTrailService
from backend.services.cloudtrail.summary import summary

REGISTRATION = Registration(CloudTrailService, sections=(SECTION,), summary=summary)

__all__ = ["REGISTRATION", "CloudTrailService"]
