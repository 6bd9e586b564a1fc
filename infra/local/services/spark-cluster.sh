# The `spark-master` and `spark-worker` services of the local stack: a Spark standalone cluster
# (SPARK_STANDALONE_WORKERS=N), the master and N workers from the venv's PySpark distribution, each
# its own process, log and work directory, on loopback. `up spark` starts them before the job.
# Defines start_spark_master, start_spark_worker, start_spark_worker_2 … and their health and
# address functions (lib/services.sh runs them).
# shellcheck shell=bash

spark_class() { echo "$VENV_DIR/bin/spark-class"; }
spark_master_url() { echo "spark://127.0.0.1:$SPARK_STANDALONE_PORT"; }
spark_master_address() { spark_master_url; }

# Loopback only, like the rest of the stack; the executors run the venv's Python (PyMySQL and
# the job's code are shipped by the job itself).
spark_cluster_env() {
  printf '%s\n' SPARK_LOCAL_IP=127.0.0.1 "PYSPARK_PYTHON=$VENV_DIR/bin/python" \
    "SPARK_LOG_DIR=$PETADOTA_LOG_DIR" "SPARK_WORKER_DIR=$PETADOTA_DATA_DIR/spark-cluster/work"
}

start_spark_master() {
  require_free_port spark-master "$SPARK_STANDALONE_PORT"
  require_free_port "spark-master UI" "$SPARK_STANDALONE_UI_PORT"
  local vars
  mapfile -t vars < <(spark_cluster_env)
  spawn spark-master env "${vars[@]}" "$(spark_class)" org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port "$SPARK_STANDALONE_PORT" --webui-port "$SPARK_STANDALONE_UI_PORT"
}

# The master's own state, as JSON: ALIVE, with its workers.
spark_master_state() { curl -fsS --max-time 2 "http://127.0.0.1:$SPARK_STANDALONE_UI_PORT/json/"; }

health_spark_master() { spark_master_state | grep -q '"status" *: *"ALIVE"'; }

# spark_worker_number NAME: 1 for spark-worker, n for spark-worker-n.
spark_worker_number() { if [[ "$1" == spark-worker ]]; then echo 1; else echo "${1#spark-worker-}"; fi; }
spark_worker_ui_port() { echo $((SPARK_STANDALONE_UI_PORT + $(spark_worker_number "$1"))); }

# start_spark_worker [NAME]: a worker registered with the master, offering its cores and memory.
start_spark_worker() {
  local name=${1:-spark-worker} vars
  require_free_port "$name UI" "$(spark_worker_ui_port "$name")"
  mapfile -t vars < <(spark_cluster_env)
  mkdir -p "$PETADOTA_DATA_DIR/spark-cluster/work"
  spawn "$name" env "${vars[@]}" "$(spark_class)" org.apache.spark.deploy.worker.Worker \
    --host 127.0.0.1 --webui-port "$(spark_worker_ui_port "$name")" \
    --cores "$SPARK_STANDALONE_WORKER_CORES" --memory "$SPARK_STANDALONE_WORKER_MEMORY" \
    --work-dir "$PETADOTA_DATA_DIR/spark-cluster/work" "$(spark_master_url)"
}

# Healthy once the master lists this worker's web UI among its ALIVE workers.
health_spark_worker() {
  local name=${1:-spark-worker}
  spark_master_state | python3 -c '
import json, sys
ui = "http://127.0.0.1:" + sys.argv[1]
workers = json.load(sys.stdin)["workers"]
sys.exit(0 if any(w["webuiaddress"] == ui and w["state"] == "ALIVE" for w in workers) else 1)
' "$(spark_worker_ui_port "$name")"
}
spark_worker_address() { echo "http://127.0.0.1:$(spark_worker_ui_port "${1:-spark-worker}")"; }

# spark-worker-2 … : the same service under its own name, pid file, log and UI port.
for ((spark_worker_n = 2; spark_worker_n <= SPARK_STANDALONE_WORKERS_MAX; spark_worker_n++)); do
  eval "start_spark_worker_$spark_worker_n() { start_spark_worker spark-worker-$spark_worker_n; }
    health_spark_worker_$spark_worker_n() { health_spark_worker spark-worker-$spark_worker_n; }
    spark_worker_${spark_worker_n}_address() { spark_worker_address spark-worker-$spark_worker_n; }"
done
unset spark_worker_n
