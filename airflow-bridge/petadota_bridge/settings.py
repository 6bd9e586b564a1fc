"""Where Temporal is and how to reach it: environment variables first, then the local stack's
``local.env``, then the local defaults; the same order and the same rules as the TypeScript
configuration (``workers/config.ts``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
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


def _bool(values: Mapping[str, str], name: str, default: bool) -> bool:
    raw = values.get(name)
    if not raw:
        return default
    if raw.lower() in ("1", "true", "yes"):
        return True
    if raw.lower() in ("0", "false", "no"):
        return False
    raise ValueError(f"{name}: expected true or false, got {raw!r}")


def _pem_file(values: Mapping[str, str], name: str) -> bytes | None:
    """Read now, so that a wrong path fails when the task starts, naming the variable."""
    path = values.get(name)
    if not path:
        return None
    try:
        contents = Path(path).read_bytes()
    except OSError as error:
        raise ValueError(f"{name}: cannot read {path!r} ({error.strerror})") from None
    if b"-----BEGIN " not in contents:
        raise ValueError(f"{name}: {path!r} is not a PEM file")
    return contents


# Each of these needs TLS, so setting any of them turns it on unless TEMPORAL_TLS says no.
TLS_IMPLIED_BY = (
    "TEMPORAL_TLS_CERT_PATH",
    "TEMPORAL_TLS_KEY_PATH",
    "TEMPORAL_TLS_SERVER_CA_PATH",
    "TEMPORAL_TLS_SERVER_NAME",
    "TEMPORAL_API_KEY",
)


@dataclass(frozen=True)
class TemporalSettings:
    address: str
    namespace: str
    ui_url: str
    # Off: plaintext, what the local stack serves. On with nothing else: the system's CAs.
    tls: bool = False
    tls_server_ca: bytes | None = field(default=None, repr=False)
    tls_server_name: str | None = None
    tls_client_cert: bytes | None = field(default=None, repr=False)
    tls_client_key: bytes | None = field(default=None, repr=False)
    # Temporal Cloud's API key, sent as a bearer token.
    api_key: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> TemporalSettings:
        values = resolve_env(env)
        address = values.get("TEMPORAL_ADDRESS", "127.0.0.1:7233")
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"TEMPORAL_ADDRESS: expected host:port, got {address!r}")
        implying = [name for name in TLS_IMPLIED_BY if values.get(name)]
        tls = _bool(values, "TEMPORAL_TLS", bool(implying))
        if not tls and implying:
            # Plaintext would send the API key in the clear, or silently drop the certificates.
            raise ValueError(f"TEMPORAL_TLS: is false, but TLS is required by {', '.join(implying)}")
        cert, key = "TEMPORAL_TLS_CERT_PATH", "TEMPORAL_TLS_KEY_PATH"
        if bool(values.get(cert)) != bool(values.get(key)):
            raise ValueError(
                f"{key if values.get(cert) else cert}: the client certificate and its key go together: "
                f"set both {cert} and {key}, or neither"
            )
        return cls(
            address=address,
            namespace=values.get("TEMPORAL_NAMESPACE", "default"),
            ui_url=values.get("TEMPORAL_UI_URL", "http://127.0.0.1:8233").rstrip("/"),
            tls=tls,
            tls_server_ca=_pem_file(values, "TEMPORAL_TLS_SERVER_CA_PATH"),
            tls_server_name=values.get("TEMPORAL_TLS_SERVER_NAME") or None,
            tls_client_cert=_pem_file(values, cert),
            tls_client_key=_pem_file(values, key),
            api_key=values.get("TEMPORAL_API_KEY") or None,
        )

    def workflow_url(self, workflow_id: str) -> str:
        namespace, workflow = quote(self.namespace, safe=""), quote(workflow_id, safe="")
        return f"{self.ui_url}/namespaces/{namespace}/workflows/{workflow}"
