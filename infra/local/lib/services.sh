# Dispatch over the services of the local stack: each one is a file of services/ that defines
# start_<name>, health_<name> and <name>_address, and optionally after_start_<name> (run once the
# process is spawned, before the health check) and stop_signal_<name> (its own shutdown order).
# shellcheck shell=bash

for service_file in "$STACK_DIR"/services/*.sh; do
  # The helper script run by services/airflow.sh is a program, not a service definition.
  [[ "$service_file" == */airflow-components.sh ]] && continue
  # shellcheck source=/dev/null
  source "$service_file"
done
unset service_file

# Service names may have dashes (pet-api); their functions use underscores (health_pet_api).
service_fn() { echo "${1}_${2//-/_}"; }

start_service() {
  local name=$1
  if service_pid "$name" >/dev/null && "$(service_fn health "$name")" >/dev/null 2>&1; then
    log "$name: already running and healthy"
    # A stack upgraded while its services ran has no record of them yet.
    [[ -f "$PETADOTA_SERVED_DIR/$name.env" ]] || write_served_record "$name"
    return 0
  fi
  # A pid file of a dead process, or a live one that is unhealthy, is restarted cleanly.
  stop_process_group "$name"
  local started=$SECONDS
  "$(service_fn start "$name")"
  if declare -F "$(service_fn after_start "$name")" >/dev/null; then
    "$(service_fn after_start "$name")"
  fi
  wait_healthy "$name" "$(service_fn health "$name")"
  write_served_record "$name"
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
  printf '%-14s %-9s %-8s %-34s %s\n' "$name" "$state" "$pid" "$("${name//-/_}_address")" "$(log_file "$name")"
  return $rc
}
