"""Amazon Kinesis Data Streams (AWS_FACTS §2)."""

from backend.registry import Registration
from backend.services.kinesis.actors import ACTORS, KinesisConsumer, KinesisProducer
from backend.services.kinesis.scenario import SECTION
from backend.services.kinesis.service import KinesisService
from backend.services.kinesis.summary import summary

REGISTRATION = Registration(KinesisService, sections=(SECTION,), actors=ACTORS, summary=summary)

__all__ = ["REGISTRATION", "KinesisConsumer", "KinesisProducer", "KinesisService"]
