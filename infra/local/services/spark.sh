# The `spark` service of the local stack: the trends Structured Streaming job (spark-jobs/).
# Defines start_spark, health_spark and spark_address (lib/services.sh runs them).
# shellcheck shell=bash

# The Structured Streaming job of spark-jobs/ (petadota_trends.job) on a local[2] master: Kafka
# clicks in, trend tables and dead letters out. Checkpoints in $PETADOTA_DATA_DIR/spark/checkpoints
# (SPARK_CHECKPOINT_DIR), so a restart goes on where it stopped. It runs the repository's code as
# it is when it starts, and it checks its topics, tables and privileges first: provision before.
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

