"""Amazon Data Firehose: streams to S3, fed by direct puts or a Kinesis stream (AWS_FACTS §3)."""

from backend.registry import Registration
from backend.services.firehose.actors import ACTORS
from backend.services.firehose.scenario import SECTION
from backend.services.firehose.service import FirehoseService
from backend.services.firehose.summary import summary

REGISTRATION = Registration(FirehoseService, sections=(SECTION,), actors=ACTORS, summary=summary)

__all__ = ["REGISTRATION", "FirehoseService"]
