"""The dead-letter messages: every record that failed validation, as it arrived, with the reason.

One JSON message per bad record, keyed like the original:
  {"reason": "unknown_tipo", "detail": "...", "raw": "<the value as text>",
   "topic": "pet-adota-interacoes", "partition": 2, "offset": 1234,
   "kafka_timestamp": "2026-11-22T14:03:07.125Z", "key": "<the original key>",
   "dead_lettered_at": "2026-11-22T14:03:09.000Z"}
`raw_base64` carries the exact bytes when the value is not UTF-8 text (then `raw` has U+FFFD
where bytes were invalid); fields without a value (a record with no key or no value) are left
out. The Kafka sink is at-least-once: a batch replayed after a crash may publish a message
again, so readers de-duplicate by (topic, partition, offset)."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

TIMESTAMP_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"


def dead_letter_messages(invalid: DataFrame) -> DataFrame:
    """Invalid records (from events.invalid_records) in; Kafka `key` and `value` out."""
    text = F.col("value").cast("string")
    message = F.struct(
        "reason",
        "detail",
        F.make_valid_utf8(text).alias("raw"),
        F.when(~F.is_valid_utf8(text), F.base64("value")).alias("raw_base64"),
        "topic",
        "partition",
        "offset",
        "kafka_timestamp",
        F.make_valid_utf8(F.col("key").cast("string")).alias("key"),
        F.current_timestamp().alias("dead_lettered_at"),
    )
    return invalid.select(
        F.col("key"),
        F.to_json(message, {"timestampFormat": TIMESTAMP_FORMAT}).alias("value"),
    )


def publish(messages: DataFrame, kafka_options: dict[str, str], topic: str) -> None:
    """Writes a micro-batch's dead letters to the topic (a batch write: nothing when there are none)."""
    messages.write.format("kafka").options(**kafka_options).option("topic", topic).save()
