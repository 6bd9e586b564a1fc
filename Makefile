# The commands of the PetAdota data platform. `make help` lists them.
SHELL := /bin/bash
STACK := infra/local/stack

.PHONY: help run test install up down status logs lint format settings-docs

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{ printf "  make %-8s %s\n", $$1, $$2 }'

run: ## the main job: the whole platform (stack, worker, provisioning, loops, Spark, simulator) until Ctrl-C
	@infra/local/main-job

test: ## run every check and test suite against the local stack (installs and starts it)
	@test/run-all

install: ## install or update every service, tool and dependency (cached)
	@$(STACK) install

up: ## start the local stack and wait until every service is healthy
	@$(STACK) up

down: ## stop the local stack
	@$(STACK) down

status: ## one line per service: state, pid, address, log
	@$(STACK) status

logs: ## the last lines of every service's log (infra/local/stack logs SERVICE -f to follow one)
	@$(STACK) logs

lint: ## linters, formatters in check mode and the type checker
	@test/run-all lint

format: ## format TypeScript and Python in place
	@npm run --silent format
	@"$${PETADOTA_CACHE_DIR:-$${XDG_CACHE_HOME:-$$HOME/.cache}/petadota}/venv/bin/ruff" format spark-jobs airflow-bridge

settings-docs: ## write .env.example and the configuration table of docs/operations.md from platform/settings.json
	@PYTHONPATH=platform/python python3 -m petadota_platform env-example > .env.example
	@PYTHONPATH=platform/python python3 -m petadota_platform docs-table > .settings-table.md.tmp
	@python3 -c 'import re, pathlib; doc = pathlib.Path("docs/operations.md"); table = pathlib.Path(".settings-table.md.tmp").read_text(); doc.write_text(re.sub(r"(<!-- settings:begin[^>]*-->\n)[\s\S]*?(<!-- settings:end -->)", lambda m: m[1] + table + m[2], doc.read_text()))'
	@rm -f .settings-table.md.tmp
