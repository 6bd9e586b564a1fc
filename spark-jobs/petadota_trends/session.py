"""Builds the Spark session of the jobs: connector jars from the local cache, never from Ivy."""

from __future__ import annotations

from pyspark.sql import SparkSession

from petadota_trends.settings import SparkSettings


class MissingJarsError(RuntimeError):
    """The Kafka connector or JDBC driver jars are not where the settings say."""


def connector_jars(settings: SparkSettings) -> list[str]:
    jars = sorted(str(path) for path in settings.jars_dir.glob("*.jar"))
    if not any("spark-sql-kafka" in jar for jar in jars):
        raise MissingJarsError(
            f"no Kafka connector jar in {settings.jars_dir}: run 'infra/local/stack install' "
            "or point SPARK_JARS_DIR at the jars of infra/local/maven/spark/pom.xml"
        )
    return jars


def build_session(app_name: str, settings: SparkSettings) -> SparkSession:
    return (
        SparkSession.builder.appName(app_name)
        .master(settings.master)
        .config("spark.jars", ",".join(connector_jars(settings)))
        .config("spark.sql.shuffle.partitions", str(settings.shuffle_partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
