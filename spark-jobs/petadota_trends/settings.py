"""Configuration of the Spark jobs, read the same way as the TypeScript side reads it:
environment variables first, then the file the local stack writes (local.env), then defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


def local_env_file(env: Mapping[str, str]) -> Path:
    if env.get("PETADOTA_ENV_FILE"):
        return Path(env["PETADOTA_ENV_FILE"])
    data_home = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(env.get("PETADOTA_DATA_DIR") or Path(data_home) / "petadota") / "local.env"


def parse_env_file(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip()
    return values


def resolve_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    env = os.environ if env is None else env
    path = local_env_file(env)
    merged = parse_env_file(path.read_text()) if path.exists() else {}
    merged.update({key: value for key, value in env.items() if value})
    return merged


@dataclass(frozen=True)
class SparkSettings:
    kafka_brokers: str
    jars_dir: Path
    master: str
    shuffle_partitions: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SparkSettings:
        values = resolve_env(env)
        cache = values.get("PETADOTA_CACHE_DIR") or str(Path.home() / ".cache" / "petadota")
        return cls(
            kafka_brokers=values.get("KAFKA_BROKERS", "127.0.0.1:9092"),
            jars_dir=Path(values.get("SPARK_JARS_DIR") or Path(cache) / "spark-jars"),
            master=values.get("SPARK_MASTER", "local[2]"),
            # Two cores here: the default of 200 shuffle partitions would be 200 tiny tasks per batch.
            shuffle_partitions=int(values.get("SPARK_SHUFFLE_PARTITIONS", "4")),
        )
