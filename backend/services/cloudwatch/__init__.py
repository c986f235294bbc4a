"""Amazon CloudWatch: metrics at AWS's resolutions and alarms judged on the clock (AWS_FACTS §4)."""

from backend.registry import Registration
from backend.services.cloudwatch.scenario import SECTION
from backend.services.cloudwatch.service import CloudWatchService
from backend.services.cloudwatch.summary import summary

REGISTRATION = Registration(CloudWatchService, sections=(SECTION,), summary=summary)

__all__ = ["REGISTRATION", "CloudWatchService"]
