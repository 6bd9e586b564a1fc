# The `mariadb` service of the local stack: MariaDB from Debian, without systemd, its data in mariadb/.
# Defines start_mariadb, health_mariadb and mariadb_address (lib/services.sh runs them).
# shellcheck shell=bash

mariadb_socket() { echo "$PETADOTA_RUN_DIR/mariadb.sock"; }
mariadb_address() { echo "127.0.0.1:$MYSQL_PORT"; }

start_mariadb() {
  require_free_port mariadb "$MYSQL_PORT"
  local datadir="$PETADOTA_DATA_DIR/mariadb" os_user
  os_user=$(id -un)
  if [[ ! -d "$datadir/mysql" ]]; then
    log "mariadb: initialising a new data directory in $datadir"
    mkdir -p "$datadir"
    mariadb-install-db --no-defaults --datadir="$datadir" --user="$os_user" \
      --auth-root-authentication-method=socket --auth-root-socket-user="$os_user" \
      --skip-test-db >>"$(log_file mariadb)" 2>&1 || start_failed mariadb "mariadb-install-db failed"
  fi
  spawn mariadb mariadbd --no-defaults --datadir="$datadir" --user="$os_user" \
    --bind-address=127.0.0.1 --port="$MYSQL_PORT" --socket="$(mariadb_socket)" \
    --pid-file="$PETADOTA_RUN_DIR/mariadbd.pid" --skip-name-resolve \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-buffer-pool-size=256M --max-connections=300
}

# Root logs in through the socket as the OS user; everything else uses the admin account
# over TCP, whose password lives in the generated secrets file. The client honours MYSQL_HOST,
# MYSQL_TCP_PORT and MYSQL_PWD from the environment (and `eval "$(infra/local/stack env)"` exports
# MYSQL_HOST), which would send root over TCP, where it is refused: they are removed for it.
mariadb_as_root() {
  env -u MYSQL_HOST -u MYSQL_TCP_PORT -u MYSQL_PWD \
    mariadb --no-defaults --protocol=socket --socket="$(mariadb_socket)" -u root "$@"
}

bootstrap_mariadb() {
  load_local_env
  local user=$MYSQL_ADMIN_USER password=$MYSQL_ADMIN_PASSWORD host
  for host in 127.0.0.1 localhost; do
    mariadb_as_root <<SQL
CREATE USER IF NOT EXISTS '$user'@'$host' IDENTIFIED BY '$password';
ALTER USER '$user'@'$host' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO '$user'@'$host' WITH GRANT OPTION;
SQL
  done
}

health_mariadb() {
  load_local_env
  [[ "$(MYSQL_PWD=$MYSQL_ADMIN_PASSWORD mariadb --no-defaults --protocol=tcp -h 127.0.0.1 \
    -P "$MYSQL_PORT" -u "$MYSQL_ADMIN_USER" -N -e 'SELECT 1')" == 1 ]]
}

health_mariadb_socket() { [[ "$(mariadb_as_root -N -e 'SELECT 1')" == 1 ]]; }

# Before the health check proper: root's socket answers first, then the admin account exists.
after_start_mariadb() {
  wait_healthy mariadb health_mariadb_socket
  bootstrap_mariadb
}

