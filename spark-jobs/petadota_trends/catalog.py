"""The catalog as the trends job knows it: the ids of animais_disponiveis, read with the stream
account and read again while the job runs, so an image stored after the job started counts as a
known animal within SPARK_CATALOG_REFRESH_SECONDS, with no restart.

The ids are few (one per stored image) and the join with a micro-batch's clicks is a broadcast.
The whole id set is read each time: ids are allocated before their rows commit, so an id below
the highest seen can still appear, and reading only the ones above it would miss that row."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pymysql
from pyspark.sql import DataFrame, SparkSession

from petadota_trends import mysql_sink
from petadota_trends.errors import TrendsJobError
from petadota_trends.settings import MysqlSettings

log = logging.getLogger(__name__)

CATALOG_TABLE = "animais_disponiveis"


def read_ids(mysql: MysqlSettings, attempts: int) -> list[int]:
    """Every id of the catalog; a refused connection is tried `attempts` times in all."""

    def read(connection: pymysql.connections.Connection) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {CATALOG_TABLE}")  # noqa: S608 - a constant name
            return [int(animal_id) for (animal_id,) in cursor.fetchall()]

    return mysql_sink.retrying(mysql, read, attempts)


class Catalog:
    """The known ids as a one-column (`animal_id`) frame, read again when older than
    `refresh_seconds`. A read that fails keeps the ids read before (a click whose id is then
    new is counted as unknown, never lost) and is tried again after another interval."""

    def __init__(
        self,
        spark: SparkSession,
        mysql: MysqlSettings,
        refresh_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._spark = spark
        self._mysql = mysql
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._ids: DataFrame | None = None
        self._read_at = 0.0
        self.size = 0

    def known_ids(self) -> DataFrame:
        if self._ids is None or self._clock() - self._read_at >= self._refresh_seconds:
            self._refresh()
        assert self._ids is not None
        return self._ids

    def _refresh(self) -> None:
        try:
            # The first read waits for MySQL like the counts do; a refresh is tried once, as the
            # ids read before can stand in (and the batch's own write retries anyway).
            ids = read_ids(self._mysql, attempts=mysql_sink.ATTEMPTS if self._ids is None else 1)
        except TrendsJobError as error:
            if self._ids is None:
                raise
            log.warning(
                "the catalog could not be read again; the %d ids read before stand: %s", self.size, error
            )
            self._read_at = self._clock()
            return
        if self._ids is None or len(ids) != self.size:
            log.info("catalog: %d animals known", len(ids))
        self._ids = self._spark.createDataFrame([(animal_id,) for animal_id in ids], "animal_id LONG")
        self.size = len(ids)
        self._read_at = self._clock()
