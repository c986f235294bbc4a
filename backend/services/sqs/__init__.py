"""Amazon SQS: standard and FIFO queues (AWS_FACTS §1)."""

from backend.registry import Registration
from backend.services.sqs.actors import ACTORS
from backend.services.sqs.queue import Delivery, Queue
from backend.services.sqs.scenario import SECTION
from backend.services.sqs.service import SqsService
from backend.services.sqs.summary import summary
from backend.services.sqs.wire import WIRE

REGISTRATION = Registration(
    SqsService, sections=(SECTION,), actors=ACTORS, summary=summary, wire=WIRE
)

__all__ = ["REGISTRATION", "Delivery", "Queue", "SqsService"]
