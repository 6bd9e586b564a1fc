"""The trend counts: views per animal (tipo, raca) in 10-second and in one-hour event-time
windows, over events de-duplicated by event_id within the watermark.

"The last minute" is the sum of six 10-second buckets, which the report computes in SQL; a
sliding one-minute window would keep six times the state and write six rows per event."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

BUCKET = "10 seconds"
HOUR = "1 hour"


def deduplicated(events: DataFrame, watermark_seconds: int) -> DataFrame:
    """Event time with a watermark: an event older than (newest event time seen - watermark) is
    late and not counted, and a redelivered event_id inside the watermark is counted once. A batch
    query (a backfill, the tests) has no late events and drops every duplicate."""
    if not events.isStreaming:
        return events.dropDuplicates(["event_id"])
    return events.withWatermark("event_time", f"{watermark_seconds} seconds").dropDuplicatesWithinWatermark(
        ["event_id"]
    )


def views_per_bucket(events: DataFrame) -> DataFrame:
    """Rows of visualizacoes_10s: absolute counts per bucket, and the newest event in it."""
    return (
        events.groupBy(F.window("event_time", BUCKET), "tipo", "raca")
        .agg(F.count(F.lit(1)).alias("visualizacoes"), F.max("event_time").alias("ultimo_evento_em"))
        .select(
            F.col("window.start").alias("bucket_inicio"),
            "tipo",
            "raca",
            "visualizacoes",
            "ultimo_evento_em",
        )
    )


def views_per_hour(events: DataFrame) -> DataFrame:
    """Rows of visualizacoes_hora: absolute counts per event-time hour (the peak hour's source).
    A window, not date_trunc, so that the watermark can close the hour and drop its state."""
    return (
        events.groupBy(F.window("event_time", HOUR), "tipo", "raca")
        .agg(F.count(F.lit(1)).alias("visualizacoes"))
        .select(F.col("window.start").alias("hora_inicio"), "tipo", "raca", "visualizacoes")
    )
