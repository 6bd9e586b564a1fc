"""The trends job: Kafka click events in; views per breed and per animal per 10 s and per hour
added to MySQL, exactly once per record; invalid records to the dead-letter topic. One streaming
query, `trends`, with its checkpoint in SPARK_CHECKPOINT_DIR/trends:

  parse and validate -> key (event_id, or the place of an invalid record) -> dedupe on arrival
  -> per micro-batch: the records past the offsets MySQL has counted
       invalid -> JSON with the reason -> the dead-letter topic
       valid   -> counts per 10-second bucket and per hour, per breed and per animal (joined with
                  the catalog's ids), and the late clicks per arrival minute -> added to the trend
                  tables with the offsets they account for, in one transaction

No click is too late to count: the de-duplication forgets on arrival time, not event time, so a
click sent after an hour offline is counted in its own (old) buckets, and tallied as late.

A second query, `archive` (archive.py, SPARK_ARCHIVE), writes every record as read, valid or
not, as Parquet to SPARK_ARCHIVE_URL, exactly once per offset: the raw data a recount starts from.

Each record is read and validated once. Run with `python -m petadota_trends.job` (from
spark-jobs/) or spark-submit (see the README). SIGTERM or SIGINT stops it gracefully: the batch
in flight finishes, then the query stops. Exit status: 0 stopped on request, 1 the query failed,
2 a prerequisite or setting is wrong."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable

from py4j.protocol import Py4JError
from pyspark.errors import StreamingQueryException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.streaming import StreamingQuery

from petadota_trends import aggregations, archive, dead_letter, events, mysql_sink, preflight, status
from petadota_trends.catalog import Catalog
from petadota_trends.errors import ConfigurationError, TrendsJobError
from petadota_trends.profile import BatchProfile
from petadota_trends.session import build_session, keep_local_checkpoints_without_forks, ship_python_code
from petadota_trends.settings import TrendsSettings, kafka_client_options

log = logging.getLogger("petadota_trends")

APP_NAME = "petadota-trends"
STATUS_INTERVAL_SECONDS = 2.0
# How long a stop waits for the batch in flight; a batch cut short is replayed on restart.
STOP_GRACE_SECONDS = 60.0
# What calls into Spark raise once its JVM is gone.
SPARK_GONE = (Py4JError, ConnectionError)
QUERY_NAME = "trends"


def kafka_options(settings: TrendsSettings) -> dict[str, str]:
    """The Kafka client properties as the Spark source and sink take them: prefixed ``kafka.``."""
    return {f"kafka.{name}": value for name, value in kafka_client_options(settings.spark).items()}


def read_interactions(spark: SparkSession, settings: TrendsSettings, trigger_seconds: float) -> DataFrame:
    """The topic as a stream whose micro-batches, `trigger_seconds` apart, hold at most what
    SPARK_MAX_OFFSETS_PER_TRIGGER allows the counting query's trigger, scaled to their own: a
    query on a longer trigger (the archive) takes as many records per second, not fewer."""
    per_batch = round(settings.max_offsets_per_trigger * max(1.0, trigger_seconds / settings.trigger_seconds))
    return (
        spark.readStream.format("kafka")
        .options(**kafka_options(settings))
        .option("subscribe", settings.interactions_topic)
        # Only for a fresh checkpoint; afterwards the checkpoint says where to go on.
        .option("startingOffsets", settings.starting_offsets)
        .option("failOnDataLoss", str(settings.fail_on_data_loss).lower())
        .option("maxOffsetsPerTrigger", str(per_batch))
        .load()
    )


def process_batch(settings: TrendsSettings, catalog: Catalog | None) -> Callable[[DataFrame, int], None]:
    """foreachBatch body: the batch's records past what MySQL has counted are dead-lettered
    (first: a crash then republishes, at least once, rather than loses them) and counted. Without
    a catalog (SPARK_ANIMAL_TRENDS=false) there are no counts per animal."""

    def write(batch: DataFrame, batch_id: int) -> None:
        topic = settings.interactions_topic
        profile = BatchProfile(settings.profile, QUERY_NAME, batch_id)
        with profile.phase("mysql_read_offsets"):
            counted = mysql_sink.counted_offsets(settings.mysql, topic)
        fresh = aggregations.not_counted_yet(batch, counted).persist()
        try:
            if settings.profile:
                # Only when measuring: one more pass, so that reading Kafka, parsing and the
                # de-duplication state are timed apart from the aggregations that reuse the cache.
                with profile.phase("kafka_parse_dedupe"):
                    fresh.count()
            with profile.phase("batch_counts"):
                known = catalog.known_ids() if catalog else None
                rows = aggregations.batch_counts(fresh, known, settings.late_after_seconds).collect()
            counts = mysql_sink.BatchCounts.of(rows)
            if any(row.invalidos for row in rows):
                with profile.phase("dead_letter"):
                    messages = dead_letter.dead_letter_messages(events.invalid_records(fresh))
                    dead_letter.publish(messages, kafka_options(settings), settings.dead_letter_topic)
            if counts.late_clicks:
                log.info(
                    "batch %d: %d late clicks, counted in their own buckets", batch_id, counts.late_clicks
                )
            with profile.phase("mysql_transaction"):
                mysql_sink.add_counts(settings.mysql, topic, counted, counts)
            profile.log(sum(row.visualizacoes + row.invalidos for row in rows))
        finally:
            fresh.unpersist()

    return write


def start_query(spark: SparkSession, settings: TrendsSettings) -> StreamingQuery:
    parsed = events.parse_interactions(
        read_interactions(spark, settings, settings.trigger_seconds), settings.max_future_seconds
    )
    records = aggregations.deduplicated(
        events.keyed_for_dedupe(parsed), settings.dedupe_seconds, key="dedupe_key"
    )
    catalog = (
        Catalog(spark, settings.mysql, settings.catalog_refresh_seconds) if settings.animal_trends else None
    )
    return (
        records.writeStream.queryName(QUERY_NAME)
        .outputMode("append")
        .foreachBatch(process_batch(settings, catalog))
        .option("checkpointLocation", str(settings.checkpoint_dir / QUERY_NAME))
        .trigger(processingTime=f"{settings.trigger_seconds} seconds")
        .start()
    )


def start_archive(spark: SparkSession, settings: TrendsSettings) -> StreamingQuery:
    """The archive query: every record as read, with its own checkpoint and trigger."""
    assert settings.archive is not None
    parsed = events.parse_interactions(
        read_interactions(spark, settings, settings.archive.trigger_seconds), settings.max_future_seconds
    )
    return (
        parsed.writeStream.queryName(archive.QUERY_NAME)
        .outputMode("append")
        .foreachBatch(archive.archive_batch(settings))
        .option("checkpointLocation", str(settings.checkpoint_dir / archive.QUERY_NAME))
        .trigger(processingTime=f"{settings.archive.trigger_seconds} seconds")
        .start()
    )


def stop_gracefully(queries: dict[str, StreamingQuery]) -> None:
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for name, query in queries.items():
        while query.isActive and query.status["isTriggerActive"] and time.monotonic() < deadline:
            time.sleep(0.1)
        query.stop()
        log.info("query %s stopped", name)


def run(spark: SparkSession, settings: TrendsSettings, stop_requested: threading.Event) -> int:
    progress = status.ProgressLog(profile=settings.profile)
    spark.streams.addListener(progress)
    queries = {QUERY_NAME: start_query(spark, settings)}
    if settings.archive:
        queries[archive.QUERY_NAME] = start_archive(spark, settings)
    ui_url = spark.sparkContext.uiWebUrl
    log.info(
        "streaming %s on %s -> MySQL %s:%s/%s, dead letters -> %s, archive -> %s; checkpoints in %s; "
        "Spark UI %s",
        settings.interactions_topic,
        spark.sparkContext.master,
        settings.mysql.host,
        settings.mysql.port,
        settings.mysql.database,
        settings.dead_letter_topic,
        settings.archive.url if settings.archive else "off",
        settings.checkpoint_dir,
        ui_url,
    )
    try:
        while not stop_requested.is_set():
            status.write_status(settings, "running", queries, progress, ui_url)
            if spark.streams.awaitAnyTermination(STATUS_INTERVAL_SECONDS):
                failed = [name for name, query in queries.items() if query.exception() is not None]
                log.error("query stopped unexpectedly: %s", ", ".join(failed) or "one of them")
                return 1
    except StreamingQueryException as error:
        log.error("a streaming query failed: %s", error)
        return 1
    except SPARK_GONE:
        if not stop_requested.is_set():
            raise
        log.warning("Spark went down with the stop request (its JVM was signalled too)")
        return 0
    finally:
        try:
            status.write_status(settings, "stopping", queries, progress, ui_url)
            stop_gracefully(queries)
            status.write_status(settings, "stopped", queries, progress, ui_url)
        except SPARK_GONE as error:
            # The JVM went first (a signal to the whole process group): nothing left to stop, and
            # the checkpoints make the batches it cut short replay on the next start.
            log.warning("Spark stopped before its queries could be stopped: %s", error)
    log.info("stopped on request")
    return 0


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    ).parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("py4j").setLevel(logging.WARNING)  # a line per listener callback otherwise
    stop_requested = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        log.info("%s received: stopping after the batches in flight", signal.Signals(signum).name)
        stop_requested.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        settings = TrendsSettings.from_env()
        # MySQL first: it needs no JVM, so the commonest mistake fails in a second.
        mysql_sink.check_access(settings.mysql)
        mysql_sink.check_counts_accounted(settings.mysql, settings.interactions_topic)
        spark = build_session(
            APP_NAME, settings.spark, hadoop=settings.archive.hadoop_options() if settings.archive else None
        )
    except (TrendsJobError, ConfigurationError) as error:
        log.error("%s: %s", type(error).__name__, error)
        return 2
    try:
        spark.sparkContext.setLogLevel("WARN")
        ship_python_code(spark)
        keep_local_checkpoints_without_forks(spark, settings.checkpoint_dir)
        preflight.check_topics(
            spark, settings.spark, [settings.interactions_topic, settings.dead_letter_topic]
        )
        if settings.archive:
            preflight.check_archive(spark, settings.archive.url)
        return run(spark, settings, stop_requested)
    except (TrendsJobError, ConfigurationError) as error:
        log.error("%s: %s", type(error).__name__, error)
        return 2
    finally:
        try:
            spark.stop()
        except SPARK_GONE:
            log.warning("Spark was already down")


if __name__ == "__main__":
    sys.exit(main())
