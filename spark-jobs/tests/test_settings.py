"""Settings: defaults for the local stack, the secure-connection options every client gets, and a
malformed value named at start-up."""

from __future__ import annotations

import re
import secrets
import ssl
from pathlib import Path
from types import SimpleNamespace
from unittest.mock import MagicMock

import pytest

from petadota_trends import job, mysql_sink, preflight
from petadota_trends.errors import ConfigurationError, MissingJarsError
from petadota_trends.session import connector_jars
from petadota_trends.settings import MysqlSettings, SparkSettings, TrendsSettings, kafka_client_options

BASE = {
    "PETADOTA_ENV_FILE": "/nonexistent/local.env",
    "MYSQL_STREAM_PASSWORD": "secret",
    "S3_STREAM_ACCESS_KEY_ID": "archive-key",
    "S3_STREAM_SECRET_ACCESS_KEY": "archive-secret",
}


def test_defaults_point_at_the_local_stack(tmp_path: Path) -> None:
    settings = TrendsSettings.from_env({**BASE, "PETADOTA_DATA_DIR": str(tmp_path)})

    assert settings.interactions_topic == "pet-adota-interacoes"
    assert settings.dead_letter_topic == "pet-adota-interacoes-dlq"
    assert settings.checkpoint_dir == tmp_path / "spark" / "checkpoints"
    assert settings.status_file == tmp_path / "spark" / "status.json"
    assert (settings.trigger_seconds, settings.dedupe_seconds, settings.max_future_seconds) == (2.0, 300, 300)
    assert (settings.late_after_seconds, settings.animal_trends, settings.catalog_refresh_seconds) == (
        60,
        True,
        30.0,
    )
    assert (settings.starting_offsets, settings.fail_on_data_loss) == ("earliest", True)
    assert (settings.mysql.user, settings.mysql.database, settings.mysql.port) == (
        "petadota_stream",
        "Pet_Adota",
        3306,
    )
    assert (settings.spark.shuffle_partitions, settings.spark.ui_port) == (4, 4040)
    assert settings.archive is not None
    assert (settings.archive.url, settings.archive.trigger_seconds) == (
        "s3a://pet-adota-arquivo/interacoes",
        10.0,
    )
    assert settings.archive.hadoop_options() == {
        "fs.s3a.endpoint": "http://127.0.0.1:7070",
        "fs.s3a.endpoint.region": "us-east-1",
        "fs.s3a.path.style.access": "true",
        "fs.s3a.connection.ssl.enabled": "false",
        "fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
        "fs.s3a.access.key": "archive-key",
        "fs.s3a.secret.key": "archive-secret",
    }
    assert "secret" not in repr(settings)


def test_the_archive_can_be_off_or_on_any_hadoop_file_system() -> None:
    assert TrendsSettings.from_env({**BASE, "SPARK_ARCHIVE": "false"}).archive is None
    local = TrendsSettings.from_env({**BASE, "SPARK_ARCHIVE_URL": "file:///data/archive/"}).archive
    assert local is not None
    assert (local.url, local.hadoop_options()) == ("file:///data/archive", {})


def test_an_s3_archive_without_its_key_says_which_is_missing() -> None:
    env = {key: value for key, value in BASE.items() if key != "S3_STREAM_SECRET_ACCESS_KEY"}
    with pytest.raises(ConfigurationError, match=r"^S3_STREAM_SECRET_ACCESS_KEY: is not set"):
        TrendsSettings.from_env(env)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SPARK_SHUFFLE_PARTITIONS", "four"),
        ("SPARK_SHUFFLE_PARTITIONS", "0"),
        ("SPARK_UI_PORT", "70000"),
        ("SPARK_TRIGGER_SECONDS", "soon"),
        ("SPARK_TRIGGER_SECONDS", "0"),
        ("SPARK_DEDUPE_SECONDS", "-1"),
        ("SPARK_LATE_AFTER_SECONDS", "0"),
        ("SPARK_ANIMAL_TRENDS", "sometimes"),
        ("SPARK_CATALOG_REFRESH_SECONDS", "0.5"),
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
    with pytest.raises(ConfigurationError, match=f"^{name}: expected .*[,;] got '{re.escape(value)}'$"):
        TrendsSettings.from_env({**BASE, name: value})


def test_the_stream_password_is_required() -> None:
    with pytest.raises(ConfigurationError, match="MYSQL_STREAM_PASSWORD"):
        TrendsSettings.from_env({"PETADOTA_ENV_FILE": "/nonexistent/local.env"})


