"""Adds the trend counts to MySQL with the stream account, exactly once per Kafka record.

Each micro-batch's counts are added (`visualizacoes + VALUES(visualizacoes)`) in one transaction
together with the highest offset they account for in each partition (offsets_contados). The job
skips the events at or below those offsets before counting, so a batch replayed after a crash,
or the whole topic read again after a lost checkpoint, adds nothing twice; and an upsert that
fails leaves neither its counts nor its offsets behind."""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

import pymysql
from pyspark.sql import Row

from petadota_trends.errors import (
    CountsNotAccountedError,
    MysqlAccessDeniedError,
    MysqlUnavailableError,
    SchemaMissingError,
    TrendsJobError,
)
from petadota_trends.settings import MysqlSettings

# MySQL error numbers the job tells apart.
ER_DBACCESS_DENIED = 1044
ER_ACCESS_DENIED = 1045
ER_BAD_DB = 1049
ER_TABLEACCESS_DENIED = 1142
ER_NO_SUCH_TABLE = 1146
ER_LOCK_WAIT_TIMEOUT = 1205
ER_LOCK_DEADLOCK = 1213
CR_CONN_HOST_ERROR = 2003
CR_SERVER_GONE = 2006
CR_SERVER_LOST = 2013
# Worth another attempt of the whole transaction: it commits all of a batch or none of it.
TRANSIENT_ERRORS = frozenset(
    {ER_LOCK_WAIT_TIMEOUT, ER_LOCK_DEADLOCK, CR_CONN_HOST_ERROR, CR_SERVER_GONE, CR_SERVER_LOST}
)

ROWS_PER_STATEMENT = 500
T = TypeVar("T")
ATTEMPTS = 7


@dataclass(frozen=True)
class TrendTable:
    """A table the job writes, and the statement it writes with (check_access probes it)."""

    name: str
    columns: tuple[str, ...]
    upsert: str


VIEWS_10S = TrendTable(
    name="visualizacoes_10s",
    columns=("bucket_inicio", "tipo", "raca", "visualizacoes", "ultimo_evento_em"),
    upsert=(
        "INSERT INTO visualizacoes_10s (bucket_inicio, tipo, raca, visualizacoes, ultimo_evento_em) "
        "VALUES (%s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE "
        "visualizacoes = visualizacoes + VALUES(visualizacoes), "
        "ultimo_evento_em = GREATEST(ultimo_evento_em, VALUES(ultimo_evento_em))"
    ),
)

VIEWS_HOUR = TrendTable(
    name="visualizacoes_hora",
    columns=("hora_inicio", "tipo", "raca", "visualizacoes"),
    upsert=(
        "INSERT INTO visualizacoes_hora (hora_inicio, tipo, raca, visualizacoes) VALUES (%s, %s, %s, %s) "
        "ON DUPLICATE KEY UPDATE visualizacoes = visualizacoes + VALUES(visualizacoes)"
    ),
)

COUNTED_OFFSETS = TrendTable(
    name="offsets_contados",
    columns=("topico", "particao", "ultimo_offset"),
    upsert=(
        "INSERT INTO offsets_contados (topico, particao, ultimo_offset) VALUES (%s, %s, %s) "
        "ON DUPLICATE KEY UPDATE ultimo_offset = GREATEST(ultimo_offset, VALUES(ultimo_offset))"
    ),
)

VIEWS_ANIMAL_10S = TrendTable(
    name="visualizacoes_animal_10s",
    columns=("bucket_inicio", "animal_id", "visualizacoes", "desconhecidas", "ultimo_evento_em"),
    upsert=(
        "INSERT INTO visualizacoes_animal_10s (bucket_inicio, animal_id, visualizacoes, desconhecidas, "
        "ultimo_evento_em) VALUES (%s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE "
        "visualizacoes = visualizacoes + VALUES(visualizacoes), "
        "desconhecidas = desconhecidas + VALUES(desconhecidas), "
        "ultimo_evento_em = GREATEST(ultimo_evento_em, VALUES(ultimo_evento_em))"
    ),
)

