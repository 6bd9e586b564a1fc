"""Benchmark of the counting query's de-duplication state alone: Spark's `rate` source at --rate
distinct event ids a second, keyed like clicks (36-character ids), through
aggregations.deduplicated (RocksDB, changelog checkpoints, as the job sets them) into the `noop`
sink on local[2], with the job's default trigger (2 s). The state fills for --span seconds and
then holds it, so a run of two spans or more shows the steady state. Prints, per minute of the
run, the medians per micro-batch of the state's update, its removal (Spark's scan for what to
forget), its commit and the whole batch, the rows the state held, and the CPU each input row cost
the JVM. No service needed; --conf sets any Spark option for the run (a RocksDB setting, say), so
two runs compare it.

    ~/.cache/petadota/venv/bin/python bench/dedupe-state.py [--rate 20000] [--span 120]
        [--seconds 300] [--trigger 2] [--conf KEY=VALUE]…

Run from the repository root with PYTHONPATH=spark-jobs:platform/python (the README's line)."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from statistics import median

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from petadota_trends import aggregations
from petadota_trends.job import stop_gracefully
from petadota_trends.session import build_session, keep_local_checkpoints_without_forks
from petadota_trends.settings import SparkSettings

# Progress of every batch of a run, read once at its end: polling it over py4j costs the driver.
PROGRESS_KEPT = 10_000


def jvm_cpu_seconds(spark: SparkSession) -> float:
    """The CPU time of the driver's JVM (local mode: the executors' threads too), from /proc."""
    pid = spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def run(spark: SparkSession, args: argparse.Namespace, checkpoint: Path) -> list[dict]:
    n = F.col("value")
    ids = spark.readStream.format("rate").option("rowsPerSecond", args.rate).option("numPartitions", 2).load()
    # Distinct ids shaped like a click's event_id: the state's keys are as long as the job's.
    keyed = ids.select(
        F.format_string(
            "%08x-%04x-4%03x-8%03x-%012x", n % 4294967296, n % 65536, n % 4096, n % 4096, n
        ).alias("event_id")
    )
    query = (
        aggregations.deduplicated(keyed, args.span)
        .writeStream.format("noop")
        .option("checkpointLocation", str(checkpoint))
        .trigger(processingTime=f"{args.trigger} seconds")
        .start()
    )
    cpu_before = jvm_cpu_seconds(spark)
    try:
        time.sleep(args.seconds)
    finally:
        stop_gracefully({"dedupe": query})
    cpu = jvm_cpu_seconds(spark) - cpu_before
    progress = [json.loads(p.json) for p in query.recentProgress]
    rows = sum(p["numInputRows"] for p in progress)
    print(f"JVM CPU {cpu:.0f} s for {rows:,} rows: {cpu / max(rows, 1) * 1e6:.1f} µs a row")
    return progress


def report(progress: list[dict], started: float) -> None:
    by_minute: dict[int, list[dict]] = {}
    for p in progress:
        if p["numInputRows"]:
            at = datetime.fromisoformat(p["timestamp"].replace("Z", "+00:00")).timestamp()
            by_minute.setdefault(int((at - started) // 60), []).append(p)
    print("minute  batches  rows/batch  update ms  removal ms  commit ms  batch ms  state rows (last)")
    for minute, batches in sorted(by_minute.items()):
        state = [b["stateOperators"][0] for b in batches]
        print(
            f"{minute:6d}  {len(batches):7d}  {median([b['numInputRows'] for b in batches]):10,.0f}  "
            f"{median([s['allUpdatesTimeMs'] for s in state]):9,.0f}  "
            f"{median([s['allRemovalsTimeMs'] for s in state]):10,.0f}  "
            f"{median([s['commitTimeMs'] for s in state]):9,.0f}  "
            f"{median([b['durationMs']['triggerExecution'] for b in batches]):8,.0f}  "
            f"{state[-1]['numRowsTotal']:,}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=int, default=20_000, help="distinct ids a second")
    parser.add_argument("--span", type=int, default=120, help="SPARK_DEDUPE_SECONDS of the run")
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--trigger", type=float, default=2.0)
    parser.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    settings = SparkSettings.from_env()
    spark = build_session("petadota-bench-dedupe-state", replace(settings, master="local[2]"), ui=False)
    spark.sparkContext.setLogLevel("WARN")
    spark.conf.set("spark.sql.streaming.numRecentProgressUpdates", str(PROGRESS_KEPT))
    for option in args.conf:
        key, _, value = option.partition("=")
        spark.conf.set(key, value)
    print(
        f"de-duplication of {args.rate:,} ids/s over a {args.span}-s span, {args.seconds} s, "
        f"trigger {args.trigger} s, {settings.shuffle_partitions} state partitions"
        + (f", {' '.join(args.conf)}" if args.conf else ""),
        flush=True,
    )
    try:
        with tempfile.TemporaryDirectory(prefix="dedupe-state-") as scratch:
            checkpoint = Path(scratch) / "checkpoint"
            keep_local_checkpoints_without_forks(spark, checkpoint)
            started = time.time()
            report(run(spark, args, checkpoint), started)
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
