from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import replace

import pytest
from pyspark.sql import SparkSession

from petadota_trends.session import build_session, ship_python_code
from petadota_trends.settings import SparkSettings
from tests.helpers import IsolatedDatabase, KafkaTopics


@pytest.fixture(scope="session")
def settings() -> SparkSettings:
    return SparkSettings.from_env()


@pytest.fixture(scope="session")
def spark(settings: SparkSettings) -> Iterator[SparkSession]:
    # One session for the whole run: a JVM start costs seconds on this machine. The in-memory
    # state store keeps the tests' tiny streaming state cheap; no web UI to hold a port.
    session = build_session("petadota-tests", replace(settings, state_store="hdfs"), ui=False)
    session.sparkContext.setLogLevel("WARN")
    ship_python_code(session)
    yield session
    session.stop()


@pytest.fixture
def unique_name() -> str:
    return f"pytest-{os.getpid()}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def isolated_database() -> Iterator[IsolatedDatabase]:
    database = IsolatedDatabase(uuid.uuid4().hex[:12])
    try:
        database.create()
        yield database
    finally:
        database.drop()


@pytest.fixture
def kafka_topics(spark: SparkSession, settings: SparkSettings) -> Iterator[KafkaTopics]:
    topics = KafkaTopics(spark, settings.kafka_brokers)
    try:
        yield topics
    finally:
        topics.close()
