"""Amazon CloudWatch Logs: the service the cloud runs, its action groups put together.

Each group of actions is a mixin on `LogsBase` (its module says what AWS
checks there); the cloud finds every `@action` of them by its AWS name (JSON
1.1, `X-Amz-Target: Logs_20140328.PutLogEvents`). The model beneath is plain
Python: `group.py` and `stream.py` hold the events, `metric_filters.py`
turns them into metrics, `subscriptions.py` forwards them to Kinesis and
Firehose, and `patterns/` is the one filter-pattern parser. `agent.py` is
the CloudWatch agent of the host, tailing local files into groups while a
live face runs.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from backend.cloud import Cloud
from backend.services.logs.agent import Agent
from backend.services.logs.event_actions import EventActions
from backend.services.logs.group_actions import GroupActions
from backend.services.logs.insights_actions import InsightsActions
from backend.services.logs.metric_filter_actions import MetricFilterActions
from backend.services.logs.stream_actions import StreamActions
from backend.services.logs.subscription_actions import SubscriptionActions
from backend.services.logs.tag_actions import TagActions


class LogsService(
    GroupActions,
    StreamActions,
    EventActions,
    MetricFilterActions,
    SubscriptionActions,
    TagActions,
    InsightsActions,
):
    """CloudWatch Logs: groups, streams, events, metric and subscription filters, Insights."""

    name: ClassVar[str] = "logs"
    event_source: ClassVar[str] = "logs.amazonaws.com"
    usage_name: ClassVar[str] = "Logs"
    #: Log lines are the customer's data: the trail keeps them hidden.
    trail_hidden: ClassVar[frozenset[str]] = frozenset({"logEvents", "logEventMessages"})

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud)
        #: The CloudWatch agent of the host skydeck runs on (`agent.py`): not the
        #: account's, so a reset leaves it tailing.
        self.agent = Agent(cloud)

    async def live(self) -> None:
        """The agent tails its files while a live face runs, beside what else runs live."""
        await asyncio.gather(super().live(), self.agent.live())
