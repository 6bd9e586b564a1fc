"""The start-up checks: the topics, on the real broker, and the counting query's checkpoint."""

from __future__ import annotations

import logging
import socket
from dataclasses import replace
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from petadota_trends import preflight
from petadota_trends.errors import CheckpointUpgradeError, KafkaUnavailableError, TopicMissingError
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


def test_a_checkpoint_of_the_old_dedupe_is_left_for_one_that_rereads_the_topic(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    previous, current = tmp_path / "trends", tmp_path / "trends-ttl"
    (previous / "state").mkdir(parents=True)
    with caplog.at_level(logging.WARNING):
        preflight.check_checkpoint_upgrade(previous, current, "earliest")
    assert [record.getMessage() for record in caplog.records] == [
        f"{previous} is the checkpoint of the de-duplication before Spark 4.2, no longer used: the new "
        f"one ({current}) reads the topic again from the earliest offset and counts only past the "
        "offsets MySQL holds; delete the old one once this job runs"
    ]


def test_a_new_checkpoint_from_the_latest_offsets_is_refused_while_an_old_one_exists(tmp_path: Path) -> None:
    previous, current = tmp_path / "trends", tmp_path / "trends-ttl"
    previous.mkdir()
    with pytest.raises(CheckpointUpgradeError, match="SPARK_STARTING_OFFSETS=earliest"):
        preflight.check_checkpoint_upgrade(previous, current, "latest")
    current.mkdir()  # once the new checkpoint exists, the old one is nobody's concern
    preflight.check_checkpoint_upgrade(previous, current, "latest")
    preflight.check_checkpoint_upgrade(tmp_path / "never", tmp_path / "new", "latest")
