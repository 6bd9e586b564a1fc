"""The trend counts: views per breed (tipo, raca) and per animal (its catalog id) per 10-second
event-time bucket and per hour, and the late clicks per arrival minute, over events
de-duplicated by event_id.

The streaming query keeps only the de-duplication as state, on arrival time: no event is ever too
late to count, however old its event time (a phone that was offline for an hour sends good
clicks). Each micro-batch's new events are then counted in batch mode and added to MySQL with the
offsets they account for (mysql_sink.add_counts): an hour is the sum of its buckets, and "the
last minute" is the sum of six buckets, which the report computes in SQL. A sliding one-minute
window would keep six times the state and write six rows per event."""

from __future__ import annotations

from collections.abc import Mapping

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

BUCKET_SECONDS = 10
# UTC wall-clock text, so that no time zone of a Python process or of the connection shifts it.
SECOND_FORMAT = "yyyy-MM-dd HH:mm:ss"
MILLISECOND_FORMAT = "yyyy-MM-dd HH:mm:ss.SSS"


def deduplicated(events: DataFrame, dedupe_seconds: int, key: str = "event_id") -> DataFrame:
    """Drops a redelivered `key`. In a stream the watermark is on arrival (the micro-batch's time,
    which a replayed batch keeps), not on event time: nothing is ever dropped as late, and a key
    is remembered for at least `dedupe_seconds` after its first copy arrived (Spark lets it go
    once the arrival watermark passes that copy's arrival + `dedupe_seconds`). A copy arriving
    later is counted again, until a recount from the archive, which de-duplicates over its whole
    range. A batch query (a recount, the tests) drops every duplicate."""
    if not events.isStreaming:
        return events.dropDuplicates([key])
    return (
        events.withColumn("_arrived", F.current_timestamp())
        .withWatermark("_arrived", f"{dedupe_seconds} seconds")
        .dropDuplicatesWithinWatermark([key])
        .drop("_arrived")
    )


def offset_in_partition(offsets: Mapping[int, int]) -> Column:
    """The offset `offsets` gives each record's partition; -1 for a partition it does not name."""
    highest = F.create_map(*[F.lit(value) for item in sorted(offsets.items()) for value in item])
    return F.coalesce(F.try_element_at(highest, F.col("partition")), F.lit(-1))


def not_counted_yet(events: DataFrame, counted: Mapping[int, int]) -> DataFrame:
    """The events past the highest offset already counted in their partition (`counted`)."""
    if not counted:
        return events
    return events.where(F.col("offset") > offset_in_partition(counted))


def _bucket(event_time: Column) -> Column:
    # Not window(): it filters out the rows without an event time, the invalid records here.
    seconds = F.unix_seconds(event_time)
    return F.timestamp_seconds(seconds - seconds % BUCKET_SECONDS)


def counts_per_bucket(records: DataFrame) -> DataFrame:
    """One aggregation over a micro-batch's records (valid or not), per 10-second bucket, animal and
    Kafka partition: the views and the newest event time, with the bucket's hour (as UTC text);
    the invalid records and the highest offset. The invalid records of a partition share a row
    whose bucket and animal are null. A few rows per animal and partition, whatever the rate."""
    valid = F.col("reason").isNull()
    return (
        records.groupBy(_bucket(F.col("event_time")).alias("bucket"), "tipo", "raca", "partition")
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


def counts_per_animal(records: DataFrame, catalog_ids: DataFrame) -> DataFrame:
    """The valid events that name an animal, per 10-second bucket and animal id: the views, those of
    them whose id is not in `catalog_ids` (a one-column `animal_id` frame, the catalog as the job
    last read it), and the newest event time. An unknown id is counted all the same, as unknown;
    its breed counts in counts_per_bucket whatever the catalog says."""
    known = catalog_ids.select("animal_id", F.lit(True).alias("_known"))
    clicks = records.where(F.col("reason").isNull() & F.col("animal_id").isNotNull())
    return (
        clicks.join(F.broadcast(known), "animal_id", "left")
        .groupBy(_bucket(F.col("event_time")).alias("bucket"), "animal_id")
        .agg(
            F.count("*").alias("visualizacoes"),
            F.count_if(F.col("_known").isNull()).alias("desconhecidas"),
            F.max("event_time").alias("newest"),
        )
        .select(
            F.date_format("bucket", SECOND_FORMAT).alias("bucket_inicio"),
            F.date_format(F.date_trunc("hour", "bucket"), SECOND_FORMAT).alias("hora_inicio"),
            "animal_id",
            "visualizacoes",
            "desconhecidas",
            F.date_format("newest", MILLISECOND_FORMAT).alias("ultimo_evento_em"),
        )
    )


def lateness_ms(records: DataFrame) -> Column:
    """How long after its event time a click reached Kafka (the record's timestamp), in ms."""
    return F.unix_millis(records["kafka_timestamp"]) - F.unix_millis(records["event_time"])


def late_clicks(records: DataFrame, late_after_seconds: int) -> DataFrame:
    """The valid events that reached Kafka more than `late_after_seconds` after their event time,
    per arrival minute: how many, the longest delay and the oldest event time. They are counted in
    their own buckets like any other; this is what the report shows of them."""
    late = records.where(F.col("reason").isNull() & (lateness_ms(records) > late_after_seconds * 1000))
    return (
        late.groupBy(F.date_trunc("minute", "kafka_timestamp").alias("minute"))
        .agg(
            F.count("*").alias("cliques"),
            F.max(lateness_ms(late)).alias("maior_atraso_ms"),
            F.min("event_time").alias("oldest"),
        )
        .select(
            F.date_format("minute", SECOND_FORMAT).alias("chegada_minuto"),
            "cliques",
            "maior_atraso_ms",
            F.date_format("oldest", MILLISECOND_FORMAT).alias("evento_mais_antigo_em"),
        )
    )
