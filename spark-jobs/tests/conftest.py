from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from pyspark.sql import SparkSession

from petadota_trends.session import build_session
from petadota_trends.settings import SparkSettings


@pytest.fixture(scope="session")
def settings() -> SparkSettings:
    return SparkSettings.from_env()


@pytest.fixture(scope="session")
def spark(settings: SparkSettings) -> Iterator[SparkSession]:
    session = build_session("petadota-tests", settings)
    session.sparkContext.setLogLevel("WARN")
    yield session
    session.stop()


@pytest.fixture
def unique_name() -> str:
    return f"pytest-{os.getpid()}-{uuid.uuid4().hex[:8]}"