def test_missing_connector_jars_say_how_to_install_them(tmp_path: Path) -> None:
    (tmp_path / "kafka-clients-3.9.0.jar").touch()
    settings = SparkSettings.from_env({**BASE, "SPARK_JARS_DIR": str(tmp_path)})

    with pytest.raises(MissingJarsError, match=r"spark-sql-kafka-0-10.*commons-pool2 jar.*stack install"):
        connector_jars(settings)


@pytest.fixture
def pem_files(tmp_path: Path) -> dict[str, str]:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    der = tmp_path / "ca.der"
    der.write_bytes(b"\x30\x82\x01\x0a")
    return {"ca": str(ca), "der": str(der), "missing": str(tmp_path / "missing.pem")}


# Made for the run: no password literal in the repository, and one no repr can contain by chance.
SASL_PASSWORD = secrets.token_hex(12)
SASL = {
    "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
    "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
    "KAFKA_SASL_USERNAME": "stream",
    "KAFKA_SASL_PASSWORD": SASL_PASSWORD,
}


def test_by_default_kafka_and_mysql_stay_plaintext() -> None:
    settings = TrendsSettings.from_env(BASE)

    assert kafka_client_options(settings.spark) == {"bootstrap.servers": "127.0.0.1:9092"}
    assert job.kafka_options(settings) == {"kafka.bootstrap.servers": "127.0.0.1:9092"}
    assert (settings.mysql.ssl, settings.mysql.ssl_ca_path) == (False, None)


def test_ssl_with_a_ca_uses_a_pem_truststore(pem_files: dict[str, str]) -> None:
    settings = SparkSettings.from_env(
        {**BASE, "KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SSL_CA_PATH": pem_files["ca"]}
    )

    assert kafka_client_options(settings) == {
        "bootstrap.servers": "127.0.0.1:9092",
        "security.protocol": "SSL",
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": pem_files["ca"],
    }
    # Without a CA the JVM's own CAs are used: no truststore option at all.
    system_cas = SparkSettings.from_env({**BASE, "KAFKA_SECURITY_PROTOCOL": "SSL"})
    assert kafka_client_options(system_cas) == {
        "bootstrap.servers": "127.0.0.1:9092",
        "security.protocol": "SSL",
    }


@pytest.mark.parametrize(
    ("mechanism", "login_module"),
    [
        ("PLAIN", "org.apache.kafka.common.security.plain.PlainLoginModule"),
        ("SCRAM-SHA-256", "org.apache.kafka.common.security.scram.ScramLoginModule"),
        ("SCRAM-SHA-512", "org.apache.kafka.common.security.scram.ScramLoginModule"),
    ],
)
def test_sasl_becomes_a_jaas_config(mechanism: str, login_module: str) -> None:
    settings = SparkSettings.from_env({**BASE, **SASL, "KAFKA_SASL_MECHANISM": mechanism})

    assert kafka_client_options(settings) == {
        "bootstrap.servers": "127.0.0.1:9092",
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": mechanism,
        "sasl.jaas.config": f'{login_module} required username="stream" password="{SASL_PASSWORD}";',
    }


def test_quotes_and_backslashes_are_escaped_in_the_jaas_config() -> None:
    tricky = SASL_PASSWORD + '\\"\\'  # a backslash, a quote, a backslash
    settings = SparkSettings.from_env(
        {**BASE, **SASL, "KAFKA_SASL_USERNAME": 'us"er', "KAFKA_SASL_PASSWORD": tricky}
    )

    jaas = kafka_client_options(settings)["sasl.jaas.config"]
    assert jaas.endswith(f' required username="us\\"er" password="{SASL_PASSWORD}\\\\\\"\\\\";')


def test_no_password_in_any_repr() -> None:
    settings = TrendsSettings.from_env({**BASE, **SASL})

    assert SASL_PASSWORD not in repr(settings)
    assert "secret" not in repr(settings.spark.kafka_security)
    assert "SCRAM-SHA-512" in repr(settings.spark.kafka_security)


def test_every_kafka_client_of_the_job_gets_the_same_options(pem_files: dict[str, str]) -> None:
    settings = TrendsSettings.from_env({**BASE, **SASL, "KAFKA_SSL_CA_PATH": pem_files["ca"]})
    expected = kafka_client_options(settings.spark)
    assert len(expected) == 6

    # The Spark source and sink: the same properties, prefixed.
    assert job.kafka_options(settings) == {f"kafka.{name}": value for name, value in expected.items()}

    # The preflight admin client, on a stand-in JVM that records the properties it is given.
    props: dict[str, str] = {}
    jvm = MagicMock()
    jvm.java.util.Properties.return_value.put.side_effect = props.__setitem__
    preflight.check_topics(SimpleNamespace(sparkContext=SimpleNamespace(_jvm=jvm)), settings.spark, ["t"])
    jvm.org.apache.kafka.clients.admin.Admin.create.assert_called_once()
    assert {name: props[name] for name in expected} == expected


