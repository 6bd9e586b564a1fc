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

start_worker() {
  [[ -d "$REPO_ROOT/node_modules" ]] || die "worker: node modules are missing: run 'infra/local/stack install' first"
  spawn worker "$REPO_ROOT/bin/petadota" worker
}

# Healthy once Temporal lists this very process (identity <pid>@<host>) among the queue's pollers.
health_worker() {
  local pid pollers
  pid=$(service_pid worker) || return 1
  # Captured first: `grep -q` closing the pipe early would fail the pipeline under pipefail.
  pollers=$("$TEMPORAL_BIN" task-queue describe --task-queue "$(worker_task_queue)" \
    --address "$(temporal_address)" --namespace "$TEMPORAL_NAMESPACE" -o json) || return 1
  grep -q "\"identity\": \"$pid@" <<<"$pollers"
}

