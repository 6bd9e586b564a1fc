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
    is remembered for at least `dedupe_seconds` after its first copy arrived: Spark forgets it in
    the batch after the first one to arrive past that. A copy arriving later is counted again,
    until a recount from the archive, which de-duplicates over its whole range. A batch query (a
    recount, the tests) drops every duplicate."""
    if not events.isStreaming:
        return events.dropDuplicates([key])
    # Spark counts the watermark's delay twice: it forgets a key once the watermark (the newest
    # arrival - delay) passes the key's arrival + delay. Arrival times come in order, so the delay
    # has no late rows to wait for, and half the span keeps each key for the span, not twice it:
    # half the state. (Spark's scan for what to forget did not halve with it: it also walks the
    # tombstones of the keys it deletes; spark-jobs/README.md has the figures.)
    return (
        events.withColumn("_arrived", F.current_timestamp())
        .withWatermark("_arrived", f"{dedupe_seconds * 500} milliseconds")
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


def batch_counts(
    records: DataFrame,
    catalog_ids: DataFrame | None,
    late_after_seconds: int | None,
    per_partition: bool = True,
) -> DataFrame:
    """Everything a micro-batch adds, in one aggregation over its records (valid or not): one pass
    over them, one Spark job. A row per 10-second bucket, breed, animal id, Kafka partition and,
    for late clicks, arrival minute: the views, those of them whose animal id is not in
    `catalog_ids` (a one-column `animal_id` frame, the catalog as the job last read it), the
    invalid records, the newest event time and the highest offset; the late clicks' longest delay
    and oldest event time. The invalid records of a partition share a row whose bucket, breed and
    animal are null. A few rows per animal and partition, whatever the rate.

    Without a catalog (`None`) the rows carry no animal id; without `late_after_seconds` no click
    is tallied as late. Without `per_partition` the rows carry no partition nor offset: a
    recount, which accounts for its offsets itself, spans hundreds of buckets, and a row per
    partition more would multiply what the driver collects and folds (it halved its speed).
    mysql_sink.BatchCounts.of folds the rows into the tables' rows."""
    valid = F.col("reason").isNull()
    if catalog_ids is None:
        records = records.withColumn("animal_id", F.lit(None).cast("long")).withColumn("_known", F.lit(None))
    else:
        known = catalog_ids.select("animal_id", F.lit(True).alias("_known"))
        records = records.join(F.broadcast(known), "animal_id", "left")
    if late_after_seconds is None:
        # No Kafka timestamp needed: a recount's records come from the archive.
        delay, arrival_minute = F.lit(None).cast("long"), F.lit(None).cast("timestamp")
    else:
        delay = lateness_ms()
        late = valid & (delay > late_after_seconds * 1000)
        arrival_minute = F.when(late, F.date_trunc("minute", "kafka_timestamp"))
    partition = F.col("partition") if per_partition else F.lit(None).cast("int")
    return (
        records.groupBy(
            _bucket(F.col("event_time")).alias("bucket"),
            "tipo",
            "raca",
            "animal_id",
            partition.alias("partition"),
            arrival_minute.alias("arrival_minute"),
        )
        .agg(
            F.count_if(valid).alias("visualizacoes"),
            F.count_if(valid & F.col("animal_id").isNotNull() & F.col("_known").isNull()).alias(
                "desconhecidas"
            ),
            F.count_if(~valid).alias("invalidos"),
            F.max("event_time").alias("newest"),
            F.min("event_time").alias("oldest"),
            (F.max("offset") if per_partition else F.lit(None).cast("long")).alias("ultimo_offset"),
            F.max(delay).alias("maior_atraso_ms"),
        )
        .select(
            F.date_format("bucket", SECOND_FORMAT).alias("bucket_inicio"),
            F.date_format(F.date_trunc("hour", "bucket"), SECOND_FORMAT).alias("hora_inicio"),
            "tipo",
            "raca",
            "animal_id",
            "partition",
            F.date_format("arrival_minute", SECOND_FORMAT).alias("chegada_minuto"),
            "visualizacoes",
            "desconhecidas",
            "invalidos",
            F.date_format("newest", MILLISECOND_FORMAT).alias("ultimo_evento_em"),
            F.date_format("oldest", MILLISECOND_FORMAT).alias("evento_mais_antigo_em"),
            "ultimo_offset",
            "maior_atraso_ms",
        )
    )


def lateness_ms() -> Column:
    """How long after its event time a click reached Kafka (the record's timestamp), in ms."""
    return F.unix_millis(F.col("kafka_timestamp")) - F.unix_millis(F.col("event_time"))
