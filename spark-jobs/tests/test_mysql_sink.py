"""The upserts on real MariaDB, in a database of their own, with an account that has exactly the
stream role's privileges; and the typed errors of the start-up check."""

from __future__ import annotations

import socket
from dataclasses import replace
from datetime import datetime

import pytest
from pyspark.sql import SparkSession

from petadota_trends import mysql_sink
from petadota_trends.errors import MysqlAccessDeniedError, MysqlUnavailableError, SchemaMissingError
from tests.helpers import ACCOUNTS, IsolatedDatabase

BUCKETS = "bucket_inicio timestamp, tipo string, raca string, visualizacoes long, ultimo_evento_em timestamp"


def at(clock: str) -> datetime:
    return datetime.fromisoformat(f"2025-11-22T{clock}")


def views_10s(database: IsolatedDatabase) -> dict[tuple, tuple]:
    rows = database.query(
        "SELECT bucket_inicio, tipo, raca, visualizacoes, ultimo_evento_em, atualizado_em "
        "FROM visualizacoes_10s"
    )
    return {row[:3]: row[3:] for row in rows}


def test_upserts_hold_absolute_counts_and_a_replay_changes_nothing(
    spark: SparkSession, isolated_database: IsolatedDatabase
) -> None:
    stream = isolated_database.stream
    first = [
        (at("10:00:00"), "cachorro", "labrador", 2, at("10:00:09.999999")),
        (at("10:00:00"), "gato", "persa", 1, at("10:00:05.5")),
        (at("10:00:10"), "cachorro", "labrador", 1, at("10:00:10")),
    ]

    def write(rows: list[tuple]) -> None:
        # Two writers: two executor tasks, each with its own connection and transaction.
        mysql_sink.write_batch(spark.createDataFrame(rows, BUCKETS), mysql_sink.VIEWS_10S, stream, writers=2)

    write(first)
    written = views_10s(isolated_database)
    assert {key: value[:2] for key, value in written.items()} == {
        (at("10:00:00"), "cachorro", "labrador"): (2, at("10:00:09.999")),
        (at("10:00:00"), "gato", "persa"): (1, at("10:00:05.5")),
        (at("10:00:10"), "cachorro", "labrador"): (1, at("10:00:10")),
    }

    write(first)  # the same batch replayed
    assert views_10s(isolated_database) == written

    write([(at("10:00:00"), "cachorro", "labrador", 1, at("10:00:01"))])  # an older replay
    assert views_10s(isolated_database) == written

    write([(at("10:00:00"), "cachorro", "labrador", 5, at("10:00:09.9995"))])  # the next batch
    after = views_10s(isolated_database)
    assert after[(at("10:00:00"), "cachorro", "labrador")][:2] == (5, at("10:00:09.999"))
    assert (
        after[(at("10:00:00"), "cachorro", "labrador")][2]
        >= written[(at("10:00:00"), "cachorro", "labrador")][2]
    )
    assert {key: value for key, value in after.items() if key[1] == "gato" or key[0] == at("10:00:10")} == {
        key: value for key, value in written.items() if key[1] == "gato" or key[0] == at("10:00:10")
    }


def test_hourly_upserts(spark: SparkSession, isolated_database: IsolatedDatabase) -> None:
    schema = "hora_inicio timestamp, tipo string, raca string, visualizacoes long"
    for rows in (
        [(at("10:00:00"), "cachorro", "labrador", 3), (at("11:00:00"), "gato", "persa", 4)],
        [(at("10:00:00"), "cachorro", "labrador", 2)],  # older: ignored
        [(at("11:00:00"), "gato", "persa", 6)],
    ):
        mysql_sink.write_batch(
            spark.createDataFrame(rows, schema), mysql_sink.VIEWS_HOUR, isolated_database.stream
        )

    assert set(
        isolated_database.query("SELECT hora_inicio, tipo, raca, visualizacoes FROM visualizacoes_hora")
    ) == {
        (at("10:00:00"), "cachorro", "labrador", 3),
        (at("11:00:00"), "gato", "persa", 6),
    }


def test_the_stream_role_passes_the_start_up_check(isolated_database: IsolatedDatabase) -> None:
    mysql_sink.check_access(isolated_database.stream)


def test_a_wrong_password_is_access_denied(isolated_database: IsolatedDatabase) -> None:
    with pytest.raises(MysqlAccessDeniedError, match="MYSQL_STREAM_PASSWORD"):
        mysql_sink.check_access(replace(isolated_database.stream, password="wrong"))  # noqa: S106


def test_a_missing_privilege_is_access_denied_naming_the_table(isolated_database: IsolatedDatabase) -> None:
    tables = dict(ACCOUNTS["roles"]["stream"]["tables"])
    tables["visualizacoes_hora"] = ["SELECT"]
    account = isolated_database.create_account("nohour", tables)

    with pytest.raises(MysqlAccessDeniedError, match=r"visualizacoes_hora.*accounts\.json"):
        mysql_sink.check_access(account)


def test_a_missing_table_says_to_provision(isolated_database: IsolatedDatabase) -> None:
    isolated_database.query("DROP TABLE visualizacoes_hora")

    with pytest.raises(SchemaMissingError, match=r"visualizacoes_hora does not exist.*provision"):
        mysql_sink.check_access(isolated_database.stream)


def test_an_unreachable_server_says_where_it_looked(isolated_database: IsolatedDatabase) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]

    with pytest.raises(MysqlUnavailableError, match=f"127.0.0.1:{closed_port}.*MYSQL_HOST"):
        mysql_sink.check_access(replace(isolated_database.stream, port=closed_port))
