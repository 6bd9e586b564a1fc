"""The image DAG's tasks: keep the one ``images-loop`` running, log its status, and run one
``imageCycle`` on demand."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from .contracts import (
    IMAGE_CYCLE_WORKFLOW_TYPE,
    IMAGE_LOOP_STATUS_QUERY,
    IMAGE_LOOP_WORKFLOW_ID,
    IMAGE_LOOP_WORKFLOW_TYPE,
    IMAGES_TASK_QUEUE,
    airflow_image_cycle_workflow_id,
)
from .errors import CheckFailed
from .results import log_result
from .settings import TemporalSettings

log = logging.getLogger(__name__)

START_LOOP_HINT = "The next run of pet_adota_imagens starts it again."
# While this Airflow Variable is true, every scheduled run also runs one imageCycle: Airflow then
# drives cycles on its own 30-second schedule, as the seed's DAG did, beside the Temporal loop.
RUN_CYCLE_VARIABLE = "pet_adota_imagens_run_cycle"
_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off", ""}


def cycle_wanted(run_cycle_param: bool, variable_value: str | None) -> bool:
    """Whether this DAG run runs one ``imageCycle``: when it was triggered with ``run_cycle``,
    or while the Variable ``pet_adota_imagens_run_cycle`` is true. Any other value of the
    Variable is an error, not a silent no."""
    if run_cycle_param:
        return True
    value = (variable_value or "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"Airflow Variable {RUN_CYCLE_VARIABLE}: expected true or false, got {variable_value!r}")


def ensure_image_loop(*, dag_id: str, run_id: str) -> dict[str, Any]:
    """Makes sure ``images-loop`` runs: joins the running loop, or starts it when there is none.

    The workflow ID is the contract's fixed ``images-loop`` and the start uses the USE_EXISTING
    conflict policy, so however often this runs, and whoever else starts the loop (the CLI, the
    main job), there is never a second loop.
    """
    settings = TemporalSettings.from_env()
    return asyncio.run(_ensure_image_loop(settings, dag_id, run_id))


async def _ensure_image_loop(settings: TemporalSettings, dag_id: str, run_id: str) -> dict[str, Any]:
    from temporalio.common import WorkflowIDReusePolicy

    from .temporal import MEMO_DAG_ID, MEMO_RUN_ID, connect, start_or_attach

    client = await connect(settings)
    started = await start_or_attach(
        client,
        workflow_type=IMAGE_LOOP_WORKFLOW_TYPE,
        arg={},
        workflow_id=IMAGE_LOOP_WORKFLOW_ID,
        task_queue=IMAGES_TASK_QUEUE,
        # A loop that was terminated or failed is started again: keeping it running is this DAG's job.
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        memo={MEMO_DAG_ID: dag_id, MEMO_RUN_ID: run_id},
    )
    log.info(
        "%s %s, run %s (%s)",
        "already running:" if started.attached else "started",
        IMAGE_LOOP_WORKFLOW_ID,
        started.run_id,
        settings.workflow_url(IMAGE_LOOP_WORKFLOW_ID),
    )
    return {"workflowId": IMAGE_LOOP_WORKFLOW_ID, "runId": started.run_id, "started": not started.attached}


def image_loop_status() -> dict[str, Any]:
    """Queries the loop's ``status`` and logs it; fails the task when the loop is not running."""
    settings = TemporalSettings.from_env()
    status = asyncio.run(_image_loop_status(settings))
    log_result(log, f"{IMAGE_LOOP_WORKFLOW_ID} status", status)
    latest = status["lastCycles"][-1] if status["lastCycles"] else None
    return {"paused": status["paused"], "cyclesStarted": status["cyclesStarted"], "latestCycle": latest}


async def _image_loop_status(settings: TemporalSettings) -> dict[str, Any]:
    from .temporal import connect, query, require_running

    client = await connect(settings)
    await require_running(client, IMAGE_LOOP_WORKFLOW_ID, START_LOOP_HINT)
    return await query(client, IMAGE_LOOP_WORKFLOW_ID, IMAGE_LOOP_STATUS_QUERY)


def run_image_cycle(*, dag_id: str, run_id: str, dogs: int, cats: int) -> dict[str, Any]:
    """Runs one ``imageCycle`` for this DAG run (ID ``images-cycle:airflow:<run id>``) and logs
    what it stored, skipped and rejected.

    The ID depends on the DAG run only and the reuse policy refuses a second run after a
    completed one, so a retried task attaches to the cycle its first try started (running or
    finished) and never fetches a second batch; a cycle that failed may run again.
    """
    settings = TemporalSettings.from_env()
    workflow_id = airflow_image_cycle_workflow_id(run_id)
    summary = asyncio.run(
        _run_image_cycle(settings, workflow_id, dag_id, run_id, {"dogs": dogs, "cats": cats})
    )
    log_result(log, f"{workflow_id} result", summary)
    return {
        "workflowId": workflow_id,
        "stored": len(summary["stored"]),
        "duplicates": len(summary["duplicates"]),
        "rejected": len(summary["rejected"]),
    }


async def _run_image_cycle(
    settings: TemporalSettings, workflow_id: str, dag_id: str, run_id: str, cycle_input: dict[str, int]
) -> dict[str, Any]:
    from temporalio.client import WorkflowFailureError
    from temporalio.common import WorkflowIDReusePolicy

    from .temporal import (
        MEMO_DAG_ID,
        MEMO_RUN_ID,
        connect,
        describe_failure,
        start_or_attach,
        wait_for_result,
    )

    client = await connect(settings)
    started = await start_or_attach(
        client,
        workflow_type=IMAGE_CYCLE_WORKFLOW_TYPE,
        arg=cycle_input,
        workflow_id=workflow_id,
        task_queue=IMAGES_TASK_QUEUE,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        memo={MEMO_DAG_ID: dag_id, MEMO_RUN_ID: run_id},
    )
    log.info(
        "%s %s %s, run %s (%s)",
        "attached to" if started.attached else "started",
        IMAGE_CYCLE_WORKFLOW_TYPE,
        workflow_id,
        started.run_id,
        settings.workflow_url(workflow_id),
    )
    try:
        return await wait_for_result(started.handle, log)
    except WorkflowFailureError as error:
        raise CheckFailed(f"{workflow_id} failed: {describe_failure(error)}") from error
