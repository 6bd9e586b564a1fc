# The `kafka` services of the local stack: Apache Kafka in KRaft mode, jars from Maven Central.
# KAFKA_NODES=1 (the default) is one node, `kafka`, that is both broker and controller;
# KAFKA_NODES=N is a cluster of N such nodes, kafka, kafka-2 … kafka-N, each with its own data
# directory, ports and log (the Python package says which: `petadota_platform kafka-nodes`).
# Defines start_kafka, health_kafka and kafka_address, and the same for each kafka-N
# (lib/services.sh runs them).
# shellcheck shell=bash

# "service port controller-port", one line per node the declared maximum allows (KAFKA_NODES_MAX
# in lib/config.sh), so that `down` and `status` reach nodes of an earlier, larger cluster; the
# cluster itself is the first KAFKA_NODES of them.
KAFKA_ALL_NODE_LINES=$(KAFKA_NODES=$KAFKA_NODES_MAX platform_py kafka-nodes)
KAFKA_NODE_LINES=$(head -n "$KAFKA_NODES" <<<"$KAFKA_ALL_NODE_LINES")

# kafka_node SERVICE FIELD: the node's port (2) or controller port (3).
kafka_node() { awk -v service="$1" -v field="$2" '$1 == service { print $field }' <<<"$KAFKA_ALL_NODE_LINES"; }
kafka_node_number() { if [[ "$1" == kafka ]]; then echo 1; else echo "${1#kafka-}"; fi; }
kafka_node_address() { echo "127.0.0.1:$(kafka_node "$1" 2)"; }

# The controller quorum: every node votes, so a cluster of three survives the loss of one.
kafka_quorum_voters() {
  local service _port controller_port voters=()
  while read -r service _port controller_port; do
    voters+=("$(kafka_node_number "$service")@127.0.0.1:$controller_port")
  done <<<"$KAFKA_NODE_LINES"
  (IFS=, && echo "${voters[*]}")
}

# What clients are told (local.env) and the topics get: replication factor and min.insync.replicas.
kafka_served() { platform_py served kafka | sed -n "s/^$1=//p"; }

write_kafka_config() {
  local service=$1 dir=$2 replicas min_insync
  replicas=$(kafka_served KAFKA_REPLICATION_FACTOR)
  min_insync=$(kafka_served KAFKA_MIN_INSYNC_REPLICAS)
  cat >"$dir/server.properties" <<EOF
# Written by infra/local/stack: node $(kafka_node_number "$service") of $KAFKA_NODES, a KRaft broker and controller.
process.roles=broker,controller
node.id=$(kafka_node_number "$service")
controller.quorum.voters=$(kafka_quorum_voters)
listeners=PLAINTEXT://127.0.0.1:$(kafka_node "$service" 2),CONTROLLER://127.0.0.1:$(kafka_node "$service" 3)
advertised.listeners=PLAINTEXT://127.0.0.1:$(kafka_node "$service" 2)
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
# Topics are created by provisioning, with their partitions declared; never by a typo.
auto.create.topics.enable=false
num.partitions=3
default.replication.factor=$replicas
# Kafka's own topics (consumer offsets, transactions) as safe as the platform's.
offsets.topic.replication.factor=$replicas
transaction.state.log.replication.factor=$replicas
transaction.state.log.min.isr=$min_insync
min.insync.replicas=$min_insync
# A replica that fell behind never becomes leader: acknowledged clicks are never given up.
unclean.leader.election.enable=false
group.initial.rebalance.delay.ms=0
log.retention.hours=168
EOF
  cat >"$dir/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.controller=WARN
EOF
}

# kafka_java_opts DIR: Kafka's JVM options, with the node's logging configuration, in KAFKA_JAVA_OPTS.
kafka_java_opts() {
  KAFKA_JAVA_OPTS=(-Xms256m "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -Djava.awt.headless=true
    "-Dlog4j.configuration=file:$1/log4j.properties" -cp "$KAFKA_LIBS_DIR/*")
}

