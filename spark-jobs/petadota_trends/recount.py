"""The recount: rebuilds the trend tables of a time range from the archive, de-duplicating by
event_id over the whole range and counting every late click, then swaps the rows in atomically
while the stream goes on. `python -m petadota_trends.recount --from 2026-12-02T10:00:00Z
--to 2026-12-02T12:00:00Z` (whole hours, UTC); the Temporal workflow recountTrends runs it.

A consistent cut, without stopping the stream:
  1. C0 := offsets_contados (what the tables account for); wait until the archive holds them.
  2. Count the range from the archive's records at or below C0 (the long part, no lock held).
  3. In one transaction: lock offsets_contados (the stream's next batch waits), read C1. The
     records in (C0, C1] the stream counted meanwhile are read from Kafka (a few seconds' worth),
     those of the range not already counted in 2 added; then the range's rows of
     visualizacoes_10s, visualizacoes_hora, visualizacoes_animal_10s and visualizacoes_animal_hora
     are deleted and the recounted ones inserted, and the recount is recorded in recontagens.
  After the commit, the stream adds what is past C1, as ever. A range with nothing late and no
  duplicate beyond the stream's de-duplication span recounts to the very rows it had."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import pymysql
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from petadota_trends import aggregations, archive, catalog, events, mysql_sink
from petadota_trends.errors import (
    ArchiveUnavailableError,
    ConfigurationError,
    MysqlUnavailableError,
    TrendsJobError,
)
from petadota_trends.job import kafka_options
from petadota_trends.session import build_session, ship_python_code
from petadota_trends.settings import TrendsSettings

log = logging.getLogger("petadota_trends.recount")

APP_NAME = "petadota-recount"
# Read from Kafka under the lock: more than this means the archive is far behind the counts.
MAX_DELTA_RECORDS = 2_000_000
# The tables a recount rebuilds, each with its time column and how many columns make its key.
RANGE_TABLES = (
    (mysql_sink.VIEWS_10S, "bucket_inicio", 3),
    (mysql_sink.VIEWS_HOUR, "hora_inicio", 3),
    (mysql_sink.VIEWS_ANIMAL_10S, "bucket_inicio", 2),
    (mysql_sink.VIEWS_ANIMAL_HOUR, "hora_inicio", 2),
)


class RecountRangeError(TrendsJobError):
    """The range is not whole hours, or ends before it starts."""


class ArchiveBehindError(TrendsJobError):
    """The archive holds too little of what the tables count: a later recount may not."""


# Failures a later run may not meet: exit status 1, which the workflow retries. Others: 2.
TRANSIENT = (MysqlUnavailableError, ArchiveUnavailableError, ArchiveBehindError)


@dataclass(frozen=True)
class RecountSummary:
    start: str
    end: str
    events: int
    archived_records: int
    kafka_records: int
    rows_before: int
    rows_after: int
    rows_changed: int
    views_before: int
    views_after: int
    counted_offsets: dict[int, int]
    seconds: float


def hour_range(start: str, end: str) -> tuple[datetime, datetime]:
    """Whole UTC hours, `start` before `end` (ISO-8601, e.g. 2026-12-02T10:00:00Z)."""
    try:
        begin, finish = (datetime.fromisoformat(value.replace("Z", "+00:00")) for value in (start, end))
    except ValueError as error:
        raise RecountRangeError(f"not an ISO-8601 time: {error}") from None
    if begin.tzinfo is None or finish.tzinfo is None:
        raise RecountRangeError("give the range in UTC, with a Z or an offset: 2026-12-02T10:00:00Z")
    begin, finish = begin.astimezone(UTC), finish.astimezone(UTC)
    for value in (begin, finish):
        if value != value.replace(minute=0, second=0, microsecond=0):
            raise RecountRangeError(f"{value.isoformat()} is not a whole hour: the range must be whole hours")
    if finish <= begin:
        raise RecountRangeError(
            f"the range ends ({finish.isoformat()}) before it starts ({begin.isoformat()})"
        )
    return begin.replace(tzinfo=None), finish.replace(tzinfo=None)


def _no_events(spark: SparkSession) -> DataFrame:
    return spark.createDataFrame([], events.EVENT_SCHEMA).withColumn("reason", F.lit(None).cast("string"))


def archived_events(spark: SparkSession, url: str, begin: datetime, end: datetime) -> DataFrame:
    """The valid records of the archive with an event time in [begin, end), read partition by
    partition (event_date, event_hour) from the range's hours only."""
    hours = []
    at = begin
    while at < end:
        hours.append((at.date().isoformat(), at.hour))
        at += timedelta(hours=1)
    path = f"{url}/{archive.VALID}"
    jvm_path = spark.sparkContext._jvm.org.apache.hadoop.fs.Path(path)
    if not jvm_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).exists(jvm_path):
        # Nothing archived yet (a new platform): every counted click is then read from Kafka.
        log.warning("no archive at %s yet", path)
        return _no_events(spark)
    wanted = F.lit(False)
    for day, hour in hours:
        wanted = wanted | ((F.col("event_date") == F.lit(day).cast("date")) & (F.col("event_hour") == hour))
    return (
        spark.read.parquet(path)
        .where(wanted)
        .where((F.col("event_time") >= F.lit(begin)) & (F.col("event_time") < F.lit(end)))
        .select(*events.EVENT_SCHEMA.fieldNames(), F.lit(None).cast("string").alias("reason"))
    )


