"""The counting in batch mode, on a handful of events with exact expected counts: per 10-second
bucket and per hour, the peak hour, which records a batch may still count, the views per animal
with the catalog's ids, and the late clicks per arrival minute."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime

from pyspark.sql import SparkSession

from petadota_trends import aggregations, events
from petadota_trends.mysql_sink import BatchCounts
from tests.event_samples import event
from tests.test_events import records


def click(n: int, tipo: str, raca: str, at: str, **fields: object) -> bytes:
    return event(
        event_id=str(uuid.UUID(int=n)), tipo=tipo, raca=raca, timestamp=f"2025-11-22T{at}Z", **fields
    )


def on(clock: str) -> datetime:
    return datetime.fromisoformat(f"2025-11-22T{clock}")


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


def batch_counts(
    spark: SparkSession,
    counted: dict[int, int] | None = None,
    clicks: list[bytes] = CLICKS,
    kafka_times: list[datetime] | None = None,
    catalog_ids: list[int] = (),
) -> BatchCounts:
    """What the job's process_batch adds for `clicks` read as one batch."""
    keyed = events.keyed_for_dedupe(events.parse_interactions(records(spark, clicks, kafka_times), 300))
    fresh = aggregations.not_counted_yet(
        aggregations.deduplicated(keyed, 60, key="dedupe_key"), counted or {}
    )
    known = spark.createDataFrame([(animal_id,) for animal_id in catalog_ids], "animal_id LONG")
    return BatchCounts.of(aggregations.batch_counts(fresh, known, 60).collect())


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


ANIMAL_CLICKS = [
    click(1, "cachorro", "labrador", "10:00:01", animal_id=7),
    click(2, "cachorro", "labrador", "10:00:02", animal_id=7),
    click(3, "cachorro", "labrador", "10:00:12", animal_id=7),
    click(4, "cachorro", "labrador", "10:00:03", animal_id=8),  # not in the catalog
    click(1, "cachorro", "labrador", "10:00:01", animal_id=7),  # redelivered: counted once
    click(5, "cachorro", "labrador", "10:00:04"),  # names no animal: its breed only
    click(6, "cavalo", "mangalarga", "10:00:05", animal_id=7),  # invalid: not counted
    click(7, "gato", "persa", "11:00:00", animal_id=2**53 - 1),
]


def test_views_per_animal_tell_the_unknown_ids_and_lose_none(spark: SparkSession) -> None:
    counts = batch_counts(spark, clicks=ANIMAL_CLICKS, catalog_ids=[7, 2**53 - 1, 11])

    assert counts.animal_buckets == {
        ("2025-11-22 10:00:00", 7): (2, 0, "2025-11-22 10:00:02.000"),
        ("2025-11-22 10:00:10", 7): (1, 0, "2025-11-22 10:00:12.000"),
        ("2025-11-22 10:00:00", 8): (1, 1, "2025-11-22 10:00:03.000"),
        ("2025-11-22 11:00:00", 2**53 - 1): (1, 0, "2025-11-22 11:00:00.000"),
    }
    assert counts.animal_hours == {
        ("2025-11-22 10:00:00", 7): (3, 0),
        ("2025-11-22 10:00:00", 8): (1, 1),
        ("2025-11-22 11:00:00", 2**53 - 1): (1, 0),
    }
    # The unknown animal and the click naming none count for their breed all the same.
    assert counts.hours == {
        ("2025-11-22 10:00:00", "cachorro", "labrador"): 5,
        ("2025-11-22 11:00:00", "gato", "persa"): 1,
    }


def test_with_an_empty_catalog_every_animal_is_unknown(spark: SparkSession) -> None:
    counts = batch_counts(spark, clicks=ANIMAL_CLICKS)

    assert counts.animal_hours == {
        ("2025-11-22 10:00:00", 7): (3, 3),
        ("2025-11-22 10:00:00", 8): (1, 1),
        ("2025-11-22 11:00:00", 2**53 - 1): (1, 1),
    }


def test_late_clicks_are_counted_in_their_own_buckets_and_tallied_per_arrival_minute(
    spark: SparkSession,
) -> None:
    arrivals = [
        (click(1, "cachorro", "labrador", "10:00:00"), on("10:00:30")),  # 30 s: on time
        (click(2, "cachorro", "labrador", "10:00:00"), on("10:01:00")),  # 60 s exactly: on time
        (click(3, "cachorro", "labrador", "09:58:00"), on("10:01:10")),  # 190 s late
        (click(4, "gato", "persa", "10:00:05"), on("10:01:59.999")),  # 114.999 s late
        (click(5, "gato", "persa", "08:00:00.5"), on("10:02:00")),  # two hours and two minutes late
        (click(6, "cavalo", "mangalarga", "08:00:00"), on("10:02:00")),  # invalid: not a click
    ]
    counts = batch_counts(
        spark, clicks=[value for value, _ in arrivals], kafka_times=[time for _, time in arrivals]
    )

    assert counts.late == {
        "2025-11-22 10:01:00": (2, 190_000, "2025-11-22 09:58:00.000"),
        "2025-11-22 10:02:00": (1, 7_319_500, "2025-11-22 08:00:00.500"),
    }
    assert counts.late_clicks == 3
    assert counts.hours == {
        ("2025-11-22 10:00:00", "cachorro", "labrador"): 2,
        ("2025-11-22 09:00:00", "cachorro", "labrador"): 1,
        ("2025-11-22 10:00:00", "gato", "persa"): 1,
        ("2025-11-22 08:00:00", "gato", "persa"): 1,
    }
