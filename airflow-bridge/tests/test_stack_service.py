"""The stack's optional `airflow` service, for real: `infra/local/stack up airflow` on a data
directory of the test's own and a free port, then the real scheduler runs the provisioning DAG
against the test namespace, the generated admin password logs in, every component listens on
loopback only, and `stack down airflow` leaves no process of the group behind."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from temporalio.client import WorkflowExecutionStatus

from petadota_bridge.contracts import IMAGE_LOOP_WORKFLOW_ID
from petadota_platform.settings import parse_env_file
from tests.support import REPO_ROOT, TemporalRunner, describe_or_none, wait_until

STACK = str(REPO_ROOT / "infra" / "local" / "stack")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(method: str, url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    call = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 (loopback URL)
    try:
        with urllib.request.urlopen(call, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        # The server's answer (Airflow's {"detail": …}), so that a failure says what went wrong.
        answer = error.read()
        try:
            return error.code, json.loads(answer or b"{}")
        except ValueError:
            return error.code, {"body": answer.decode(errors="replace")}


class StackAirflow:
    def __init__(self, data_dir: Path, port: int, env: dict[str, str]):
        self.data_dir, self.port = data_dir, port
        self.url = f"http://127.0.0.1:{port}"
        self.env = env

    def stack(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [STACK, *args], env=self.env, capture_output=True, text=True, timeout=600, check=False
        )

    def secret(self, key: str) -> str:
        return parse_env_file((self.data_dir / "secrets.env").read_text())[key]

    def pid(self) -> int:
        return int((self.data_dir / "run" / "airflow.pid").read_text())

    def log_tail(self, lines: int = 60) -> str:
        """The end of the service's log (its three components write there): what a failure shows."""
        log = self.data_dir / "logs" / "airflow.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


@pytest.fixture(scope="module")
def service(
    provisioned: None, platform_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StackAirflow]:
    data_dir = tmp_path_factory.mktemp("stack-data")
    port = free_port()
    env = {
        **platform_env,
        "PETADOTA_DATA_DIR": str(data_dir),
        "PETADOTA_LOG_DIR": str(data_dir / "logs"),
        "AIRFLOW_PORT": str(port),
    }
    service = StackAirflow(data_dir, port, env)
    up = service.stack("up", "airflow")
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        assert f"Airflow UI: http://127.0.0.1:{port} (user admin" in up.stdout
        yield service
    finally:
        service.stack("down", "airflow")


def test_the_service_is_healthy_and_listens_on_loopback_only(service: StackAirflow) -> None:
    status = service.stack("status")
    line = next(line for line in status.stdout.splitlines() if line.startswith("airflow "))
    assert line.split()[1:3] == ["healthy", str(service.pid())]

    group = os.getpgid(service.pid())
    members = [p for p in psutil.process_iter(["pid"]) if _pgid(p.info["pid"]) == group]
    commands = " ".join(" ".join(p.cmdline()) for p in members)
    # The API server renames its process to "airflow api_server -- host:… port:…".
    for component in ("api_server", "scheduler", "dag-processor"):
        assert component in commands
    listening = {
        (conn.laddr.ip, conn.laddr.port)
        for conn in psutil.net_connections(kind="inet")
        if conn.status == psutil.CONN_LISTEN and conn.pid in {p.pid for p in members}
    }
    assert ("127.0.0.1", service.port) in listening
    assert {ip for ip, _ in listening} == {"127.0.0.1"}


def test_the_generated_admin_password_logs_in_and_no_other_does(service: StackAirflow) -> None:
    password = service.secret("AIRFLOW_ADMIN_PASSWORD")
    assert len(password) >= 32
    passwords_file = service.data_dir / "airflow" / "passwords.json"
    assert passwords_file.stat().st_mode & 0o077 == 0
    status, body = request("POST", f"{service.url}/auth/token", {"username": "admin", "password": password})
    assert status in (200, 201), status
    assert body["access_token"]
    wrong, _ = request("POST", f"{service.url}/auth/token", {"username": "admin", "password": "admin"})
    assert wrong == 401


def test_the_scheduler_runs_the_provisioning_dag(service: StackAirflow) -> None:
    password = service.secret("AIRFLOW_ADMIN_PASSWORD")
    token = request("POST", f"{service.url}/auth/token", {"username": "admin", "password": password})[1][
        "access_token"
    ]
    dag = "pet_adota_provisionamento"
    # The DAG processor serialises the DAGs shortly after it starts.
    wait_until(
        f"{dag} to be parsed",
        lambda: request("GET", f"{service.url}/api/v2/dags/{dag}", token=token)[0] == 200,
        120,
        interval=1,
    )
    status, errors = request("GET", f"{service.url}/api/v2/importErrors", token=token)
    assert (status, errors["total_entries"]) == (200, 0)
    status, run = request(
        "POST", f"{service.url}/api/v2/dags/{dag}/dagRuns", {"logical_date": None, "conf": {}}, token
    )
    assert status == 200, f"{run}\n{service.log_tail()}"
    run_url = f"{service.url}/api/v2/dags/{dag}/dagRuns/{run['dag_run_id']}"

    def finished() -> str | None:
        state = request("GET", run_url, token=token)[1]["state"]
        return state if state in ("success", "failed") else None

    assert wait_until(f"DAG run {run['dag_run_id']} to finish", finished, 240, interval=1) == "success"
    _, log = request("GET", f"{run_url}/taskInstances/provision_and_validate/logs/1", token=token)
    events = " ".join(str(entry.get("event", "")) for entry in log["content"])
    assert "started provisionInfrastructure provision:local" in events
    # The validation report, logged as its JSON: every check passed.
    assert "provision:local result:" in events
    assert '"ok": true' in events and '"ok": false' not in events


def test_down_stops_every_process_of_the_group(service: StackAirflow, temporal: TemporalRunner) -> None:
    group = os.getpgid(service.pid())
    down = service.stack("down", "airflow")
    assert down.returncode == 0, down.stdout + down.stderr
    assert [p.info["pid"] for p in psutil.process_iter(["pid"]) if _pgid(p.info["pid"]) == group] == []
    assert not (service.data_dir / "run" / "airflow.pid").exists()

    # The 30-second image DAG ran while the service was up: its loop is not this test's to keep.
    loop = describe_or_none(temporal, IMAGE_LOOP_WORKFLOW_ID)
    if loop is not None and loop.status == WorkflowExecutionStatus.RUNNING:
        temporal(lambda client: client.get_workflow_handle(IMAGE_LOOP_WORKFLOW_ID).terminate("test done"))


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None
