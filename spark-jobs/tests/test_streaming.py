"""A real micro-batch loop over three batches: update-mode rows carry absolute counts, a redelivered
event is counted once, and an event later than the watermark is not counted."""

from __future__ import annotations

import os
from datetime import datetime
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


def at(clock: str) -> datetime:
    return datetime.fromisoformat(f"2025-11-22T{clock}")


def test_update_mode_dedupe_and_watermark_over_three_micro_batches(
    spark: SparkSession, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    parsed = events.parse_interactions(as_kafka_records(spark.readStream.text(str(inbox))), 300)
    counts = aggregations.views_per_bucket(aggregations.deduplicated(events.valid_events(parsed), 10))
    emitted: list[dict[tuple, int]] = []

    def collect(batch: DataFrame, _batch_id: int) -> None:
        rows = {(row.bucket_inicio, row.raca): row.visualizacoes for row in batch.collect()}
        if rows:  # a batch without data only moves the watermark on
            emitted.append(rows)

    query = (
        counts.writeStream.outputMode("update")
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
        # The watermark is now 10:00:25 - 10 s = 10:00:15: 10:00:06 and 10:00:01 are late.
        add_file(
            inbox,
            "3.json",
            [
                click(6, "cachorro", "labrador", "10:00:06"),
                click(7, "cachorro", "labrador", "10:00:26"),
                click(1, "cachorro", "labrador", "10:00:01"),
            ],
        )
        query.processAllAvailable()
        dropped = sum(op.numRowsDroppedByWatermark for p in query.recentProgress for op in p.stateOperators)
    finally:
        query.stop()

    assert emitted == [
        {(at("10:00:00"), "labrador"): 2, (at("10:00:00"), "persa"): 1},
        {(at("10:00:00"), "labrador"): 3, (at("10:00:20"), "labrador"): 1},
        {(at("10:00:20"), "labrador"): 2},
    ]
    assert dropped == 2
