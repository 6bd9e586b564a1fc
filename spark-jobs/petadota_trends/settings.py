"""Configuration of the Spark jobs, from the one declaration of every variable
(``platform/settings.json``) through the platform's shared Python package: environment variables
first, then the file the local stack writes (local.env), then the declared defaults. A malformed
value fails at start-up with an error naming the variable."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from petadota_platform.settings import Settings


def spark_settings(env: Mapping[str, str] | Settings | None = None) -> Settings:
    """The job's view of the settings (the reader ``spark`` of the declaration)."""
    return env if isinstance(env, Settings) else Settings("spark", env)


def status_file_from_env(env: Mapping[str, str] | None = None) -> Path:
    return spark_settings(env).path("SPARK_STATUS_FILE")


# The JAAS login module of each SASL mechanism the declaration allows.
KAFKA_LOGIN_MODULES = {
    "PLAIN": "org.apache.kafka.common.security.plain.PlainLoginModule",
    "SCRAM-SHA-256": "org.apache.kafka.common.security.scram.ScramLoginModule",
    "SCRAM-SHA-512": "org.apache.kafka.common.security.scram.ScramLoginModule",
}


@dataclass(frozen=True)
class KafkaSecurity:
    """How the job's Kafka clients authenticate and encrypt; the defaults are the local stack's
    PLAINTEXT."""

    protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = field(default=None, repr=False)
    # PEM CA of the brokers; None: the JVM's CAs. A path, read by every client, executors included.
    ssl_ca_path: Path | None = None

    @classmethod
    def from_env(cls, settings: Settings) -> KafkaSecurity:
        # The declaration's rules refuse a SASL setting without SASL, a CA without TLS, and a
        # missing SASL setting with SASL: every one is read, so that each is checked.
        ssl_ca_path = settings.optional("KAFKA_SSL_CA_PATH")
        return cls(
            protocol=settings.string("KAFKA_SECURITY_PROTOCOL"),
            sasl_mechanism=settings.optional("KAFKA_SASL_MECHANISM"),
            sasl_username=settings.optional("KAFKA_SASL_USERNAME"),
            sasl_password=settings.optional("KAFKA_SASL_PASSWORD"),
            ssl_ca_path=Path(ssl_ca_path) if ssl_ca_path else None,
        )


@dataclass(frozen=True)
class SparkSettings:
    kafka_brokers: str
    jars_dir: Path
    master: str
    shuffle_partitions: int
    ui_port: int = 4040
    driver_memory: str = "1g"
    # RocksDB keeps the de-duplication state (one entry per event id of the dedupe span) off the
    # JVM heap; the in-memory provider would hold millions of ids on the heap at high rates.
    state_store: str = "rocksdb"
    kafka_security: KafkaSecurity = field(default_factory=KafkaSecurity)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | Settings | None = None) -> SparkSettings:
        settings = spark_settings(env)
        return cls(
            kafka_brokers=",".join(settings.get("KAFKA_BROKERS") or []),
            jars_dir=settings.path("SPARK_JARS_DIR"),
            master=settings.string("SPARK_MASTER"),
            shuffle_partitions=settings.integer("SPARK_SHUFFLE_PARTITIONS"),
            ui_port=settings.integer("SPARK_UI_PORT"),
            driver_memory=settings.string("SPARK_DRIVER_MEMORY"),
            state_store=settings.string("SPARK_STATE_STORE"),
            kafka_security=KafkaSecurity.from_env(settings),
        )


def _jaas_quoted(value: str) -> str:
    # JAAS values are Java-style quoted strings: a quote or a backslash in them is escaped.
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def kafka_client_options(settings: SparkSettings) -> dict[str, str]:
    """The properties of every Kafka client of the job (the source, the sink, the preflight admin
    client), without the ``kafka.`` prefix the Spark source and sink want. With PLAINTEXT, only the
    brokers. ``sasl.jaas.config`` holds the password: never log these."""
    security = settings.kafka_security
    options = {"bootstrap.servers": settings.kafka_brokers}
    if security.protocol == "PLAINTEXT":
        return options
    options["security.protocol"] = security.protocol
    if security.sasl_mechanism:
        options["sasl.mechanism"] = security.sasl_mechanism
        options["sasl.jaas.config"] = (
            f"{KAFKA_LOGIN_MODULES[security.sasl_mechanism]} required "
            f"username={_jaas_quoted(security.sasl_username or '')} "
            f"password={_jaas_quoted(security.sasl_password or '')};"
        )
    if security.ssl_ca_path:
        # kafka-clients 3.x reads a PEM truststore itself: no JKS to build.
        options["ssl.truststore.type"] = "PEM"
        options["ssl.truststore.location"] = str(security.ssl_ca_path)
    return options


@dataclass(frozen=True)
class MysqlSettings:
    """Where the trend tables are, and the stream account that writes them. Shipped to the
    executors with each partition write, so it holds only plain values."""

    host: str
    port: int
    database: str
    user: str
    password: str = field(repr=False)
    # TLS verifies the server's certificate (chain and name) against ssl_ca_path, or the system's
    # CAs; the path, not the certificate, so it must exist on the executors too.
    ssl: bool = False
    ssl_ca_path: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | Settings | None = None) -> MysqlSettings:
        settings = spark_settings(env)
        password = settings.required(
            "MYSQL_STREAM_PASSWORD",
            "start the local stack (it generates the password into local.env) or set it to the stream "
            "account's password",
        )
        ssl_ca_path = settings.optional("MYSQL_SSL_CA_PATH")
        return cls(
            host=settings.string("MYSQL_HOST"),
            port=settings.integer("MYSQL_PORT"),
            database=settings.string("MYSQL_DATABASE"),
            user=settings.string("MYSQL_STREAM_USER"),
            password=password,
            ssl=settings.boolean("MYSQL_SSL"),
            ssl_ca_path=Path(ssl_ca_path) if ssl_ca_path else None,
        )


