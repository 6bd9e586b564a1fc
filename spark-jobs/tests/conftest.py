from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from petadota_trends.session import build_session, keep_local_checkpoints_without_forks, ship_python_code
from petadota_trends.settings import ArchiveSettings, SparkSettings
from tests.helpers import IsolatedDatabase, KafkaTopics, S3Bucket


@pytest.fixture(scope="session")
def settings() -> SparkSettings:
    return SparkSettings.from_env()


@pytest.fixture(scope="session")
def spark(settings: SparkSettings) -> Iterator[SparkSession]:
    # One session for the whole run: a JVM start costs seconds on this machine. The in-memory
    # state store keeps the tests' tiny streaming state cheap; no web UI to hold a port.
    # With the S3A options of the local S3 server, so that a test reads the archive it wrote.
    archive = ArchiveSettings.from_env(
        {**os.environ, "SPARK_ARCHIVE": "true", "SPARK_ARCHIVE_URL": "s3a://any"}
    )
    assert archive is not None
    session = build_session(
        "petadota-tests", replace(settings, state_store="hdfs"), ui=False, hadoop=archive.hadoop_options()
    )
    session.sparkContext.setLogLevel("WARN")
    ship_python_code(session)
    # As the job does: the streaming tests' checkpoints are local.
    keep_local_checkpoints_without_forks(session, Path(tempfile.gettempdir()))
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


@pytest.fixture
def s3_bucket(unique_name: str) -> Iterator[S3Bucket]:
    bucket = S3Bucket(unique_name)
    try:
        yield bucket
    finally:
        bucket.delete()
