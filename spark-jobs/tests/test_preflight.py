"""The start-up check of the topics, on the real broker."""

from __future__ import annotations

import socket
from dataclasses import replace

import pytest
from pyspark.sql import SparkSession

from petadota_trends import preflight
from petadota_trends.errors import KafkaUnavailableError, TopicMissingError
from petadota_trends.settings import SparkSettings
from tests.helpers import KafkaTopics


def test_existing_topics_pass(
    spark: SparkSession, settings: SparkSettings, kafka_topics: KafkaTopics, unique_name: str
) -> None:
    topics = [kafka_topics.create(unique_name), kafka_topics.create(unique_name + "-dlq")]

    preflight.check_topics(spark, settings, topics)


def test_a_missing_topic_says_to_provision(
    spark: SparkSession, settings: SparkSettings, kafka_topics: KafkaTopics, unique_name: str
) -> None:
    present = kafka_topics.create(unique_name)

    with pytest.raises(TopicMissingError, match=f"'{unique_name}-dlq' does not exist.*provision"):
        preflight.check_topics(spark, settings, [present, unique_name + "-dlq"])


def test_no_broker_says_where_it_looked(spark: SparkSession, settings: SparkSettings) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]

    with pytest.raises(KafkaUnavailableError, match=f"KAFKA_BROKERS=127.0.0.1:{closed_port} within 2 s"):
        preflight.check_topics(
            spark,
            replace(settings, kafka_brokers=f"127.0.0.1:{closed_port}"),
            ["pet-adota-interacoes"],
            timeout_seconds=2,
        )
