"""``.env.example`` and the configuration table of ``docs/operations.md``, generated from the one
declaration (``make settings-docs`` writes them; a test fails when the committed ones differ)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

ENV_EXAMPLE_HEADER = """\
# Configuration of the PetAdota data platform. Generated from platform/settings.json by
# `make settings-docs`: edit that file, not this one. Every variable is optional: the defaults
# point at the local stack (infra/local/stack), which also writes the addresses of what it serves
# and the credentials it generates to $PETADOTA_DATA_DIR/local.env. Real environment variables
# always win over that file. ${NAME} in a default is another variable's value; ./ is the
# repository. Never commit real values."""


def _type(declared: Mapping[str, Any]) -> str:
    kind = declared["type"]
    if kind == "choice":
        kind = "one of " + ", ".join(f"`{choice}`" for choice in declared["choices"])
    elif kind == "integer":
        kind = f"integer {declared.get('min', 0)} to {declared['max']}" if "max" in declared else "integer"
    elif kind == "seconds":
        bound = f"≥ {declared['min']}" if "min" in declared else f"> {declared['exclusive_min']}"
        kind = f"seconds {bound}"
    return f"secret {kind}" if declared.get("secret") else kind


def _condition(rule: Mapping[str, list[str]]) -> str:
    ((name, values),) = rule.items()
    return f"`{name}` is {' or '.join(f'`{value}`' for value in values)}"


def _rules(declared: Mapping[str, Any]) -> list[str]:
    notes = []
    used, required = declared.get("used_when"), declared.get("required_when")
    if used and used == required:
        notes.append(f"Used, and then required, only when {_condition(used)}.")
    else:
        if used:
            notes.append(f"Used only when {_condition(used)}.")
        if required:
            notes.append(f"Required when {_condition(required)}.")
    if "implied_by" in declared:
        names = ", ".join(f"`{name}`" for name in declared["implied_by"])
        notes.append(f"Turned on by {names}; `false` with one of them set is an error.")
    if "together_with" in declared:
        notes.append(f"Set it together with `{declared['together_with']}`, or neither.")
    if "generated" in declared:
        notes.append("The local stack generates it once into `secrets.env`.")
    local = declared.get("local")
    if local and local["service"] == "stack":
        notes.append("The local stack's install writes it to `local.env`.")
    elif local and local["service"] != "secrets":
        notes.append(f"The local stack writes it to `local.env` when `{local['service']}` starts.")
    return notes


def env_example(groups: Sequence[Mapping[str, Any]]) -> str:
    lines = [ENV_EXAMPLE_HEADER]
    for group in groups:
        lines.append(f"\n# {group['title']}")
        for declared in group["variables"]:
            notes = " ".join([declared["description"], *_rules(declared)]).replace("`", "")
            lines += [f"#   {line}" for line in _wrap(notes, 96)]
            default = "" if declared.get("secret") else declared.get("default", "")
            lines.append(f"# {declared['name']}={default}")
    return "\n".join(lines) + "\n"


def docs_table(groups: Sequence[Mapping[str, Any]]) -> str:
    lines = ["| variable | type | default | read by | what |", "| --- | --- | --- | --- | --- |"]
    for group in groups:
        lines.append(f"| **{group['title']}** | | | | |")
        for declared in group["variables"]:
            default = f"`{declared['default']}`" if "default" in declared else "none"
            what = " ".join([declared["description"], *_rules(declared)]).replace("|", "\\|")
            readers = ", ".join(declared["readers"])
            lines.append(f"| `{declared['name']}` | {_type(declared)} | {default} | {readers} | {what} |")
    return "\n".join(lines) + "\n"


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line else lines
