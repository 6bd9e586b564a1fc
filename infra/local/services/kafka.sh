# The `kafka` service of the local stack: an Apache Kafka broker in KRaft mode (one node that is also
# the controller), jars from Maven Central.
# Defines start_kafka, health_kafka and kafka_address (lib/services.sh runs them).
# shellcheck shell=bash

kafka_address() { echo "127.0.0.1:$KAFKA_PORT"; }

write_kafka_config() {
  local dir=$1
  cat >"$dir/server.properties" <<EOF
# Written by infra/local/stack: a single KRaft node that is both broker and controller.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
# Topics are created by provisioning, with their partitions declared; never by a typo.
auto.create.topics.enable=false
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
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

start_kafka() {
  require_free_port kafka "$KAFKA_PORT"
  require_free_port "kafka controller" "$KAFKA_CONTROLLER_PORT"
  local dir="$PETADOTA_DATA_DIR/kafka"
  local java_opts=(-Xms256m "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -Djava.awt.headless=true
    "-Dlog4j.configuration=file:$dir/log4j.properties" -cp "$KAFKA_LIBS_DIR/*")
  mkdir -p "$dir/data"
  write_kafka_config "$dir"
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    [[ -f "$dir/cluster-id" ]] || java "${java_opts[@]}" kafka.tools.StorageTool random-uuid >"$dir/cluster-id"
    log "kafka: formatting storage in $dir/data"
    java "${java_opts[@]}" kafka.tools.StorageTool format --ignore-formatted \
      -t "$(<"$dir/cluster-id")" -c "$dir/server.properties" >>"$(log_file kafka)" 2>&1 ||
      start_failed kafka "storage format failed"
  fi
  spawn kafka java "${java_opts[@]}" kafka.Kafka "$dir/server.properties"
}

# Healthy once the broker says it started (after the latest start marker) and accepts connections.
health_kafka() {
  awk '/===== .* starting kafka =====/ { started = 0 } /Kafka Server started/ { started = 1 } END { exit !started }' \
    "$(log_file kafka)" && (exec 3<>"/dev/tcp/127.0.0.1/$KAFKA_PORT")
}

