"""Configuration of the Spark jobs, read the same way as the TypeScript side reads it:
environment variables first, then the file the local stack writes (local.env), then defaults.
A malformed value fails at start-up with an error naming the variable."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from petadota_trends.errors import ConfigurationError


def data_dir(env: Mapping[str, str]) -> Path:
    if env.get("PETADOTA_DATA_DIR"):
        return Path(env["PETADOTA_DATA_DIR"])
    data_home = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "petadota"


def local_env_file(env: Mapping[str, str]) -> Path:
    if env.get("PETADOTA_ENV_FILE"):
        return Path(env["PETADOTA_ENV_FILE"])
    return data_dir(env) / "local.env"


def parse_env_file(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip()
    return values


def resolve_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    env = os.environ if env is None else env
    path = local_env_file(env)
    merged = parse_env_file(path.read_text()) if path.exists() else {}
    merged.update({key: value for key, value in env.items() if value})
    return merged


def _int(values: Mapping[str, str], name: str, default: int, minimum: int, maximum: int | None = None) -> int:
    raw = values.get(name)
    if raw is None:
        return default
    try:
        number = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not a whole number") from None
    if number < minimum or (maximum is not None and number > maximum):
        bounds = f"at least {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        raise ConfigurationError(f"{name}={raw!r} must be {bounds}")
    return number


def _seconds(values: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    raw = values.get(name)
    if raw is None:
        return default
    try:
        number = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not a number of seconds") from None
    if not number >= minimum or number == float("inf"):
        raise ConfigurationError(f"{name}={raw!r} must be a finite number of seconds, at least {minimum}")
    return number


def _bool(values: Mapping[str, str], name: str, default: bool) -> bool:
    raw = values.get(name)
    if raw is None:
        return default
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise ConfigurationError(f"{name}={raw!r} must be true or false")


def _choice(values: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = values.get(name, default)
    if raw not in choices:
        raise ConfigurationError(f"{name}={raw!r} must be one of: {', '.join(choices)}")
    return raw


def _brokers(values: Mapping[str, str]) -> str:
    raw = values.get("KAFKA_BROKERS", "127.0.0.1:9092")
    for broker in raw.split(","):
        if not re.fullmatch(r"[^\s:,]+:\d{1,5}", broker.strip()):
            raise ConfigurationError(
                f"KAFKA_BROKERS={raw!r}: {broker.strip()!r} is not host:port (comma-separated list)"
            )
    return raw


def _memory(values: Mapping[str, str], name: str, default: str) -> str:
    raw = values.get(name, default)
    if not re.fullmatch(r"\d+[kmgt]", raw.lower()):
        raise ConfigurationError(f"{name}={raw!r} must be a JVM memory size such as 512m or 2g")
    return raw


def _pem_file(values: Mapping[str, str], name: str) -> Path | None:
    """Read now, so that a wrong path fails at start-up rather than at the first connection."""
    raw = values.get(name)
    if not raw:
        return None
    try:
        contents = Path(raw).read_bytes()
    except OSError as error:
        raise ConfigurationError(f"{name}={raw!r} cannot be read ({error.strerror})") from None
    if b"-----BEGIN " not in contents:
        raise ConfigurationError(f"{name}={raw!r} is not a PEM file")
    return Path(raw)


def _required(values: Mapping[str, str], name: str, why: str) -> str:
    value = values.get(name)
    if not value:
        raise ConfigurationError(f"{name} is not set: {why}")
    return value


# Kafka's own names, as the TypeScript side reads them (workers/config.ts).
KAFKA_SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
KAFKA_LOGIN_MODULES = {
    "PLAIN": "org.apache.kafka.common.security.plain.PlainLoginModule",
    "SCRAM-SHA-256": "org.apache.kafka.common.security.scram.ScramLoginModule",
    "SCRAM-SHA-512": "org.apache.kafka.common.security.scram.ScramLoginModule",
}


def spark_dir(values: Mapping[str, str]) -> Path:
    return data_dir(values) / "spark"


def status_file_from_env(env: Mapping[str, str] | None = None) -> Path:
    values = resolve_env(env)
    return Path(values.get("SPARK_STATUS_FILE") or spark_dir(values) / "status.json")


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
    def from_env(cls, values: Mapping[str, str]) -> KafkaSecurity:
        protocol = _choice(values, "KAFKA_SECURITY_PROTOCOL", "PLAINTEXT", KAFKA_SECURITY_PROTOCOLS)
        with_sasl = protocol.startswith("SASL_")
        with_tls = protocol.endswith("SSL")
        # Credentials or a CA the protocol would not use are a mistake, not something to ignore.
        unused = [] if with_sasl else ["KAFKA_SASL_MECHANISM", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD"]
        unused += [] if with_tls else ["KAFKA_SSL_CA_PATH"]
        for name in unused:
            if values.get(name):
                raise ConfigurationError(
                    f"{name} is set but not used with KAFKA_SECURITY_PROTOCOL={protocol}"
                )
        if not with_sasl:
            return cls(protocol=protocol, ssl_ca_path=_pem_file(values, "KAFKA_SSL_CA_PATH"))
        mechanisms = tuple(KAFKA_LOGIN_MODULES)
        if not values.get("KAFKA_SASL_MECHANISM"):
            raise ConfigurationError(
                f"KAFKA_SASL_MECHANISM is not set: {protocol} needs one of {', '.join(mechanisms)}"
            )
        return cls(
            protocol=protocol,
            sasl_mechanism=_choice(values, "KAFKA_SASL_MECHANISM", "", mechanisms),
            sasl_username=_required(values, "KAFKA_SASL_USERNAME", f"{protocol} needs it"),
            sasl_password=_required(values, "KAFKA_SASL_PASSWORD", f"{protocol} needs it"),
            ssl_ca_path=_pem_file(values, "KAFKA_SSL_CA_PATH"),
        )


@dataclass(frozen=True)
class SparkSettings:
    kafka_brokers: str
    jars_dir: Path
    master: str
    shuffle_partitions: int
    ui_port: int = 4040
    driver_memory: str = "1g"
    # RocksDB keeps the de-duplication state (one entry per event id inside the watermark) off the
    # JVM heap; the in-memory provider would hold millions of ids on the heap at high rates.
    state_store: str = "rocksdb"
    kafka_security: KafkaSecurity = field(default_factory=KafkaSecurity)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SparkSettings:
        values = resolve_env(env)
        cache = values.get("PETADOTA_CACHE_DIR") or str(Path.home() / ".cache" / "petadota")
        return cls(
            kafka_brokers=_brokers(values),
            jars_dir=Path(values.get("SPARK_JARS_DIR") or Path(cache) / "spark-jars"),
            master=values.get("SPARK_MASTER", "local[2]"),
            # Two cores here: the default of 200 shuffle partitions would be 200 tiny tasks per batch.
            shuffle_partitions=_int(values, "SPARK_SHUFFLE_PARTITIONS", 4, minimum=1),
            ui_port=_int(values, "SPARK_UI_PORT", 4040, minimum=1, maximum=65535),
            driver_memory=_memory(values, "SPARK_DRIVER_MEMORY", "1g"),
            state_store=_choice(values, "SPARK_STATE_STORE", "rocksdb", ("rocksdb", "hdfs")),
            kafka_security=KafkaSecurity.from_env(values),
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
    def from_env(cls, env: Mapping[str, str] | None = None) -> MysqlSettings:
        values = resolve_env(env)
        password = values.get("MYSQL_STREAM_PASSWORD")
        if not password:
            raise ConfigurationError(
                "MYSQL_STREAM_PASSWORD is not set: start the local stack (it generates the password "
                "into local.env) or set it to the stream account's password"
            )
        ssl_ca_path = _pem_file(values, "MYSQL_SSL_CA_PATH")
        ssl = _bool(values, "MYSQL_SSL", ssl_ca_path is not None)
        if ssl_ca_path and not ssl:
            raise ConfigurationError(
                f"MYSQL_SSL={values['MYSQL_SSL']!r} turns TLS off, but MYSQL_SSL_CA_PATH is set"
            )
        return cls(
            host=values.get("MYSQL_HOST", "127.0.0.1"),
            port=_int(values, "MYSQL_PORT", 3306, minimum=1, maximum=65535),
            database=values.get("MYSQL_DATABASE", "Pet_Adota"),
            user=values.get("MYSQL_STREAM_USER", "petadota_stream"),
            password=password,
            ssl=ssl,
            ssl_ca_path=ssl_ca_path,
        )


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
    watermark_seconds: int
    max_offsets_per_trigger: int
    starting_offsets: str
    fail_on_data_loss: bool
    max_future_seconds: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> TrendsSettings:
        values = resolve_env(env)
        return cls(
            spark=SparkSettings.from_env(values),
            mysql=MysqlSettings.from_env(values),
            interactions_topic=values.get("KAFKA_INTERACTIONS_TOPIC", "pet-adota-interacoes"),
            dead_letter_topic=values.get("KAFKA_DEAD_LETTER_TOPIC", "pet-adota-interacoes-dlq"),
            checkpoint_dir=Path(values.get("SPARK_CHECKPOINT_DIR") or spark_dir(values) / "checkpoints"),
            status_file=status_file_from_env(values),
            trigger_seconds=_seconds(values, "SPARK_TRIGGER_SECONDS", 2.0, minimum=0.1),
            watermark_seconds=_int(values, "SPARK_WATERMARK_SECONDS", 60, minimum=0),
            max_offsets_per_trigger=_int(values, "SPARK_MAX_OFFSETS_PER_TRIGGER", 100_000, minimum=1),
            starting_offsets=_choice(values, "SPARK_STARTING_OFFSETS", "earliest", ("earliest", "latest")),
            fail_on_data_loss=_bool(values, "SPARK_FAIL_ON_DATA_LOSS", True),
            max_future_seconds=_int(values, "SPARK_MAX_FUTURE_SECONDS", 300, minimum=0),
        )
