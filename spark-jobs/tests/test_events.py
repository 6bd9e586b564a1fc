"""Validation of raw Kafka records in batch mode: the reason for every sample, the fields of a
valid event, and the dead-letter message of an invalid one."""

from __future__ import annotations

import base64
import json
from datetime import datetime

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from petadota_trends import dead_letter, events
from petadota_trends.events import Reason
from tests.event_samples import GOOD, SAMPLES, event

RECORD_SCHEMA = "key binary, value binary, topic string, partition int, offset long, timestamp timestamp"
KAFKA_TIME = datetime(2025, 11, 22, 14, 3, 8, 500000)


def records(
    spark: SparkSession, values: list[bytes | None], kafka_times: list[datetime] | None = None
) -> DataFrame:
    """Kafka records of `values`: record i in partition i % 3 at offset i, at KAFKA_TIME or its own."""
    times = kafka_times or [KAFKA_TIME] * len(values)
    rows = [(f"k{i}".encode(), value, "interacoes", i % 3, i, times[i]) for i, value in enumerate(values)]
    return spark.createDataFrame(rows, RECORD_SCHEMA)


def test_every_sample_gets_its_reason(spark: SparkSession) -> None:
    parsed = events.parse_interactions(records(spark, [sample.value for sample in SAMPLES]), 300)
    reasons = {row.offset: row.reason for row in parsed.select("offset", "reason").collect()}

    assert {sample.name: reasons[i] for i, sample in enumerate(SAMPLES)} == {
        sample.name: sample.reason and sample.reason.value for sample in SAMPLES
    }


def test_a_record_without_value_is_invalid_json(spark: SparkSession) -> None:
    [row] = events.parse_interactions(records(spark, [None]), 300).collect()

    assert (row.reason, row.detail) == (Reason.INVALID_JSON, "the message has no value")


def test_a_valid_event_has_typed_fields(spark: SparkSession) -> None:
    visitor = event(
        usuario_id="v-3fZq_9xK2mA7bQ1wE5rT8y",
        event_id=GOOD["event_id"].replace("3f", "4f", 1),
        animal_id=2**53 - 1,
    )
    parsed = events.parse_interactions(records(spark, [event(), event(tipo="cavalo"), visitor]), 300)

    assert events.valid_events(parsed).schema == events.EVENT_SCHEMA
    # A user's number and a visitor's opaque id, both as text.
    time = datetime(2025, 11, 22, 14, 3, 7, 125000)
    assert [tuple(row) for row in events.valid_events(parsed).collect()] == [
        (GOOD["event_id"], "42", "labrador", "cachorro", time, None, 0, 0),
        (
            "4f1c8a4e-2b7d-4c9a-9e1f-0a2b3c4d5e6f",
            "v-3fZq_9xK2mA7bQ1wE5rT8y",
            "labrador",
            "cachorro",
            time,
            2**53 - 1,
            2,
            2,
        ),
    ]
    assert [row.offset for row in events.invalid_records(parsed).collect()] == [1]


def test_the_future_bound_is_the_allowed_skew_past_the_arrival_at_kafka(spark: SparkSession) -> None:
    # KAFKA_TIME is 14:03:08.5: 300 s after it is the last instant allowed, whatever the job's clock.
    at_bound = event(timestamp="2025-11-22T14:08:08.500000Z")
    past_it = event(timestamp="2025-11-22T14:08:08.500001Z")

    parsed = events.parse_interactions(records(spark, [at_bound, past_it]), 300)
    assert [row.reason for row in parsed.orderBy("offset").collect()] == [
        None,
        Reason.TIMESTAMP_OUT_OF_RANGE,
    ]
    assert events.parse_interactions(records(spark, [past_it]), 301).first().reason is None


def test_dead_letter_messages_keep_the_record_and_say_why(spark: SparkSession) -> None:
    not_utf8 = b'{"raca": "labr\xe9dor"}'
    parsed = events.parse_interactions(records(spark, [event(tipo="cavalo"), not_utf8, event()]), 300)
    messages = dead_letter.dead_letter_messages(events.invalid_records(parsed)).collect()

    assert [row.key for row in messages] == [b"k0", b"k1"]
    first, second = (json.loads(row.value) for row in messages)
    dead_lettered_at = first.pop("dead_lettered_at")
    assert datetime.fromisoformat(dead_lettered_at).tzinfo is not None
    assert first == {
        "reason": "unknown_tipo",
        "detail": "tipo must be one of: cachorro, gato",
        "raw": event(tipo="cavalo").decode(),
        "topic": "interacoes",
        "partition": 0,
        "offset": 0,
        "kafka_timestamp": "2025-11-22T14:03:08.500Z",
        "key": "k0",
    }
    assert (second["reason"], second["detail"]) == ("invalid_json", "the value is not UTF-8 text")
    assert second["raw"] == '{"raca": "labr\ufffddor"}'
    assert base64.b64decode(second["raw_base64"]) == not_utf8
    assert "raw_base64" not in first


def test_records_are_keyed_for_the_dedupe_by_event_id_or_by_their_place(spark: SparkSession) -> None:
    parsed = events.parse_interactions(records(spark, [event(), event(tipo="cavalo"), b"not json"]), 300)

    keyed = {row.offset: row for row in events.keyed_for_dedupe(parsed).collect()}

    assert keyed[0].dedupe_key == GOOD["event_id"]
    assert keyed[0].event_time == datetime(2025, 11, 22, 14, 3, 7, 125000)
    assert keyed[0].value is None  # a valid event's raw value goes no further
    # Invalid, even with a good time: no event time (the watermark ignores them), the raw value kept.
    assert (keyed[1].dedupe_key, keyed[1].event_time) == ("invalid/interacoes/1/1", None)
    assert (keyed[2].dedupe_key, keyed[2].value) == ("invalid/interacoes/2/2", b"not json")
    assert [row.offset for row in events.invalid_records(events.keyed_for_dedupe(parsed)).collect()] == [1, 2]


def compact(value: bytes | None) -> bytes | None:
    """The sample without the spaces json.dumps puts after its separators: the canonical encoding
    (events.CANONICAL_EVENT) when its fields are the contract's, in its order and in their patterns."""
    return value and value.replace(b'", "', b'","').replace(b'": ', b'":').replace(b', "', b',"')


def test_the_canonical_encoding_reads_every_sample_as_the_general_path_does(spark: SparkSession) -> None:
    general = [sample.value for sample in SAMPLES]
    canonical = [compact(value) for value in general]
    # Offset first: the rows sort by it, never by a null field.
    columns = ["offset", *events.EVENT_SCHEMA.fieldNames(), "reason", "detail"]

    def parse(values: list[bytes | None]) -> list[tuple]:
        parsed = events.parse_interactions(records(spark, values), 300).select(*columns)
        return sorted(tuple(row) for row in parsed.collect())

    fast = records(spark, canonical).where(F.col("value").cast("string").rlike(events.CANONICAL_EVENT))
    took_the_canonical_path = {SAMPLES[row.offset].name for row in fast.select("offset").collect()}
    # The same columns, sample by sample, whichever path each took.
    assert parse(canonical) == parse(general)
    # Compact: the canonical path for every sample in the contract's form, the general one otherwise.
    assert {"valid", "valid with animal_id", "valid visitor id of digits", "valid largest animal_id"} <= (
        took_the_canonical_path
    )
    assert not {"valid escaped raca", "valid usuario_id 1e2", "duplicate key", "trailing garbage"} & (
        took_the_canonical_path
    )
    assert (
        not records(spark, general).where(F.col("value").cast("string").rlike(events.CANONICAL_EVENT)).count()
    )
