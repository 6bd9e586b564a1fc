# The stack's local credentials and the client file (local.env) built from what it serves.
# shellcheck shell=bash

# Generates the stack's credentials once per data directory (mode 600, never in the repo), adding
# any that a newer version of the stack needs: the variables platform/settings.json declares as
# generated. A value already set in the environment is kept, so an operator can choose their own.
ensure_local_env() {
  local key added=0
  (umask 077 && touch "$PETADOTA_SECRETS_ENV")
  for key in $(platform_py generated); do
    grep -q "^$key=" "$PETADOTA_SECRETS_ENV" && continue
    echo "$key=$(platform_py generate "$key")" >>"$PETADOTA_SECRETS_ENV"
    added=$((added + 1))
  done
  [[ $added -eq 0 ]] || log "generated $added local credential(s) in $PETADOTA_SECRETS_ENV"
}

load_local_env() {
  # shellcheck disable=SC1090
  source "$PETADOTA_SECRETS_ENV"
}

# write_served_record SERVICE: what SERVICE serves now (its address, its namespace…), as declared
# by the `local` entries of platform/settings.json; written when it starts, and only then, so a
# one-off override for another command never changes what clients are told.
write_served_record() {
  local record
  record=$(platform_py served "$1")
  mkdir -p "$PETADOTA_SERVED_DIR"
  if [[ -n "$record" ]]; then
    (umask 077 && printf '%s\n' "$record" >"$PETADOTA_SERVED_DIR/$1.env")
  fi
  write_client_env
}

# The one file every client reads: the addresses of what the stack serves and its credentials.
# The tools' record (`stack`) is written by `install`.
write_client_env() {
  local contents
  contents=$(platform_py local-env "$PETADOTA_SECRETS_ENV" "$PETADOTA_SERVED_DIR")
  (umask 077 && printf '%s\n' "$contents" >"$PETADOTA_CLIENT_ENV")
}

# `infra/local/stack env`: local.env as export lines a shell can eval, every value quoted.
print_client_env() {
  local name value
  while IFS='=' read -r name value; do
    [[ -z "$name" || "$name" == \#* ]] || printf 'export %s=%q\n' "$name" "$value"
  done <"$PETADOTA_CLIENT_ENV"
}
