"""Amazon SNS: topics fanning out to SQS queues, with filter policies (AWS_FACTS §17)."""

from backend.registry import Registration
from backend.services.sns.actors import ACTORS
from backend.services.sns.scenario import SECTION
from backend.services.sns.service import SnsService
from backend.services.sns.summary import summary

REGISTRATION = Registration(SnsService, sections=(SECTION,), actors=ACTORS, summary=summary)

__all__ = ["REGISTRATION", "SnsService"]
