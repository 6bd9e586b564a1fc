# The `s3` service of the local stack: versitygw, a real S3 gateway on a POSIX directory (one folder
# per bucket), with its own IAM: the admin key is the gateway's root, and the pipeline's, the stream
# job's and the read-only keys are users, whom only the bucket policies of provisioning let in.
# Defines start_s3, after_start_s3, health_s3 and s3_address (lib/services.sh runs them).
# shellcheck shell=bash

s3_address() { echo "127.0.0.1:$S3_PORT"; }

start_s3() {
  require_free_port s3 "$S3_PORT"
  load_local_env
  # The IAM directory stays outside the posix root, or it would be served as a bucket.
  mkdir -p "$PETADOTA_DATA_DIR/s3" "$PETADOTA_DATA_DIR/s3-iam"
  # --keep-alive: without it the gateway closes every connection after one request (a new TCP
  # connection per upload, and thousands of sockets in TIME_WAIT after a backfill). Known limit of
  # v1.8.0 with it: an upload sent with Transfer-Encoding: chunked (an SDK's stream body) can leave
  # its terminator on the connection, and the next request there fails with BadRequest (fixed
  # upstream after v1.8.0, versity/versitygw#2378). The platform puts Buffers with a
  # Content-Length; a client that streams uploads here should not reuse the connection.
  ROOT_ACCESS_KEY_ID=$S3_ADMIN_ACCESS_KEY_ID ROOT_SECRET_ACCESS_KEY=$S3_ADMIN_SECRET_ACCESS_KEY \
    spawn s3 "$VERSITYGW_BIN" --port "127.0.0.1:$S3_PORT" --region "$S3_REGION" \
    --iam-dir "$PETADOTA_DATA_DIR/s3-iam" --health /health --quiet --keep-alive posix "$PETADOTA_DATA_DIR/s3"
}

# Only the HTTP answer: a health check that signed an admin call would take a one-off S3_REGION
# of another command for a sick server. The users exist once `up` returns (after_start_s3).
health_s3() { curl -fsS -o /dev/null "http://127.0.0.1:$S3_PORT/health"; }

# The role keys of secrets.env as gateway users: created, or their secret brought in step.
ensure_s3_users() {
  local role access secret access_var secret_var
  for role in PIPELINE STREAM READONLY; do
    if [[ $role == PIPELINE ]]; then
      access=$S3_ACCESS_KEY_ID secret=$S3_SECRET_ACCESS_KEY
    else
      access_var=S3_${role}_ACCESS_KEY_ID secret_var=S3_${role}_SECRET_ACCESS_KEY
      access=${!access_var} secret=${!secret_var}
    fi
    if ! s3_admin create-user --access "$access" --secret "$secret" --role user 2>/dev/null; then
      s3_admin update-user --access "$access" --secret "$secret" >/dev/null ||
        die "s3: could not create or update the gateway user for the ${role,,} key"
    fi
  done
}

s3_admin() {
  ADMIN_ACCESS_KEY_ID=$S3_ADMIN_ACCESS_KEY_ID ADMIN_SECRET_ACCESS_KEY=$S3_ADMIN_SECRET_ACCESS_KEY \
    ADMIN_REGION=$S3_REGION ADMIN_ENDPOINT_URL="http://127.0.0.1:$S3_PORT" "$VERSITYGW_BIN" admin "$@"
}

after_start_s3() {
  wait_healthy s3 health_s3
  ensure_s3_users
}
