# The `pet-api` service of the local stack: the local stand-in for the Dog API and The Cat API.
# Defines start_pet_api, health_pet_api and pet_api_address (lib/services.sh runs them).
# shellcheck shell=bash

# The local stand-in for dog.ceo and The Cat API (workers/pet-api/server.ts): only started when
# the main job cannot reach the real APIs, or on request (`infra/local/stack up pet-api`).
pet_api_origin() { echo "http://127.0.0.1:$PET_API_PORT"; }
pet_api_address() { pet_api_origin; }

start_pet_api() {
  require_free_port pet-api "$PET_API_PORT"
  spawn pet-api "$REPO_ROOT/bin/petadota" pet-api --port "$PET_API_PORT"
}

health_pet_api() { curl -fsS -o /dev/null "$(pet_api_origin)/api/breeds/image/random/1"; }

