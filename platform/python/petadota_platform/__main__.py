"""What the local stack (bash) and the tests ask of the declarations:

python3 -m petadota_platform stack-env           the stack's and main job's variables as shell
                                                 assignments, checked (a bad value fails, named)
python3 -m petadota_platform contract PATH       one contract value (images.taskQueue)
python3 -m petadota_platform generated           the names the stack generates into secrets.env
python3 -m petadota_platform generate NAME       a new value for one of them
python3 -m petadota_platform served SERVICE      the local.env lines that SERVICE serves
python3 -m petadota_platform kafka-nodes         the local stack's Kafka nodes (KAFKA_NODES), one
                                                 per line: service, port, controller port
python3 -m petadota_platform local-env SECRETS DIR   local.env: the clients' credentials from
                                                 SECRETS and the record of each service in DIR
python3 -m petadota_platform env-example         .env.example
python3 -m petadota_platform docs-table          the configuration table of docs/operations.md
python3 -m petadota_platform evaluate            JSON cases on stdin, their values or errors out
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import sys
from pathlib import Path

from petadota_platform import docs
from petadota_platform.contracts import contract
from petadota_platform.kafka_nodes import derived, kafka_nodes
from petadota_platform.settings import (
    ConfigurationError,
    as_text,
    declared,
    expand_template,
    groups,
    parse_env_file,
    read_setting,
    resolve_env,
)


def stack_env() -> str:
    lines = []
    for name, variable in declared().items():
        readers = variable["readers"]
        if "generated" in variable or not ({"stack", "main-job"} & set(readers)):
            continue
        value = read_setting(os.environ, name)
        lines.append(f"{name}={shlex.quote(as_text(value))}")
    return "\n".join(lines)


def generate(name: str) -> str:
    """The operator's own value when the environment has one, else a new one by the recipe."""
    recipe = declared()[name]["generated"]
    if os.environ.get(name):
        return as_text(read_setting(os.environ, name))
    if recipe.get("value") == "default":
        return as_text(read_setting({}, name))
    return recipe.get("prefix", "") + secrets.token_hex(recipe["hex_bytes"])


def served(service: str) -> str:
    lines = []
    for name, variable in declared().items():
        local = variable.get("local")
        if local and local["service"] == service:
            value = (
                derived(os.environ, local["derived"])
                if "derived" in local
                else expand_template(os.environ, local["value"])
            )
            lines.append(f"{name}={value}")
    return "\n".join(lines)


LOCAL_ENV_HEADER = """\
# Written by infra/local/stack for the clients of this local stack: what it serves (each service's
# record is written when that service starts) and the credentials it generated. Do not edit: set
# the variables in your environment instead (they take precedence over this file)."""


def local_env(secrets_file: Path, records_dir: Path) -> str:
    generated = parse_env_file(secrets_file.read_text()) if secrets_file.exists() else {}
    lines = [LOCAL_ENV_HEADER]
    lines += [
        f"{name}={generated[name]}"
        for name, variable in declared().items()
        if variable.get("local", {}).get("service") == "secrets" and name in generated
    ]
    for record in sorted(records_dir.glob("*.env")):
        lines += [line for line in record.read_text().splitlines() if line and not line.startswith("#")]
    return "\n".join(lines)


def evaluate(cases: list[dict]) -> list[dict]:
    results = []
    for case in cases:
        env = resolve_env(case["env"])
        try:
            results.append({"value": read_setting(env, case["name"])})
        except ConfigurationError as error:
            results.append({"error": {"variable": error.variable, "message": str(error)}})
    return results


def main(argv: list[str]) -> int:
    command, *args = argv or ["help"]
    try:
        if command == "stack-env":
            print(stack_env())
        elif command == "contract":
            value = contract(args[0])
            print(value if isinstance(value, str) else json.dumps(value))
        elif command == "generated":
            print("\n".join(name for name, variable in declared().items() if "generated" in variable))
        elif command == "generate":
            print(generate(args[0]))
        elif command == "served":
            print(served(args[0]))
        elif command == "kafka-nodes":
            print(
                "\n".join(
                    f"{node.service} {node.port} {node.controller_port}" for node in kafka_nodes(os.environ)
                )
            )
        elif command == "local-env":
            print(local_env(Path(args[0]), Path(args[1])))
        elif command == "env-example":
            print(docs.env_example(groups()), end="")
        elif command == "docs-table":
            print(docs.docs_table(groups()), end="")
        elif command == "evaluate":
            print(json.dumps(evaluate(json.load(sys.stdin))))
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except ConfigurationError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
