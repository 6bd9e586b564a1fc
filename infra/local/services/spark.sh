# The `spark` service of the local stack: the trends Structured Streaming job (spark-jobs/).
# Defines start_spark, health_spark and spark_address (lib/services.sh runs them).
# shellcheck shell=bash

# The Structured Streaming job of spark-jobs/ (petadota_trends.job): Kafka clicks in, trend tables
# and dead letters out. On a local[2] master by default; with SPARK_STANDALONE_WORKERS=N, submitted
# with spark-submit to the stack's standalone cluster (services/spark-cluster.sh), which `up spark`
# starts first. Checkpoints in $PETADOTA_DATA_DIR/spark/checkpoints (SPARK_CHECKPOINT_DIR), which
# every worker of this machine sees, so a restart goes on where it stopped. It runs the
# repository's code as it is when it starts, and it checks its topics, tables and privileges
# first: provision before.
spark_address() { echo "http://127.0.0.1:$SPARK_UI_PORT"; }

# The environment of the job and of its health check, one assignment per line (for `env`).
spark_job_vars() {
  printf '%s\n' "PETADOTA_DATA_DIR=$PETADOTA_DATA_DIR" "PETADOTA_ENV_FILE=$PETADOTA_CLIENT_ENV" \
    "PYTHONPATH=$REPO_ROOT/spark-jobs:$REPO_ROOT/platform/python" "SPARK_UI_PORT=$SPARK_UI_PORT"
}

start_spark() {
  require_free_port "spark UI" "$SPARK_UI_PORT"
  # The job reads the stream account's password and the jar directory from the client file.
  write_client_env
  mkdir -p "$PETADOTA_DATA_DIR/spark/checkpoints"
  local vars
  mapfile -t vars < <(spark_job_vars)
  if ((SPARK_STANDALONE_WORKERS == 0)); then
    spawn spark env "${vars[@]}" "$VENV_DIR/bin/python" -m petadota_trends.job
    return
  fi
  local service
  for service in "${SPARK_CLUSTER_SERVICES[@]}"; do
    start_service "$service"
  done
  # The same job, unchanged: spark-submit starts the driver here (client mode), the executors run
  # on the workers; the connector jars go with it, the job ships its own Python code.
  local jars
  jars=$(find "$SPARK_JARS_DIR" -name '*.jar' | sort | paste -sd, -)
  spawn spark env "${vars[@]}" SPARK_LOCAL_IP=127.0.0.1 "PYSPARK_PYTHON=$VENV_DIR/bin/python" \
    "$VENV_DIR/bin/spark-submit" --master "$(spark_master_url)" --jars "$jars" \
    "$REPO_ROOT/spark-jobs/trends_job.py"
}

# Healthy once the job's driver, a process of this service, reports in the status file it rewrites
# every 2 s that all of its streaming queries are active (petadota_trends/health.py).
health_spark() {
  local pid vars
  pid=$(service_pid spark) || return 1
  mapfile -t vars < <(spark_job_vars)
  env "${vars[@]}" "$VENV_DIR/bin/python" -m petadota_trends.health --process-group "$pid"
}

# SIGTERM to the Python driver alone lets it finish the batches in flight and stop Spark itself; a
# group-wide TERM would hit its JVM at the same moment and cut the batches short. The driver is the
# group's oldest Python process: the leader in local mode, spark-submit's child on a cluster.
stop_signal_spark() {
  local pid=$1 driver waited=0
  driver=$(pgrep -o -g "$pid" '^python') || driver=$pid
  kill -TERM "$driver" 2>/dev/null || return 0
  while kill -0 "$driver" 2>/dev/null && ((waited < 180)); do
    sleep 0.5
    waited=$((waited + 1))
  done
  # The driver is gone (or stuck, and the group-wide stop follows); its JVM exits with it.
  kill -0 "$pid" 2>/dev/null || kill -TERM -- "-$pid" 2>/dev/null || true
}

