"""AWS CloudTrail: the event history of recorded calls (AWS_FACTS §6)."""

from backend.services.cloudtrail.service import CloudTrailService

__all__ = ["CloudTrailService"]
