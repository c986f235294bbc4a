"""Amazon Data Firehose: the service the cloud runs, its action groups put together.

Each group of actions is a mixin on `FirehoseBase` (its module says what AWS
checks there); the cloud finds every `@action` of them by its AWS name
(JSON 1.1, `Firehose_20150804.<Action>`). The model beneath is plain Python:
`delivery_stream.py`, with `courier.py` buffering and delivering to S3 and
`kinesis_source.py` reading a source stream, both through `cloud.call`.
"""

from __future__ import annotations

from typing import ClassVar

from backend.services.firehose.encryption_actions import EncryptionActions
from backend.services.firehose.record_actions import RecordActions
from backend.services.firehose.stream_actions import StreamActions
from backend.services.firehose.tag_actions import TagActions
from backend.services.firehose.views import Views


class FirehoseService(StreamActions, RecordActions, TagActions, EncryptionActions, Views):
    """Amazon Data Firehose delivery streams to S3, in every region of the account."""

    name: ClassVar[str] = "firehose"
    event_source: ClassVar[str] = "firehose.amazonaws.com"
    usage_name: ClassVar[str] = "Firehose"
    #: Record payloads are the customer's data: the trail keeps them hidden.
    trail_hidden: ClassVar[frozenset[str]] = frozenset({"Data"})
