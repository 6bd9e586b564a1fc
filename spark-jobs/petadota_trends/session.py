"""Builds the Spark session of the jobs: connector jars from the local cache, never from Ivy, and
the job's own Python code shipped to the executors, so the same job runs against any master."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

import pymysql
from pyspark.sql import SparkSession

import petadota_platform
import petadota_trends
from petadota_trends.errors import MissingJarsError
from petadota_trends.settings import SparkSettings

__all__ = [
    "MissingJarsError",
    "build_session",
    "connector_jars",
    "keep_local_checkpoints_without_forks",
    "ship_python_code",
]

# What the Kafka source and sink need beyond PySpark's own jars (infra/local/maven/spark/pom.xml).
REQUIRED_JARS = ("spark-sql-kafka-0-10", "spark-token-provider-kafka-0-10", "kafka-clients", "commons-pool2")

ROCKSDB_PROVIDER = "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider"

CHECKPOINT_FILE_MANAGER = "spark.sql.streaming.checkpointFileManagerClass"
FILE_SYSTEM_CHECKPOINTS = (
    "org.apache.spark.sql.execution.streaming.checkpointing.FileSystemBasedCheckpointFileManager"
)


# What s3a:// URLs need (infra/local/maven/s3a/pom.xml).
S3A_JARS = ("hadoop-aws", "s3-2", "s3-transfer-manager", "apache-client")


def connector_jars(settings: SparkSettings, s3a: bool = False) -> list[str]:
    jars = sorted(str(path) for path in settings.jars_dir.glob("*.jar"))
    required = REQUIRED_JARS + (S3A_JARS if s3a else ())
    missing = [name for name in required if not any(Path(jar).name.startswith(name) for jar in jars)]
    if missing:
        raise MissingJarsError(
            f"no {', '.join(missing)} jar in {settings.jars_dir}: run 'infra/local/stack install' "
            "or point SPARK_JARS_DIR at the jars of infra/local/maven/spark/pom.xml and "
            "infra/local/maven/s3a/pom.xml"
        )
    return jars


def build_session(
    app_name: str, settings: SparkSettings, ui: bool = True, hadoop: Mapping[str, str] | None = None
) -> SparkSession:
    """`hadoop`: Hadoop options (the archive's S3A ones), set as spark.hadoop.*."""
    hadoop = hadoop or {}
    # Under spark-submit the JVM is already up: its --master and environment decide.
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ
    if not submitted and settings.master.startswith("local"):
        # Local executors run this very interpreter (with PyMySQL), not whatever `python3` is,
        # and the driver and its web UI listen on loopback only, like the rest of the stack.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = (
        SparkSession.builder.appName(app_name)
        .config(
            "spark.jars",
            ",".join(connector_jars(settings, s3a=any(key.startswith("fs.s3a.") for key in hadoop))),
        )
        .config("spark.driver.memory", settings.driver_memory)
        .config("spark.sql.shuffle.partitions", str(settings.shuffle_partitions))
        .config("spark.sql.session.timeZone", "UTC")
        # A micro-batch's cache (persist) is read once or twice and dropped: encoding its columns
        # compactly cost a fifth of the counting query's CPU (measured with JFR) and saved nothing.
        .config("spark.sql.inMemoryColumnarStorage.compressed", "false")
        .config("spark.ui.enabled", str(ui).lower())
        .config("spark.ui.port", str(settings.ui_port))
        .config("spark.ui.showConsoleProgress", "false")
        # The archive's writes replace whole partitions (dynamic overwrite): their tasks write into
        # the job's hidden staging directory, which Spark then moves into place. Version 2 commits
        # a task's files straight into that directory: on S3, where a rename is a copy, one copy
        # of each file less, and nothing a reader sees before the move.
        .config("spark.hadoop.mapreduce.fileoutputcommitter.algorithm.version", "2")
    )
    for key, value in hadoop.items():
        builder = builder.config(f"spark.hadoop.{key}", value)
    if not submitted:
        builder = builder.master(settings.master)
    if settings.state_store == "rocksdb":
        builder = builder.config("spark.sql.streaming.stateStore.providerClass", ROCKSDB_PROVIDER).config(
            "spark.sql.streaming.stateStore.rocksdb.changelogCheckpointing.enabled", "true"
        )
    return builder.getOrCreate()


def keep_local_checkpoints_without_forks(spark: SparkSession, checkpoint_dir: Path) -> bool:
    """Writes the streaming checkpoints (offsets, commits, the state store's files) through
    Hadoop's FileSystem API instead of Spark's default, its FileContext API, when they are on the
    local file system; True if so. There, without Hadoop's native library (which no Maven artifact
    ships), each FileContext rename runs `readlink` in a new process: about 50 per micro-batch,
    and 0.2 s of each batch's state commit. Spark wants FileContext for its atomic rename, which
    a local rename(2) is too; on HDFS or an object store Spark's default stays."""
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(str(checkpoint_dir))
    scheme = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).getScheme()
    if scheme != "file":
        return False
    spark.conf.set(CHECKPOINT_FILE_MANAGER, FILE_SYSTEM_CHECKPOINTS)
    return True


def _zip_package(module: ModuleType, into: Path) -> Path | None:
    source = Path(module.__file__ or "").parent
    if not source.is_dir():
        return None  # already imported from a zip that spark-submit --py-files shipped
    archive = into / f"{module.__name__}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(source.rglob("*.py")):
            zipped.write(path, path.relative_to(source.parent))
    return archive


def ship_python_code(spark: SparkSession) -> None:
    """Adds this package, the platform's settings package (which this one imports) and PyMySQL
    (pure Python) to every executor's path: the MySQL upserts run there, and a cluster's executors
    have none of them installed."""
    workdir = Path(tempfile.mkdtemp(prefix="petadota-pyfiles-"))
    atexit.register(shutil.rmtree, workdir, ignore_errors=True)
    for module in (petadota_trends, petadota_platform, pymysql):
        archive = _zip_package(module, workdir)
        if archive is not None:
            spark.sparkContext.addPyFile(str(archive))
