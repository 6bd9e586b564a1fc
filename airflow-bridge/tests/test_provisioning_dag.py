"""`airflow dags test pet_adota_provisionamento` against the dev server and the platform's worker:
the workflow really runs, and the task logs its validation report."""

from __future__ import annotations

import pytest

from petadota_bridge.contracts import provision_workflow_id
from petadota_bridge.provisioning import provision
from petadota_bridge.temporal import MEMO_DAG_ID, MEMO_RUN_ID
from tests.support import (
    Airflow,
    TemporalRunner,
    dag_run_id_of,
    describe_or_none,
    logged_result,
    run_id_of,
    task_states,
)

DAG_ID = "pet_adota_provisionamento"
WORKFLOW_ID = provision_workflow_id("local")


def test_the_dag_runs_provisioning_and_logs_the_validation_report(
    airflow: Airflow, worker: object, temporal: TemporalRunner
) -> None:
    run = airflow.dags_test(DAG_ID)

    assert run.returncode == 0, run.output[-3000:]
    assert task_states(run.output) == ["success"]
    run_id = run_id_of(run.output, "started", WORKFLOW_ID)

    async def latest(client):
        handle = client.get_workflow_handle(WORKFLOW_ID)
        description = await handle.describe()
        memo = {key: await description.memo_value(key) for key in (MEMO_DAG_ID, MEMO_RUN_ID)}
        return description.run_id, memo, await handle.result()

    latest_run_id, memo, report = temporal(latest)
    assert latest_run_id == run_id
    assert memo == {MEMO_DAG_ID: DAG_ID, MEMO_RUN_ID: dag_run_id_of(run.output)}
    assert report["ok"] is True
    assert len(report["checks"]) >= 20
    # The whole report the workflow returned is in the task's log, as its JSON.
    assert logged_result(run.output, f"{WORKFLOW_ID} result") == report


def test_a_retried_task_attaches_to_its_run_and_another_dag_run_provisions_again(
    provisioned: None, temporal: TemporalRunner, platform_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE"):
        monkeypatch.setenv(key, platform_env.get(key, ""))

    first = provision("local", dag_id=DAG_ID, run_id="manual__first")
    first_run = describe_or_none(temporal, WORKFLOW_ID)
    # The task tried again for the same DAG run: the completed run is reported, nothing re-runs.
    again = provision("local", dag_id=DAG_ID, run_id="manual__first")
    assert describe_or_none(temporal, WORKFLOW_ID).run_id == first_run.run_id
    assert again == first
    assert first["ok"] is True
    assert first["changes"] == 0  # the platform was provisioned by the DAG test before

    # Another DAG run provisions again (harmless: provisioning is idempotent).
    provision("local", dag_id=DAG_ID, run_id="manual__second")
    assert describe_or_none(temporal, WORKFLOW_ID).run_id != first_run.run_id