def kafka_events(
    spark: SparkSession, settings: TrendsSettings, after: dict[int, int], upto: dict[int, int]
) -> DataFrame:
    """The valid events at offsets in (after, upto] per partition, read from the topic itself."""
    topic = settings.interactions_topic
    wanted = {p: (after.get(p, -1), last) for p, last in upto.items() if last > after.get(p, -1)}
    if not wanted:
        return _no_events(spark)
    records = (
        spark.read.format("kafka")
        .options(**kafka_options(settings))
        .option("subscribe", topic)
        .option(
            "startingOffsets", json.dumps({topic: {str(p): first + 1 for p, (first, _) in wanted.items()}})
        )
        .option("endingOffsets", json.dumps({topic: {str(p): last + 1 for p, (_, last) in wanted.items()}}))
        .load()
    )
    parsed = events.parse_interactions(records, settings.max_future_seconds)
    return events.valid_events(parsed).withColumn("reason", F.lit(None).cast("string"))


def recount_counts(
    spark: SparkSession, clicks: DataFrame, known_ids: DataFrame, begin: datetime, end: datetime
) -> tuple[mysql_sink.BatchCounts, int]:
    """The range's counts from `clicks` (valid events, duplicates included): once per event_id."""
    unique = (
        clicks.where((F.col("event_time") >= F.lit(begin)) & (F.col("event_time") < F.lit(end)))
        .dropDuplicates(["event_id"])
        .persist()
    )
    try:
        counts = mysql_sink.BatchCounts.of(
            aggregations.batch_counts(unique, known_ids, None, per_partition=False).collect()
        )
        return counts, unique.count()
    finally:
        unique.unpersist()


def at_or_below(records: DataFrame, cut: dict[int, int]) -> DataFrame:
    """The records at or below the offset `cut` gives their partition (none of another partition)."""
    if not cut:
        return records.where(F.lit(False))
    return records.where(F.col("offset") <= aggregations.offset_in_partition(cut))


def _range_rows(
    cursor: pymysql.cursors.Cursor, begin: datetime, end: datetime
) -> dict[str, dict[tuple, tuple]]:
    """Every row of the range, per table, by key."""
    rows: dict[str, dict[tuple, tuple]] = {}
    for table, column, keys in RANGE_TABLES:
        cursor.execute(
            f"SELECT {', '.join(table.columns)} FROM {table.name} WHERE {column} >= %s AND {column} < %s",  # noqa: S608
            (begin, end),
        )
        rows[table.name] = {tuple(row[:keys]): tuple(row[keys:]) for row in cursor.fetchall()}
    return rows


def _changed(before: dict[str, dict[tuple, tuple]], after: dict[str, dict[tuple, tuple]]) -> int:
    return sum(
        len(
            {
                key
                for key in before[name].keys() | after[name].keys()
                if before[name].get(key) != after[name].get(key)
            }
        )
        for name in before
    )


def _views(rows: dict[str, dict[tuple, tuple]]) -> int:
    return sum(int(values[0]) for values in rows[mysql_sink.VIEWS_10S.name].values())


def recount(spark: SparkSession, settings: TrendsSettings, begin: datetime, end: datetime) -> RecountSummary:
    if settings.archive is None:
        raise ConfigurationError("SPARK_ARCHIVE", "is false: a recount reads the archive")
    started = time.monotonic()
    mysql, topic = settings.mysql, settings.interactions_topic
    counted = mysql_sink.counted_offsets(mysql, topic)
    archived = mysql_sink.archived_offsets(mysql, topic)
    # The archive's part: what it holds of what the tables account for. The rest comes from Kafka.
    cut = {partition: min(offset, archived.get(partition, -1)) for partition, offset in counted.items()}
    known = spark.createDataFrame(
        [(i,) for i in catalog.read_ids(mysql, mysql_sink.ATTEMPTS)], "animal_id LONG"
    )
    base = at_or_below(archived_events(spark, settings.archive.url, begin, end), cut)
    base = base.dropDuplicates(["event_id"]).persist()
    try:
        base_rows = aggregations.batch_counts(base, known, None, per_partition=False).collect()
        archived_records = base.count()
        log.info("recount %s..%s: %d events from the archive", begin, end, archived_records)
        connection = mysql_sink.connect(mysql)
        try:
            summary = _swap(spark, settings, connection, begin, end, cut, base, base_rows, known)
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            connection.close()
    finally:
        base.unpersist()
    return RecountSummary(
        **{**summary, "archived_records": archived_records, "seconds": round(time.monotonic() - started, 1)}
    )


