"""Amazon CloudWatch Logs: log groups, streams, events and metric filters (AWS_FACTS §5)."""

from backend.registry import Registration
from backend.services.logs.actors import ACTORS
from backend.services.logs.scenario import SECTION
from backend.services.logs.service import LogsService
from backend.services.logs.summary import summary

REGISTRATION = Registration(LogsService, sections=(SECTION,), actors=ACTORS, summary=summary)

__all__ = ["REGISTRATION", "LogsService"]
