"""A real micro-batch loop through the job's streaming part: each batch hands on the new events
and the invalid records. No event is too late, however old its event time; a redelivered event
comes once while its first copy is remembered (SPARK_DEDUPE_SECONDS of arrival time, at least);
an invalid record always (it is keyed by its place)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming import StreamingQuery

from petadota_trends import aggregations, events
from petadota_trends.session import (
    CHECKPOINT_FILE_MANAGER,
    FILE_SYSTEM_CHECKPOINTS,
    keep_local_checkpoints_without_forks,
)
from tests.test_aggregations import click


def as_kafka_records(lines: DataFrame) -> DataFrame:
    return lines.select(
        F.lit(None).cast("binary").alias("key"),
        F.col("value").cast("binary").alias("value"),
        F.lit("file").alias("topic"),
        F.lit(0).alias("partition"),
        # A stand-in for the offset, distinct per line: an invalid record is keyed by its place.
        F.xxhash64("value").alias("offset"),
        F.current_timestamp().alias("timestamp"),
    )


def add_file(directory: Path, name: str, values: list[bytes]) -> None:
    # Written beside the directory, then moved in: the file source must never see half a file.
    partial = directory.parent / f".{name}"
    partial.write_bytes(b"\n".join(values) + b"\n")
    os.replace(partial, directory / name)


class MicroBatches:
    """The streaming part of the job over files dropped in an inbox, one micro-batch per file; what
    each batch handed on: the valid events' times, sorted, and the number of invalid records."""

    def __init__(self, spark: SparkSession, tmp_path: Path, dedupe_seconds: int) -> None:
        self.inbox = tmp_path / "inbox"
        self.inbox.mkdir()
        parsed = events.parse_interactions(as_kafka_records(spark.readStream.text(str(self.inbox))), 300)
        records = aggregations.deduplicated(events.keyed_for_dedupe(parsed), dedupe_seconds, key="dedupe_key")
        self.emitted: list[tuple[list[str], int]] = []
        self.query: StreamingQuery = (
            records.writeStream.outputMode("append")
            .foreachBatch(self._collect)
            .option("checkpointLocation", str(tmp_path / "checkpoint"))
            .start()
        )
        self.files = 0

    def _collect(self, batch: DataFrame, _batch_id: int) -> None:
        rows = batch.collect()
        if rows:  # a batch without data only moves the watermark on
            valid = sorted(str(row.event_time.time()) for row in rows if row.reason is None)
            self.emitted.append((valid, sum(row.reason is not None for row in rows)))

    def send(self, values: list[bytes]) -> None:
        self.files += 1
        add_file(self.inbox, f"{self.files}.json", values)
        self.query.processAllAvailable()

    def dropped_as_late(self) -> int:
        return sum(op.numRowsDroppedByWatermark for p in self.query.recentProgress for op in p.stateOperators)


def test_no_click_is_too_late_and_a_redelivery_counts_once(spark: SparkSession, tmp_path: Path) -> None:
    batches = MicroBatches(spark, tmp_path, dedupe_seconds=600)
    try:
        batches.send(
            [
                click(1, "cachorro", "labrador", "10:00:01"),
                click(2, "cachorro", "labrador", "10:00:02"),
                click(3, "gato", "persa", "10:00:03"),
                b"not json",
            ]
        )
        batches.send(
            [
                click(4, "cachorro", "labrador", "10:00:25"),
                click(1, "cachorro", "labrador", "10:00:01"),
                click(5, "cachorro", "labrador", "10:00:04"),
            ]
        )
        # Under an event-time watermark of 10 s, 10:00:06 and an hour before would be dropped here.
        batches.send(
            [
                click(6, "cachorro", "labrador", "10:00:06"),
                click(7, "cachorro", "labrador", "10:00:26"),
                click(1, "cachorro", "labrador", "10:00:01"),
                click(8, "gato", "persa", "09:00:00"),
                click(9, "cavalo", "mangalarga", "11:00:00"),
            ]
        )
        dropped = batches.dropped_as_late()
    finally:
        batches.query.stop()

    assert batches.emitted == [
        (["10:00:01", "10:00:02", "10:00:03"], 1),
        (["10:00:04", "10:00:25"], 0),
        (["09:00:00", "10:00:06", "10:00:26"], 1),
    ]
    assert dropped == 0


def test_a_redelivery_after_the_dedupe_span_counts_again(spark: SparkSession, tmp_path: Path) -> None:
    # The documented trade-off: the state holds an event_id for the span (of arrival time), not
    # for ever, and not for twice the span either (Spark counts a watermark's delay twice); a copy
    # arriving after it is counted again, until a recount of its range.
    span = 4
    batches = MicroBatches(spark, tmp_path, dedupe_seconds=span)
    try:
        batches.send([click(1, "cachorro", "labrador", "10:00:01")])
        # Its batch has run: the arrival Spark gave click 1 is no later than this.
        first_counted = time.monotonic()
        batches.send([click(1, "cachorro", "labrador", "10:00:01")])  # inside the span: dropped
        time.sleep(max(0.0, first_counted + span + 0.5 - time.monotonic()))
        batches.send([click(2, "cachorro", "labrador", "10:00:02")])  # arrives past the span
        batches.send([click(1, "cachorro", "labrador", "10:00:01")])  # forgotten: counted again
    finally:
        batches.query.stop()

    assert batches.emitted == [(["10:00:01"], 0), (["10:00:02"], 0), (["10:00:01"], 0)]


def test_local_checkpoints_go_through_the_file_system_api(spark: SparkSession, tmp_path: Path) -> None:
    spark.conf.unset(CHECKPOINT_FILE_MANAGER)
    assert keep_local_checkpoints_without_forks(spark, tmp_path / "checkpoints")
    assert spark.conf.get(CHECKPOINT_FILE_MANAGER) == FILE_SYSTEM_CHECKPOINTS
