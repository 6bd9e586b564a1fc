"""The catalog's ids on real MariaDB, read with the stream account: read again once older than
the refresh interval, so a new image counts as known without a restart; kept when a read fails."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from pyspark.sql import SparkSession

from petadota_trends import aggregations, events
from petadota_trends.catalog import Catalog
from petadota_trends.errors import MysqlAccessDeniedError
from petadota_trends.mysql_sink import BatchCounts
from tests.helpers import IsolatedDatabase
from tests.test_aggregations import click
from tests.test_events import records


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def unknown_per_animal(spark: SparkSession, catalog: Catalog) -> dict[int, tuple[int, int]]:
    clicks = [click(n, "cachorro", "beagle", "10:00:01", animal_id=n % 2 + 1) for n in range(1, 6)]
    parsed = events.keyed_for_dedupe(events.parse_interactions(records(spark, clicks), 300))
    counts = BatchCounts.of(aggregations.batch_counts(parsed, catalog.known_ids(), None).collect())
    return {
        animal_id: (views, unknown) for (_, animal_id), (views, unknown, _) in counts.animal_buckets.items()
    }


def test_a_new_animal_counts_as_known_within_the_refresh_interval(
    spark: SparkSession, isolated_database: IsolatedDatabase
) -> None:
    isolated_database.add_animal(1)
    clock = Clock()
    catalog = Catalog(spark, isolated_database.stream, refresh_seconds=30, clock=clock)

    # Clicks 1..5 name animals 2, 1, 2, 1, 2.
    assert unknown_per_animal(spark, catalog) == {1: (2, 0), 2: (3, 3)}
    isolated_database.add_animal(2)
    clock.now += 29.9
    assert unknown_per_animal(spark, catalog) == {1: (2, 0), 2: (3, 3)}, "read again before its time"
    clock.now += 0.1
    assert unknown_per_animal(spark, catalog) == {1: (2, 0), 2: (3, 0)}
    assert catalog.size == 2


def test_a_failed_read_keeps_the_ids_read_before(
    spark: SparkSession, isolated_database: IsolatedDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    isolated_database.add_animal(1)
    clock = Clock()
    catalog = Catalog(spark, isolated_database.stream, refresh_seconds=30, clock=clock)
    catalog.known_ids()

    catalog._mysql = replace(isolated_database.stream, port=1)  # MySQL gone
    clock.now += 30
    with caplog.at_level(logging.WARNING, logger="petadota_trends.catalog"):
        assert unknown_per_animal(spark, catalog) == {1: (2, 0), 2: (3, 3)}
    assert "the 1 ids read before stand" in caplog.text


def test_a_catalog_never_read_is_an_error(spark: SparkSession, isolated_database: IsolatedDatabase) -> None:
    catalog = Catalog(
        spark,
        replace(isolated_database.stream, password=isolated_database.stream.password + "-not"),
        refresh_seconds=30,
    )
    with pytest.raises(MysqlAccessDeniedError, match="refused user"):
        catalog.known_ids()