# The cluster id, shared by every node, and the quorum the nodes were formatted with: data formatted
# for another KAFKA_NODES would never form a quorum, so it is refused, with the way out.
kafka_cluster_id() {
  local shared="$PETADOTA_DATA_DIR/kafka" voters
  voters=$(kafka_quorum_voters)
  mkdir -p "$shared"
  if [[ -f "$shared/quorum" && "$(<"$shared/quorum")" != "$voters" ]]; then
    die "kafka: the data in $PETADOTA_DATA_DIR/kafka* was formatted for the quorum $(<"$shared/quorum"), but KAFKA_NODES=$KAFKA_NODES (ports from KAFKA_PORT, KAFKA_CONTROLLER_PORT) asks for $voters; keep the old settings, or stop every Kafka node and delete those directories (their topics are lost) to start a new cluster"
  fi
  echo "$voters" >"$shared/quorum"
  if [[ ! -f "$shared/cluster-id" ]]; then
    kafka_java_opts "$shared"
    java "${KAFKA_JAVA_OPTS[@]}" kafka.tools.StorageTool random-uuid 2>/dev/null >"$shared/cluster-id"
  fi
  cat "$shared/cluster-id"
}

# spawn_kafka_node SERVICE: formats the node's storage once, then starts it.
spawn_kafka_node() {
  local service=$1 dir="$PETADOTA_DATA_DIR/$1" cluster_id
  require_free_port "$service" "$(kafka_node "$service" 2)"
  require_free_port "$service controller" "$(kafka_node "$service" 3)"
  cluster_id=$(kafka_cluster_id)
  mkdir -p "$dir/data"
  write_kafka_config "$service" "$dir"
  kafka_java_opts "$dir"
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    log "$service: formatting storage in $dir/data"
    java "${KAFKA_JAVA_OPTS[@]}" kafka.tools.StorageTool format --ignore-formatted -t "$cluster_id" \
      -c "$dir/server.properties" >>"$(log_file "$service")" 2>&1 || start_failed "$service" "storage format failed"
  fi
  spawn "$service" java "${KAFKA_JAVA_OPTS[@]}" kafka.Kafka "$dir/server.properties"
}

# start_kafka [SERVICE]: starts the node, and every other node of the cluster that is not running
# (a node becomes healthy only once a majority of the quorum runs), and waits for those others.
start_kafka() {
  local service=${1:-kafka} other spawned=()
  spawn_kafka_node "$service"
  while read -r other _; do
    [[ "$other" == "$service" ]] || service_pid "$other" >/dev/null && continue
    spawn_kafka_node "$other"
    spawned+=("$other")
  done <<<"$KAFKA_NODE_LINES"
  for other in "${spawned[@]}"; do
    wait_healthy "$other" "$(service_fn health "$other")"
    log "$other: healthy at $(kafka_node_address "$other")"
  done
}

# Healthy once the node says it started (after the latest start marker) and accepts connections.
health_kafka() {
  local service=${1:-kafka}
  awk '/^===== .* starting / { started = 0 } /Kafka Server started/ { started = 1 } END { exit !started }' \
    "$(log_file "$service")" && (exec 3<>"/dev/tcp/127.0.0.1/$(kafka_node "$service" 2)")
}

kafka_address() { kafka_node_address kafka; }

# kafka-2 … kafka-N: the same service under the node's own name, pid file and log.
while read -r kafka_service _; do
  [[ "$kafka_service" == kafka ]] && continue
  eval "start_${kafka_service//-/_}() { start_kafka $kafka_service; }
    health_${kafka_service//-/_}() { health_kafka $kafka_service; }
    ${kafka_service//-/_}_address() { kafka_node_address $kafka_service; }"
done <<<"$KAFKA_ALL_NODE_LINES"
unset kafka_service
