#!/usr/bin/env bash
# Runs Airflow 3's three long-lived components side by side, as the `airflow` service of the
# stack (services/airflow.sh spawns it in a process group of its own, with the environment set):
#
#   airflow-components.sh AIRFLOW_BIN PORT
#
# Tasks report to the API server's execution API, so it starts first and stops last: the
# scheduler starts once it answers, and on TERM (`stack down` signals this script) the scheduler
# and the DAG processor stop first, letting running tasks report their end. When any component
# exits on its own, the others are stopped too: the service is up or down, never half up.
set -uo pipefail

airflow=$1 port=$2
pids=()
signalled=0
trap 'signalled=1' TERM INT

# stop PID…: TERM them and wait until they are gone (a signal interrupting `wait` is waited out).
stop() {
  local pid
  kill -TERM "$@" 2>/dev/null
  for pid in "$@"; do
    while kill -0 "$pid" 2>/dev/null; do wait "$pid" 2>/dev/null; done
  done
}

"$airflow" api-server --host 127.0.0.1 --port "$port" &
pids+=("$!")
until curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/api/v2/monitor/health"; do
  if ((signalled)) || ! kill -0 "${pids[0]}" 2>/dev/null; then break; fi
  sleep 0.5
done

if ((signalled == 0)) && kill -0 "${pids[0]}" 2>/dev/null; then
  # The scheduler's log server would listen on every interface; the API server reads the task
  # logs from the local disk instead.
  "$airflow" scheduler --skip-serve-logs &
  pids+=("$!")
  "$airflow" dag-processor &
  pids+=("$!")
  wait -n
  status=$?
fi
if ((signalled == 0)); then
  echo "[airflow] a component exited (status ${status:-?}): stopping the others" >&2
fi
stop "${pids[@]:1}"
stop "${pids[0]}"
