"""The settings engine for Python and the local stack: reads the one declaration of every
environment variable (``platform/settings.json``) and parses a variable's value by its declared
type and rules, exactly as ``platform/settings.ts`` does for TypeScript
(``test/unit/settings.test.ts`` proves both give the same value, or the same error, for every
variable). Standard library only: the local stack runs it with the system's ``python3``."""

from __future__ import annotations

import errno
import functools
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[3]
DECLARATION_FILE = REPO_ROOT / "platform" / "settings.json"
READERS = ("stack", "main-job", "platform", "spark", "airflow-bridge", "tests")

Value = str | int | float | bool | list[str]


class ConfigurationError(ValueError):
    """A variable whose value cannot be used: the message always starts with its name."""

    def __init__(self, variable: str, message: str) -> None:
        super().__init__(f"{variable}: {message}")
        self.variable = variable


@functools.cache
def groups() -> list[dict[str, Any]]:
    """The declaration's groups of variables. Read on first use, so that importing this module costs
    nothing where no setting is read (a Spark executor unpickling the job's settings)."""
    return json.loads(DECLARATION_FILE.read_text())["groups"]


@functools.cache
def declared() -> dict[str, dict[str, Any]]:
    """Every declared variable by name, in the declaration's order."""
    return {variable["name"]: variable for group in groups() for variable in group["variables"]}


def setting(name: str) -> dict[str, Any]:
    try:
        return declared()[name]
    except KeyError:
        raise KeyError(f"{name} is not declared in platform/settings.json") from None


def parse_env_file(text: str) -> dict[str, str]:
    """``KEY=value`` lines; ``#`` comments and blank lines are skipped; one pair of matching quotes
    is removed. Nothing else is interpreted."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] in "'\"" and value[-1] == value[0]:
            value = value[1:-1]
        values[key.strip()] = value
    return values


def _is_set(value: str | None) -> bool:
    return value is not None and value != ""


def local_env_file(env: Mapping[str, str]) -> Path:
    """Where the local stack's client file is, from the real environment alone."""
    return Path(str(read_setting(env, "PETADOTA_ENV_FILE")))


def resolve_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The real environment over the local stack's file (local.env). Naming a Temporal profile
    (TEMPORAL_PROFILE or TEMPORAL_CONFIG_FILE) sets aside the file's TEMPORAL_* entries."""
    env = os.environ if env is None else env
    try:
        from_file = parse_env_file(local_env_file(env).read_text())
    except FileNotFoundError:
        from_file = {}
    if _is_set(env.get("TEMPORAL_PROFILE")) or _is_set(env.get("TEMPORAL_CONFIG_FILE")):
        from_file = {name: value for name, value in from_file.items() if not name.startswith("TEMPORAL_")}
    return {**from_file, **{name: value for name, value in env.items() if _is_set(value)}}


def expand_template(env: Mapping[str, str], template: str) -> str:
    """``${NAME}`` is another variable's value, a leading ``~/`` the home directory, ``./`` the
    repository."""
    expanded = re.sub(r"\$\{([A-Z0-9_]+)\}", lambda match: as_text(read_setting(env, match[1])), template)
    if expanded.startswith("~/"):
        return str(Path.home() / expanded[2:])
    if expanded.startswith("./"):
        return str(REPO_ROOT / expanded[2:])
    return expanded


