"""Checks, before the queries start, that the brokers answer and the topics exist, so that either
is a clear error that says what to do: subscribed to a missing topic, the Kafka source would just
wait without a word; and that the archive can be written. (The MySQL side is checked by
mysql_sink.check_access.)"""

from __future__ import annotations

import uuid

from py4j.protocol import Py4JJavaError
from pyspark.sql import SparkSession

from petadota_trends.errors import (
    ArchiveUnavailableError,
    KafkaUnavailableError,
    TopicMissingError,
    TrendsJobError,
)
from petadota_trends.settings import SparkSettings, kafka_client_options

KAFKA_TIMEOUT_SECONDS = 15.0


def _root_cause_name(error: Py4JJavaError) -> str:
    cause = error.java_exception
    while cause.getCause() is not None:
        cause = cause.getCause()
    return str(cause.getClass().getName())


def check_topics(
    spark: SparkSession,
    settings: SparkSettings,
    topics: list[str],
    timeout_seconds: float = KAFKA_TIMEOUT_SECONDS,
) -> None:
    """Asks the brokers about the topics with Kafka's admin client, which the connector jars put
    on the driver's classpath, connecting as the Kafka source and sink do."""
    brokers = settings.kafka_brokers
    jvm = spark.sparkContext._jvm
    props = jvm.java.util.Properties()
    for name, value in kafka_client_options(settings).items():
        props.put(name, value)
    timeout_ms = int(timeout_seconds * 1000)
    props.put("request.timeout.ms", str(timeout_ms))
    props.put("default.api.timeout.ms", str(timeout_ms))
    admin = jvm.org.apache.kafka.clients.admin.Admin.create(props)
    try:
        for topic in topics:
            names = jvm.java.util.Collections.singletonList(topic)
            try:
                admin.describeTopics(names).allTopicNames().get(
                    timeout_ms, jvm.java.util.concurrent.TimeUnit.MILLISECONDS
                )
            except Py4JJavaError as error:
                cause = _root_cause_name(error)
                if cause.endswith("UnknownTopicOrPartitionException"):
                    raise TopicMissingError(
                        f"Kafka topic {topic!r} does not exist at {brokers}: run provisioning "
                        "(bin/petadota provision --environment local), which creates the topics, or "
                        "set KAFKA_INTERACTIONS_TOPIC / KAFKA_DEAD_LETTER_TOPIC"
                    ) from None
                if cause.endswith("AuthenticationException"):
                    raise KafkaUnavailableError(
                        f"Kafka at {brokers} refused the job's connection ({cause}): check "
                        "KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, "
                        "KAFKA_SASL_PASSWORD and KAFKA_SSL_CA_PATH"
                    ) from None
                if cause.endswith("TimeoutException"):
                    raise KafkaUnavailableError(
                        f"no Kafka broker answered at KAFKA_BROKERS={brokers} within {timeout_seconds:g} s: "
                        "start it (infra/local/stack up kafka) or fix KAFKA_BROKERS"
                    ) from None
                raise TrendsJobError(f"Kafka at {brokers} failed describing {topic!r}: {cause}") from error
    finally:
        admin.close()


def check_archive(spark: SparkSession, url: str) -> None:
    """Writes and deletes a probe file under the archive's URL with the job's own Hadoop settings
    (the S3A keys): a missing bucket or a refused key is a clear error now, not a failed batch."""
    jvm = spark.sparkContext._jvm
    probe = jvm.org.apache.hadoop.fs.Path(f"{url}/_probe/{uuid.uuid4().hex}")
    try:
        fs = probe.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
        fs.create(probe, True).close()
        fs.delete(probe, False)
    except Py4JJavaError as error:
        cause = _root_cause_name(error)
        message = str(error.java_exception.getMessage()).splitlines()[0]
        if "NoSuchBucket" in message or cause.endswith("UnknownStoreException"):
            raise ArchiveUnavailableError(
                f"the archive's bucket in SPARK_ARCHIVE_URL={url} does not exist: run provisioning "
                "(bin/petadota provision --environment local), which creates it, or set S3_ARCHIVE_BUCKET"
            ) from None
        if cause.endswith("AccessDeniedException") or "403" in message:
            raise ArchiveUnavailableError(
                f"the object store refused the archive's key on {url}: check S3_STREAM_ACCESS_KEY_ID and "
                f"S3_STREAM_SECRET_ACCESS_KEY, and that provisioning gave it the bucket ({message})"
            ) from None
        raise ArchiveUnavailableError(
            f"cannot write the archive at SPARK_ARCHIVE_URL={url} ({cause}: {message}): is the object "
            "store up (infra/local/stack up s3) and S3_ENDPOINT right?"
        ) from None
