"""The local stack's Kafka nodes (KAFKA_NODES): their ports, and the bootstrap addresses, replication
factor and min.insync.replicas its clients and provisioning are told."""

from __future__ import annotations

import pytest

from petadota_platform.kafka_nodes import derived, kafka_nodes


def test_one_node_is_the_defaults():
    assert [(node.service, node.port, node.controller_port) for node in kafka_nodes({})] == [
        ("kafka", 9092, 9093)
    ]
    assert derived({}, "kafka-bootstrap") == "127.0.0.1:9092"
    assert derived({}, "kafka-replication-factor") == "1"
    assert derived({}, "kafka-min-insync-replicas") == "1"


def test_three_nodes_two_ports_apart_replicate_three_times_and_need_two():
    env = {"KAFKA_NODES": "3", "KAFKA_PORT": "9292", "KAFKA_CONTROLLER_PORT": "9293"}
    assert [(node.service, node.port, node.controller_port) for node in kafka_nodes(env)] == [
        ("kafka", 9292, 9293),
        ("kafka-2", 9294, 9295),
        ("kafka-3", 9296, 9297),
    ]
    assert derived(env, "kafka-bootstrap") == "127.0.0.1:9292,127.0.0.1:9294,127.0.0.1:9296"
    assert derived(env, "kafka-replication-factor") == "3"
    assert derived(env, "kafka-min-insync-replicas") == "2"


@pytest.mark.parametrize(("nodes", "replicas", "in_sync"), [("2", "2", "1"), ("5", "3", "2")])
def test_replicas_are_at_most_three_and_one_may_be_lost(nodes, replicas, in_sync):
    env = {"KAFKA_NODES": nodes}
    assert derived(env, "kafka-replication-factor") == replicas
    assert derived(env, "kafka-min-insync-replicas") == in_sync


def test_an_unknown_derived_name_is_refused():
    with pytest.raises(KeyError, match="kafka-nope"):
        derived({}, "kafka-nope")
