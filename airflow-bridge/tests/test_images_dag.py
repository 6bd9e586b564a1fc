"""`airflow dags test pet_adota_imagens` against the dev server and the platform's worker (with the
local pet API): the loop is started once and only once, its latest cycle is logged, and an
on-demand cycle is named after the DAG run so a retried task attaches to it."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from airflow.sdk.exceptions import AirflowFailException
from temporalio.client import Client, WorkflowExecutionStatus

from petadota_bridge import temporal as bridge_temporal
from petadota_bridge.contracts import (
    IMAGE_LOOP_STATUS_QUERY,
    IMAGE_LOOP_WORKFLOW_ID,
    IMAGE_LOOP_WORKFLOW_TYPE,
    airflow_image_cycle_workflow_id,
)
from petadota_bridge.images import ensure_image_loop, image_loop_status, run_image_cycle
from tests.support import (
    Airflow,
    TemporalRunner,
    dag_run_id_of,
    describe_or_none,
    logged_result,
    run_id_of,
    task_states,
    wait_until,
)

DAG_ID = "pet_adota_imagens"


@pytest.fixture(scope="module")
def bridge_env(platform_env: dict[str, str]) -> Iterator[None]:
    """The test namespace for the bridge functions called in this process (a retried task)."""
    with pytest.MonkeyPatch.context() as patch:
        for key in ("TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE"):
            patch.setenv(key, platform_env.get(key, ""))
        yield


@pytest.fixture(scope="module")
def loop_stopped_afterwards(provisioned: None, temporal: TemporalRunner) -> Iterator[None]:
    yield

    async def terminate(client: Client) -> None:
        handle = client.get_workflow_handle(IMAGE_LOOP_WORKFLOW_ID)
        if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            await handle.terminate("test done")

    temporal(terminate)


def image_loops(temporal: TemporalRunner) -> list[tuple[str, str]]:
    """Every imageLoop execution the namespace has seen, as (workflow ID, run ID)."""

    async def listed(client: Client) -> list[tuple[str, str]]:
        query = f"WorkflowType='{IMAGE_LOOP_WORKFLOW_TYPE}'"
        return [(execution.id, execution.run_id) async for execution in client.list_workflows(query)]

    return temporal(listed)


def loop_status(temporal: TemporalRunner) -> dict:
    return temporal(
        lambda client: client.get_workflow_handle(IMAGE_LOOP_WORKFLOW_ID).query(IMAGE_LOOP_STATUS_QUERY)
    )


def test_the_dag_run_twice_leaves_exactly_one_loop(
    airflow: Airflow, temporal: TemporalRunner, loop_stopped_afterwards: None
) -> None:
    assert describe_or_none(temporal, IMAGE_LOOP_WORKFLOW_ID) is None  # a namespace of its own

    first = airflow.dags_test(DAG_ID)
    assert first.returncode == 0, first.output[-3000:]
    loop_run = run_id_of(first.output, "started", IMAGE_LOOP_WORKFLOW_ID)
    second = airflow.dags_test(DAG_ID)
    assert second.returncode == 0, second.output[-3000:]
    assert run_id_of(second.output, "already running:", IMAGE_LOOP_WORKFLOW_ID) == loop_run

    for run in (first, second):
        # ensure_image_loop and log_image_loop_status succeed; run_image_cycle is skipped.
        assert sorted(task_states(run.output)) == ["skipped", "success", "success"]
    current = describe_or_none(temporal, IMAGE_LOOP_WORKFLOW_ID)
    assert (current.status, current.run_id) == (WorkflowExecutionStatus.RUNNING, loop_run)
    # Visibility lags the start by a moment: wait until it shows the loop, then count them all.
    loops = wait_until("the loop in the visibility store", lambda: image_loops(temporal), 30)
    assert loops == [(IMAGE_LOOP_WORKFLOW_ID, loop_run)]


def test_concurrent_starts_join_one_loop(
    temporal: TemporalRunner, bridge_env: None, loop_stopped_afterwards: None
) -> None:
    async def terminate(client: Client) -> None:
        await client.get_workflow_handle(IMAGE_LOOP_WORKFLOW_ID).terminate("restart the race")

    temporal(terminate)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda n: ensure_image_loop(dag_id=DAG_ID, run_id=f"race-{n}"), range(4)))

    run_ids = {result["runId"] for result in results}
    assert len(run_ids) == 1, results
    current = describe_or_none(temporal, IMAGE_LOOP_WORKFLOW_ID)
    assert (current.status, current.run_id) == (WorkflowExecutionStatus.RUNNING, run_ids.pop())


def test_the_dag_logs_the_latest_cycle_of_the_loop(
    airflow: Airflow, temporal: TemporalRunner, loop_stopped_afterwards: None
) -> None:
    def completed_cycle() -> dict | None:
        cycles = loop_status(temporal)["lastCycles"]
        return next((cycle for cycle in reversed(cycles) if cycle["status"] == "completed"), None)

    # The loop's first tick is at most 30 s away (a fixed grid), then the cycle stores its images.
    completed = wait_until("a completed cycle of the loop", completed_cycle, 120, interval=1)
    assert completed["stored"] > 0

    run = airflow.dags_test(DAG_ID)

    assert run.returncode == 0, run.output[-3000:]
    logged = logged_result(run.output, f"{IMAGE_LOOP_WORKFLOW_ID} status")
    assert completed in logged["lastCycles"], "the completed cycle is not in the logged status"
    assert logged["paused"] is False
    assert logged["cyclesStarted"] >= 1


def test_an_on_demand_cycle_is_named_after_the_dag_run_and_a_retry_attaches_to_it(
    airflow: Airflow, temporal: TemporalRunner, bridge_env: None, loop_stopped_afterwards: None
) -> None:
    run = airflow.dags_test(DAG_ID, conf={"run_cycle": True, "dogs": 2, "cats": 1})

    assert run.returncode == 0, run.output[-3000:]
    assert task_states(run.output).count("success") == 3
    dag_run_id = dag_run_id_of(run.output)
    workflow_id = airflow_image_cycle_workflow_id(dag_run_id)
    cycle_run = run_id_of(run.output, "started imageCycle", workflow_id)
    summary = temporal(lambda client: client.get_workflow_handle(workflow_id).result())
    assert len(summary["stored"]) + len(summary["duplicates"]) + len(summary["rejected"]) == 3
    assert logged_result(run.output, f"{workflow_id} result") == summary

    # The same task tried again for this DAG run: it attaches to the completed cycle, no new run.
    again = run_image_cycle(dag_id=DAG_ID, run_id=dag_run_id, dogs=2, cats=1)
    assert again == {
        "workflowId": workflow_id,
        "stored": len(summary["stored"]),
        "duplicates": len(summary["duplicates"]),
        "rejected": len(summary["rejected"]),
    }
    assert describe_or_none(temporal, workflow_id).run_id == cycle_run


def test_while_the_variable_is_true_every_run_drives_a_cycle(
    airflow: Airflow, temporal: TemporalRunner, loop_stopped_afterwards: None
) -> None:
    # An Airflow Variable from the environment, as a deployment would set it.
    run = airflow.dags_test(DAG_ID, AIRFLOW_VAR_PET_ADOTA_IMAGENS_RUN_CYCLE="true")

    assert run.returncode == 0, run.output[-3000:]
    assert task_states(run.output).count("success") == 3
    workflow_id = airflow_image_cycle_workflow_id(dag_run_id_of(run.output))
    summary = temporal(lambda client: client.get_workflow_handle(workflow_id).result())
    # The DAG's default params: 10 dogs and 10 cats.
    assert len(summary["stored"]) + len(summary["duplicates"]) + len(summary["rejected"]) == 20


def test_a_status_query_no_worker_answers_fails_in_bounded_time_and_is_retried(
    temporal: TemporalRunner,
    bridge_env: None,
    loop_stopped_afterwards: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A loop whose task queue no worker polls: the situation of a worker that is down.
    async def orphan_loop(client: Client) -> None:
        handle = client.get_workflow_handle(IMAGE_LOOP_WORKFLOW_ID)
        if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            await handle.terminate("replaced by a loop nobody serves")
        await client.start_workflow(
            IMAGE_LOOP_WORKFLOW_TYPE, {}, id=IMAGE_LOOP_WORKFLOW_ID, task_queue="nobody-polls-this"
        )

    temporal(orphan_loop)
    monkeypatch.setattr(bridge_temporal, "QUERY_TIMEOUT", timedelta(seconds=2))

    with pytest.raises(TimeoutError, match="did not answer the status query within 2 s") as failure:
        image_loop_status()
    # Not an AirflowFailException: Airflow retries the task, as it should for a restarting worker.
    assert not isinstance(failure.value, AirflowFailException)