VIEWS_ANIMAL_HOUR = TrendTable(
    name="visualizacoes_animal_hora",
    columns=("hora_inicio", "animal_id", "visualizacoes", "desconhecidas"),
    upsert=(
        "INSERT INTO visualizacoes_animal_hora (hora_inicio, animal_id, visualizacoes, desconhecidas) "
        "VALUES (%s, %s, %s, %s) ON DUPLICATE KEY UPDATE "
        "visualizacoes = visualizacoes + VALUES(visualizacoes), "
        "desconhecidas = desconhecidas + VALUES(desconhecidas)"
    ),
)

LATE_CLICKS = TrendTable(
    name="cliques_atrasados",
    columns=("chegada_minuto", "cliques", "maior_atraso_ms", "evento_mais_antigo_em"),
    upsert=(
        "INSERT INTO cliques_atrasados (chegada_minuto, cliques, maior_atraso_ms, evento_mais_antigo_em) "
        "VALUES (%s, %s, %s, %s) ON DUPLICATE KEY UPDATE cliques = cliques + VALUES(cliques), "
        "maior_atraso_ms = GREATEST(maior_atraso_ms, VALUES(maior_atraso_ms)), "
        "evento_mais_antigo_em = LEAST(evento_mais_antigo_em, VALUES(evento_mais_antigo_em))"
    ),
)

ARCHIVED_OFFSETS = TrendTable(
    name="offsets_arquivados",
    columns=("topico", "particao", "ultimo_offset"),
    upsert=(
        "INSERT INTO offsets_arquivados (topico, particao, ultimo_offset) VALUES (%s, %s, %s) "
        "ON DUPLICATE KEY UPDATE ultimo_offset = GREATEST(ultimo_offset, VALUES(ultimo_offset))"
    ),
)

TREND_TABLES = (
    VIEWS_10S,
    VIEWS_HOUR,
    VIEWS_ANIMAL_10S,
    VIEWS_ANIMAL_HOUR,
    LATE_CLICKS,
    COUNTED_OFFSETS,
    ARCHIVED_OFFSETS,
)


