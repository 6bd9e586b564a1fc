"""Benchmark of the recount: one hour of archived clicks (1,000,000 by default, with 5% copies)
on the local S3 server, recounted into an isolated database; prints the events per second of
three runs and their median. Isolated (its bucket, database, account) and removed at the end.

    ~/.cache/petadota/venv/bin/python bench/recount.py [--events 1000000] [--runs 3]

Run from the repository root with PYTHONPATH=spark-jobs:platform/python (the README's line)."""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from dataclasses import replace
from datetime import datetime

from pyspark.sql import functions as F

from petadota_trends import archive, mysql_sink, recount
from petadota_trends.session import build_session, ship_python_code
from petadota_trends.settings import SparkSettings, TrendsSettings
from tests.helpers import IsolatedDatabase, S3Bucket

HOUR = datetime(2026, 11, 20, 14)
BREEDS = [
    ("cachorro", "labrador"),
    ("cachorro", "beagle"),
    ("gato", "persa"),
    ("gato", "siames"),
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    suffix = uuid.uuid4().hex[:10]
    database, bucket = (
        IsolatedDatabase(f"bench_{suffix}"),
        S3Bucket(f"bench-recount-{suffix}"),
    )
    database.create()
    try:
        settings = TrendsSettings.from_env(
            {
                **os.environ,
                "KAFKA_INTERACTIONS_TOPIC": f"bench-{suffix}",
                **database.stream_env(),
                "SPARK_ARCHIVE_URL": f"s3a://{bucket.name}/interacoes",
            }
        )
        assert settings.archive is not None
        spark = build_session(
            "petadota-bench-recount",
            replace(SparkSettings.from_env(), state_store="hdfs"),
            ui=False,
            hadoop=settings.archive.hadoop_options(),
        )
        spark.sparkContext.setLogLevel("WARN")
        ship_python_code(spark)
        copies = args.events // 20
        total = args.events + copies
        print(
            f"archiving {args.events} clicks over {HOUR:%Y-%m-%d %H}:00 UTC, {copies} of them twice …",
            flush=True,
        )
        started = time.monotonic()
        n = F.col("id")
        unique = F.when(n < args.events, n).otherwise(n - args.events)  # the copies repeat the first ids
        breed = F.element_at(
            F.array(*[F.lit(f"{t}/{r}") for t, r in BREEDS]),
            (unique % len(BREEDS) + 1).cast("int"),
        )
        records = spark.range(total).select(
            F.lit(None).cast("binary").alias("key"),
            F.lit(None).cast("binary").alias("value"),
            F.lit(settings.interactions_topic).alias("topic"),
            (n % 3).cast("int").alias("partition"),
            (n / 3).cast("long").alias("offset"),
            F.timestamp_seconds(F.lit(HOUR.timestamp()) + unique * 3600 / args.events + 60).alias(
                "kafka_timestamp"
            ),
            F.format_string("00000000-0000-4000-8000-%012d", unique).alias("event_id"),
            F.format_string("v-%d", unique % 5000).alias("usuario_id"),
            F.split(breed, "/")[1].alias("raca"),
            F.split(breed, "/")[0].alias("tipo"),
            F.timestamp_seconds(F.lit(HOUR.timestamp()) + unique * 3600 / args.events).alias("event_time"),
            (unique % 1000 + 1).alias("animal_id"),
            F.lit(None).cast("string").alias("reason"),
            F.lit(None).cast("string").alias("detail"),
        )
        valid, _ = archive.archive_records(records, 60, "bench")
        archive.write_parquet(valid, f"{settings.archive.url}/{archive.VALID}", archive.VALID_PARTITIONS)
        last = {p: (total - 1 - p) // 3 for p in range(3)}
        mysql_sink.record_archived(settings.mysql, settings.interactions_topic, last)
        database.query(
            "INSERT INTO offsets_contados (topico, particao, ultimo_offset) "
            "VALUES (%s, %s, %s), (%s, %s, %s), (%s, %s, %s)",
            tuple(v for p, o in last.items() for v in (settings.interactions_topic, p, o)),
        )
        print(f"  archived in {time.monotonic() - started:.0f} s", flush=True)
        rates = []
        for run in range(1, args.runs + 1):
            summary = recount.recount(spark, settings, HOUR, HOUR.replace(hour=HOUR.hour + 1))
            assert summary.events == args.events, summary
            rate = (summary.archived_records + copies) / summary.seconds
            rates.append(rate)
            print(
                f"  run {run}: {summary.events} events ({total} records) in {summary.seconds:.1f} s: "
                f"{rate:,.0f} records/s; {summary.rows_changed} rows changed",
                flush=True,
            )
        print(
            f"\nrecount of one hour, median of {args.runs} runs: "
            f"{statistics.median(rates):,.0f} archived records/s"
        )
        spark.stop()
    finally:
        database.drop()
        bucket.delete()


if __name__ == "__main__":
    main()
