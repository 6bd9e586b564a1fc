# Process supervision without systemd: one pid file per service, each service in its own
# session (setsid) so that `down` can stop the whole process group and leave nothing stray.
# shellcheck shell=bash

pid_file() { echo "$PETADOTA_RUN_DIR/$1.pid"; }
log_file() { echo "$PETADOTA_LOG_DIR/$1.log"; }

# Prints the pid of a running service, or fails when it is not running.
service_pid() {
  local file pid
  file=$(pid_file "$1")
  [[ -f "$file" ]] || return 1
  pid=$(<"$file")
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

# spawn NAME COMMAND…: runs COMMAND detached, appending its output to the service's log.
spawn() {
  local name=$1 log
  shift
  log=$(log_file "$name")
  printf '\n===== %s: starting %s =====\n' "$(date -u +%FT%TZ)" "$name" >>"$log"
  setsid "$@" >>"$log" 2>&1 </dev/null &
  echo $! >"$(pid_file "$name")"
}

# wait_healthy NAME CHECK_FUNCTION: polls the check until it passes; fails with the log's
# tail when the process exits or the timeout passes, so a broken service never hangs `up`.
wait_healthy() {
  local name=$1 check=$2 deadline=$((SECONDS + PETADOTA_START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! service_pid "$name" >/dev/null; then
      start_failed "$name" "the process exited"
    fi
    if "$check" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.5
  done
  start_failed "$name" "not healthy after ${PETADOTA_START_TIMEOUT}s (PETADOTA_START_TIMEOUT)"
}

start_failed() {
  local name=$1 reason=$2 log
  log=$(log_file "$name")
  {
    printf '[stack] error: %s failed to start: %s\n' "$name" "$reason"
    printf '[stack] last lines of %s since this start:\n' "$log"
    awk '/^===== .* starting / { n = 0 } { lines[n++] = $0 } END { for (i = (n > 25 ? n - 25 : 0); i < n; i++) print "    " lines[i] }' "$log"
  } >&2
  stop_service "$name" >/dev/null 2>&1 || true
  exit 1
}

# stop_process_group NAME: TERM the group, wait up to 30 s, then KILL.
stop_process_group() {
  local name=$1 pid
  if ! pid=$(service_pid "$name"); then
    rm -f "$(pid_file "$name")"
    return 0
  fi
  # A service with a stop_signal_<name> function shuts down in its own order from its leader;
  # every other one gets TERM in the whole group. Either way, the group is killed after 30 s.
  if declare -F "stop_signal_${name//-/_}" >/dev/null; then
    "stop_signal_${name//-/_}" "$pid"
  else
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  fi
  # Until every process of the group is gone, not only its leader (a JVM outliving its driver).
  local waited=0
  while kill -0 -- "-$pid" 2>/dev/null && ((waited < 60)); do
    sleep 0.5
    waited=$((waited + 1))
  done
  if kill -0 -- "-$pid" 2>/dev/null; then
    log "$name did not stop within 30 s; killing it"
    kill -KILL -- "-$pid" 2>/dev/null || true
    # SIGKILL is delivered asynchronously: return only once the group is really gone.
    waited=0
    while kill -0 -- "-$pid" 2>/dev/null && ((waited < 20)); do
      sleep 0.25
      waited=$((waited + 1))
    done
  fi
  rm -f "$(pid_file "$name")"
}

port_is_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Refuses to start a service onto a port something else already holds.
require_free_port() {
  local name=$1 port=$2
  port_is_free "$port" || die "$name cannot start: 127.0.0.1:$port is already in use by another process (set the port variable to move it)"
}