def test_mysql_ssl_verifies_the_server_against_the_ca(pem_files: dict[str, str]) -> None:
    on = MysqlSettings.from_env({**BASE, "MYSQL_SSL": "true"})
    assert (on.ssl, on.ssl_ca_path) == (True, None)
    with_ca = MysqlSettings.from_env({**BASE, "MYSQL_SSL_CA_PATH": pem_files["ca"]})
    assert (with_ca.ssl, with_ca.ssl_ca_path) == (True, Path(pem_files["ca"]))
    assert MysqlSettings.from_env({**BASE, "MYSQL_SSL": "false"}).ssl is False


def test_the_tls_context_always_checks_chain_and_name(monkeypatch: pytest.MonkeyPatch) -> None:
    passed: list[object] = []

    def fake_connect(**options: object) -> MagicMock:
        passed.append(options["ssl"])
        return MagicMock()

    monkeypatch.setattr(mysql_sink.pymysql, "connect", fake_connect)
    mysql_sink.connect(MysqlSettings.from_env(BASE))
    mysql_sink.connect(MysqlSettings.from_env({**BASE, "MYSQL_SSL": "true"}))

    # Off: PyMySQL's own default, exactly as before.
    assert passed[0] is None
    context = passed[1]
    assert isinstance(context, ssl.SSLContext)
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, True)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"KAFKA_SECURITY_PROTOCOL": "TLS"},
            "^KAFKA_SECURITY_PROTOCOL: expected one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL; got 'TLS'$",
        ),
        (
            {"KAFKA_SECURITY_PROTOCOL": "SASL_SSL"},
            "^KAFKA_SASL_MECHANISM: is not set: KAFKA_SECURITY_PROTOCOL=SASL_SSL needs it$",
        ),
        (
            {**SASL, "KAFKA_SASL_MECHANISM": "GSSAPI"},
            "^KAFKA_SASL_MECHANISM: expected one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512; got 'GSSAPI'$",
        ),
        (
            {**SASL, "KAFKA_SASL_USERNAME": ""},
            "^KAFKA_SASL_USERNAME: is not set: KAFKA_SECURITY_PROTOCOL=SASL_SSL needs it$",
        ),
        (
            {**SASL, "KAFKA_SASL_PASSWORD": ""},
            "^KAFKA_SASL_PASSWORD: is not set: KAFKA_SECURITY_PROTOCOL=SASL_SSL needs it$",
        ),
        (
            {"KAFKA_SASL_PASSWORD": "p"},
            "^KAFKA_SASL_PASSWORD: is not used with KAFKA_SECURITY_PROTOCOL=PLAINTEXT$",
        ),
        (
            {"KAFKA_SSL_CA_PATH": "{ca}"},
            "^KAFKA_SSL_CA_PATH: is not used with KAFKA_SECURITY_PROTOCOL=PLAINTEXT$",
        ),
        (
            {"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SSL_CA_PATH": "{missing}"},
            r"^KAFKA_SSL_CA_PATH: cannot read '.*missing\.pem' \(ENOENT\)$",
        ),
        (
            {"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SSL_CA_PATH": "{der}"},
            r"^KAFKA_SSL_CA_PATH: '.*ca\.der' is not a PEM file$",
        ),
        ({"MYSQL_SSL": "on"}, "^MYSQL_SSL: expected true or false, got 'on'$"),
        (
            {"MYSQL_SSL": "false", "MYSQL_SSL_CA_PATH": "{ca}"},
            "^MYSQL_SSL: is false, but it is required by MYSQL_SSL_CA_PATH$",
        ),
        (
            {"MYSQL_SSL_CA_PATH": "{missing}"},
            r"^MYSQL_SSL_CA_PATH: cannot read '.*missing\.pem' \(ENOENT\)$",
        ),
    ],
)
def test_a_malformed_secure_connection_setting_names_the_variable(
    env: dict[str, str], message: str, pem_files: dict[str, str]
) -> None:
    env = {name: value.format(**pem_files) for name, value in env.items()}
    with pytest.raises(ConfigurationError, match=message) as failure:
        TrendsSettings.from_env({**BASE, **env})
    assert SASL_PASSWORD not in str(failure.value)
