"""The units CloudWatch knows: the models' StandardUnit, shared by every metric a service emits.

CloudWatch never converts between them (AWS_FACTS §4); a unit only tells
series of one metric apart. PutMetricData and a Logs metric filter's
transformation take exactly these.
"""

from __future__ import annotations

from typing import Final

UNITS: Final = (
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
)
