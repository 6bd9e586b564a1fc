"""Where Temporal is: environment variables first, then the local stack's ``local.env``, then the
local defaults; the same order as the TypeScript configuration (``workers/config.ts``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote


def local_env_file(env: Mapping[str, str]) -> Path:
    """``PETADOTA_ENV_FILE``, else ``local.env`` in the stack's data directory."""
    if env.get("PETADOTA_ENV_FILE"):
        return Path(env["PETADOTA_ENV_FILE"])
    data_home = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    data_dir = env.get("PETADOTA_DATA_DIR") or str(Path(data_home) / "petadota")
    return Path(data_dir) / "local.env"


def parse_env_file(text: str) -> dict[str, str]:
    """``KEY=value`` lines; blank lines and ``#`` comments are skipped, quotes are removed."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def resolve_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The stack's file, overridden by every non-empty environment variable."""
    env = os.environ if env is None else env
    path = local_env_file(env)
    merged = parse_env_file(path.read_text()) if path.is_file() else {}
    merged.update({key: value for key, value in env.items() if value != ""})
    return merged


@dataclass(frozen=True)
class TemporalSettings:
    address: str
    namespace: str
    ui_url: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> TemporalSettings:
        values = resolve_env(env)
        address = values.get("TEMPORAL_ADDRESS", "127.0.0.1:7233")
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"TEMPORAL_ADDRESS: expected host:port, got {address!r}")
        return cls(
            address=address,
            namespace=values.get("TEMPORAL_NAMESPACE", "default"),
            ui_url=values.get("TEMPORAL_UI_URL", "http://127.0.0.1:8233").rstrip("/"),
        )

    def workflow_url(self, workflow_id: str) -> str:
        namespace, workflow = quote(self.namespace, safe=""), quote(workflow_id, safe="")
        return f"{self.ui_url}/namespaces/{namespace}/workflows/{workflow}"
