"""The counts on real MariaDB, in a database of their own, with an account that has exactly the
stream role's privileges: added once with their offsets; and the typed errors of the start-up
checks."""

from __future__ import annotations

import socket
from dataclasses import replace
from datetime import datetime

import pytest

from petadota_trends import mysql_sink
from petadota_trends.errors import (
    CountsNotAccountedError,
    MysqlAccessDeniedError,
    MysqlUnavailableError,
    SchemaMissingError,
    TrendsJobError,
)
from petadota_trends.mysql_sink import BatchCounts
from tests.helpers import ACCOUNTS, IsolatedDatabase

TOPIC = "pet-adota-interacoes"


def at(clock: str) -> datetime:
    return datetime.fromisoformat(f"2025-11-22T{clock}")


def tables(database: IsolatedDatabase) -> tuple[dict, dict, dict]:
    buckets = database.query(
        "SELECT bucket_inicio, tipo, raca, visualizacoes, ultimo_evento_em FROM visualizacoes_10s"
    )
    hours = database.query("SELECT hora_inicio, tipo, raca, visualizacoes FROM visualizacoes_hora")
    offsets = database.query("SELECT topico, particao, ultimo_offset FROM offsets_contados")
    return (
        {row[:3]: row[3:] for row in buckets},
        {row[:3]: row[3] for row in hours},
        {row[:2]: row[2] for row in offsets},
    )


FIRST = BatchCounts(
    buckets={
        ("2025-11-22 10:00:00", "cachorro", "labrador"): (2, "2025-11-22 10:00:09.999"),
        ("2025-11-22 10:00:00", "gato", "persa"): (1, "2025-11-22 10:00:05.500"),
        ("2025-11-22 10:59:50", "cachorro", "labrador"): (1, "2025-11-22 10:59:51.000"),
    },
    hours={("2025-11-22 10:00:00", "cachorro", "labrador"): 3, ("2025-11-22 10:00:00", "gato", "persa"): 1},
    offsets={0: 4, 1: 7},
    animal_buckets={
        ("2025-11-22 10:00:00", 7): (2, 0, "2025-11-22 10:00:09.999"),
        ("2025-11-22 10:59:50", 2**53 - 1): (1, 1, "2025-11-22 10:59:51.000"),
    },
    animal_hours={("2025-11-22 10:00:00", 7): (2, 0), ("2025-11-22 10:00:00", 2**53 - 1): (1, 1)},
    late={"2025-11-22 11:01:00": (2, 61_000, "2025-11-22 10:00:05.500")},
)
SECOND = BatchCounts(
    buckets={("2025-11-22 10:00:00", "cachorro", "labrador"): (3, "2025-11-22 10:00:08.000")},
    hours={("2025-11-22 10:00:00", "cachorro", "labrador"): 3},
    offsets={0: 9, 2: 3},
    animal_buckets={("2025-11-22 10:00:00", 7): (1, 1, "2025-11-22 10:00:08.000")},
    animal_hours={("2025-11-22 10:00:00", 7): (1, 1)},
    late={"2025-11-22 11:01:00": (1, 3_600_000, "2025-11-22 10:00:08.000")},
)


def animal_tables(database: IsolatedDatabase) -> tuple[dict, dict, dict]:
    buckets = database.query(
        "SELECT bucket_inicio, animal_id, visualizacoes, desconhecidas, ultimo_evento_em "
        "FROM visualizacoes_animal_10s"
    )
    hours = database.query(
        "SELECT hora_inicio, animal_id, visualizacoes, desconhecidas FROM visualizacoes_animal_hora"
    )
    late = database.query(
        "SELECT chegada_minuto, cliques, maior_atraso_ms, evento_mais_antigo_em FROM cliques_atrasados"
    )
    return (
        {row[:2]: row[2:] for row in buckets},
        {row[:2]: row[2:] for row in hours},
        {row[0]: row[1:] for row in late},
    )


def test_counts_are_added_with_their_offsets_and_a_replayed_batch_adds_nothing(
    isolated_database: IsolatedDatabase,
) -> None:
    stream = isolated_database.stream
    assert mysql_sink.counted_offsets(stream, TOPIC) == {}

    assert mysql_sink.add_counts(stream, TOPIC, {}, FIRST) is True
    # The same batch again (its commit acknowledgement lost, or replayed after a crash).
    assert mysql_sink.add_counts(stream, TOPIC, {}, FIRST) is False
    assert mysql_sink.counted_offsets(stream, TOPIC) == {0: 4, 1: 7}
    assert mysql_sink.add_counts(stream, TOPIC, {0: 4, 1: 7}, SECOND) is True

    buckets, hours, offsets = tables(isolated_database)
    assert buckets == {
        (at("10:00:00"), "cachorro", "labrador"): (5, at("10:00:09.999")),
        (at("10:00:00"), "gato", "persa"): (1, at("10:00:05.5")),
        (at("10:59:50"), "cachorro", "labrador"): (1, at("10:59:51")),
    }
    assert hours == {(at("10:00:00"), "cachorro", "labrador"): 6, (at("10:00:00"), "gato", "persa"): 1}
    assert offsets == {(TOPIC, 0): 9, (TOPIC, 1): 7, (TOPIC, 2): 3}
    animal_buckets, animal_hours, late = animal_tables(isolated_database)
    assert animal_buckets == {
        (at("10:00:00"), 7): (3, 1, at("10:00:09.999")),
        (at("10:59:50"), 2**53 - 1): (1, 1, at("10:59:51")),
    }
    assert animal_hours == {(at("10:00:00"), 7): (3, 1), (at("10:00:00"), 2**53 - 1): (1, 1)}
    assert late == {at("11:01:00"): (3, 3_600_000, at("10:00:05.5"))}


def test_offsets_that_moved_under_the_batch_mean_a_second_writer(isolated_database: IsolatedDatabase) -> None:
    stream = isolated_database.stream
    mysql_sink.add_counts(stream, TOPIC, {}, FIRST)
    before = tables(isolated_database)

    # Filtered with no offsets counted, but the table has some, short of this batch's: someone else.
    with pytest.raises(TrendsJobError, match="a second trends job"):
        mysql_sink.add_counts(stream, TOPIC, {}, SECOND)
    assert tables(isolated_database) == before


def test_a_batch_without_records_writes_nothing(isolated_database: IsolatedDatabase) -> None:
    assert mysql_sink.add_counts(isolated_database.stream, TOPIC, {}, BatchCounts({}, {}, {})) is False
    assert tables(isolated_database) == ({}, {}, {})


def test_views_no_offset_accounts_for_refuse_the_start(isolated_database: IsolatedDatabase) -> None:
    stream = isolated_database.stream
    mysql_sink.check_counts_accounted(stream, TOPIC)  # empty tables
    mysql_sink.add_counts(stream, TOPIC, {}, FIRST)
    mysql_sink.check_counts_accounted(stream, TOPIC)  # every view accounted for

    # As an earlier version of the job left them: views, no counted offsets.
    isolated_database.query("DELETE FROM offsets_contados")
    with pytest.raises(CountsNotAccountedError, match="empty visualizacoes_10s and visualizacoes_hora"):
        mysql_sink.check_counts_accounted(stream, TOPIC)


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
