"""Benchmark of the click parse alone: N clicks in the canonical encoding (what the simulator and
the collector write), cached as Kafka records, then events.parse_interactions and
events.keyed_for_dedupe (what the counting query does before its shuffle) into Spark's `noop`
sink, timed --runs times on local[2]. Prints each run, their median and the CPU it stands for per
click (both cores busy: 2 x wall time / clicks). No service needed.

    ~/.cache/petadota/venv/bin/python bench/event-parse.py [--events 1000000] [--runs 5]

Run from the repository root with PYTHONPATH=spark-jobs:platform/python (the README's line)."""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from petadota_trends import events
from petadota_trends.session import build_session
from petadota_trends.settings import SparkSettings

BREEDS = ("labrador", "golden-retriever", "siames", "persa")
ARRIVAL = "2026-12-07 12:30:00"


def kafka_records(spark: SparkSession, count: int) -> DataFrame:
    """`count` distinct valid clicks as the Kafka source gives them, all arrived at ARRIVAL."""
    n = F.col("id")
    value = F.format_string(
        '{"event_id":"%08x-%04x-4%03x-8%03x-%012x","usuario_id":%d,"raca":"%s","tipo":"%s",'
        '"timestamp":"2026-12-07T11:%02d:%02d.%03dZ","animal_id":%d}',
        (n * 2654435761) % 4294967296,
        n % 65536,
        n % 4096,
        (n * 7) % 4096,
        n,
        n % 100000 + 1,
        F.element_at(F.array(*[F.lit(breed) for breed in BREEDS]), (n % len(BREEDS) + 1).cast("int")),
        F.when(n % len(BREEDS) < 2, "cachorro").otherwise("gato"),
        (n / 60 % 60).cast("int"),
        (n % 60).cast("int"),
        (n % 1000).cast("int"),
        n % 500 + 1,
    )
    return spark.range(count, numPartitions=4).select(
        F.lit(None).cast("binary").alias("key"),
        value.cast("binary").alias("value"),
        F.lit("bench").alias("topic"),
        (n % 4).cast("int").alias("partition"),
        n.alias("offset"),
        F.lit(ARRIVAL).cast("timestamp").alias("timestamp"),
        F.lit(0).alias("timestampType"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    spark = build_session(
        "petadota-bench-event-parse",
        replace(SparkSettings.from_env(), master="local[2]", state_store="hdfs"),
        ui=False,
    )
    spark.sparkContext.setLogLevel("WARN")
    try:
        records = kafka_records(spark, args.events).cache()
        records.count()
        keyed = events.keyed_for_dedupe(events.parse_interactions(records, max_future_seconds=300))
        invalid = keyed.where(F.col("reason").isNotNull()).count()
        if invalid:
            raise SystemExit(f"{invalid} of the generated clicks did not parse: the benchmark is broken")
        seconds = []
        for run in range(1, args.runs + 1):
            started = time.perf_counter()
            keyed.write.format("noop").mode("overwrite").save()
            seconds.append(time.perf_counter() - started)
            print(f"  run {run}/{args.runs}: {seconds[-1]:.2f} s", flush=True)
        middle = statistics.median(seconds)
        print(
            f"parse of {args.events} canonical clicks: median {middle:.2f} s, "
            f"{args.events / middle:,.0f} clicks/s, {2 * middle / args.events * 1e6:.2f} µs of CPU a click"
        )
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
