"""The bronze archive: every record the job reads from Kafka, valid or not, as Parquet in the
object store (S3 through Spark's S3A connector, or any Hadoop file system), exactly once per
offset. A second streaming query, `archive`, with its own checkpoint, beside `trends`:

  Kafka -> parse and validate (events.parse_interactions: the same reasons as the dead letters)
        -> per micro-batch: the records past offsets_arquivados
             valid   -> SPARK_ARCHIVE_URL/valid/event_date=D/event_hour=H/lote=L/part-*.parquet
             invalid -> SPARK_ARCHIVE_URL/invalid/arrival_date=D/arrival_hour=H/lote=L/part-*.parquet
        -> then the batch's highest offset per partition into offsets_arquivados

Nothing is de-duplicated: the archive is what the topic held (a redelivered click twice, at its
two offsets), so that a recount can de-duplicate over any range and a check can compare the
archive's offsets with the topic's.

Exactly once per offset: `lote` names the batch by where it starts, the offsets archived before
it (a hash of offsets_arquivados as the batch read it), and each write replaces only its own `lote`
partitions (dynamic partition overwrite). A micro-batch replayed after a crash, before its
offsets were recorded, starts from the same offsets and holds the same records, so it rewrites the
same directories instead of adding a second copy; offsets_arquivados, written after the files,
keeps a lost checkpoint from archiving what is already there.

Each record is read from Kafka and parsed once: the valid ones are written in the same pass that
counts the batch (an observation: the valid and invalid records, the highest offset per
partition), and the invalid ones, when the batch has any, in a second. A pass to count the batch
first, with the batch cached for the writes, made its batches a quarter to two thirds longer
(spark-jobs/README.md)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from pyspark.sql import Column, DataFrame, Observation
from pyspark.sql import functions as F

from petadota_trends import aggregations, mysql_sink
from petadota_trends.profile import BatchProfile
from petadota_trends.settings import TrendsSettings

log = logging.getLogger(__name__)

QUERY_NAME = "archive"
VALID = "valid"
INVALID = "invalid"
# Each record as it came (key and value bytes, where in the topic, when the broker took it) and
# what the job made of it.
RECORD_COLUMNS = (
    "topic",
    "partition",
    "offset",
    "kafka_timestamp",
    "key",
    "value",
    "event_id",
    "usuario_id",
    "raca",
    "tipo",
    "event_time",
    "animal_id",
)
VALID_PARTITIONS = ("event_date", "event_hour", "lote")
INVALID_PARTITIONS = ("arrival_date", "arrival_hour", "lote")


def batch_label(archived: dict[int, int]) -> str:
    """The batch's name from where it starts, the highest offset archived before it per partition:
    the same for a replay of the batch, different for the next one (its records moved them on)."""
    text = ",".join(f"{partition}:{offset}" for partition, offset in sorted(archived.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def batch_metrics(partitions: int) -> list[Column]:
    """What the write's pass observes of a batch: its valid and invalid records, the highest
    partition, and the highest offset of each of the first `partitions` partitions."""
    return [
        F.count_if(F.col("reason").isNull()).alias("valid"),
        F.count_if(F.col("reason").isNotNull()).alias("invalid"),
        F.max("partition").alias("highest_partition"),
        *[
            F.max(F.when(F.col("partition") == partition, F.col("offset"))).alias(f"last_{partition}")
            for partition in range(partitions)
        ],
    ]


def archive_records(parsed: DataFrame, late_after_seconds: int, lote: str) -> tuple[DataFrame, DataFrame]:
    """The valid records (with `late`) and the invalid ones (with `reason` and `detail`), each
    with its partition columns: event time's date and hour, or the arrival's."""
    valid = F.col("reason").isNull()
    records = parsed.select(*RECORD_COLUMNS, "reason", "detail", F.lit(lote).alias("lote"))
    late = aggregations.lateness_ms() > late_after_seconds * 1000
    return (
        records.where(valid).select(
            *RECORD_COLUMNS,
            late.alias("late"),
            F.to_date("event_time").alias("event_date"),
            F.hour("event_time").alias("event_hour"),
            "lote",
        ),
        records.where(~valid).select(
            *RECORD_COLUMNS,
            "reason",
            "detail",
            F.to_date("kafka_timestamp").alias("arrival_date"),
            F.hour("kafka_timestamp").alias("arrival_hour"),
            "lote",
        ),
    )


def write_parquet(records: DataFrame, url: str, partitions: tuple[str, ...]) -> None:
    """Replaces the partitions `records` has under `url`, and only those."""
    records.write.mode("overwrite").option("partitionOverwriteMode", "dynamic").partitionBy(
        *partitions
    ).parquet(url)


def archive_batch(settings: TrendsSettings) -> Callable[[DataFrame, int], None]:
    """foreachBatch body of the `archive` query: the batch's records past offsets_arquivados to
    Parquet, valid and invalid apart, then their offsets recorded."""
    assert settings.archive is not None
    url = settings.archive.url
    topic = settings.interactions_topic

    def write(batch: DataFrame, batch_id: int) -> None:
        profile = BatchProfile(settings.profile, QUERY_NAME, batch_id)
        with profile.phase("mysql_read_offsets"):
            archived = mysql_sink.archived_offsets(settings.mysql, topic)
        fresh = aggregations.not_counted_yet(batch, archived)
        # The topic's partitions as far as the archive has seen them; a batch with more (the first
        # one, or the topic grew) takes one more pass for its offsets.
        partitions = max(archived, default=-1) + 1
        observation = Observation(f"{QUERY_NAME}-{batch_id}")
        lote = batch_label(archived)
        valid, invalid = archive_records(
            fresh.observe(observation, *batch_metrics(partitions)), settings.late_after_seconds, lote
        )
        with profile.phase("parquet_valid"):
            write_parquet(valid, f"{url}/{VALID}", VALID_PARTITIONS)
        metrics = observation.get
        records = metrics["valid"] + metrics["invalid"]
        if records == 0:
            return
        if metrics["invalid"]:
            with profile.phase("parquet_invalid"):
                write_parquet(invalid, f"{url}/{INVALID}", INVALID_PARTITIONS)
        if metrics["highest_partition"] < partitions:
            last = {p: metrics[f"last_{p}"] for p in range(partitions) if metrics[f"last_{p}"] is not None}
        else:
            with profile.phase("kafka_parse_offsets"):
                rows = fresh.groupBy("partition").agg(F.max("offset").alias("last")).collect()
            last = {row.partition: row.last for row in rows}
        with profile.phase("mysql_record_offsets"):
            mysql_sink.record_archived(settings.mysql, topic, last)
        profile.log(records)
        log.info("archive batch %d: %d records as lote %s", batch_id, records, lote)

    return write
