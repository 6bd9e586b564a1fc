"""The Kafka nodes of the local stack (KAFKA_NODES), and what its clients are told about them.

Node n (1-based) is service ``kafka`` for n = 1, ``kafka-n`` otherwise; each is a KRaft broker and
controller, two ports apart from the previous node so that the defaults (9092/9093) give
9094/9095 and 9096/9097 to nodes 2 and 3."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from petadota_platform.settings import read_setting

# Three replicas survive one node's loss with min.insync.replicas=2 and acks=all: a write is on two
# nodes before it is acknowledged, and the partition stays writable with one node down. More nodes
# spread partitions; they do not add replicas.
REPLICATION_FACTOR_MAX = 3


@dataclass(frozen=True)
class KafkaNode:
    number: int
    port: int
    controller_port: int

    @property
    def service(self) -> str:
        return "kafka" if self.number == 1 else f"kafka-{self.number}"


def kafka_nodes(env: Mapping[str, str]) -> list[KafkaNode]:
    count = int(read_setting(env, "KAFKA_NODES"))
    port = int(read_setting(env, "KAFKA_PORT"))
    controller_port = int(read_setting(env, "KAFKA_CONTROLLER_PORT"))
    return [KafkaNode(n, port + 2 * (n - 1), controller_port + 2 * (n - 1)) for n in range(1, count + 1)]


def replication_factor(env: Mapping[str, str]) -> int:
    return min(len(kafka_nodes(env)), REPLICATION_FACTOR_MAX)


def min_insync_replicas(env: Mapping[str, str]) -> int:
    # One node fewer than the replicas, never below one: a two-node cluster keeps taking writes
    # with one node down (it cannot have both safety and availability).
    return max(1, replication_factor(env) - 1)


def derived(env: Mapping[str, str], name: str) -> str:
    """The value of a `local` entry's ``derived`` name."""
    if name == "kafka-bootstrap":
        return ",".join(f"127.0.0.1:{node.port}" for node in kafka_nodes(env))
    if name == "kafka-replication-factor":
        return str(replication_factor(env))
    if name == "kafka-min-insync-replicas":
        return str(min_insync_replicas(env))
    raise KeyError(f"no derived local value {name!r}")
