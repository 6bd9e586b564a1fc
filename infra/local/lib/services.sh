# How each service of the local stack starts, proves it is healthy, and reports its address.
# shellcheck shell=bash

# ---------------------------------------------------------------- local credentials

random_token() { python3 -c 'import secrets; print(secrets.token_hex(16))'; }

# Generates the stack's credentials once per data directory (mode 600, never in the repo),
# adding any that a newer version of the stack needs. Values already set in the environment
# win, so an operator can choose their own.
ensure_local_env() {
  local key value added=0
  (umask 077 && touch "$PETADOTA_SECRETS_ENV")
  for key in MYSQL_ADMIN_USER MYSQL_ADMIN_PASSWORD MYSQL_PIPELINE_PASSWORD MYSQL_STREAM_PASSWORD \
    MYSQL_READONLY_PASSWORD S3_ACCESS_KEY_ID S3_SECRET_ACCESS_KEY \
    AIRFLOW_ADMIN_PASSWORD AIRFLOW_JWT_SECRET AIRFLOW_API_SECRET_KEY; do
    grep -q "^$key=" "$PETADOTA_SECRETS_ENV" && continue
    value=${!key:-}
    if [[ -z "$value" ]]; then
      case "$key" in
        MYSQL_ADMIN_USER) value=petadota_admin ;;
        S3_ACCESS_KEY_ID) value="petadota$(random_token | cut -c1-12)" ;;
        # Airflow signs its tokens with HS512: 64 bytes or more.
        AIRFLOW_JWT_SECRET) value="$(random_token)$(random_token)$(random_token)$(random_token)" ;;
        *) value=$(random_token) ;;
      esac
    fi
    echo "$key=$value" >>"$PETADOTA_SECRETS_ENV"
    added=$((added + 1))
  done
  [[ $added -eq 0 ]] || log "generated $added local credential(s) in $PETADOTA_SECRETS_ENV"
}

load_local_env() {
  # shellcheck disable=SC1090
  source "$PETADOTA_SECRETS_ENV"
}

# The one file every client reads: addresses, tool paths and the local credentials.
write_client_env() {
  load_local_env
  (
    umask 077
    cat >"$PETADOTA_CLIENT_ENV" <<EOF
# Written by infra/local/stack for the clients of this local stack. Do not edit: set the
# variables in your environment instead (they take precedence over this file).
TEMPORAL_ADDRESS=127.0.0.1:$TEMPORAL_PORT
TEMPORAL_NAMESPACE=$TEMPORAL_NAMESPACE
TEMPORAL_UI_URL=http://127.0.0.1:$TEMPORAL_UI_PORT
TEMPORAL_CLI_PATH=$TEMPORAL_BIN
TEMPORAL_TEST_SERVER_PATH=$TEMPORAL_TEST_SERVER_BIN
TCTL_PATH=$TCTL_BIN
MYSQL_HOST=127.0.0.1
MYSQL_PORT=$MYSQL_PORT
MYSQL_ADMIN_USER=$MYSQL_ADMIN_USER
MYSQL_ADMIN_PASSWORD=$MYSQL_ADMIN_PASSWORD
MYSQL_PIPELINE_PASSWORD=$MYSQL_PIPELINE_PASSWORD
MYSQL_STREAM_PASSWORD=$MYSQL_STREAM_PASSWORD
MYSQL_READONLY_PASSWORD=$MYSQL_READONLY_PASSWORD
KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
S3_ENDPOINT=http://127.0.0.1:$S3_PORT
S3_REGION=$S3_REGION
S3_ACCESS_KEY_ID=$S3_ACCESS_KEY_ID
S3_SECRET_ACCESS_KEY=$S3_SECRET_ACCESS_KEY
PETADOTA_PYTHON=$VENV_DIR/bin/python
SPARK_JARS_DIR=$SPARK_JARS_DIR
EOF
  )
}

# ---------------------------------------------------------------- temporal

temporal_address() { echo "127.0.0.1:$TEMPORAL_PORT"; }

# SQLite in WAL mode without an fsync per commit: 2.4x the workflow throughput on this machine
# (1,000 activities: 78/s against 33/s). A crash of the process loses nothing; a power cut may
# lose the last commits, never corrupt the file: the right trade for a local dev server.
start_temporal() {
  require_free_port temporal "$TEMPORAL_PORT"
  require_free_port "temporal UI" "$TEMPORAL_UI_PORT"
  mkdir -p "$PETADOTA_DATA_DIR/temporal"
  spawn temporal "$TEMPORAL_BIN" server start-dev \
    --ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT" \
    --db-filename "$PETADOTA_DATA_DIR/temporal/temporal.db" \
    --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal \
    --namespace "$TEMPORAL_NAMESPACE" --log-level warn
}

