# The optional `airflow` service: Airflow 3's scheduler, DAG processor and API server (the web
# UI) for the DAGs in airflow-bridge/dags, on loopback, from the virtualenv `install` builds.
# Its home (configuration, SQLite metadata database, task logs) is $PETADOTA_DATA_DIR/airflow.
# shellcheck shell=bash

airflow_address() { echo "http://127.0.0.1:$AIRFLOW_PORT"; }

# The environment every Airflow process of the stack runs with, as NAME=value words for `env`.
# Everything is set here rather than in an airflow.cfg, so the repository decides it.
airflow_env() {
  load_local_env
  local home=$AIRFLOW_HOME_DIR
  printf '%s\n' \
    "AIRFLOW_HOME=$home" \
    "AIRFLOW__CORE__DAGS_FOLDER=$REPO_ROOT/airflow-bridge/dags" \
    "AIRFLOW__CORE__LOAD_EXAMPLES=False" \
    "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=False" \
    "AIRFLOW__CORE__EXECUTOR=LocalExecutor" \
    "AIRFLOW__CORE__PARALLELISM=4" \
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=sqlite:///$home/airflow.db?timeout=30" \
    "AIRFLOW__API__HOST=127.0.0.1" \
    "AIRFLOW__API__PORT=$AIRFLOW_PORT" \
    "AIRFLOW__API__WORKERS=1" \
    "AIRFLOW__API__BASE_URL=$(airflow_address)" \
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL=$(airflow_address)/execution/" \
    "AIRFLOW__API_AUTH__JWT_SECRET=$AIRFLOW_JWT_SECRET" \
    "AIRFLOW__API__SECRET_KEY=$AIRFLOW_API_SECRET_KEY" \
    "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS=admin:admin" \
    "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=$home/passwords.json" \
    "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES=1" \
    "PYTHONPATH=$REPO_ROOT/airflow-bridge:$REPO_ROOT/platform/python" \
    "PETADOTA_ENV_FILE=$PETADOTA_CLIENT_ENV"
}

# airflow_run ARGS…: the airflow CLI with the stack's Airflow environment.
airflow_run() {
  local vars
  mapfile -t vars < <(airflow_env)
  env "${vars[@]}" "$AIRFLOW_BIN" "$@"
}

start_airflow() {
  [[ -x "$AIRFLOW_BIN" ]] || die "airflow: $AIRFLOW_BIN is missing: run 'infra/local/stack install' first"
  require_free_port airflow "$AIRFLOW_PORT"
  load_local_env
  mkdir -p "$AIRFLOW_HOME_DIR"
  # The UI's admin password is the generated one in secrets.env; Airflow reads it from here.
  (umask 077 && printf '{"admin": "%s"}\n' "$AIRFLOW_ADMIN_PASSWORD" >"$AIRFLOW_HOME_DIR/passwords.json")
  airflow_run db migrate >>"$(log_file airflow)" 2>&1 || start_failed airflow "airflow db migrate failed"
  # SQLite lets one writer in at a time. In WAL mode readers no longer block it, and the URL's
  # timeout makes a writer wait 30 s for the lock instead of SQLite's 5 (a trigger from the API
  # answered 500 "database is locked" on a loaded machine). The mode is kept in the file.
  python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("PRAGMA journal_mode=WAL")' \
    "$AIRFLOW_HOME_DIR/airflow.db" || start_failed airflow "could not set the metadata database's WAL mode"
  local vars
  mapfile -t vars < <(airflow_env)
  spawn airflow env "${vars[@]}" bash "$STACK_DIR/services/airflow-components.sh" "$AIRFLOW_BIN" "$AIRFLOW_PORT"
}

# Only the leader (services/airflow-components.sh) is signalled: it stops the components in order.
stop_signal_airflow() { kill -TERM "$1" 2>/dev/null || true; }

# Healthy when the API server answers and reports the metadata database, the scheduler and the
# DAG processor healthy (their heartbeats are recent).
health_airflow() {
  curl -fsS --max-time 5 "$(airflow_address)/api/v2/monitor/health" | python3 -c '
import json, sys
health = json.load(sys.stdin)
sys.exit(0 if all((health.get(part) or {}).get("status") == "healthy"
                  for part in ("metadatabase", "scheduler", "dag_processor")) else 1)'
}
