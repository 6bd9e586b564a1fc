"""The trend counts: views per animal (tipo, raca) per 10-second event-time bucket, over events
de-duplicated by event_id within the watermark.

The streaming query keeps only the de-duplication as state. Each micro-batch's new events are
then counted in batch mode, per bucket, animal and Kafka partition, and added to MySQL with the
offsets they account for (mysql_sink.add_counts): an hour is the sum of its buckets, and "the
last minute" is the sum of six buckets, which the report computes in SQL. A sliding one-minute
window would keep six times the state and write six rows per event."""

from __future__ import annotations

from collections.abc import Mapping

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

BUCKET_SECONDS = 10
# UTC wall-clock text, so that no time zone of a Python process or of the connection shifts it.
SECOND_FORMAT = "yyyy-MM-dd HH:mm:ss"
MILLISECOND_FORMAT = "yyyy-MM-dd HH:mm:ss.SSS"


def deduplicated(events: DataFrame, watermark_seconds: int, key: str = "event_id") -> DataFrame:
    """Event time with a watermark: an event older than (newest event time seen - watermark) is
    late and not counted, and a redelivered `key` inside the watermark is counted once. A batch
    query (a backfill, the tests) has no late events and drops every duplicate."""
    if not events.isStreaming:
        return events.dropDuplicates([key])
    return events.withWatermark("event_time", f"{watermark_seconds} seconds").dropDuplicatesWithinWatermark(
        [key]
    )


def not_counted_yet(events: DataFrame, counted: Mapping[int, int]) -> DataFrame:
    """The events past the highest offset already counted in their partition (`counted`)."""
    if not counted:
        return events
    highest = F.create_map(*[F.lit(value) for item in sorted(counted.items()) for value in item])
    return events.where(
        F.col("offset") > F.coalesce(F.try_element_at(highest, F.col("partition")), F.lit(-1))
    )


def counts_per_bucket(records: DataFrame) -> DataFrame:
    """One aggregation over a micro-batch's records (valid or not), per 10-second bucket, animal and
    Kafka partition: the views and the newest event time, with the bucket's hour (as UTC text);
    the invalid records and the highest offset. The invalid records of a partition share a row
    whose bucket and animal are null. A few rows per animal and partition, whatever the rate."""
    valid = F.col("reason").isNull()
    # Not window(): it filters out the rows without an event time, the invalid records here.
    seconds = F.unix_seconds("event_time")
    bucket = F.timestamp_seconds(seconds - seconds % BUCKET_SECONDS)
    return (
        records.groupBy(bucket.alias("bucket"), "tipo", "raca", "partition")
        .agg(
            F.count_if(valid).alias("visualizacoes"),
            F.count_if(~valid).alias("invalidos"),
            F.max("event_time").alias("newest"),
            F.max("offset").alias("ultimo_offset"),
        )
        .select(
            F.date_format("bucket", SECOND_FORMAT).alias("bucket_inicio"),
            F.date_format(F.date_trunc("hour", "bucket"), SECOND_FORMAT).alias("hora_inicio"),
            "tipo",
            "raca",
            "partition",
            "visualizacoes",
            "invalidos",
            F.date_format("newest", MILLISECOND_FORMAT).alias("ultimo_evento_em"),
            "ultimo_offset",
        )
    )