@dataclass(frozen=True)
class BatchCounts:
    """What one micro-batch adds: views per bucket (with its newest event time) and per hour, per
    breed and per animal id (with the views of ids the catalog did not know); the late clicks per
    arrival minute; and per partition the highest offset of the batch (valid or not), which they
    all account for."""

    buckets: dict[tuple[str, str, str], tuple[int, str]]
    hours: dict[tuple[str, str, str], int]
    offsets: dict[int, int]
    animal_buckets: dict[tuple[str, int], tuple[int, int, str]] = field(default_factory=dict)
    animal_hours: dict[tuple[str, int], tuple[int, int]] = field(default_factory=dict)
    late: dict[str, tuple[int, int, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: Iterable[Row]) -> BatchCounts:
        """From the rows of aggregations.batch_counts (per bucket, breed, animal, partition and
        late arrival minute)."""
        buckets: dict[tuple[str, str, str], tuple[int, str]] = {}
        hours: dict[tuple[str, str, str], int] = {}
        offsets: dict[int, int] = {}
        animal_buckets: dict[tuple[str, int], tuple[int, int, str]] = {}
        animal_hours: dict[tuple[str, int], tuple[int, int]] = {}
        late: dict[str, tuple[int, int, str]] = {}
        for row in rows:
            if row.partition is not None:
                offsets[row.partition] = max(offsets.get(row.partition, -1), row.ultimo_offset)
            if not row.visualizacoes:
                continue  # the invalid records of the partition
            key = (row.bucket_inicio, row.tipo, row.raca)
            views, newest = buckets.get(key, (0, row.ultimo_evento_em))
            buckets[key] = (views + row.visualizacoes, max(newest, row.ultimo_evento_em))
            hour = (row.hora_inicio, row.tipo, row.raca)
            hours[hour] = hours.get(hour, 0) + row.visualizacoes
            if row.animal_id is not None:
                animal = (row.bucket_inicio, row.animal_id)
                views, unknown, newest = animal_buckets.get(animal, (0, 0, ""))
                animal_buckets[animal] = (
                    views + row.visualizacoes,
                    unknown + row.desconhecidas,
                    max(newest, row.ultimo_evento_em),
                )
                animal_hour = (row.hora_inicio, row.animal_id)
                views, unknown = animal_hours.get(animal_hour, (0, 0))
                animal_hours[animal_hour] = (views + row.visualizacoes, unknown + row.desconhecidas)
            if row.chegada_minuto is not None:
                clicks, delay, oldest = late.get(
                    row.chegada_minuto, (0, row.maior_atraso_ms, row.evento_mais_antigo_em)
                )
                late[row.chegada_minuto] = (
                    clicks + row.visualizacoes,
                    max(delay, row.maior_atraso_ms),
                    min(oldest, row.evento_mais_antigo_em),
                )
        return cls(buckets, hours, offsets, animal_buckets, animal_hours, late)

    @property
    def late_clicks(self) -> int:
        return sum(clicks for clicks, _, _ in self.late.values())


def _error_code(error: pymysql.MySQLError) -> int | None:
    return error.args[0] if error.args and isinstance(error.args[0], int) else None


def explain(error: pymysql.MySQLError, mysql: MysqlSettings, table: str | None = None) -> TrendsJobError:
    """The typed error for a MySQL failure, saying what to do about it."""
    code = _error_code(error)
    where = f"{mysql.host}:{mysql.port}"
    provision = "run provisioning (bin/petadota provision --environment local)"
    # PyMySQL reports a failed handshake as "can't connect", with the SSL error kept aside.
    if isinstance(getattr(error, "original_exception", None), ssl.SSLError):
        return MysqlUnavailableError(
            f"TLS with MySQL at {where} failed: check MYSQL_SSL_CA_PATH (the CA that signed the "
            f"server's certificate) and that MYSQL_HOST is a name the certificate carries ({error})"
        )
    if code == ER_ACCESS_DENIED:
        return MysqlAccessDeniedError(
            f"MySQL at {where} refused user {mysql.user!r}: check MYSQL_STREAM_USER and "
            f"MYSQL_STREAM_PASSWORD, or {provision}, which creates the account ({error})"
        )
    if code in (ER_DBACCESS_DENIED, ER_TABLEACCESS_DENIED):
        return MysqlAccessDeniedError(
            f"user {mysql.user!r} lacks a privilege on {mysql.database}{'.' + table if table else ''}: "
            f"{provision}, which grants what infra/sql/accounts.json declares ({error})"
        )
    if code in (ER_BAD_DB, ER_NO_SUCH_TABLE):
        return SchemaMissingError(
            f"{mysql.database}{'.' + table if table else ''} does not exist at {where}: {provision} ({error})"
        )
    if code in TRANSIENT_ERRORS or isinstance(error, pymysql.OperationalError):
        return MysqlUnavailableError(
            f"cannot reach MySQL at {where}: start it (infra/local/stack up mariadb) or set "
            f"MYSQL_HOST and MYSQL_PORT ({error})"
        )
    return TrendsJobError(f"MySQL at {where} failed: {error}")


def tls_context(mysql: MysqlSettings) -> ssl.SSLContext | None:
    """None: PyMySQL's own default, as before TLS settings existed. Otherwise the chain and the name
    are always checked (PyMySQL's ssl_verify_identity skips the name when no CA file is given)."""
    if not mysql.ssl:
        return None
    return ssl.create_default_context(cafile=mysql.ssl_ca_path)


def connect(mysql: MysqlSettings) -> pymysql.connections.Connection:
    connection = pymysql.connect(
        host=mysql.host,
        port=mysql.port,
        user=mysql.user,
        password=mysql.password,
        database=mysql.database,
        charset="utf8mb4",
        autocommit=False,
        connect_timeout=10,
        read_timeout=60,
        write_timeout=60,
        ssl=tls_context(mysql),
    )
    with connection.cursor() as cursor:
        # DATETIME values are UTC; READ COMMITTED takes no gap locks, so the concurrent upserts
        # of the partitions of one batch do not deadlock each other on neighbouring keys.
        cursor.execute("SET time_zone = '+00:00'")
        cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
    return connection


def check_access(mysql: MysqlSettings) -> None:
    """Proves, before the job starts, that the stream account can connect, upsert each trend table
    and read the catalog, with statements that change nothing even where they are allowed."""
    try:
        connection = connect(mysql)
    except pymysql.MySQLError as error:
        raise explain(error, mysql) from error
    try:
        with connection.cursor() as cursor:
            for table in TREND_TABLES:
                # The upsert itself, inserting no row: privileges are checked all the same.
                probe = table.upsert.replace(
                    f"VALUES ({', '.join(['%s'] * len(table.columns))})",
                    f"SELECT {', '.join(['NULL'] * len(table.columns))} FROM DUAL WHERE 1 = 0",  # noqa: S608
                )
                try:
                    cursor.execute(probe)
                except pymysql.MySQLError as error:
                    raise explain(error, mysql, table.name) from error
            # The catalog, which the job reads to tell known animals from unknown ones.
            try:
                cursor.execute("SELECT id FROM animais_disponiveis WHERE 1 = 0")
            except pymysql.MySQLError as error:
                raise explain(error, mysql, "animais_disponiveis") from error
        connection.rollback()
    finally:
        connection.close()


def _offsets(mysql: MysqlSettings, table: TrendTable, topic: str) -> dict[int, int]:
    def read(connection: pymysql.connections.Connection) -> dict[int, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT particao, ultimo_offset FROM {table.name} WHERE topico = %s",  # noqa: S608 - a constant
                (topic,),
            )
            return {int(partition): int(offset) for partition, offset in cursor.fetchall()}

    return retrying(mysql, read)


def counted_offsets(mysql: MysqlSettings, topic: str) -> dict[int, int]:
    """Per partition of `topic`, the highest offset whose event is in the trend tables."""
    return _offsets(mysql, COUNTED_OFFSETS, topic)


def archived_offsets(mysql: MysqlSettings, topic: str) -> dict[int, int]:
    """Per partition of `topic`, the highest offset whose record is in the archive."""
    return _offsets(mysql, ARCHIVED_OFFSETS, topic)


def record_archived(mysql: MysqlSettings, topic: str, offsets: dict[int, int]) -> None:
    """After a batch's files are in place: its highest offset per partition is archived."""

    def record(connection: pymysql.connections.Connection) -> None:
        with connection.cursor() as cursor:
            _execute_many(
                cursor,
                ARCHIVED_OFFSETS,
                [(topic, partition, offset) for partition, offset in offsets.items()],
            )
        connection.commit()

    retrying(mysql, record)


def add_counts(mysql: MysqlSettings, topic: str, counted_before: dict[int, int], counts: BatchCounts) -> bool:
    """Adds the batch's counts and moves the counted offsets on, in one transaction, retried whole on
    a deadlock or a lost connection. `counted_before` is what the batch was filtered with: when
    the offsets moved since, either this very batch is already in (an earlier attempt committed
    and its acknowledgement was lost: returns False) or someone else writes the same tables."""
    if not counts.offsets:
        return False

    def add(connection: pymysql.connections.Connection) -> bool:
        if not _add_in_transaction(connection, mysql, topic, counted_before, counts):
            connection.rollback()
            return False
        connection.commit()
        return True

    return retrying(mysql, add)


def retrying(
    mysql: MysqlSettings, work: Callable[[pymysql.connections.Connection], T], attempts: int = ATTEMPTS
) -> T:
    """`work` on a fresh connection, again on a deadlock or a lost or refused connection: MySQL
    restarting (up to about 25 s) pauses the stream instead of stopping it."""
    for attempt in range(1, attempts + 1):
        try:
            connection = connect(mysql)
            try:
                return work(connection)
            finally:
                connection.close()
        except pymysql.MySQLError as error:
            if _error_code(error) not in TRANSIENT_ERRORS or attempt == attempts:
                raise explain(error, mysql) from error
            time.sleep(0.2 * 2**attempt)
    raise AssertionError("unreachable")


def _add_in_transaction(
    connection: pymysql.connections.Connection,
    mysql: MysqlSettings,
    topic: str,
    counted_before: dict[int, int],
    counts: BatchCounts,
) -> bool:
    with connection.cursor() as cursor:
        # The lock serialises writers of the topic's counts; a single job never waits on it.
        cursor.execute(
            "SELECT particao, ultimo_offset FROM offsets_contados WHERE topico = %s FOR UPDATE", (topic,)
        )
        now = {int(partition): int(offset) for partition, offset in cursor.fetchall()}
        if now != counted_before:
            if all(now.get(partition, -1) >= offset for partition, offset in counts.offsets.items()):
                return False
            raise TrendsJobError(
                f"the counted offsets of {topic} in {mysql.database}.offsets_contados moved while the "
                "batch ran: is a second trends job counting that topic into this database?"
            )
        insert_counts(cursor, counts)
        offsets = [(topic, partition, offset) for partition, offset in counts.offsets.items()]
        _execute_many(cursor, COUNTED_OFFSETS, offsets)
    return True


def insert_counts(cursor: pymysql.cursors.Cursor, counts: BatchCounts) -> None:
    """Adds the counts to their tables (upserts: on rows just deleted, plain inserts)."""
    _execute_many(cursor, VIEWS_10S, [(*key, *value) for key, value in counts.buckets.items()])
    _execute_many(cursor, VIEWS_HOUR, [(*key, views) for key, views in counts.hours.items()])
    _execute_many(cursor, VIEWS_ANIMAL_10S, [(*key, *value) for key, value in counts.animal_buckets.items()])
    _execute_many(cursor, VIEWS_ANIMAL_HOUR, [(*key, *value) for key, value in counts.animal_hours.items()])
    _execute_many(cursor, LATE_CLICKS, [(minute, *value) for minute, value in counts.late.items()])


def _execute_many(cursor: pymysql.cursors.Cursor, table: TrendTable, rows: list[tuple]) -> None:
    # Sorted by key: concurrent writers (a second job by mistake) take their locks in one order.
    rows.sort()
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        cursor.executemany(table.upsert, rows[start : start + ROWS_PER_STATEMENT])


def check_counts_accounted(mysql: MysqlSettings, topic: str) -> None:
    """Refuses to count into tables that hold views no counted offset accounts for: what an earlier
    version of the job wrote, or a copy of the tables. Counting the topic again would add them twice."""
    connection = _connect_or_explain(mysql)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM offsets_contados WHERE topico = %s", (topic,))
            (accounted,) = cursor.fetchone()
            cursor.execute("SELECT EXISTS (SELECT 1 FROM visualizacoes_10s)")
            (has_views,) = cursor.fetchone()
    finally:
        connection.close()
    if has_views and not accounted:
        raise CountsNotAccountedError(
            f"{mysql.database}.visualizacoes_10s holds views, but offsets_contados has no offset of "
            f"{topic}: they were counted by an earlier version of the job (or from another topic), and "
            f"counting {topic} again would add them twice. To recount from the topic, empty "
            "visualizacoes_10s and visualizacoes_hora (as the admin account), then start the job"
        )


def _connect_or_explain(mysql: MysqlSettings) -> pymysql.connections.Connection:
    try:
        return connect(mysql)
    except pymysql.MySQLError as error:
        raise explain(error, mysql) from error