health_temporal() {
  [[ "$("$TEMPORAL_BIN" operator cluster health --address "$(temporal_address)")" == *SERVING* ]] &&
    curl -fsS -o /dev/null "http://127.0.0.1:$TEMPORAL_UI_PORT/"
}

# ---------------------------------------------------------------- mariadb

mariadb_socket() { echo "$PETADOTA_RUN_DIR/mariadb.sock"; }
mariadb_address() { echo "127.0.0.1:$MYSQL_PORT"; }

start_mariadb() {
  require_free_port mariadb "$MYSQL_PORT"
  local datadir="$PETADOTA_DATA_DIR/mariadb" os_user
  os_user=$(id -un)
  if [[ ! -d "$datadir/mysql" ]]; then
    log "mariadb: initialising a new data directory in $datadir"
    mkdir -p "$datadir"
    mariadb-install-db --no-defaults --datadir="$datadir" --user="$os_user" \
      --auth-root-authentication-method=socket --auth-root-socket-user="$os_user" \
      --skip-test-db >>"$(log_file mariadb)" 2>&1 || start_failed mariadb "mariadb-install-db failed"
  fi
  spawn mariadb mariadbd --no-defaults --datadir="$datadir" --user="$os_user" \
    --bind-address=127.0.0.1 --port="$MYSQL_PORT" --socket="$(mariadb_socket)" \
    --pid-file="$PETADOTA_RUN_DIR/mariadbd.pid" --skip-name-resolve \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-buffer-pool-size=256M --max-connections=300
}

# Root logs in through the socket as the OS user; everything else uses the admin account
# over TCP, whose password lives in the generated secrets file.
mariadb_as_root() { mariadb --no-defaults --socket="$(mariadb_socket)" -u root "$@"; }

bootstrap_mariadb() {
  load_local_env
  local user=$MYSQL_ADMIN_USER password=$MYSQL_ADMIN_PASSWORD host
  for host in 127.0.0.1 localhost; do
    mariadb_as_root <<SQL
CREATE USER IF NOT EXISTS '$user'@'$host' IDENTIFIED BY '$password';
ALTER USER '$user'@'$host' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO '$user'@'$host' WITH GRANT OPTION;
SQL
  done
}

health_mariadb() {
  load_local_env
  [[ "$(MYSQL_PWD=$MYSQL_ADMIN_PASSWORD mariadb --no-defaults -h 127.0.0.1 -P "$MYSQL_PORT" \
    -u "$MYSQL_ADMIN_USER" -N -e 'SELECT 1')" == 1 ]]
}

health_mariadb_socket() { [[ "$(mariadb_as_root -N -e 'SELECT 1')" == 1 ]]; }

# ---------------------------------------------------------------- kafka (KRaft, one node)

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

# ---------------------------------------------------------------- s3 (versitygw, posix backend)

s3_address() { echo "127.0.0.1:$S3_PORT"; }

start_s3() {
  require_free_port s3 "$S3_PORT"
  load_local_env
  mkdir -p "$PETADOTA_DATA_DIR/s3"
  ROOT_ACCESS_KEY_ID=$S3_ACCESS_KEY_ID ROOT_SECRET_ACCESS_KEY=$S3_SECRET_ACCESS_KEY \
    spawn s3 "$VERSITYGW_BIN" --port "127.0.0.1:$S3_PORT" --region "$S3_REGION" \
    --health /health --quiet posix "$PETADOTA_DATA_DIR/s3"
}

health_s3() { curl -fsS -o /dev/null "http://127.0.0.1:$S3_PORT/health"; }

# ---------------------------------------------------------------- worker (the platform's own)

# The worker runs the repository's code as it is when it starts: restart it after changes.
worker_address() { echo "task queue pet-adota-provisioning"; }

start_worker() {
  [[ -d "$REPO_ROOT/node_modules" ]] || die "worker: node modules are missing: run 'infra/local/stack install' first"
  spawn worker "$REPO_ROOT/bin/petadota" worker
}

# Healthy once Temporal lists this very process (identity <pid>@<host>) among the queue's pollers.
health_worker() {
  local pid pollers
  pid=$(service_pid worker) || return 1
  # Captured first: `grep -q` closing the pipe early would fail the pipeline under pipefail.
  pollers=$("$TEMPORAL_BIN" task-queue describe --task-queue pet-adota-provisioning \
    --address "$(temporal_address)" --namespace "$TEMPORAL_NAMESPACE" -o json) || return 1
  grep -q "\"identity\": \"$pid@" <<<"$pollers"
}

