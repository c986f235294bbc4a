"""A delivery stream's CloudWatch metrics, namespace AWS/Firehose, dimension DeliveryStreamName.

The series are found once, when the stream is made, so the put path adds to
them without a lookup. Names, units and meanings are AWS's ("Data ingestion
metrics", "Data delivery metrics" in the Firehose developer guide). There is
no AWS metric for data given up after 24 hours of failed delivery; that count
is kept on the stream (and published on the bus), not invented here.
"""

from __future__ import annotations

from backend.metrics import MetricStore, Series

NAMESPACE = "AWS/Firehose"


class StreamMetrics:
    __slots__ = (
        "batch_bytes",
        "batch_records",
        "batch_requests",
        "delivered_bytes",
        "delivered_objects",
        "delivered_records",
        "delivery_success",
        "freshness",
        "incoming_bytes",
        "incoming_records",
        "incoming_requests",
        "kinesis_behind",
        "kinesis_bytes",
        "kinesis_records",
        "put_bytes",
        "put_requests",
        "throttled_get_records",
        "throttled_records",
    )

    def __init__(self, store: MetricStore, name: str) -> None:
        dims = {"DeliveryStreamName": name}

        def series(metric: str, unit: str = "Count") -> Series:
            return store.series(NAMESPACE, metric, dims, unit)

        self.incoming_bytes = series("IncomingBytes", "Bytes")
        self.incoming_records = series("IncomingRecords")
        self.incoming_requests = series("IncomingPutRequests")
        self.throttled_records = series("ThrottledRecords")
        self.put_bytes = series("PutRecord.Bytes", "Bytes")
        self.put_requests = series("PutRecord.Requests")
        self.batch_bytes = series("PutRecordBatch.Bytes", "Bytes")
        self.batch_records = series("PutRecordBatch.Records")
        self.batch_requests = series("PutRecordBatch.Requests")
        self.delivered_records = series("DeliveryToS3.Records")
        self.delivered_bytes = series("DeliveryToS3.Bytes", "Bytes")
        self.delivered_objects = series("DeliveryToS3.ObjectCount")
        self.delivery_success = series("DeliveryToS3.Success")
        self.freshness = series("DeliveryToS3.DataFreshness", "Seconds")
        self.kinesis_records = series("DataReadFromKinesisStream.Records")
        self.kinesis_bytes = series("DataReadFromKinesisStream.Bytes", "Bytes")
        self.kinesis_behind = series("KinesisMillisBehindLatest", "Milliseconds")
        self.throttled_get_records = series("ThrottledGetRecords")