def _swap(
    spark: SparkSession,
    settings: TrendsSettings,
    connection: pymysql.connections.Connection,
    begin: datetime,
    end: datetime,
    cut: dict[int, int],
    base: DataFrame,
    base_rows: list,
    known: DataFrame,
) -> dict:
    """Under the lock of offsets_contados: the clicks counted since `cut` read from Kafka and added,
    the range's rows replaced, the recount recorded. The caller commits."""
    topic = settings.interactions_topic
    with connection.cursor() as cursor:
        # The stream's next transaction waits here until the commit: nothing is counted meanwhile.
        cursor.execute(
            "SELECT particao, ultimo_offset FROM offsets_contados WHERE topico = %s FOR UPDATE", (topic,)
        )
        counted = {int(partition): int(offset) for partition, offset in cursor.fetchall()}
        behind = sum(offset - cut.get(partition, -1) for partition, offset in counted.items())
        if behind > MAX_DELTA_RECORDS:
            raise ArchiveBehindError(
                f"the archive is {behind} records behind the counts of {topic}: is the archive query "
                "running (SPARK_ARCHIVE)? Recount once it has caught up"
            )
        delta = kafka_events(spark, settings, cut, counted).join(
            base.select("event_id"), "event_id", "left_anti"
        )
        delta = delta.where((F.col("event_time") >= F.lit(begin)) & (F.col("event_time") < F.lit(end)))
        delta = delta.dropDuplicates(["event_id"]).persist()
        try:
            counts = mysql_sink.BatchCounts.of(
                base_rows + aggregations.batch_counts(delta, known, None, per_partition=False).collect()
            )
            kafka_records = delta.count()
        finally:
            delta.unpersist()
        before = _range_rows(cursor, begin, end)
        for table, column, _ in RANGE_TABLES:
            cursor.execute(f"DELETE FROM {table.name} WHERE {column} >= %s AND {column} < %s", (begin, end))  # noqa: S608
        mysql_sink.insert_counts(cursor, counts)
        after = _range_rows(cursor, begin, end)
        summary = {
            "start": begin.isoformat() + "Z",
            "end": end.isoformat() + "Z",
            "events": sum(counts.hours.values()),
            "kafka_records": kafka_records,
            "rows_before": sum(len(rows) for rows in before.values()),
            "rows_after": sum(len(rows) for rows in after.values()),
            "rows_changed": _changed(before, after),
            "views_before": _views(before),
            "views_after": _views(after),
            "counted_offsets": counted,
        }
        cursor.execute(
            "INSERT INTO recontagens (de, ate, eventos, linhas_alteradas, visualizacoes_antes, "
            "visualizacoes_depois, offsets_contados) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                begin,
                end,
                summary["events"],
                summary["rows_changed"],
                summary["views_before"],
                summary["views_after"],
                json.dumps({str(partition): offset for partition, offset in sorted(counted.items())}),
            ),
        )
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--from", dest="start", required=True, help="the range's first hour, UTC (…T10:00:00Z)"
    )
    parser.add_argument("--to", dest="end", required=True, help="the hour after its last, UTC (…T12:00:00Z)")
    args = parser.parse_args(argv)
    # Progress on stderr; stdout holds only the summary, one JSON line, for the activity that runs it.
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("py4j").setLevel(logging.WARNING)
    try:
        begin, end = hour_range(args.start, args.end)
        settings = TrendsSettings.from_env()
        mysql_sink.check_access(settings.mysql)
        spark = build_session(
            APP_NAME,
            settings.spark,
            ui=False,
            hadoop=settings.archive.hadoop_options() if settings.archive else None,
        )
    except (TrendsJobError, ConfigurationError) as error:
        log.error("%s: %s", type(error).__name__, error)
        return 1 if isinstance(error, TRANSIENT) else 2
    try:
        spark.sparkContext.setLogLevel("WARN")
        ship_python_code(spark)
        summary = recount(spark, settings, begin, end)
    except (TrendsJobError, ConfigurationError) as error:
        log.error("%s: %s", type(error).__name__, error)
        return 1 if isinstance(error, TRANSIENT) else 2
    finally:
        spark.stop()
    log.info(
        "recounted %s..%s: %d events, %d of %d rows changed, views %d -> %d, in %.1f s",
        summary.start,
        summary.end,
        summary.events,
        summary.rows_changed,
        summary.rows_before,
        summary.views_before,
        summary.views_after,
        summary.seconds,
    )
    print(json.dumps(asdict(summary)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
