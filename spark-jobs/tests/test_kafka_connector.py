"""PySpark reads and writes the real Kafka broker through the connector jars of the cache."""

from __future__ import annotations

from pyspark.sql import SparkSession

from petadota_trends.settings import SparkSettings
from tests.helpers import KafkaTopics


def test_structured_streaming_reads_what_spark_wrote_to_kafka(
    spark: SparkSession, settings: SparkSettings, kafka_topics: KafkaTopics, unique_name: str, tmp_path
) -> None:
    topic = kafka_topics.create(unique_name)
    events = [
        ("usuario-1", '{"raca":"labrador"}'),
        ("usuario-2", '{"raca":"persa"}'),
        ("usuario-3", '{"raca":"poodle"}'),
    ]
    (
        spark.createDataFrame(events, "key string, value string")
        .write.format("kafka")
        .option("kafka.bootstrap.servers", settings.kafka_brokers)
        .option("topic", topic)
        .save()
    )

    stream = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", settings.kafka_brokers)
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
        .load()
        .selectExpr("CAST(key AS STRING) AS key", "CAST(value AS STRING) AS value", "offset")
    )
    table = topic.replace("-", "_")
    query = (
        stream.writeStream.format("memory")
        .queryName(table)
        .option("checkpointLocation", str(tmp_path / "checkpoint"))
        .start()
    )
    try:
        query.processAllAvailable()
        rows = spark.table(table).orderBy("offset").select("key", "value").collect()
    finally:
        query.stop()

    # Spark wrote the rows from parallel tasks, so their order in the topic is not fixed.
    assert sorted((row.key, row.value) for row in rows) == sorted(events)
