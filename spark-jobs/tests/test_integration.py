"""The job end to end on the real broker, Spark and MariaDB, run as its own process the way the
stack runs it: a deterministic set of events whose per-window counts are known, redelivered
events, malformed records, a kill -9 in the middle of a micro-batch, then a lost checkpoint. The
tables must match exactly: nothing lost, nothing counted twice."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from petadota_trends.settings import SparkSettings
from tests.event_samples import SAMPLES
from tests.helpers import IsolatedDatabase, KafkaTopics

SPARK_JOBS = Path(__file__).resolve().parents[1]
QUERY = "trends"
ANIMALS = [("cachorro", "labrador"), ("cachorro", "pastor-alemao"), ("gato", "persa"), ("gato", "siames")]
# Skewed: labrador is clicked four times as often as siames.
POPULARITY = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3]
EVENTS = 600
START = datetime(2025, 11, 22, 10, 0, 0)
PARTITIONS = 3
DEADLINE_SECONDS = 300


def generated_clicks() -> list[dict]:
    """Bursts of 40 clicks in 27.3 s (three or four 10-second buckets each), one every 9 minutes,
    over 2 h 15 min of event time: three hours, a few clicks per animal in each bucket."""
    clicks = []
    for i in range(EVENTS):
        tipo, raca = ANIMALS[POPULARITY[(i * 7 + i // 10) % len(POPULARITY)]]
        at = START + timedelta(minutes=9 * (i // 40), milliseconds=700 * (i % 40) + i)
        clicks.append(
            {
                "event_id": str(uuid.UUID(int=i + 1)),
                "usuario_id": 1 + i % 97,
                "raca": raca,
                "tipo": tipo,
                "timestamp": at.isoformat(timespec="milliseconds") + "Z",
            }
        )
    return clicks


def expected_tables(clicks: list[dict]) -> tuple[dict, dict]:
    buckets: dict[tuple, tuple[int, datetime]] = {}
    hours: Counter = Counter()
    for click in clicks:
        at = datetime.fromisoformat(click["timestamp"].removesuffix("Z"))
        bucket = at.replace(second=at.second - at.second % 10, microsecond=0)
        key = (bucket, click["tipo"], click["raca"])
        count, newest = buckets.get(key, (0, at))
        buckets[key] = (count + 1, max(newest, at))
        hours[(at.replace(minute=0, second=0, microsecond=0), click["tipo"], click["raca"])] += 1
    return buckets, dict(hours)


MALFORMED = [sample for sample in SAMPLES if sample.reason is not None and sample.value is not None][::4]


def records_to_send(clicks: list[dict]) -> list[tuple[str | None, bytes | None, int]]:
    """The clicks, every tenth one sent twice (a redelivery, in another partition), and the
    malformed records spread among them: (key, value, partition)."""
    records = []
    for i, click in enumerate(clicks):
        value = json.dumps(click).encode()
        records.append((click["event_id"], value, i % PARTITIONS))
        if i % 10 == 0:
            records.append((click["event_id"], value, (i + 1) % PARTITIONS))
        if i % 50 == 25:
            sample = MALFORMED[(i // 50) % len(MALFORMED)]
            records.append((f"malformed-{i}", sample.value, i % PARTITIONS))
    records.append(("tombstone", None, 0))
    return records


class JobProcess:
    """`python -m petadota_trends.job` in its own process group, its output in a log file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "petadota_trends.job"],
                cwd=SPARK_JOBS,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-40:])

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while not condition():
            if self.process.poll() is not None:
                pytest.fail(f"the job exited ({self.process.returncode}) before {what}:\n{self.tail()}")
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} within {DEADLINE_SECONDS} s:\n{self.tail()}")
            time.sleep(0.05)

    def kill_hard(self) -> None:
        """kill -9 of the driver and its JVM together, then wait until none of them is left."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        while True:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def stop(self) -> int:
        """SIGTERM to the driver only, as the stack does; returns the exit status."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise

    def ensure_gone(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def batch_ids(directory: Path) -> list[int]:
    return (
        sorted(int(path.name) for path in directory.iterdir() if path.name.isdigit())
        if directory.exists()
        else []
    )


def committed_offsets(checkpoint: Path, topic: str) -> dict[str, int]:
    """The end offsets of the last batch the query committed (empty before any)."""
    committed = batch_ids(checkpoint / "commits")
    if not committed:
        return {}
    return json.loads((checkpoint / "offsets" / str(committed[-1])).read_text().splitlines()[-1])[topic]


def batch_in_flight(checkpoint: Path) -> bool:
    offsets, commits = batch_ids(checkpoint / "offsets"), batch_ids(checkpoint / "commits")
    return bool(offsets) and (not commits or offsets[-1] > commits[-1])


@pytest.fixture
def job_processes() -> Iterator[list[JobProcess]]:
    processes: list[JobProcess] = []
    yield processes
    for process in processes:
        process.ensure_gone()


def test_exact_counts_through_a_crash_duplicates_and_malformed_records(
    spark: SparkSession,
    settings: SparkSettings,
    kafka_topics: KafkaTopics,
    isolated_database: IsolatedDatabase,
    unique_name: str,
    job_processes: list[JobProcess],
    tmp_path: Path,
) -> None:
    topic = kafka_topics.create(unique_name, PARTITIONS)
    dead_letter_topic = kafka_topics.create(unique_name + "-dlq", PARTITIONS)
    clicks = generated_clicks()
    records = records_to_send(clicks)
    spark.createDataFrame(records, "key string, value binary, partition int").write.format("kafka").option(
        "kafka.bootstrap.servers", settings.kafka_brokers
    ).option("topic", topic).save()
    sent = (
        spark.read.format("kafka")
        .option("kafka.bootstrap.servers", settings.kafka_brokers)
        .option("subscribe", topic)
        .load()
        .select(F.col("partition"), F.col("offset"), F.col("key").cast("string").alias("key"), "value")
        .collect()
    )
    assert len(sent) == len(records)
    end_offsets = {
        str(p): 1 + max(row.offset for row in sent if row.partition == p) for p in range(PARTITIONS)
    }

    checkpoints = tmp_path / "checkpoints"
    stream = isolated_database.stream
    env = {
        **os.environ,
        "KAFKA_BROKERS": settings.kafka_brokers,
        "KAFKA_INTERACTIONS_TOPIC": topic,
        "KAFKA_DEAD_LETTER_TOPIC": dead_letter_topic,
        "MYSQL_HOST": stream.host,
        "MYSQL_PORT": str(stream.port),
        "MYSQL_DATABASE": stream.database,
        "MYSQL_STREAM_USER": stream.user,
        "MYSQL_STREAM_PASSWORD": stream.password,
        "SPARK_CHECKPOINT_DIR": str(checkpoints),
        "SPARK_STATUS_FILE": str(tmp_path / "status.json"),
        "SPARK_TRIGGER_SECONDS": "0.5",
        "SPARK_MAX_OFFSETS_PER_TRIGGER": "150",
        "SPARK_SHUFFLE_PARTITIONS": "2",
        # Three partitions are read side by side over 2 h of event time: a watermark longer than
        # that keeps every event on time, so that the counts are exact.
        "SPARK_WATERMARK_SECONDS": str(4 * 3600),
        "PYTHONPATH": f"{SPARK_JOBS}{os.pathsep}{SPARK_JOBS.parent / 'platform' / 'python'}",
    }

    first = JobProcess(env, tmp_path / "job-1.log")
    job_processes.append(first)
    checkpoint = checkpoints / QUERY
    first.wait_for(
        lambda: len(batch_ids(checkpoint / "commits")) >= 2 and batch_in_flight(checkpoint),
        "two committed batches and a third in flight",
    )
    first.kill_hard()
    assert committed_offsets(checkpoint, topic) != end_offsets, "the job finished before the crash"

    second = JobProcess(env, tmp_path / "job-2.log")
    job_processes.append(second)
    second.wait_for(lambda: committed_offsets(checkpoint, topic) == end_offsets, "the whole topic")
    status = json.loads((tmp_path / "status.json").read_text())
    assert second.stop() == 0, second.tail()

    # The restart went on from the checkpoint, not from the start of the topic.
    assert status["queries"][QUERY]["first_batch_id_this_run"] >= 2
    buckets, hours = expected_tables(clicks)
    assert_tables_exact(isolated_database, buckets, hours)
    assert sum(hours.values()) == EVENTS
    assert len({hour for hour, _, _ in hours}) == 3

    # The Kafka sink is at-least-once: a batch cut short by the crash may have published some
    # dead letters twice. By source offset, each bad record is there, with its reason, once.
    published = read_topic(spark, settings, dead_letter_topic)
    dead_letters = {}
    for row in published:
        message = json.loads(row.value)
        message.pop("dead_lettered_at")
        dead_letters.setdefault((message["partition"], message["offset"]), []).append((row.key, message))
    reasons = {sample.value: sample.reason.value for sample in MALFORMED}
    expected_dead_letters = {
        (row.partition, row.offset): (row.key, row.value)
        for row in sent
        if row.key.startswith(("malformed", "tomb"))
    }
    assert set(dead_letters) == set(expected_dead_letters)
    for source, copies in dead_letters.items():
        key, value = expected_dead_letters[source]
        first_key, first_message = copies[0]
        assert all(copy == copies[0] for copy in copies)
        assert first_key == key.encode()
        assert first_message["topic"] == topic
        if value is None:
            assert first_message["reason"] == "invalid_json" and "raw" not in first_message
            continue
        assert first_message["reason"] == reasons[bytes(value)]
        if "raw_base64" in first_message:  # not UTF-8 text
            assert base64.b64decode(first_message["raw_base64"]) == bytes(value)
        else:
            assert first_message["raw"].encode() == bytes(value)

    # A lost checkpoint: the job reads the whole topic again from its start, and neither counts
    # nor dead-letters anything twice (what is at or below the counted offsets is skipped).
    shutil.rmtree(checkpoints)
    third = JobProcess(env, tmp_path / "job-3.log")
    job_processes.append(third)
    third.wait_for(lambda: committed_offsets(checkpoint, topic) == end_offsets, "the whole topic again")
    assert third.stop() == 0, third.tail()
    assert_tables_exact(isolated_database, buckets, hours)
    assert len(read_topic(spark, settings, dead_letter_topic)) == len(published)


def assert_tables_exact(database: IsolatedDatabase, buckets: dict, hours: dict) -> None:
    rows_10s = database.query(
        "SELECT bucket_inicio, tipo, raca, visualizacoes, ultimo_evento_em FROM visualizacoes_10s"
    )
    assert {row[:3]: row[3:] for row in rows_10s} == buckets
    assert len(rows_10s) == len(buckets)
    rows_hour = database.query("SELECT hora_inicio, tipo, raca, visualizacoes FROM visualizacoes_hora")
    assert {row[:3]: row[3] for row in rows_hour} == hours


def read_topic(spark: SparkSession, settings: SparkSettings, topic: str) -> list:
    return (
        spark.read.format("kafka")
        .option("kafka.bootstrap.servers", settings.kafka_brokers)
        .option("subscribe", topic)
        .load()
        .collect()
    )