def as_text(value: Value | None) -> str:
    """A value as JavaScript's String() writes it, so templates expand alike."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join(value)
    return "" if value is None else str(value)


def _holds(env: Mapping[str, str], condition: Mapping[str, list[str]]) -> tuple[bool, str]:
    name, values = next(iter(condition.items()))
    value = as_text(read_setting(env, name))
    return value in values, f"{name}={value}"


def read_setting(env: Mapping[str, str], name: str) -> Value | None:
    """The value of ``name`` in ``env``, parsed by its declared type and checked against its
    rules; the default when it is unset; None when it has neither."""
    declared = setting(name)
    raw = env.get(name)
    if _is_set(raw):
        assert raw is not None
        if "used_when" in declared:
            used, actual = _holds(env, declared["used_when"])
            if not used:
                raise ConfigurationError(name, f"is not used with {actual}")
        partner = declared.get("together_with")
        if partner and not _is_set(env.get(partner)):
            raise ConfigurationError(
                partner, f"is not set, but {name} is: they go together, set both or neither"
            )
        value = parse_value(declared, raw)
        if value is False and "implied_by" in declared:
            requiring = [other for other in declared["implied_by"] if _is_set(env.get(other))]
            if requiring:
                raise ConfigurationError(name, f"is false, but it is required by {', '.join(requiring)}")
        return value
    if "required_when" in declared:
        required, actual = _holds(env, declared["required_when"])
        if required:
            raise ConfigurationError(name, f"is not set: {actual} needs it")
    if any(_is_set(env.get(other)) for other in declared.get("implied_by", [])):
        return True
    if "default" not in declared:
        return None
    return parse_value(declared, expand_template(env, declared["default"]))


HOST_PORT = re.compile(r"([A-Za-z0-9._-]+|\[[0-9A-Fa-f:]+\]):([0-9]{1,5})")
# A scheme, a host, then anything; no space or control character anywhere.
URL = re.compile(r"https?://[^/?#]+([/?#].*)?", re.DOTALL)


def _host_port(raw: str) -> bool:
    match = HOST_PORT.fullmatch(raw)
    return match is not None and 1 <= int(match[2]) <= 65535


def _whole_number(raw: str, minimum: int, maximum: int) -> int | None:
    if not re.fullmatch(r"[0-9]{1,16}", raw):
        return None
    value = int(raw)
    return value if minimum <= value <= maximum else None


def _number_text(number: float) -> str:
    return as_text(number)


MAX_SAFE_INTEGER = 2**53 - 1


def parse_value(declared: Mapping[str, Any], raw: str) -> Value:
    """A value of the variable's type, or a ConfigurationError saying what was expected."""
    name, kind = declared["name"], declared["type"]

    def fail(expected: str, separator: str = ",") -> ConfigurationError:
        return ConfigurationError(
            name, expected if declared.get("secret") else f"{expected}{separator} got '{raw}'"
        )

    if kind in ("string", "path"):
        return raw
    if kind == "integer":
        minimum, maximum = declared.get("min", 0), declared.get("max", MAX_SAFE_INTEGER)
        value = _whole_number(raw, minimum, maximum)
        if value is None:
            raise fail(f"expected a whole number from {minimum} to {maximum}")
        return value
    if kind == "port":
        value = _whole_number(raw, 1, 65535)
        if value is None:
            raise fail("expected a port number from 1 to 65535")
        return value
    if kind == "seconds":
        number = float(raw) if re.fullmatch(r"[0-9]{1,9}(\.[0-9]{1,9})?", raw) else float("nan")
        if "exclusive_min" in declared and number > declared["exclusive_min"]:
            return number
        if "min" in declared and number >= declared["min"]:
            return number
        if "min" in declared:
            raise fail(f"expected a number of seconds of at least {_number_text(declared['min'])}")
        raise fail(f"expected a number of seconds greater than {_number_text(declared['exclusive_min'])}")
    if kind == "boolean":
        if re.fullmatch(r"1|true|yes", raw, re.IGNORECASE):
            return True
        if re.fullmatch(r"0|false|no", raw, re.IGNORECASE):
            return False
        raise fail("expected true or false")
    if kind == "choice":
        if raw in declared["choices"]:
            return raw
        raise fail(f"expected one of {', '.join(declared['choices'])}", ";")
    if kind == "url":
        if URL.fullmatch(raw) and all(ord(char) > 0x20 for char in raw):
            return raw.rstrip("/")
        raise fail("expected an http(s) URL")
    if kind == "host-port":
        if _host_port(raw):
            return raw
        raise fail("expected host:port")
    if kind == "host-port-list":
        items = [item.strip() for item in raw.split(",") if item.strip()]
        for item in items:
            if not _host_port(item):
                raise ConfigurationError(name, f"expected host:port, got '{item}'")
        if not items:
            raise fail("expected a comma-separated list of host:port")
        return items
    if kind == "identifier":
        if re.fullmatch(r"[A-Za-z0-9_]{1,64}", raw):
            return raw
        raise fail("expected 1 to 64 letters, digits or underscores")
    if kind == "topic":
        if re.fullmatch(r"[A-Za-z0-9._-]{1,249}", raw) and raw not in (".", ".."):
            return raw
        raise fail("expected a Kafka topic name (letters, digits, '.', '_', '-')")
    if kind == "bucket":
        if (
            re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", raw)
            and ".." not in raw
            and not re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+", raw)
        ):
            return raw
        raise fail("expected an S3 bucket name (3-63 lower-case letters, digits, '.', '-')")
    if kind == "memory":
        if re.fullmatch(r"[0-9]{1,9}[kmgtKMGT]", raw):
            return raw
        raise fail("expected a JVM memory size such as 512m or 2g")
    if kind == "pem-path":
        return _pem_path(name, raw)
    raise ValueError(f"{name}: unknown type {kind!r} in platform/settings.json")


def _pem_path(name: str, path: str) -> str:
    """Read now, so that a wrong path fails at start-up rather than at the first connection."""
    try:
        contents = Path(path).read_bytes()
    except OSError as error:
        code = errno.errorcode.get(error.errno or 0, error.strerror or "error")
        raise ConfigurationError(name, f"cannot read '{path}' ({code})") from None
    if b"-----BEGIN " not in contents:
        raise ConfigurationError(name, f"'{path}' is not a PEM file")
    return path


class Settings:
    """One reader's view of the settings (``spark``, ``airflow-bridge``, ``stack``…): reading a
    variable the declaration does not give that reader is a bug, not a configuration error."""

    def __init__(self, reader: str, env: Mapping[str, str] | None = None, *, resolved: bool = False) -> None:
        if reader not in READERS:
            raise ValueError(f"unknown reader {reader!r}: one of {', '.join(READERS)}")
        self.reader = reader
        self.env: dict[str, str] = dict(env) if resolved and env is not None else resolve_env(env)

    def get(self, name: str) -> Value | None:
        if self.reader not in setting(name)["readers"]:
            raise KeyError(f"{name} is not declared as read by {self.reader} in platform/settings.json")
        return read_setting(self.env, name)

    def string(self, name: str) -> str:
        return as_text(self.get(name))

    def optional(self, name: str) -> str | None:
        value = self.get(name)
        return None if value is None else as_text(value)

    def integer(self, name: str) -> int:
        value = self.get(name)
        assert isinstance(value, int)
        return value

    def number(self, name: str) -> float:
        value = self.get(name)
        assert isinstance(value, int | float) and not isinstance(value, bool)
        return float(value)

    def boolean(self, name: str) -> bool:
        return self.get(name) is True

    def path(self, name: str) -> Path:
        return Path(self.string(name))

    def required(self, name: str, why: str) -> str:
        """The variable's value; a ConfigurationError saying why it is needed when it is unset."""
        value = self.optional(name)
        if not value:
            raise ConfigurationError(name, f"is not set: {why}")
        return value
