"""PySpark reads and writes the real Kafka broker through the connector jars of the cache."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pyspark.sql import SparkSession

from petadota_trends.settings import SparkSettings


@pytest.fixture
def topic(spark: SparkSession, settings: SparkSettings, unique_name: str) -> Iterator[str]:
    # The broker never auto-creates topics; create this one with Kafka's own admin client,
    # which the connector jars put on Spark's JVM classpath.
    jvm = spark.sparkContext._jvm
    props = jvm.java.util.Properties()
    props.put("bootstrap.servers", settings.kafka_brokers)
    admin = jvm.org.apache.kafka.clients.admin.Admin.create(props)
    topics = jvm.java.util.Collections.singletonList(
        jvm.org.apache.kafka.clients.admin.NewTopic(unique_name, 1, 1)
    )
    admin.createTopics(topics).all().get()
    yield unique_name
    admin.deleteTopics(jvm.java.util.Collections.singletonList(unique_name)).all().get()
    admin.close()


def test_structured_streaming_reads_what_spark_wrote_to_kafka(
    spark: SparkSession, settings: SparkSettings, topic: str, tmp_path
) -> None:
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
