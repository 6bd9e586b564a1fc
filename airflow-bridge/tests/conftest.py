"""Fixtures of the bridge's tests against the real local stack.

The DAG tests run in a Temporal namespace of their own, created for the session and deleted
after it, with the platform's worker (`bin/petadota worker`) serving that namespace on an
isolated database, bucket and topics, and the local pet API in place of the internet. So the
fixed workflow IDs (`images-loop`, `provision:local`) here are never those of a running
platform, and nothing of the platform's data is touched.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.protobuf.duration_pb2 import Duration
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.operatorservice.v1 import DeleteNamespaceRequest
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import (
    DescribeTaskQueueRequest,
    ListWorkflowExecutionsRequest,
    RegisterNamespaceRequest,
)
from temporalio.client import Client

from petadota_bridge.contracts import IMAGES_TASK_QUEUE, PROVISIONING_TASK_QUEUE, TRENDS_TASK_QUEUE
from petadota_platform.settings import Settings
from tests.support import REPO_ROOT, Airflow, TemporalRunner, node_eval, run_temporal, wait_until


@pytest.fixture(scope="session")
def temporal_address() -> str:
    return Settings("tests").string("TEMPORAL_ADDRESS")


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Logs of the worker, the pet API and every `airflow dags test`, for reading after a failure."""
    return tmp_path_factory.mktemp("airflow-bridge")


@pytest.fixture(scope="session")
def namespace(temporal_address: str) -> Iterator[str]:
    name = f"it-airflow-{os.getpid()}-{secrets.token_hex(3)}"

    async def register(client: Client) -> None:
        await client.workflow_service.register_namespace(
            RegisterNamespaceRequest(
                namespace=name, workflow_execution_retention_period=Duration(seconds=24 * 3600)
            )
        )

    run_temporal(temporal_address, "default", register)

    async def served(client: Client) -> bool:
        await client.workflow_service.list_workflow_executions(
            ListWorkflowExecutionsRequest(namespace=name, page_size=1)
        )
        return True

    # A new namespace reaches the frontend's cache shortly after it is registered.
    wait_until(f"namespace {name} to be served", lambda: run_temporal(temporal_address, name, served), 30)
    yield name

    async def delete(client: Client) -> None:
        await client.operator_service.delete_namespace(DeleteNamespaceRequest(namespace=name))

    run_temporal(temporal_address, "default", delete)


@pytest.fixture(scope="session")
def temporal(temporal_address: str, namespace: str) -> TemporalRunner:
    """``temporal(lambda client: …)``: runs a coroutine with a client of the test namespace."""
    return lambda work: run_temporal(temporal_address, namespace, work)


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        # A session of its own, so the whole process group can be stopped.
        return subprocess.Popen(
            args, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="session")
def pet_api(session_dir: Path) -> Iterator[dict[str, str]]:
    """The local Dog API and Cat API (`bin/petadota pet-api`) on a free port."""
    log = session_dir / "pet-api.log"
    command = [str(REPO_ROOT / "bin" / "petadota"), "pet-api", "--port", "0", "--image-size", "64"]
    process = _spawn(command, dict(os.environ), log)
    try:

        def urls() -> dict[str, str] | None:
            if process.poll() is not None:
                raise AssertionError(f"the pet API exited ({process.returncode}); see {log}")
            match = re.search(r"DOG_API_URL=(\S+) CAT_API_URL=(\S+)", log.read_text())
            return {"DOG_API_URL": match.group(1), "CAT_API_URL": match.group(2)} if match else None

        yield wait_until("the local pet API to listen", urls, 60)
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def platform_env(namespace: str, pet_api: dict[str, str]) -> Iterator[dict[str, str]]:
    """The environment of an isolated platform in the test namespace: what the worker and Airflow get."""
    tag = secrets.token_hex(4)
    env = {
        **os.environ,
        **pet_api,
        "TEMPORAL_NAMESPACE": namespace,
        "MYSQL_DATABASE": f"af_{tag}",
        "MYSQL_PIPELINE_USER": f"af_{tag}_pipeline",
        "MYSQL_STREAM_USER": f"af_{tag}_stream",
        "MYSQL_READONLY_USER": f"af_{tag}_leitura",
        "MYSQL_PIPELINE_PASSWORD": secrets.token_hex(16),
        "MYSQL_STREAM_PASSWORD": secrets.token_hex(16),
        "MYSQL_READONLY_PASSWORD": secrets.token_hex(16),
        "S3_BUCKET": f"af-{tag}-imagens",
        "KAFKA_INTERACTIONS_TOPIC": f"af-{tag}-interacoes",
        "KAFKA_DEAD_LETTER_TOPIC": f"af-{tag}-interacoes-dlq",
    }
    yield env
    # The TypeScript helper the platform's own tests use drops the database, accounts, bucket and topics.
    node_eval(
        "const { loadConfig } = require('./platform/config');"
        "const { removeIsolatedPlatform } = require('./test/kit/isolated');"
        "removeIsolatedPlatform(loadConfig())"
        ".then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });",
        env,
    )


@pytest.fixture(scope="session")
def worker(platform_env: dict[str, str], namespace: str, temporal: TemporalRunner, session_dir: Path):
    """The platform's worker (`bin/petadota worker`) serving the test namespace."""
    log = session_dir / "worker.log"
    process = _spawn([str(REPO_ROOT / "bin" / "petadota"), "worker"], platform_env, log)

    async def polling(client: Client) -> bool:
        for queue in (PROVISIONING_TASK_QUEUE, IMAGES_TASK_QUEUE, TRENDS_TASK_QUEUE):
            described = await client.workflow_service.describe_task_queue(
                DescribeTaskQueueRequest(
                    namespace=namespace,
                    task_queue=TaskQueue(name=queue),
                    task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
                )
            )
            if not any(poller.identity.startswith(f"{process.pid}@") for poller in described.pollers):
                return False
        return True

    def ready() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"the worker exited ({process.returncode}); see {log}")
        return temporal(polling)

    try:
        wait_until("the worker to poll its task queues", ready, 120, interval=0.5)
        yield process
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def airflow(
    platform_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory, session_dir: Path
) -> Airflow:
    """The airflow CLI on a private Airflow home whose metadata database is migrated once."""
    runs = session_dir / "dags-test"
    runs.mkdir()
    cli = Airflow(tmp_path_factory.mktemp("airflow-home"), platform_env, runs)
    migrated = cli.run("db", "migrate")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    return cli


@pytest.fixture(scope="session")
def provisioned(worker: subprocess.Popen[bytes], platform_env: dict[str, str]) -> None:
    """The isolated platform provisioned (bucket, schema, accounts, topics) with the CLI."""
    result = subprocess.run(
        [str(REPO_ROOT / "bin" / "petadota"), "provision", "--environment", "local"],
        cwd=REPO_ROOT,
        env=platform_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
