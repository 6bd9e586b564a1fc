"""How the tasks log what a workflow returned or answered: its JSON, as Temporal holds it, in one
plain form for every task (the CLI's tables are the CLI's; ``bin/petadota … --json`` prints the
same JSON)."""

from __future__ import annotations

import json
import logging
from typing import Any


def log_result(log: logging.Logger, label: str, value: Any) -> None:
    """Logs ``label:`` and then ``value`` as indented JSON, keys in the workflow's order."""
    log.info("%s:\n%s", label, json.dumps(value, indent=2, ensure_ascii=False))
