"""The archive's writes in batch mode, to a local directory (the same code writes s3a:// in the
integration test), with the archived offsets on real MariaDB: the layout and contents read back
with Spark; a replayed batch rewrites its own files; what is archived is never archived again."""

from __future__ import annotations

import os
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession

from petadota_trends import archive, events, mysql_sink
from petadota_trends.settings import TrendsSettings
from tests.helpers import IsolatedDatabase
from tests.test_aggregations import click, on
from tests.test_events import records

TOPIC = "interacoes"  # what tests.test_events.records names the topic


@pytest.fixture
def trends_settings(isolated_database: IsolatedDatabase, tmp_path: Path) -> TrendsSettings:
    return TrendsSettings.from_env(
        {
            **os.environ,
            "KAFKA_INTERACTIONS_TOPIC": TOPIC,
            **isolated_database.stream_env(),
            "SPARK_ARCHIVE_URL": (tmp_path / "archive").as_uri(),
        }
    )


ARRIVALS = [
    (click(1, "cachorro", "labrador", "10:59:59.999"), on("11:00:01")),
    (click(2, "gato", "persa", "11:00:00"), on("11:00:01")),
    (click(3, "gato", "persa", "09:30:00"), on("11:00:02")),  # late: 90 minutes
    (b"not json", on("11:00:02")),
    (click(1, "cachorro", "labrador", "10:59:59.999"), on("11:00:03")),  # redelivered: kept, twice
    (click(4, "cavalo", "mangalarga", "11:00:00"), on("11:00:04")),
]


def batch(spark: SparkSession, arrivals: list[tuple[bytes, datetime]] = ARRIVALS) -> DataFrame:
    values, times = [value for value, _ in arrivals], [time for _, time in arrivals]
    return events.parse_interactions(records(spark, values, times), 300)


def archived(spark: SparkSession, trends_settings: TrendsSettings, kind: str) -> list[tuple]:
    assert trends_settings.archive is not None
    rows = spark.read.parquet(f"{trends_settings.archive.url}/{kind}").collect()
    if kind == archive.VALID:
        return sorted(
            (r.partition, r.offset, r.event_id[-2:], r.late, r.event_date, r.event_hour) for r in rows
        )
    return sorted((r.partition, r.offset, r.reason, r.value, r.arrival_date, r.arrival_hour) for r in rows)


def files(trends_settings: TrendsSettings) -> list[str]:
    assert trends_settings.archive is not None
    root = Path(trends_settings.archive.url.removeprefix("file://"))
    return sorted(str(path.relative_to(root)) for path in root.rglob("*.parquet"))


def test_every_record_is_archived_by_event_hour_or_arrival_with_its_place(
    spark: SparkSession, trends_settings: TrendsSettings, isolated_database: IsolatedDatabase
) -> None:
    archive.archive_batch(trends_settings)(batch(spark), 0)

    day = date(2025, 11, 22)
    # records() puts record i in partition i % 3 at offset i.
    assert archived(spark, trends_settings, archive.VALID) == [
        (0, 0, "01", False, day, 10),
        (1, 1, "02", False, day, 11),
        (1, 4, "01", False, day, 10),
        (2, 2, "03", True, day, 9),
    ]
    assert archived(spark, trends_settings, archive.INVALID) == [
        (0, 3, "invalid_json", bytearray(b"not json"), day, 11),
        (2, 5, "unknown_tipo", bytearray(click(4, "cavalo", "mangalarga", "11:00:00")), day, 11),
    ]
    # The first batch: nothing archived before it.
    lote = archive.batch_label({})
    assert {Path(path).parent.as_posix() for path in files(trends_settings)} == {
        f"valid/event_date=2025-11-22/event_hour=9/lote={lote}",
        f"valid/event_date=2025-11-22/event_hour=10/lote={lote}",
        f"valid/event_date=2025-11-22/event_hour=11/lote={lote}",
        f"invalid/arrival_date=2025-11-22/arrival_hour=11/lote={lote}",
    }
    assert mysql_sink.archived_offsets(isolated_database.stream, TOPIC) == {0: 3, 1: 4, 2: 5}


def test_a_replayed_batch_rewrites_its_own_files_and_adds_no_copy(
    spark: SparkSession, trends_settings: TrendsSettings, isolated_database: IsolatedDatabase
) -> None:
    write = archive.archive_batch(trends_settings)
    write(batch(spark), 0)
    before = (
        archived(spark, trends_settings, archive.VALID),
        archived(spark, trends_settings, archive.INVALID),
    )
    first_files = files(trends_settings)
    # A crash after the files, before their offsets were recorded: the batch runs again.
    isolated_database.query("DELETE FROM offsets_arquivados")
    write(batch(spark), 0)

    assert (
        archived(spark, trends_settings, archive.VALID),
        archived(spark, trends_settings, archive.INVALID),
    ) == before
    # The same directories, each with the replay's files in place of the first write's.
    replayed_files = files(trends_settings)
    directories = Counter(Path(path).parent for path in first_files)
    assert Counter(Path(path).parent for path in replayed_files) == directories
    assert not set(first_files) & set(replayed_files)


def test_what_is_archived_is_skipped_by_a_query_without_its_checkpoint(
    spark: SparkSession, trends_settings: TrendsSettings, isolated_database: IsolatedDatabase
) -> None:
    write = archive.archive_batch(trends_settings)
    write(batch(spark, ARRIVALS[:4]), 0)  # offsets 0 to 3
    first = files(trends_settings)
    # A lost checkpoint: the topic from its start again, cut into other batches.
    write(batch(spark), 0)

    offsets = [row[:2] for row in archived(spark, trends_settings, archive.VALID)]
    offsets += [row[:2] for row in archived(spark, trends_settings, archive.INVALID)]
    assert sorted(offsets) == [(0, 0), (0, 3), (1, 1), (1, 4), (2, 2), (2, 5)]
    assert set(first) < set(files(trends_settings))
    # The second batch's offsets came from the pass that wrote it (the partitions were known).
    assert mysql_sink.archived_offsets(isolated_database.stream, TOPIC) == {0: 3, 1: 4, 2: 5}


def test_a_partition_the_archive_has_not_seen_gets_its_offsets_recorded(
    spark: SparkSession, trends_settings: TrendsSettings, isolated_database: IsolatedDatabase
) -> None:
    write = archive.archive_batch(trends_settings)
    write(batch(spark).where("partition < 2"), 0)
    assert mysql_sink.archived_offsets(isolated_database.stream, TOPIC) == {0: 3, 1: 4}
    # The topic grew (or the partition had no record until now): one more pass finds its offset.
    write(batch(spark), 1)

    assert mysql_sink.archived_offsets(isolated_database.stream, TOPIC) == {0: 3, 1: 4, 2: 5}
    valid = [row[:2] for row in archived(spark, trends_settings, archive.VALID)]
    assert valid == [(0, 0), (1, 1), (1, 4), (2, 2)]
