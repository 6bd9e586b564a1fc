"""How the bridge reaches Temporal: plaintext by default, TLS, mTLS and an API key from the same
variables as the TypeScript side, and a malformed value named when the task starts."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from temporalio.service import TLSConfig

from petadota_bridge import temporal
from petadota_bridge.settings import TemporalSettings

NO_FILE = {"PETADOTA_ENV_FILE": "/nonexistent/local.env"}


@pytest.fixture
def pem(tmp_path: Path) -> dict[str, str]:
    files = {}
    for name, label in (("ca", "CERTIFICATE"), ("cert", "CERTIFICATE"), ("key", "PRIVATE KEY")):
        path = tmp_path / f"{name}.pem"
        path.write_text(f"-----BEGIN {label}-----\n{name}\n-----END {label}-----\n")
        files[name] = str(path)
    (tmp_path / "ca.der").write_bytes(b"\x30\x82\x01\x0a")
    files["der"] = str(tmp_path / "ca.der")
    files["missing"] = str(tmp_path / "missing.pem")
    return files


def connect_arguments(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What ``temporal.connect`` passes to ``Client.connect`` for these variables."""
    calls: list[dict[str, Any]] = []

    async def fake_connect(address: str, **options: Any) -> str:
        calls.append({"address": address, **options})
        return "client"

    monkeypatch.setattr(temporal.Client, "connect", fake_connect)
    assert asyncio.run(temporal.connect(TemporalSettings.from_env({**NO_FILE, **env}))) == "client"
    return calls[0]


def test_by_default_the_bridge_connects_in_plaintext(monkeypatch: pytest.MonkeyPatch) -> None:
    assert connect_arguments({}, monkeypatch) == {
        "address": "127.0.0.1:7233",
        "namespace": "default",
        "tls": False,
        "api_key": None,
    }


def test_temporal_tls_alone_uses_the_system_cas(monkeypatch: pytest.MonkeyPatch) -> None:
    assert connect_arguments({"TEMPORAL_TLS": "true"}, monkeypatch)["tls"] is True


def test_an_api_key_implies_tls(monkeypatch: pytest.MonkeyPatch) -> None:
    arguments = connect_arguments(
        {"TEMPORAL_ADDRESS": "ns.acct.tmprl.cloud:7233", "TEMPORAL_API_KEY": "key-123"}, monkeypatch
    )
    assert (arguments["tls"], arguments["api_key"]) == (True, "key-123")


def test_certificates_and_a_server_name_become_a_tls_config(
    pem: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    arguments = connect_arguments(
        {
            "TEMPORAL_TLS_SERVER_CA_CERT_PATH": pem["ca"],
            "TEMPORAL_TLS_CLIENT_CERT_PATH": pem["cert"],
            "TEMPORAL_TLS_CLIENT_KEY_PATH": pem["key"],
            "TEMPORAL_TLS_SERVER_NAME": "frontend.temporal.internal",
        },
        monkeypatch,
    )
    tls = arguments["tls"]
    assert isinstance(tls, TLSConfig)
    assert tls.domain == "frontend.temporal.internal"
    assert tls.server_root_ca_cert == Path(pem["ca"]).read_bytes()
    assert tls.client_cert == Path(pem["cert"]).read_bytes()
    assert tls.client_private_key == Path(pem["key"]).read_bytes()
    assert arguments["api_key"] is None


def test_no_secret_in_the_settings_repr(pem: dict[str, str]) -> None:
    settings = TemporalSettings.from_env(
        {
            **NO_FILE,
            "TEMPORAL_API_KEY": "key-123",
            "TEMPORAL_TLS_CLIENT_CERT_PATH": pem["cert"],
            "TEMPORAL_TLS_CLIENT_KEY_PATH": pem["key"],
        }
    )
    assert "key-123" not in repr(settings)
    assert "PRIVATE KEY" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TEMPORAL_TLS": "maybe"}, "^TEMPORAL_TLS: expected true or false, got 'maybe'"),
        (
            {"TEMPORAL_TLS": "false", "TEMPORAL_API_KEY": "k"},
            "^TEMPORAL_TLS: is false, but it is required by TEMPORAL_API_KEY$",
        ),
        (
            {"TEMPORAL_TLS_CLIENT_CERT_PATH": "{cert}"},
            "^TEMPORAL_TLS_CLIENT_KEY_PATH: is not set, but TEMPORAL_TLS_CLIENT_CERT_PATH is: they go "
            "together, set both or neither$",
        ),
        (
            {"TEMPORAL_TLS_CLIENT_KEY_PATH": "{key}"},
            "^TEMPORAL_TLS_CLIENT_CERT_PATH: is not set, but TEMPORAL_TLS_CLIENT_KEY_PATH is: they go "
            "together, set both or neither$",
        ),
        (
            {"TEMPORAL_TLS_SERVER_CA_CERT_PATH": "{missing}"},
            r"^TEMPORAL_TLS_SERVER_CA_CERT_PATH: cannot read '.*missing\.pem' \(ENOENT\)$",
        ),
        (
            {"TEMPORAL_TLS_SERVER_CA_CERT_PATH": "{der}"},
            "^TEMPORAL_TLS_SERVER_CA_CERT_PATH: '.*ca.der' is not a PEM file",
        ),
        (
            {"TEMPORAL_TLS_CLIENT_CERT_PATH": "{cert}", "TEMPORAL_TLS_CLIENT_KEY_PATH": "{missing}"},
            "^TEMPORAL_TLS_CLIENT_KEY_PATH: cannot read",
        ),
    ],
)
def test_a_malformed_tls_setting_names_the_variable(
    env: dict[str, str], message: str, pem: dict[str, str]
) -> None:
    with pytest.raises(ValueError, match=message):
        TemporalSettings.from_env({**NO_FILE, **{name: value.format(**pem) for name, value in env.items()}})
