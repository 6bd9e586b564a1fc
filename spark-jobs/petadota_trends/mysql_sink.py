"""Upserts the trend counts into MySQL with the stream account, from the executors.

Every row carries an absolute count (update-mode aggregation), keyed by window and animal, so
writing a batch twice changes nothing. GREATEST keeps an older replay (a checkpoint restored from
a backup, a restart from an earlier offset after retention dropped data) from lowering a count."""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial

import pymysql
from pyspark.sql import DataFrame, Row
from pyspark.sql import functions as F

from petadota_trends.errors import (
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
# Worth another attempt of the whole partition: the upserts are idempotent.
TRANSIENT_ERRORS = frozenset(
    {ER_LOCK_WAIT_TIMEOUT, ER_LOCK_DEADLOCK, CR_CONN_HOST_ERROR, CR_SERVER_GONE, CR_SERVER_LOST}
)

ROWS_PER_STATEMENT = 500
ATTEMPTS = 5
# A batch's rows are the windows it touched (a few per animal), not its events: hundreds of rows
# even at tens of thousands of events per second. One writer per batch costs one Python task and
# one connection instead of one per shuffle partition, which on two cores halved the batch time.
WRITERS = 1


@dataclass(frozen=True)
class TrendTable:
    name: str
    key: tuple[str, ...]
    columns: tuple[str, ...]
    # How the DataFrame's columns become SQL values: DATETIME columns as UTC wall-clock text, so no
    # time zone of a Python worker or of the connection can shift them.
    datetime_formats: dict[str, str]
    upsert: str


VIEWS_10S = TrendTable(
    name="visualizacoes_10s",
    key=("bucket_inicio", "tipo", "raca"),
    columns=("bucket_inicio", "tipo", "raca", "visualizacoes", "ultimo_evento_em"),
    datetime_formats={"bucket_inicio": "yyyy-MM-dd HH:mm:ss", "ultimo_evento_em": "yyyy-MM-dd HH:mm:ss.SSS"},
    upsert=(
        "INSERT INTO visualizacoes_10s (bucket_inicio, tipo, raca, visualizacoes, ultimo_evento_em) "
        "VALUES (%s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE "
        "visualizacoes = GREATEST(visualizacoes, VALUES(visualizacoes)), "
        "ultimo_evento_em = GREATEST(ultimo_evento_em, VALUES(ultimo_evento_em))"
    ),
)

VIEWS_HOUR = TrendTable(
    name="visualizacoes_hora",
    key=("hora_inicio", "tipo", "raca"),
    columns=("hora_inicio", "tipo", "raca", "visualizacoes"),
    datetime_formats={"hora_inicio": "yyyy-MM-dd HH:mm:ss"},
    upsert=(
        "INSERT INTO visualizacoes_hora (hora_inicio, tipo, raca, visualizacoes) "
        "VALUES (%s, %s, %s, %s) ON DUPLICATE KEY UPDATE "
        "visualizacoes = GREATEST(visualizacoes, VALUES(visualizacoes))"
    ),
)

TREND_TABLES = (VIEWS_10S, VIEWS_HOUR)


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
    """Proves, before the job starts, that the stream account can connect and upsert each trend
    table, with statements that change nothing even where they are allowed."""
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
        connection.rollback()
    finally:
        connection.close()


def upsert_rows(mysql: MysqlSettings, table: TrendTable, rows: Iterable[tuple]) -> int:
    """Writes rows in one transaction over one connection, retrying the whole of it on a
    deadlock or a lost connection. Returns the rows written."""
    rows = list(rows)
    if not rows:
        return 0
    for attempt in range(1, ATTEMPTS + 1):
        try:
            connection = connect(mysql)
            try:
                with connection.cursor() as cursor:
                    for start in range(0, len(rows), ROWS_PER_STATEMENT):
                        cursor.executemany(table.upsert, rows[start : start + ROWS_PER_STATEMENT])
                connection.commit()
                return len(rows)
            finally:
                connection.close()
        except pymysql.MySQLError as error:
            if _error_code(error) not in TRANSIENT_ERRORS or attempt == ATTEMPTS:
                raise explain(error, mysql, table.name) from error
            time.sleep(0.2 * 2**attempt)
    raise AssertionError("unreachable")


def _write_partition(mysql: MysqlSettings, table: TrendTable, partition: Iterator[Row]) -> None:
    upsert_rows(mysql, table, (tuple(row) for row in partition))


def write_batch(batch: DataFrame, table: TrendTable, mysql: MysqlSettings, writers: int = WRITERS) -> None:
    """foreachBatch body: executors upsert the batch's updated rows, each writer its share in one
    transaction, sorted by key so that concurrent transactions take their locks in the same order."""
    columns = [
        F.date_format(name, table.datetime_formats[name]).alias(name)
        if name in table.datetime_formats
        else name
        for name in table.columns
    ]
    batch.select(*columns).repartition(writers).sortWithinPartitions(*table.key).foreachPartition(
        partial(_write_partition, mysql, table)
    )
