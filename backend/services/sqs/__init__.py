"""Amazon SQS: standard and FIFO queues (AWS_FACTS §1)."""

from backend.services.sqs.queue import Delivery, Queue
from backend.services.sqs.service import SqsService

__all__ = ["Delivery", "Queue", "SqsService"]
