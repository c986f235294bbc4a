"""A topic's CloudWatch metrics, namespace AWS/SNS, dimension TopicName.

Names, units and meanings are AWS's ("Amazon SNS metrics" in the SNS
developer guide). The series are found once, when the topic is made, so a
publish adds to them without a lookup. Filtering is counted three ways, as
AWS does: in all, and by the scope of the policy that turned the message
away; messages a policy could not judge (a body that is no JSON object,
no attributes at all, an attribute that is no valid array) also count
under their own names.
"""

from __future__ import annotations

from backend.metrics import MetricStore, Series

NAMESPACE = "AWS/SNS"


class TopicMetrics:
    __slots__ = (
        "delivered",
        "failed",
        "failed_to_dlq",
        "filtered",
        "filtered_attributes",
        "filtered_body",
        "filtered_invalid_attributes",
        "filtered_invalid_body",
        "filtered_no_attributes",
        "publish_size",
        "published",
        "to_dlq",
    )

    def __init__(self, store: MetricStore, topic: str) -> None:
        dims = {"TopicName": topic}

        def series(metric: str, unit: str = "Count") -> Series:
            return store.series(NAMESPACE, metric, dims, unit)

        self.published = series("NumberOfMessagesPublished")
        self.publish_size = series("PublishSize", "Bytes")
        self.delivered = series("NumberOfNotificationsDelivered")
        self.failed = series("NumberOfNotificationsFailed")
        self.filtered = series("NumberOfNotificationsFilteredOut")
        self.filtered_attributes = series("NumberOfNotificationsFilteredOut-MessageAttributes")
        self.filtered_body = series("NumberOfNotificationsFilteredOut-MessageBody")
        self.filtered_invalid_attributes = series(
            "NumberOfNotificationsFilteredOut-InvalidAttributes"
        )
        self.filtered_invalid_body = series("NumberOfNotificationsFilteredOut-InvalidMessageBody")
        self.filtered_no_attributes = series("NumberOfNotificationsFilteredOut-NoMessageAttributes")
        self.to_dlq = series("NumberOfNotificationsRedrivenToDlq")
        self.failed_to_dlq = series("NumberOfNotificationsFailedToRedriveToDlq")
