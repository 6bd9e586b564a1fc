# The `web` service of the local stack: the site (bin/petadota site): the gallery, the click
# collector and the live dashboard. It reads the catalog and the trend tables with the read-only
# account once provisioning has created them; until then its pages say they cannot.
# Defines start_web, health_web and web_address (lib/services.sh runs them).
# shellcheck shell=bash

web_address() { echo "http://127.0.0.1:$WEB_PORT"; }

start_web() {
  [[ -d "$REPO_ROOT/node_modules" ]] || die "web: node modules are missing: run 'infra/local/stack install' first"
  require_free_port web "$WEB_PORT"
  spawn web "$REPO_ROOT/bin/petadota" site --port "$WEB_PORT"
}

# Healthy once the site answers (its body says whether the catalog is reachable yet).
health_web() { curl -fsS -o /dev/null --max-time 5 "$(web_address)/healthz"; }
