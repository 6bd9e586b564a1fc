# The `worker` service of the local stack: the platform's own worker (bin/petadota worker) on its three task
# queues.
# Defines start_worker, health_worker and worker_address (lib/services.sh runs them).
# shellcheck shell=bash

# The worker runs the repository's code as it is when it starts: restart it after changes.

# The task queue its health check looks at, from the contracts (contracts/temporal.json).
worker_task_queue() {
  [[ -n "${WORKER_TASK_QUEUE:-}" ]] || WORKER_TASK_QUEUE=$(platform_py contract provisioning.taskQueue)
  echo "$WORKER_TASK_QUEUE"
}
worker_address() { echo "task queue $(worker_task_queue)"; }

# start_worker [NAME]: worker, or worker-2 … worker-N (WORKERS), each its own process and log.
start_worker() {
  local name=${1:-worker}
  [[ -d "$REPO_ROOT/node_modules" ]] || die "$name: node modules are missing: run 'infra/local/stack install' first"
  spawn "$name" "$REPO_ROOT/bin/petadota" worker
}

# Healthy once Temporal lists this very process (identity <pid>@<host>) among the queue's pollers.
health_worker() {
  local name=${1:-worker} pid pollers
  pid=$(service_pid "$name") || return 1
  # Captured first: `grep -q` closing the pipe early would fail the pipeline under pipefail.
  pollers=$("$TEMPORAL_BIN" task-queue describe --task-queue "$(worker_task_queue)" \
    --address "$(temporal_address)" --namespace "$TEMPORAL_NAMESPACE" -o json) || return 1
  grep -q "\"identity\": \"$pid@" <<<"$pollers"
}


# worker-2 … worker-8: the same service under its own name, pid file and log.
for ((worker_number = 2; worker_number <= WORKERS_MAX; worker_number++)); do
  eval "start_worker_$worker_number() { start_worker worker-$worker_number; }
    health_worker_$worker_number() { health_worker worker-$worker_number; }
    worker_${worker_number}_address() { worker_address; }"
done
unset worker_number
