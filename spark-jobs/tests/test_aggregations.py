"""The window logic in batch mode, on a handful of events with exact expected counts."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime

from pyspark.sql import SparkSession

from petadota_trends import aggregations, events
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


def at(clock: str) -> datetime:
    return datetime.fromisoformat(f"2025-11-22T{clock}")


def counted(spark: SparkSession):
    parsed = events.parse_interactions(records(spark, CLICKS), 300)
    return aggregations.deduplicated(events.valid_events(parsed), watermark_seconds=60)


def test_views_per_10_second_bucket(spark: SparkSession) -> None:
    rows = aggregations.views_per_bucket(counted(spark)).collect()

    assert {
        (row.bucket_inicio, row.tipo, row.raca): (row.visualizacoes, row.ultimo_evento_em) for row in rows
    } == {
        (at("10:00:00"), "cachorro", "labrador"): (2, at("10:00:09.999")),
        (at("10:00:10"), "cachorro", "labrador"): (1, at("10:00:10")),
        (at("10:00:00"), "gato", "persa"): (1, at("10:00:05.5")),
        (at("11:15:00"), "gato", "persa"): (1, at("11:15:00")),
        (at("11:59:50"), "gato", "persa"): (1, at("11:59:59.999")),
        (at("11:00:00"), "gato", "persa"): (1, at("11:00:00")),
        (at("11:30:00"), "cachorro", "labrador"): (1, at("11:30:00")),
        (at("11:45:00"), "cachorro", "labrador"): (1, at("11:45:00.25")),
    }


def test_views_per_hour_and_the_peak_hour(spark: SparkSession) -> None:
    rows = aggregations.views_per_hour(counted(spark)).collect()

    per_hour = {(row.hora_inicio, row.tipo, row.raca): row.visualizacoes for row in rows}
    assert per_hour == {
        (at("10:00:00"), "cachorro", "labrador"): 3,
        (at("10:00:00"), "gato", "persa"): 1,
        (at("11:00:00"), "gato", "persa"): 3,
        (at("11:00:00"), "cachorro", "labrador"): 2,
    }
    totals = Counter()
    for (hour, _tipo, _raca), views in per_hour.items():
        totals[hour] += views
    assert totals.most_common(1) == [(at("11:00:00"), 5)]
