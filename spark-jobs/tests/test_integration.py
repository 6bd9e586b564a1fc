"""The job end to end on the real broker, Spark and MariaDB, run as its own process the way the
stack runs it: a deterministic set of events whose per-window counts are known (per breed and per
animal, some animals unknown to the catalog, all of them hours late), redelivered events,
malformed records, a kill -9 in the middle of a micro-batch, then a lost checkpoint. The tables
must match exactly: nothing lost, nothing counted twice. Then a live stream: duplicates out of
order by 100 s of event time, and an animal that enters the catalog while the job runs."""

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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from petadota_trends.settings import SparkSettings
from tests.event_samples import SAMPLES
from tests.helpers import IsolatedDatabase, KafkaTopics, S3Bucket

SPARK_JOBS = Path(__file__).resolve().parents[1]
QUERY = "trends"
ANIMALS = [("cachorro", "labrador"), ("cachorro", "pastor-alemao"), ("gato", "persa"), ("gato", "siames")]
# Skewed: labrador is clicked four times as often as siames.
POPULARITY = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3]
EVENTS = 600
START = datetime(2025, 11, 22, 10, 0, 0)
PARTITIONS = 3
DEADLINE_SECONDS = 300
# The adversarial stream: 300,000 valid clicks over 100 s of event time.
ADVERSARIAL_CLICKS = 300_000


