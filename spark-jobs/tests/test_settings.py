"""Settings: defaults for the local stack, and a malformed value named at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from petadota_trends.errors import ConfigurationError, MissingJarsError
from petadota_trends.session import connector_jars
from petadota_trends.settings import SparkSettings, TrendsSettings

BASE = {"PETADOTA_ENV_FILE": "/nonexistent/local.env", "MYSQL_STREAM_PASSWORD": "secret"}


def test_defaults_point_at_the_local_stack(tmp_path: Path) -> None:
    settings = TrendsSettings.from_env({**BASE, "PETADOTA_DATA_DIR": str(tmp_path)})

    assert settings.interactions_topic == "pet-adota-interacoes"
    assert settings.dead_letter_topic == "pet-adota-interacoes-dlq"
    assert settings.checkpoint_dir == tmp_path / "spark" / "checkpoints"
    assert settings.status_file == tmp_path / "spark" / "status.json"
    assert (settings.trigger_seconds, settings.watermark_seconds, settings.max_future_seconds) == (
        2.0,
        60,
        300,
    )
    assert (settings.starting_offsets, settings.fail_on_data_loss) == ("earliest", True)
    assert (settings.mysql.user, settings.mysql.database, settings.mysql.port) == (
        "petadota_stream",
        "Pet_Adota",
        3306,
    )
    assert (settings.spark.shuffle_partitions, settings.spark.ui_port) == (4, 4040)
    assert "secret" not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SPARK_SHUFFLE_PARTITIONS", "four"),
        ("SPARK_SHUFFLE_PARTITIONS", "0"),
        ("SPARK_UI_PORT", "70000"),
        ("SPARK_TRIGGER_SECONDS", "soon"),
        ("SPARK_TRIGGER_SECONDS", "0"),
        ("SPARK_WATERMARK_SECONDS", "-1"),
        ("SPARK_MAX_OFFSETS_PER_TRIGGER", "1e5"),
        ("SPARK_STARTING_OFFSETS", "beginning"),
        ("SPARK_FAIL_ON_DATA_LOSS", "maybe"),
        ("SPARK_DRIVER_MEMORY", "lots"),
        ("SPARK_STATE_STORE", "redis"),
        ("KAFKA_BROKERS", "127.0.0.1"),
        ("MYSQL_PORT", "mysql"),
    ],
)
def test_a_malformed_value_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=f"^{name}="):
        TrendsSettings.from_env({**BASE, name: value})


def test_the_stream_password_is_required() -> None:
    with pytest.raises(ConfigurationError, match="MYSQL_STREAM_PASSWORD"):
        TrendsSettings.from_env({"PETADOTA_ENV_FILE": "/nonexistent/local.env"})


def test_missing_connector_jars_say_how_to_install_them(tmp_path: Path) -> None:
    (tmp_path / "kafka-clients-3.9.0.jar").touch()
    settings = SparkSettings.from_env({**BASE, "SPARK_JARS_DIR": str(tmp_path)})

    with pytest.raises(MissingJarsError, match=r"spark-sql-kafka-0-10.*commons-pool2 jar.*stack install"):
        connector_jars(settings)
