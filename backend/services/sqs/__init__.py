"""Amazon SQS: standard and FIFO queues (AWS_FACTS §1)."""

from backend.registry import Registration
from backend.services.sqs.queue import Delivery, Queue
from backend.services.sqs.service import SqsService

REGISTRATION = Registration(SqsService)

__all__ = ["REGISTRATION", "Delivery", "Queue", "SqsService"]
