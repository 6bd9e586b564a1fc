"""The counting in batch mode, on a handful of events with exact expected counts: per 10-second
bucket and per hour, the peak hour, and which records a batch may still count."""

from __future__ import annotations

import uuid
from collections import Counter

from pyspark.sql import SparkSession

from petadota_trends import aggregations, events
from petadota_trends.mysql_sink import BatchCounts
from tests.event_samples import event
from tests.test_events import records


def click(n: int, tipo: str, raca: str, at: str) -> bytes:
    return event(event_id=str(uuid.UUID(int=n)), tipo=tipo, raca=raca, timestamp=f"2025-11-22T{at}Z")


CLICKS = [
    click(1, "cachorro", "labrador", "10:00:01"),
    click(2, "cachorro", "labrador", "10:00:09.999"),
    click(3, "cachorro", "labrador", "10:00:10"),
    click(1, "cachorro", "labrador", "10:00:01"),  # redelivered: counted once
    click(4, "gato", "persa", "10:00:05.5"),
    click(5, "gato", "persa", "11:15:00"),
    click(6, "gato", "persa", "11:59:59.999"),
    click(7, "gato", "persa", "11:00:00"),
    click(8, "cachorro", "labrador", "11:30:00"),
    click(9, "cachorro", "labrador", "11:45:00.25"),
    click(10, "cavalo", "mangalarga", "11:50:00"),  # invalid: not counted
]


def batch_counts(spark: SparkSession, counted: dict[int, int] | None = None) -> BatchCounts:
    keyed = events.keyed_for_dedupe(events.parse_interactions(records(spark, CLICKS), 300))
    fresh = aggregations.not_counted_yet(
        aggregations.deduplicated(keyed, 60, key="dedupe_key"), counted or {}
    )
    return BatchCounts.of(aggregations.counts_per_bucket(fresh).collect())


def test_views_per_10_second_bucket(spark: SparkSession) -> None:
    assert batch_counts(spark).buckets == {
        ("2025-11-22 10:00:00", "cachorro", "labrador"): (2, "2025-11-22 10:00:09.999"),
        ("2025-11-22 10:00:10", "cachorro", "labrador"): (1, "2025-11-22 10:00:10.000"),
        ("2025-11-22 10:00:00", "gato", "persa"): (1, "2025-11-22 10:00:05.500"),
        ("2025-11-22 11:15:00", "gato", "persa"): (1, "2025-11-22 11:15:00.000"),
        ("2025-11-22 11:59:50", "gato", "persa"): (1, "2025-11-22 11:59:59.999"),
        ("2025-11-22 11:00:00", "gato", "persa"): (1, "2025-11-22 11:00:00.000"),
        ("2025-11-22 11:30:00", "cachorro", "labrador"): (1, "2025-11-22 11:30:00.000"),
        ("2025-11-22 11:45:00", "cachorro", "labrador"): (1, "2025-11-22 11:45:00.250"),
    }


def test_views_per_hour_and_the_peak_hour(spark: SparkSession) -> None:
    hours = batch_counts(spark).hours

    assert hours == {
        ("2025-11-22 10:00:00", "cachorro", "labrador"): 3,
        ("2025-11-22 10:00:00", "gato", "persa"): 1,
        ("2025-11-22 11:00:00", "gato", "persa"): 3,
        ("2025-11-22 11:00:00", "cachorro", "labrador"): 2,
    }
    totals = Counter()
    for (hour, _tipo, _raca), views in hours.items():
        totals[hour] += views
    assert totals.most_common(1) == [("2025-11-22 11:00:00", 5)]


def test_a_batch_accounts_for_its_highest_offsets_invalid_records_included(spark: SparkSession) -> None:
    # records() puts record i in partition i % 3 at offset i; the invalid one is the last, at 10.
    assert batch_counts(spark).offsets == {0: 9, 1: 10, 2: 8}


def test_records_at_or_below_the_counted_offsets_are_not_counted_again(spark: SparkSession) -> None:
    # Left: partition 0 past offset 6 (click 9), partition 1 past 7 (the invalid record), and all
    # of partition 2 (clicks 3, 5 and 8).
    counts = batch_counts(spark, counted={0: 6, 1: 7})

    assert counts.hours == {
        ("2025-11-22 10:00:00", "cachorro", "labrador"): 1,
        ("2025-11-22 11:00:00", "gato", "persa"): 1,
        ("2025-11-22 11:00:00", "cachorro", "labrador"): 2,
    }
    assert counts.offsets == {0: 9, 1: 10, 2: 8}