@dataclass(frozen=True)
class ArchiveSettings:
    """Where the archive query writes (a Hadoop file system URL) and, for s3a://, the object store
    and its credentials, handed to S3A as spark.hadoop.fs.s3a.* (never logged)."""

    url: str
    trigger_seconds: float
    s3_endpoint: str | None = None
    s3_region: str | None = None
    s3_path_style: bool = True
    s3_access_key_id: str | None = field(default=None, repr=False)
    s3_secret_access_key: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | Settings | None = None) -> ArchiveSettings | None:
        """None when SPARK_ARCHIVE is false."""
        settings = spark_settings(env)
        if not settings.boolean("SPARK_ARCHIVE"):
            return None
        url = settings.string("SPARK_ARCHIVE_URL").rstrip("/")
        if not url.startswith("s3a://"):
            return cls(url=url, trigger_seconds=settings.number("SPARK_ARCHIVE_TRIGGER_SECONDS"))
        return cls(
            url=url,
            trigger_seconds=settings.number("SPARK_ARCHIVE_TRIGGER_SECONDS"),
            s3_endpoint=settings.string("S3_ENDPOINT"),
            s3_region=settings.string("S3_REGION"),
            s3_path_style=settings.boolean("S3_FORCE_PATH_STYLE"),
            # The stream job's own key: the archive bucket's policy admits it, and nothing else does.
            s3_access_key_id=settings.required(
                "S3_STREAM_ACCESS_KEY_ID",
                "start the local stack (it generates the key into local.env) or set it",
            ),
            s3_secret_access_key=settings.required(
                "S3_STREAM_SECRET_ACCESS_KEY",
                "start the local stack (it generates the key into local.env) or set it",
            ),
        )

    def hadoop_options(self) -> dict[str, str]:
        """The S3A options of an s3a:// archive (none otherwise), without the spark.hadoop. prefix."""
        if not self.url.startswith("s3a://"):
            return {}
        assert self.s3_endpoint is not None
        return {
            "fs.s3a.endpoint": self.s3_endpoint,
            "fs.s3a.endpoint.region": self.s3_region or "",
            "fs.s3a.path.style.access": str(self.s3_path_style).lower(),
            "fs.s3a.connection.ssl.enabled": str(self.s3_endpoint.startswith("https://")).lower(),
            # The keys of the settings only: never the instance-metadata endpoint, which a machine
            # off the cloud answers slowly or not at all.
            "fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
            "fs.s3a.access.key": self.s3_access_key_id or "",
            "fs.s3a.secret.key": self.s3_secret_access_key or "",
        }


@dataclass(frozen=True)
class TrendsSettings:
    """Everything the trends job needs: where it reads, writes and keeps its checkpoints, and the
    knobs of its micro-batches."""

    spark: SparkSettings
    mysql: MysqlSettings
    interactions_topic: str
    dead_letter_topic: str
    checkpoint_dir: Path
    status_file: Path
    trigger_seconds: float
    dedupe_seconds: int
    late_after_seconds: int
    animal_trends: bool
    catalog_refresh_seconds: float
    archive: ArchiveSettings | None
    max_offsets_per_trigger: int
    starting_offsets: str
    fail_on_data_loss: bool
    max_future_seconds: int
    profile: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | Settings | None = None) -> TrendsSettings:
        settings = spark_settings(env)
        return cls(
            spark=SparkSettings.from_env(settings),
            mysql=MysqlSettings.from_env(settings),
            interactions_topic=settings.string("KAFKA_INTERACTIONS_TOPIC"),
            dead_letter_topic=settings.string("KAFKA_DEAD_LETTER_TOPIC"),
            checkpoint_dir=settings.path("SPARK_CHECKPOINT_DIR"),
            status_file=settings.path("SPARK_STATUS_FILE"),
            trigger_seconds=settings.number("SPARK_TRIGGER_SECONDS"),
            dedupe_seconds=settings.integer("SPARK_DEDUPE_SECONDS"),
            late_after_seconds=settings.integer("SPARK_LATE_AFTER_SECONDS"),
            animal_trends=settings.boolean("SPARK_ANIMAL_TRENDS"),
            catalog_refresh_seconds=settings.number("SPARK_CATALOG_REFRESH_SECONDS"),
            archive=ArchiveSettings.from_env(settings),
            max_offsets_per_trigger=settings.integer("SPARK_MAX_OFFSETS_PER_TRIGGER"),
            starting_offsets=settings.string("SPARK_STARTING_OFFSETS"),
            fail_on_data_loss=settings.boolean("SPARK_FAIL_ON_DATA_LOSS"),
            max_future_seconds=settings.integer("SPARK_MAX_FUTURE_SECONDS"),
            profile=settings.boolean("SPARK_PROFILE"),
        )
