"""Amazon CloudWatch: the metrics repository every service writes to, answering its API.

The data lives in the cloud's `MetricStore` (`backend.metrics`), which every
service feeds as it works (AWS/SQS, AWS/Kinesis, ...); this service adds what
customers put (`PutMetricData`) and answers the queries. Its action groups are
mixins, each module saying what AWS checks there. Retention runs on the clock:
each series rolls itself up as points arrive, and PutMetricData and
ListMetrics sweep the store (at most hourly) of what CloudWatch no longer
keeps, so no timer wakes an idle cloud.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from backend.services.cloudwatch.alarm_actions import AlarmActions
from backend.services.cloudwatch.alarm_engine import AlarmEngine
from backend.services.cloudwatch.alarms import History, MetricAlarm
from backend.services.cloudwatch.anomaly_actions import AnomalyActions
from backend.services.cloudwatch.composite_actions import CompositeActions
from backend.services.cloudwatch.composite_alarms import CompositeAlarm
from backend.services.cloudwatch.composite_engine import CompositeEngine
from backend.services.cloudwatch.dashboard_actions import DashboardActions
from backend.services.cloudwatch.dashboards import Dashboard
from backend.services.cloudwatch.metric_actions import MetricActions
from backend.services.cloudwatch.metric_data import MetricDataActions
from backend.services.cloudwatch.suppression import Suppression
from backend.services.cloudwatch.tag_actions import TagActions

if TYPE_CHECKING:
    from backend.cloud import Cloud


class CloudWatchService(
    MetricActions,
    MetricDataActions,
    AlarmActions,
    AnomalyActions,
    CompositeActions,
    DashboardActions,
    TagActions,
):
    """Amazon CloudWatch metrics and alarms, in every region of the account."""

    name: ClassVar[str] = "cloudwatch"
    event_source: ClassVar[str] = "monitoring.amazonaws.com"
    usage_name: ClassVar[str] = "CloudWatch"

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud)
        self.alarms: dict[tuple[str, str], MetricAlarm] = {}
        self.histories: dict[str, History] = {}
        self.engine = AlarmEngine(cloud, self.alarms, self.history)
        self.detectors = self.engine.detectors
        self.composites: dict[tuple[str, str], CompositeAlarm] = {}
        self.composite_engine = CompositeEngine(self.engine, self.alarms, self.composites)
        self.suppression = Suppression(self.engine, self.composites, self.composite_engine)
        #: Global, as AWS's are: keyed by name alone.
        self.dashboards: dict[str, Dashboard] = {}

    def reset(self) -> None:
        """Alarms and history go; the metrics are the cloud's (`Cloud.reset` clears them)."""
        self.alarms.clear()
        self.histories.clear()
        self.detectors.clear()
        self.composites.clear()
        self.dashboards.clear()
