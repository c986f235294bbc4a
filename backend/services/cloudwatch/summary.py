"""CloudWatch's part of a headless run's summary: each alarm, its state and how often it changed.

```
alarm            state   changes  metric
orders-backlog   OK            4  AWS/SQS ApproximateAgeOfOldestMessage QueueName=orders
orders-degraded  OK            6  rule ALARM("orders-backlog") OR ALARM("orders-errors")
```

Plain text from the same state gives the same bytes: alarms of both kinds
sorted by region and name; changes are the StateUpdate entries kept in the
alarm's history; a composite alarm's "metric" is its rule.
"""

from __future__ import annotations

from typing import Any

from backend.cloud import Cloud
from backend.services.cloudwatch.alarms import MetricAlarm
from backend.services.cloudwatch.composite_alarms import CompositeAlarm
from backend.services.cloudwatch.service import CloudWatchService


def summary(cloud: Cloud) -> list[str]:
    service = cloud.service(CloudWatchService)
    alarms: list[tuple[tuple[str, str], MetricAlarm | CompositeAlarm]] = sorted(
        [*service.alarms.items(), *service.composites.items()], key=lambda a: a[0]
    )
    if not alarms:
        return []
    width = max(len("alarm"), *(len(name) for (_, name), _ in alarms))
    lines = [f"{'alarm':<{width}}  {'state':<17}{'changes':>8}  metric"]
    for (region, name), alarm in alarms:
        history = service.history(region).items
        changes = sum(1 for i in history if i.alarm_name == name and i.item_type == "StateUpdate")
        config = alarm.config
        if isinstance(alarm, CompositeAlarm):
            metric = "rule " + " ".join(str(config["AlarmRule"]).split())
        elif alarm.metrics:
            metric = "; ".join(_query_text(query) for query in alarm.metrics)
        else:
            dims = " ".join(f"{d['Name']}={d['Value']}" for d in config["Dimensions"])
            metric = f"{config['Namespace']} {config['MetricName']} {dims}".rstrip()
        lines.append(f"{name:<{width}}  {alarm.state:<17}{changes:>8,}  {metric}")
    return lines


def _query_text(query: dict[str, Any]) -> str:
    """`m1 = AWS/Kinesis IncomingRecords StreamName=clicks`, or `ad1 = <expression>`."""
    stat = query.get("MetricStat")
    if stat is None:
        return f"{query['Id']} = {query.get('Expression', '')}"
    metric = stat["Metric"]
    dims = " ".join(f"{d['Name']}={d['Value']}" for d in metric.get("Dimensions") or [])
    return f"{query['Id']} = {metric['Namespace']} {metric['MetricName']} {dims}".rstrip()
