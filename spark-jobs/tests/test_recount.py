"""The recount on the real broker and MariaDB, with an archive in a local directory: the range's
counts rebuilt once per event_id from the archive and, past what the archive holds, from Kafka;
swapped in atomically; recorded; and a second recount changes nothing."""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from petadota_trends import aggregations, archive, events, mysql_sink, recount
from petadota_trends.settings import SparkSettings, TrendsSettings
from tests.helpers import IsolatedDatabase, KafkaTopics
from tests.test_aggregations import click

BEGIN, END = datetime(2025, 11, 22, 10), datetime(2025, 11, 22, 12)


def clicks() -> list[tuple[str, bytes]]:
    """(key, value): 40 clicks from 10:00 to 11:57, every fifth one sent again, and one at 12:30."""
    sent = []
    for n in range(1, 41):
        at = f"{10 + (n - 1) // 20}:{(n - 1) % 20 * 3:02}:0{n % 10}"
        value = click(
            n, "gato" if n % 3 else "cachorro", "persa" if n % 3 else "beagle", at, animal_id=n % 4 + 1
        )
        sent.append((str(n), value))
        if n % 5 == 0:
            sent.append((str(n), value))
    sent.append(("41", click(41, "gato", "persa", "12:30:00")))
    return sent


def expected_hours() -> dict[tuple, int]:
    hours: Counter = Counter()
    for n in range(1, 41):
        hours[
            (
                datetime(2025, 11, 22, 10 + (n - 1) // 20),
                *(("gato", "persa") if n % 3 else ("cachorro", "beagle")),
            )
        ] += 1
    return dict(hours)


def hours_table(database: IsolatedDatabase) -> dict[tuple, int]:
    return {
        row[:3]: row[3]
        for row in database.query("SELECT hora_inicio, tipo, raca, visualizacoes FROM visualizacoes_hora")
    }


@pytest.fixture
def trends_settings(
    isolated_database: IsolatedDatabase, tmp_path: Path, kafka_topics: KafkaTopics, unique_name: str
) -> TrendsSettings:
    return TrendsSettings.from_env(
        {
            **os.environ,
            "KAFKA_INTERACTIONS_TOPIC": kafka_topics.create(unique_name, 3),
            **isolated_database.stream_env(),
            "SPARK_ARCHIVE_URL": (tmp_path / "archive").as_uri(),
        }
    )


def test_a_recount_counts_each_event_once_and_a_second_one_changes_nothing(
    spark: SparkSession,
    settings: SparkSettings,
    trends_settings: TrendsSettings,
    isolated_database: IsolatedDatabase,
) -> None:
    topic = trends_settings.interactions_topic
    brokers = {"kafka.bootstrap.servers": settings.kafka_brokers}
    sent = [(key, value, i % 3) for i, (key, value) in enumerate(clicks())]
    spark.createDataFrame(sent, "key string, value binary, partition int").coalesce(1).write.format(
        "kafka"
    ).options(**brokers).option("topic", topic).save()
    parsed = events.parse_interactions(
        spark.read.format("kafka").options(**brokers).option("subscribe", topic).load(), 300
    ).persist()
    # What a stream whose copies arrived beyond its de-duplication span wrote: every copy counted.
    offsets = {
        row.partition: row.last
        for row in parsed.groupBy("partition").agg(F.max("offset").alias("last")).collect()
    }
    settings = trends_settings
    mysql_sink.add_counts(
        settings.mysql,
        topic,
        {},
        replace(
            mysql_sink.BatchCounts.of(aggregations.batch_counts(parsed, None, None).collect()),
            offsets=offsets,
        ),
    )
    # The archive holds the first half of each partition; the rest is read from Kafka.
    archive.archive_batch(settings)(parsed.where("offset < 8"), 0)
    isolated_database.add_animal(1)

    summary = recount.recount(spark, settings, BEGIN, END)

    assert hours_table(isolated_database) == {
        **expected_hours(),
        (datetime(2025, 11, 22, 12), "gato", "persa"): 1,
    }
    assert (summary.events, summary.views_before, summary.views_after) == (40, 48, 40)
    assert summary.kafka_records > 0 and summary.archived_records > 0
    assert summary.archived_records + summary.kafka_records == 40
    assert summary.counted_offsets == offsets
    [(animals, unknown)] = isolated_database.query(
        "SELECT SUM(visualizacoes), SUM(desconhecidas) FROM visualizacoes_animal_hora"
    )
    assert (animals, unknown) == (40, 30)  # animal 1 is in the catalog: 10 of the 40
    [(de, ate, eventos, alteradas, offsets_json)] = isolated_database.query(
        "SELECT de, ate, eventos, linhas_alteradas, offsets_contados FROM recontagens"
    )
    assert (de, ate, eventos) == (BEGIN, END, 40)
    assert alteradas == summary.rows_changed > 0
    assert json.loads(offsets_json) == {str(p): o for p, o in offsets.items()}

    again = recount.recount(spark, settings, BEGIN, END)
    assert (again.rows_changed, again.views_before, again.views_after) == (0, 40, 40)


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        ("2025-11-22T10:30:00Z", "2025-11-22T12:00:00Z", "not a whole hour"),
        ("2025-11-22T12:00:00Z", "2025-11-22T10:00:00Z", "ends"),
        ("2025-11-22T10:00:00", "2025-11-22T12:00:00Z", "in UTC"),
        ("yesterday", "2025-11-22T12:00:00Z", "not an ISO-8601 time"),
    ],
)
def test_a_range_must_be_whole_utc_hours(start: str, end: str, problem: str) -> None:
    with pytest.raises(recount.RecountRangeError, match=problem):
        recount.hour_range(start, end)
