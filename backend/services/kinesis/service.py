"""Amazon Kinesis Data Streams: the service the cloud runs, its action groups put together.

Each group of actions is a mixin on `KinesisBase` (its module says what AWS
checks there); the cloud finds every `@action` of them by its AWS name
(JSON 1.1, `Kinesis_20131202.<Action>`). The model beneath is plain Python:
`stream.py`, `shard.py`, `consumers.py`.
"""

from __future__ import annotations

from typing import ClassVar

from backend.services.kinesis.consumer_actions import ConsumerActions
from backend.services.kinesis.record_actions import RecordActions
from backend.services.kinesis.reshard_actions import ReshardActions
from backend.services.kinesis.stream_actions import StreamActions
from backend.services.kinesis.stream_settings import StreamSettings
from backend.services.kinesis.tag_actions import TagActions


class KinesisService(
    StreamActions, StreamSettings, RecordActions, ReshardActions, ConsumerActions, TagActions
):
    """Amazon Kinesis Data Streams in every region of the account."""

    name: ClassVar[str] = "kinesis"
    event_source: ClassVar[str] = "kinesis.amazonaws.com"
    usage_name: ClassVar[str] = "Kinesis"
    #: Record payloads are the customer's data: the trail keeps them hidden, as it
    #: does SQS message bodies.
    trail_hidden: ClassVar[frozenset[str]] = frozenset({"Data"})
