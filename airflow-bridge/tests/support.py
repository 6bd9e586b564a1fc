"""What the bridge's tests share: paths, a Temporal client per call, polling with a deadline, and
`airflow dags test` in a throw-away Airflow home."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from temporalio.client import Client, WorkflowExecutionDescription
from temporalio.service import RPCError, RPCStatusCode

BRIDGE_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = BRIDGE_DIR.parent
DAGS_DIR = BRIDGE_DIR / "dags"
# What the DAGs import: the bridge and the platform's shared settings and contracts package.
PYTHONPATH = f"{BRIDGE_DIR}{os.pathsep}{REPO_ROOT / 'platform' / 'python'}"
# The airflow CLI of the virtualenv running these tests.
AIRFLOW_BIN = Path(sys.executable).with_name("airflow")

T = TypeVar("T")


def run_temporal(address: str, namespace: str, work: Callable[[Client], Awaitable[T]]) -> T:
    """Runs ``work`` with a fresh client in its own event loop (the tests are synchronous)."""

    async def main() -> T:
        client = await Client.connect(address, namespace=namespace)
        return await work(client)

    return asyncio.run(main())


TemporalRunner = Callable[[Callable[[Client], Awaitable[Any]]], Any]


def describe_or_none(temporal: TemporalRunner, workflow_id: str) -> WorkflowExecutionDescription | None:
    """The latest run of ``workflow_id`` in the test namespace, or None when there is none."""

    async def describe(client: Client) -> WorkflowExecutionDescription | None:
        try:
            return await client.get_workflow_handle(workflow_id).describe()
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                return None
            raise

    return temporal(describe)


def wait_until(what: str, probe: Callable[[], T | None], timeout: float, interval: float = 0.25) -> T:
    """Polls ``probe`` until it returns something truthy; fails naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            value = probe()
            if value:
                return value
            last = value
        except Exception as error:  # the last error explains a timeout
            last = error
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:g} s waiting for {what}; last: {last!r}")
        time.sleep(interval)


def node_eval(script: str, env: Mapping[str, str] | None = None, timeout: float = 120) -> str:
    """Runs TypeScript-aware node code from the repository root and returns its stdout."""
    result = subprocess.run(
        ["node", "--import", "tsx", "-e", script],
        cwd=REPO_ROOT,
        env=dict(os.environ if env is None else env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"node failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


@dataclass(frozen=True)
class DagTest:
    returncode: int
    # stdout and stderr of `airflow dags test`: Airflow's own lines and the tasks' logs.
    output: str


class Airflow:
    """`airflow` commands against a private Airflow home (its own SQLite metadata database)."""

    def __init__(self, home: Path, env: Mapping[str, str], log_dir: Path):
        self.env = {
            **env,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "PYTHONPATH": PYTHONPATH,
        }
        self.log_dir = log_dir
        self.runs = 0

    def run(self, *args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(AIRFLOW_BIN), *args],
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def dags_test(self, dag_id: str, conf: dict[str, Any] | None = None, **extra_env: str) -> DagTest:
        args = ["dags", "test", dag_id, *(["-c", json.dumps(conf)] if conf is not None else [])]
        result = self.run(*args, env=extra_env)
        self.runs += 1
        output = result.stdout + result.stderr
        # Kept for reading after a failure: one file per run, named after the DAG.
        (self.log_dir / f"{self.runs:02d}-{dag_id}.log").write_text(output)
        return DagTest(result.returncode, output)


def run_id_of(output: str, verb: str, workflow_id: str) -> str:
    """The Temporal run ID a bridge task logged, e.g. ``started images-loop, run <id>``."""
    match = re.search(rf"{re.escape(verb)} .*?{re.escape(workflow_id)}, run ([0-9a-f-]{{36}})", output)
    if not match:
        raise AssertionError(f"no '{verb} … {workflow_id}, run <id>' line in the task log")
    return match.group(1)


def dag_run_id_of(output: str) -> str:
    match = re.search(r"DagRun Finished: .*?run_id=([^,]+),", output)
    if not match:
        raise AssertionError("no 'DagRun Finished' line in the output of airflow dags test")
    return match.group(1)


def logged_result(output: str, label: str) -> Any:
    """The JSON a task logged under ``label`` (``petadota_bridge.results.log_result``)."""
    start = output.find(f"{label}:\n")
    assert start >= 0, f"nothing logged as {label!r}"
    value, _ = json.JSONDecoder().raw_decode(output, start + len(label) + 2)
    return value


def task_states(output: str) -> list[str]:
    """The states the task instances were set to, in order (success, failed, up_for_retry, …)."""
    return re.findall(r"Task instance state updated .*?new_state=(\w+)", output)
