"""The provisioning DAG's task: run ``provisionInfrastructure`` and report its validation."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from .contracts import PROVISION_WORKFLOW_TYPE, PROVISIONING_TASK_QUEUE, provision_workflow_id
from .errors import CheckFailed
from .results import log_result
from .settings import TemporalSettings

log = logging.getLogger(__name__)


def require_valid(report: dict[str, Any]) -> None:
    """Fails the task, naming the failed checks, when the report says the platform is not valid."""
    if report["ok"]:
        return
    failed = [
        f"{check['area']}/{check['name']}: {check['detail']}" for check in report["checks"] if not check["ok"]
    ]
    raise CheckFailed(
        f"provisioning of {report['environment']} is NOT valid: {len(failed)} check(s) failed: "
        + "; ".join(failed)
    )


def provision(environment: str, *, dag_id: str, run_id: str) -> dict[str, Any]:
    """Runs provisioning for ``environment`` (ID ``provision:<environment>``), waits, logs the
    validation table, and fails the task when validation failed.

    A run already in progress is joined; a completed run that this very DAG run started (its memo
    says so) is reported again instead of provisioning a second time, so a retried task never
    duplicates the work. Any other DAG run provisions again, which is harmless: provisioning is
    idempotent.
    """
    settings = TemporalSettings.from_env()
    report = asyncio.run(_provision(settings, environment, dag_id, run_id))
    log_result(log, f"{provision_workflow_id(environment)} result", report)
    require_valid(report)
    return {
        "environment": report["environment"],
        "ok": report["ok"],
        "checks": len(report["checks"]),
        "changes": sum(len(area) for area in report["changes"].values()),
    }


async def _provision(
    settings: TemporalSettings, environment: str, dag_id: str, run_id: str
) -> dict[str, Any]:
    from temporalio.client import WorkflowExecutionDescription, WorkflowExecutionStatus, WorkflowFailureError
    from temporalio.common import WorkflowIDReusePolicy

    from .temporal import (
        MEMO_DAG_ID,
        MEMO_RUN_ID,
        connect,
        describe_failure,
        start_or_attach,
        wait_for_result,
    )

    workflow_id = provision_workflow_id(environment)

    async def started_by_this_dag_run(run: WorkflowExecutionDescription) -> bool:
        return (
            run.status == WorkflowExecutionStatus.COMPLETED
            and await run.memo_value(MEMO_DAG_ID, None) == dag_id
            and await run.memo_value(MEMO_RUN_ID, None) == run_id
        )

    client = await connect(settings)
    started = await start_or_attach(
        client,
        workflow_type=PROVISION_WORKFLOW_TYPE,
        arg={"environment": environment},
        workflow_id=workflow_id,
        task_queue=PROVISIONING_TASK_QUEUE,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        memo={MEMO_DAG_ID: dag_id, MEMO_RUN_ID: run_id},
        attach_to_closed=started_by_this_dag_run,
    )
    log.info(
        "%s %s %s, run %s (%s)",
        "attached to" if started.attached else "started",
        PROVISION_WORKFLOW_TYPE,
        workflow_id,
        started.run_id,
        settings.workflow_url(workflow_id),
    )
    try:
        return await wait_for_result(started.handle, log)
    except WorkflowFailureError as error:
        raise CheckFailed(f"{workflow_id} failed: {describe_failure(error)}") from error
