"""Where Temporal is and how to reach it. Every variable is declared once in
``platform/settings.json`` and checked by the platform's shared settings package (environment
first, then the local stack's ``local.env``, then the declared defaults); the connection itself is
built by Temporal's own client configuration loader (``temporalio.envconfig``: its variables and
the profiles of its TOML file), as the TypeScript side does with ``@temporalio/envconfig``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from petadota_platform.settings import Settings

# The TEMPORAL_* variables Temporal's loader reads; it finds its default file from HOME.
TEMPORAL_LOADER_VARIABLES = (
    "TEMPORAL_ADDRESS",
    "TEMPORAL_NAMESPACE",
    "TEMPORAL_API_KEY",
    "TEMPORAL_TLS",
    "TEMPORAL_TLS_CLIENT_CERT_PATH",
    "TEMPORAL_TLS_CLIENT_KEY_PATH",
    "TEMPORAL_TLS_SERVER_CA_CERT_PATH",
    "TEMPORAL_TLS_SERVER_NAME",
    "TEMPORAL_PROFILE",
    "TEMPORAL_CONFIG_FILE",
)


@dataclass(frozen=True)
class TemporalSettings:
    address: str
    namespace: str
    ui_url: str
    # What Client.connect takes besides the address and namespace: tls (False: plaintext, the local
    # stack; True: the system's CAs; a TLSConfig) and api_key. Never shown: it may hold a key.
    connect_options: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> TemporalSettings:
        settings = Settings("airflow-bridge", env)
        given: dict[str, str] = {}
        for name in TEMPORAL_LOADER_VARIABLES:
            # Checked first: the loader itself takes any TEMPORAL_TLS other than 1 or true as false.
            value = settings.optional(name)
            if value is not None and settings.env.get(name):
                given[name] = value
        for name in ("HOME", "XDG_CONFIG_HOME"):
            if name in settings.env:
                given[name] = settings.env[name]

        from temporalio.envconfig import ClientConfigProfile

        loaded = dict(ClientConfigProfile.load(override_env_vars=given).to_client_connect_config())
        tls = loaded.get("tls", False)
        if tls is not True and tls is not False and not any(vars(tls).values()):
            tls = True  # TLS with nothing custom: the system's CAs
        return cls(
            address=loaded.get("target_host") or settings.string("TEMPORAL_ADDRESS"),
            namespace=loaded.get("namespace") or settings.string("TEMPORAL_NAMESPACE"),
            ui_url=settings.string("TEMPORAL_UI_URL"),
            connect_options={"tls": tls, "api_key": loaded.get("api_key")},
        )

    def workflow_url(self, workflow_id: str) -> str:
        namespace, workflow = quote(self.namespace, safe=""), quote(workflow_id, safe="")
        return f"{self.ui_url}/namespaces/{namespace}/workflows/{workflow}"
