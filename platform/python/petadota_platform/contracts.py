"""The Temporal contracts (task queues, workflow types, workflow-ID formats, query and signal
names) from the one declaration every language reads: ``contracts/temporal.json``."""

from __future__ import annotations

import json
import re
from typing import Any

from petadota_platform.settings import REPO_ROOT

CONTRACTS: dict[str, Any] = json.loads((REPO_ROOT / "contracts" / "temporal.json").read_text())


def contract(path: str) -> Any:
    """A value by its dotted path: ``images.taskQueue``, ``images.workflows.imageLoop.workflowId``."""
    value: Any = CONTRACTS
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            raise KeyError(f"{path} is not in contracts/temporal.json")
        value = value[key]
    return value


def format_workflow_id(workflow_id_format: str, **values: str) -> str:
    """Fills a workflow-ID format: ``provision:{environment}`` with ``environment="local"``."""

    def value(match: re.Match[str]) -> str:
        if match[1] not in values:
            raise KeyError(f"workflow ID {workflow_id_format}: no value for {{{match[1]}}}")
        return values[match[1]]

    return re.sub(r"\{(\w+)\}", value, workflow_id_format)
