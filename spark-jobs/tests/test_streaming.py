"""A real micro-batch loop over three batches, through the job's streaming part: each batch hands
on the new events and the invalid records; a redelivered event comes once, an event later than
the watermark not at all, and an invalid record always (it is keyed by its place, untimed)."""

from __future__ import annotations

import os
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from petadota_trends import aggregations, events
from tests.test_aggregations import click


def as_kafka_records(lines: DataFrame) -> DataFrame:
    return lines.select(
        F.lit(None).cast("binary").alias("key"),
        F.col("value").cast("binary").alias("value"),
        F.lit("file").alias("topic"),
        F.lit(0).alias("partition"),
        F.lit(0).cast("long").alias("offset"),
        F.current_timestamp().alias("timestamp"),
    )


def add_file(directory: Path, name: str, values: list[bytes]) -> None:
    # Written beside the directory, then moved in: the file source must never see half a file.
    partial = directory.parent / f".{name}"
    partial.write_bytes(b"\n".join(values) + b"\n")
    os.replace(partial, directory / name)


def test_dedupe_and_watermark_over_three_micro_batches(spark: SparkSession, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    parsed = events.parse_interactions(as_kafka_records(spark.readStream.text(str(inbox))), 300)
    records = aggregations.deduplicated(events.keyed_for_dedupe(parsed), 10, key="dedupe_key")
    emitted: list[tuple[list[str], int]] = []

    def collect(batch: DataFrame, _batch_id: int) -> None:
        rows = batch.collect()
        if rows:  # a batch without data only moves the watermark on
            valid = sorted(str(row.event_time.time()) for row in rows if row.reason is None)
            emitted.append((valid, sum(row.reason is not None for row in rows)))

    query = (
        records.writeStream.outputMode("append")
        .foreachBatch(collect)
        .option("checkpointLocation", str(tmp_path / "checkpoint"))
        .start()
    )
    try:
        add_file(
            inbox,
            "1.json",
            [
                click(1, "cachorro", "labrador", "10:00:01"),
                click(2, "cachorro", "labrador", "10:00:02"),
                click(3, "gato", "persa", "10:00:03"),
                b"not json",
            ],
        )
        query.processAllAvailable()
        # The watermark is now 10:00:03 - 10 s: 10:00:04 is still on time.
        add_file(
            inbox,
            "2.json",
            [
                click(4, "cachorro", "labrador", "10:00:25"),
                click(1, "cachorro", "labrador", "10:00:01"),
                click(5, "cachorro", "labrador", "10:00:04"),
            ],
        )
        query.processAllAvailable()
        # The watermark is now 10:00:25 - 10 s = 10:00:15: 10:00:06 and 10:00:01 are late. The
        # invalid record (with a good time) neither is late nor moves the watermark on.
        add_file(
            inbox,
            "3.json",
            [
                click(6, "cachorro", "labrador", "10:00:06"),
                click(7, "cachorro", "labrador", "10:00:26"),
                click(1, "cachorro", "labrador", "10:00:01"),
                click(8, "cavalo", "mangalarga", "11:00:00"),
            ],
        )
        query.processAllAvailable()
        dropped = sum(op.numRowsDroppedByWatermark for p in query.recentProgress for op in p.stateOperators)
        watermark = query.lastProgress["eventTime"]["watermark"]
    finally:
        query.stop()

    assert emitted == [
        (["10:00:01", "10:00:02", "10:00:03"], 1),
        (["10:00:04", "10:00:25"], 0),
        (["10:00:26"], 1),
    ]
    assert dropped == 2
    assert watermark == "2025-11-22T10:00:16.000Z"