# ---------------------------------------------------------------- pet-api (local Dog/Cat API)

# The local stand-in for dog.ceo and The Cat API (workers/local-pet-api.ts): only started when
# the main job cannot reach the real APIs, or on request (`infra/local/stack up pet-api`).
pet_api_origin() { echo "http://127.0.0.1:$PET_API_PORT"; }
pet_api_address() { pet_api_origin; }

start_pet_api() {
  require_free_port pet-api "$PET_API_PORT"
  spawn pet-api "$REPO_ROOT/bin/petadota" pet-api --port "$PET_API_PORT"
}

health_pet_api() { curl -fsS -o /dev/null "$(pet_api_origin)/api/breeds/image/random/1"; }

# ---------------------------------------------------------------- spark (the trends job)

# The Structured Streaming job of spark-jobs/ (petadota_trends.job) on a local[2] master: Kafka
# clicks in, trend tables and dead letters out. Checkpoints in $PETADOTA_DATA_DIR/spark/checkpoints
# (SPARK_CHECKPOINT_DIR), so a restart goes on where it stopped. It runs the repository's code as
# it is when it starts, and it checks its topics, tables and privileges first: provision before.
spark_address() { echo "http://127.0.0.1:$SPARK_UI_PORT"; }

# The environment of the job and of its health check, one assignment per line (for `env`).
spark_job_vars() {
  printf '%s\n' "PETADOTA_DATA_DIR=$PETADOTA_DATA_DIR" "PETADOTA_ENV_FILE=$PETADOTA_CLIENT_ENV" \
    "PYTHONPATH=$REPO_ROOT/spark-jobs" "SPARK_UI_PORT=$SPARK_UI_PORT"
}

start_spark() {
  require_free_port "spark UI" "$SPARK_UI_PORT"
  # The job reads the stream account's password and the jar directory from the client file.
  write_client_env
  mkdir -p "$PETADOTA_DATA_DIR/spark/checkpoints"
  local vars
  mapfile -t vars < <(spark_job_vars)
  spawn spark env "${vars[@]}" "$VENV_DIR/bin/python" -m petadota_trends.job
}

# Healthy once this very process reports, in the status file it rewrites every 2 s, that all of
# its streaming queries are active (petadota_trends/health.py).
health_spark() {
  local pid vars
  pid=$(service_pid spark) || return 1
  mapfile -t vars < <(spark_job_vars)
  env "${vars[@]}" "$VENV_DIR/bin/python" -m petadota_trends.health --pid "$pid"
}

# SIGTERM to the driver alone lets it finish the batches in flight and stop Spark itself; a
# group-wide TERM would hit its JVM at the same moment and cut the batches short.
stop_signal_spark() {
  local pid=$1 waited=0
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null && ((waited < 180)); do
    sleep 0.5
    waited=$((waited + 1))
  done
  # The driver is gone (or stuck, and the group-wide stop follows); its JVM exits with it.
  kill -0 "$pid" 2>/dev/null || kill -TERM -- "-$pid" 2>/dev/null || true
}

# ---------------------------------------------------------------- dispatch

# Service names may have dashes (pet-api); their functions use underscores (health_pet_api).
service_fn() { echo "${1}_${2//-/_}"; }

start_service() {
  local name=$1
  if service_pid "$name" >/dev/null && "$(service_fn health "$name")" >/dev/null 2>&1; then
    log "$name: already running and healthy"
    return 0
  fi
  # A pid file of a dead process, or a live one that is unhealthy, is restarted cleanly.
  stop_process_group "$name"
  local started=$SECONDS
  "$(service_fn start "$name")"
  if [[ "$name" == mariadb ]]; then
    wait_healthy mariadb health_mariadb_socket
    bootstrap_mariadb
  fi
  wait_healthy "$name" "$(service_fn health "$name")"
  log "$name: healthy at $("${name//-/_}_address") in $((SECONDS - started)) s"
}

stop_service() {
  local name=$1
  if service_pid "$name" >/dev/null; then
    stop_process_group "$name"
    log "$name: stopped"
  else
    rm -f "$(pid_file "$name")"
    log "$name: not running"
  fi
}

service_status_line() {
  local name=$1 pid state rc=0
  if pid=$(service_pid "$name"); then
    if "$(service_fn health "$name")" >/dev/null 2>&1; then state=healthy; else state=unhealthy && rc=1; fi
  else
    pid=- && state=stopped && rc=1
  fi
  printf '%-10s %-9s %-8s %-34s %s\n' "$name" "$state" "$pid" "$("${name//-/_}_address")" "$(log_file "$name")"
  return $rc
}
