"""MYSQL_SSL for the stream job's PyMySQL connections, against a real server: the TypeScript
integration test's throwaway MariaDB (test/kit/mariadb-tls), which requires secure transport
and has a certificate for 127.0.0.1 from a CA made for the test. Needs none of the local stack.
Without MYSQL_SSL, PyMySQL still tries TLS unverified, as it always did, so that is not tested
here (the TypeScript test shows the server refusing plaintext)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest

from petadota_trends import mysql_sink
from petadota_trends.errors import MysqlUnavailableError
from petadota_trends.settings import MysqlSettings

SERVER = Path(__file__).resolve().parents[2] / "test" / "kit" / "mariadb-tls"


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Path, int]]:
    """The server's directory (ca.pem, other-ca.pem) and port."""
    directory = Path(tempfile.mkdtemp(prefix="petadota-mysql-tls-"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    try:
        subprocess.run([SERVER, "start", str(directory), str(port)], check=True, stdout=subprocess.DEVNULL)  # noqa: S603
        yield directory, port
    finally:
        subprocess.run([SERVER, "stop", str(directory)], check=True)  # noqa: S603
        shutil.rmtree(directory, ignore_errors=True)


def settings(server: tuple[Path, int], **env: str) -> MysqlSettings:
    directory, port = server
    return MysqlSettings.from_env(
        {
            "PETADOTA_ENV_FILE": str(directory / "no-local.env"),
            "MYSQL_HOST": "127.0.0.1",
            "MYSQL_PORT": str(port),
            "MYSQL_DATABASE": "tls_test",
            "MYSQL_STREAM_USER": "tls_user",
            "MYSQL_STREAM_PASSWORD": "tls_password",
            **{name: value.format(dir=directory) for name, value in env.items()},
        }
    )


def test_with_mysql_ssl_and_the_ca_the_job_talks_tls(server: tuple[Path, int]) -> None:
    connection = mysql_sink.connect(settings(server, MYSQL_SSL_CA_PATH="{dir}/ca.pem"))
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
            (_, cipher) = cursor.fetchone()
        assert cipher
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        (
            {"MYSQL_SSL_CA_PATH": "{dir}/other-ca.pem"},
            "certificate verify failed: self-signed certificate in certificate chain",
        ),
        ({"MYSQL_SSL": "true"}, "certificate verify failed: self-signed certificate in certificate chain"),
        # localhost is 127.0.0.1, but the certificate names the IP address only.
        ({"MYSQL_SSL_CA_PATH": "{dir}/ca.pem", "MYSQL_HOST": "localhost"}, "Hostname mismatch"),
    ],
    ids=["another-ca", "system-cas", "another-name"],
)
def test_an_unverified_server_is_refused_and_explained(
    server: tuple[Path, int], env: dict[str, str], reason: str
) -> None:
    mysql = settings(server, **env)
    with pytest.raises(pymysql.OperationalError, match=reason) as failure:
        mysql_sink.connect(mysql)

    explained = mysql_sink.explain(failure.value, mysql)
    assert isinstance(explained, MysqlUnavailableError)
    assert str(explained).startswith(
        f"TLS with MySQL at {mysql.host}:{mysql.port} failed: check MYSQL_SSL_CA_PATH"
    )
