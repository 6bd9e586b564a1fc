# The `s3` service of the local stack: versitygw, a real S3 gateway on a POSIX directory (one folder
# per bucket).
# Defines start_s3, health_s3 and s3_address (lib/services.sh runs them).
# shellcheck shell=bash

s3_address() { echo "127.0.0.1:$S3_PORT"; }

start_s3() {
  require_free_port s3 "$S3_PORT"
  load_local_env
  mkdir -p "$PETADOTA_DATA_DIR/s3"
  ROOT_ACCESS_KEY_ID=$S3_ACCESS_KEY_ID ROOT_SECRET_ACCESS_KEY=$S3_SECRET_ACCESS_KEY \
    spawn s3 "$VERSITYGW_BIN" --port "127.0.0.1:$S3_PORT" --region "$S3_REGION" \
    --health /health --quiet posix "$PETADOTA_DATA_DIR/s3"
}

health_s3() { curl -fsS -o /dev/null "http://127.0.0.1:$S3_PORT/health"; }