def generated_clicks() -> list[dict]:
    """Bursts of 40 clicks in 27.3 s (three or four 10-second buckets each), one every 9 minutes,
    over 2 h 15 min of event time: three hours, a few clicks per animal in each bucket."""
    clicks = []
    for i in range(EVENTS):
        tipo, raca = ANIMALS[POPULARITY[(i * 7 + i // 10) % len(POPULARITY)]]
        at = START + timedelta(minutes=9 * (i // 40), milliseconds=700 * (i % 40) + i)
        click = {
            "event_id": str(uuid.UUID(int=i + 1)),
            "usuario_id": 1 + i % 97,
            "raca": raca,
            "tipo": tipo,
            "timestamp": at.isoformat(timespec="milliseconds") + "Z",
        }
        if i % 3 == 0:  # from the gallery: names the animal, 1 to 5 (4 and 5 not in the catalog)
            click["animal_id"] = 1 + (i // 3) % 5
        clicks.append(click)
    return clicks


CATALOG_IDS = (1, 2, 3)


def expected_animal_tables(clicks: list[dict], catalog: tuple[int, ...]) -> tuple[dict, dict]:
    buckets: dict[tuple, tuple[int, int, datetime]] = {}
    hours: dict[tuple, tuple[int, int]] = {}
    for click in clicks:
        if "animal_id" not in click:
            continue
        at = datetime.fromisoformat(click["timestamp"].removesuffix("Z"))
        unknown = int(click["animal_id"] not in catalog)
        key = (at.replace(second=at.second - at.second % 10, microsecond=0), click["animal_id"])
        views, unknowns, newest = buckets.get(key, (0, 0, at))
        buckets[key] = (views + 1, unknowns + unknown, max(newest, at))
        hour = (at.replace(minute=0, second=0, microsecond=0), click["animal_id"])
        views, unknowns = hours.get(hour, (0, 0))
        hours[hour] = (views + 1, unknowns + unknown)
    return buckets, hours


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


def job_env(
    settings: SparkSettings,
    database: IsolatedDatabase,
    topic: str,
    dead_letter_topic: str,
    tmp_path: Path,
    **overrides: str,
) -> dict[str, str]:
    """The job's environment: these topics, the isolated database's stream account, small batches."""
    return {
        **os.environ,
        "KAFKA_BROKERS": settings.kafka_brokers,
        "KAFKA_INTERACTIONS_TOPIC": topic,
        "KAFKA_DEAD_LETTER_TOPIC": dead_letter_topic,
        **database.stream_env(),
        "SPARK_CHECKPOINT_DIR": str(tmp_path / "checkpoints"),
        "SPARK_STATUS_FILE": str(tmp_path / "status.json"),
        "SPARK_TRIGGER_SECONDS": "0.5",
        "SPARK_MAX_OFFSETS_PER_TRIGGER": "150",
        "SPARK_SHUFFLE_PARTITIONS": "2",
        "SPARK_ARCHIVE_URL": (tmp_path / "archive").as_uri(),
        "SPARK_ARCHIVE_TRIGGER_SECONDS": "0.5",
        "PYTHONPATH": f"{SPARK_JOBS}{os.pathsep}{SPARK_JOBS.parent / 'platform' / 'python'}",
        **overrides,
    }


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
    s3_bucket: S3Bucket,
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

    for animal_id in CATALOG_IDS:
        isolated_database.add_animal(animal_id)
    archive_url = f"s3a://{s3_bucket.name}/interacoes"
    env = job_env(
        settings, isolated_database, topic, dead_letter_topic, tmp_path, SPARK_ARCHIVE_URL=archive_url
    )
    checkpoints = tmp_path / "checkpoints"

    first = JobProcess(env, tmp_path / "job-1.log")
    job_processes.append(first)
    checkpoint, archive_checkpoint = checkpoints / QUERY, checkpoints / "archive"
    # kill -9 while the archive writes Parquet: its files are in the object store's staging
    # directory, not yet moved into place, and the counts have at least one more batch to go.
    first.wait_for(
        lambda: (
            len(batch_ids(archive_checkpoint / "commits")) >= 1
            and any("/.spark-staging-" in key for key in s3_bucket.object_keys())
            and len(batch_ids(checkpoint / "commits")) >= 1
        ),
        "the archive writing its second batch",
    )
    first.kill_hard()
    assert committed_offsets(checkpoint, topic) != end_offsets, "the job counted everything before the crash"
    assert committed_offsets(archive_checkpoint, topic) != end_offsets, (
        "the archive was done before the crash"
    )

    second = JobProcess(env, tmp_path / "job-2.log")
    job_processes.append(second)
    second.wait_for(
        lambda: (
            committed_offsets(checkpoint, topic) == end_offsets
            and committed_offsets(archive_checkpoint, topic) == end_offsets
        ),
        "the whole topic, counted and archived",
    )
    status = json.loads((tmp_path / "status.json").read_text())
    assert second.stop() == 0, second.tail()

    # The restart went on from the checkpoint, not from the start of the topic.
    assert status["queries"][QUERY]["first_batch_id_this_run"] >= 1
    assert status["queries"]["archive"]["first_batch_id_this_run"] >= 1
    assert_archive_exact(spark, archive_url, sent)
    buckets, hours = expected_tables(clicks)
    assert_tables_exact(isolated_database, buckets, hours)
    assert sum(hours.values()) == EVENTS
    assert len({hour for hour, _, _ in hours}) == 3
    animal_buckets, animal_hours = expected_animal_tables(clicks, CATALOG_IDS)
    assert_animal_tables_exact(isolated_database, animal_buckets, animal_hours)
    assert sum(views for views, _ in animal_hours.values()) == EVENTS // 3
    # Sent now, timed a year ago and more: every click is late, and tallied as such once.
    assert_late_clicks(isolated_database, EVENTS, START)

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
    third.wait_for(
        lambda: (
            committed_offsets(checkpoint, topic) == end_offsets
            and committed_offsets(archive_checkpoint, topic) == end_offsets
        ),
        "the whole topic again",
    )
    assert third.stop() == 0, third.tail()
    assert_tables_exact(isolated_database, buckets, hours)
    assert_animal_tables_exact(isolated_database, animal_buckets, animal_hours)
    assert_late_clicks(isolated_database, EVENTS, START)
    assert len(read_topic(spark, settings, dead_letter_topic)) == len(published)
    assert_archive_exact(spark, archive_url, sent)


def assert_tables_exact(database: IsolatedDatabase, buckets: dict, hours: dict) -> None:
    rows_10s = database.query(
        "SELECT bucket_inicio, tipo, raca, visualizacoes, ultimo_evento_em FROM visualizacoes_10s"
    )
    assert {row[:3]: row[3:] for row in rows_10s} == buckets
    assert len(rows_10s) == len(buckets)
    rows_hour = database.query("SELECT hora_inicio, tipo, raca, visualizacoes FROM visualizacoes_hora")
    assert {row[:3]: row[3] for row in rows_hour} == hours


def assert_animal_tables_exact(database: IsolatedDatabase, buckets: dict, hours: dict) -> None:
    rows_10s = database.query(
        "SELECT bucket_inicio, animal_id, visualizacoes, desconhecidas, ultimo_evento_em "
        "FROM visualizacoes_animal_10s"
    )
    assert {row[:2]: row[2:] for row in rows_10s} == buckets
    rows_hour = database.query(
        "SELECT hora_inicio, animal_id, visualizacoes, desconhecidas FROM visualizacoes_animal_hora"
    )
    assert {row[:2]: row[2:] for row in rows_hour} == hours


def assert_late_clicks(database: IsolatedDatabase, clicks: int, oldest: datetime) -> None:
    [(late, earliest)] = database.query(
        "SELECT SUM(cliques), MIN(evento_mais_antigo_em) FROM cliques_atrasados"
    )
    assert (late, earliest) == (clicks, oldest)


def assert_archive_exact(spark: SparkSession, url: str, sent: list) -> None:
    """Every offset of the topic in the archive exactly once, with its exact bytes: the valid ones
    under their event hour, the invalid ones (the malformed, the tombstone) with a reason."""
    valid = spark.read.parquet(f"{url}/valid").select("partition", "offset", "value").collect()
    invalid = spark.read.parquet(f"{url}/invalid").select("partition", "offset", "value", "reason").collect()
    archived = Counter((row.partition, row.offset) for row in valid + invalid)
    assert [place for place, copies in archived.items() if copies > 1] == []
    assert set(archived) == {(row.partition, row.offset) for row in sent}
    values = {(row.partition, row.offset): row.value for row in valid + invalid}
    assert all(values[(row.partition, row.offset)] == row.value for row in sent)
    keys = {
        (row.partition, row.offset): row.key if isinstance(row.key, str) else bytes(row.key).decode()
        for row in sent
    }
    bad = {place for place, key in keys.items() if key.startswith(("malformed", "tomb"))}
    assert {(row.partition, row.offset) for row in invalid} == bad
    assert all(row.reason for row in invalid)


def read_topic(spark: SparkSession, settings: SparkSettings, topic: str) -> list:
    return (
        spark.read.format("kafka")
        .option("kafka.bootstrap.servers", settings.kafka_brokers)
        .option("subscribe", topic)
        .load()
        .collect()
    )


def send(spark: SparkSession, settings: SparkSettings, topic: str, records: list[tuple]) -> list:
    """Writes (key, value, partition) records in that order; returns them as the topic has them."""
    before = {(row.partition, row.offset) for row in read_topic(spark, settings, topic)}
    spark.createDataFrame(records, "key string, value binary, partition int").coalesce(1).write.format(
        "kafka"
    ).option("kafka.bootstrap.servers", settings.kafka_brokers).option("topic", topic).save()
    return [row for row in read_topic(spark, settings, topic) if (row.partition, row.offset) not in before]


def end_offsets_of(rows: list) -> dict[str, int]:
    ends: dict[str, int] = {}
    for row in rows:
        ends[str(row.partition)] = max(ends.get(str(row.partition), 0), row.offset + 1)
    return ends


def test_the_adversarial_stream_ends_exact_after_a_recount_and_a_new_animal_counts_within_a_refresh(
    spark: SparkSession,
    settings: SparkSettings,
    kafka_topics: KafkaTopics,
    isolated_database: IsolatedDatabase,
    s3_bucket: S3Bucket,
    unique_name: str,
    job_processes: list[JobProcess],
    tmp_path: Path,
) -> None:
    topic = kafka_topics.create(unique_name, PARTITIONS)
    dead_letter_topic = kafka_topics.create(unique_name + "-dlq", PARTITIONS)
    env = job_env(
        settings,
        isolated_database,
        topic,
        dead_letter_topic,
        tmp_path,
        SPARK_MAX_OFFSETS_PER_TRIGGER="60000",
        SPARK_CATALOG_REFRESH_SECONDS="2",
        # A short span: copies arriving later than it are counted again, until the recount.
        SPARK_DEDUPE_SECONDS="2",
        SPARK_ARCHIVE_URL=f"s3a://{s3_bucket.name}/interacoes",
    )
    job = JobProcess(env, tmp_path / "job.log")
    job_processes.append(job)
    checkpoint, archive_checkpoint = tmp_path / "checkpoints" / QUERY, tmp_path / "checkpoints" / "archive"
    status = tmp_path / "status.json"
    job.wait_for(
        lambda: status.exists() and json.loads(status.read_text())["state"] == "running", "the query running"
    )

    # 300,000 clicks over the 100 s before now, sent newest first, so each batch is older than the
    # last; 5% of them again at the very end (copies 100 s of event time out of order); 10
    # malformed among them. An event-time watermark of 60 s dropped 21% of such a stream as late.
    now = datetime.now(UTC).replace(tzinfo=None)
    clicks = []
    for i in range(ADVERSARIAL_CLICKS):
        tipo, raca = ANIMALS[POPULARITY[(i * 7 + i // 10) % len(POPULARITY)]]
        at = now - timedelta(milliseconds=100_000 * i // ADVERSARIAL_CLICKS)
        click = {
            "event_id": str(uuid.UUID(int=10**7 + i)),
            "usuario_id": f"v-{i % 101}",
            "raca": raca,
            "tipo": tipo,
            "timestamp": at.isoformat(timespec="milliseconds") + "Z",
        }
        if i % 4 == 0:
            click["animal_id"] = 42  # not in the catalog yet
        clicks.append(click)
    records = [(c["event_id"], json.dumps(c).encode(), i % PARTITIONS) for i, c in enumerate(clicks)]
    for n in range(10):
        records.insert(ADVERSARIAL_CLICKS // 10 * n + 7, (f"malformed-{n}", b"{broken", n % PARTITIONS))
    # Copies of the newest 30 s only: each is plainly on time whichever copy is counted.
    records += [
        (clicks[i]["event_id"], json.dumps(clicks[i]).encode(), (i + 1) % PARTITIONS)
        for i in range(0, ADVERSARIAL_CLICKS * 3 // 10, 6)
    ]
    sent = send(spark, settings, topic, records)
    ends = end_offsets_of(sent)
    job.wait_for(
        lambda: (
            committed_offsets(checkpoint, topic) == ends
            and committed_offsets(archive_checkpoint, topic) == ends
        ),
        "the clicks counted and archived",
    )

    buckets, hours = expected_tables(clicks)
    counted_hours = {
        row[:3]: row[3]
        for row in isolated_database.query(
            "SELECT hora_inicio, tipo, raca, visualizacoes FROM visualizacoes_hora"
        )
    }
    assert counted_hours.keys() == hours.keys()
    assert all(counted_hours[key] >= views for key, views in hours.items()), "nothing lost, late or not"
    # Late: reached Kafka more than 60 s after its event time, by the broker's own timestamps.
    arrived: dict[str, datetime] = {}  # each click's first copy
    for row in sent:
        arrived[row.key.decode()] = min(row.timestamp, arrived.get(row.key.decode(), row.timestamp))
    late = [
        c
        for c in clicks
        if (arrived[c["event_id"]] - datetime.fromisoformat(c["timestamp"][:-1])).total_seconds() > 60
    ]
    [(late_counted,)] = isolated_database.query("SELECT COALESCE(SUM(cliques), 0) FROM cliques_atrasados")
    assert late_counted == len(late) > 0
    dead = {
        (json.loads(row.value)["partition"], json.loads(row.value)["offset"])
        for row in read_topic(spark, settings, dead_letter_topic)
    }
    assert dead == {(row.partition, row.offset) for row in sent if row.key.startswith(b"malformed")}
    assert len(dead) == 10
    assert_archive_exact(spark, env["SPARK_ARCHIVE_URL"], sent)

    # The recount of the hours the clicks fall in, while the stream runs: each click exactly once.
    first_hour = (now - timedelta(seconds=100)).replace(minute=0, second=0, microsecond=0)
    last_hour = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    recounted = subprocess.run(  # noqa: S603 - this interpreter, the job's own module
        [
            sys.executable,
            "-m",
            "petadota_trends.recount",
            "--from",
            first_hour.isoformat() + "Z",
            "--to",
            last_hour.isoformat() + "Z",
        ],
        cwd=SPARK_JOBS,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEADLINE_SECONDS,
        check=False,
    )
    assert recounted.returncode == 0, recounted.stderr[-3000:]
    summary = json.loads(recounted.stdout)
    assert (summary["events"], summary["views_after"]) == (ADVERSARIAL_CLICKS, ADVERSARIAL_CLICKS)
    assert summary["views_before"] == sum(counted_hours.values())
    assert_tables_exact(isolated_database, buckets, hours)
    animal_buckets, animal_hours = expected_animal_tables(clicks, ())
    assert_animal_tables_exact(isolated_database, animal_buckets, animal_hours)

    # Animal 42 enters the catalog: a batch at least one refresh interval later knows it.
    isolated_database.add_animal(42)
    time.sleep(2.5)
    more = [{**clicks[0], "event_id": str(uuid.UUID(int=2 * 10**7 + i)), "animal_id": 42} for i in range(50)]
    sent_more = send(
        spark,
        settings,
        topic,
        [(c["event_id"], json.dumps(c).encode(), i % PARTITIONS) for i, c in enumerate(more)],
    )
    job.wait_for(
        lambda: committed_offsets(checkpoint, topic) == end_offsets_of(sent + sent_more),
        "the clicks on animal 42",
    )
    assert job.stop() == 0, job.tail()
    [(views, unknown)] = isolated_database.query(
        "SELECT SUM(visualizacoes), SUM(desconhecidas) FROM visualizacoes_animal_hora WHERE animal_id = 42"
    )
    assert (views, unknown) == (ADVERSARIAL_CLICKS // 4 + 50, ADVERSARIAL_CLICKS // 4)
