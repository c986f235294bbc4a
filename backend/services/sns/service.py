"""Amazon SNS: the service the cloud runs, its action groups put together.

Each group of actions is a mixin on `SnsBase` (its module says what AWS
checks there); the cloud finds every `@action` of them by its AWS name
(query protocol, `Action=Publish&Version=2010-03-31`). The model beneath is
plain Python: `topic.py` and `subscription.py`, with `delivery.py` sending
to SQS through `cloud.call` and the filter policies parsed by the shared
`backend/kit/filter_policy.py`.
"""

from __future__ import annotations

from typing import ClassVar

from backend.services.sns.publish_actions import PublishActions
from backend.services.sns.subscription_actions import SubscriptionActions
from backend.services.sns.tag_actions import TagActions
from backend.services.sns.topic_actions import TopicActions
from backend.services.sns.views import Views


class SnsService(TopicActions, SubscriptionActions, PublishActions, TagActions, Views):
    """Amazon SNS topics, standard and FIFO, fanning out to SQS queues."""

    name: ClassVar[str] = "sns"
    event_source: ClassVar[str] = "sns.amazonaws.com"
    usage_name: ClassVar[str] = "SNS"
    #: Message bodies are the customer's data: the trail keeps them hidden, as it does SQS's.
    trail_hidden: ClassVar[frozenset[str]] = frozenset({"Message"})
