"""Talking to Temporal: connect, start a workflow or attach to the run that already exists, wait
for its result with progress in the log, and describe failures. Only the task functions import
this module, so ``temporalio`` (and its Rust runtime) is loaded in the task process, never at
DAG parse time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio.client import (
    Client,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowHandle,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from .errors import CheckFailed
from .settings import TemporalSettings

# A query needs a worker of the workflow's task queue to answer; without one it would hang.
QUERY_TIMEOUT = timedelta(seconds=15)

# Airflow's context for a run that a task started, shown in the Temporal UI.
MEMO_DAG_ID = "airflowDagId"
MEMO_RUN_ID = "airflowRunId"


async def connect(settings: TemporalSettings) -> Client:
    return await Client.connect(settings.address, namespace=settings.namespace, **settings.connect_options)


async def describe_or_none(client: Client, workflow_id: str) -> WorkflowExecutionDescription | None:
    """The latest run of ``workflow_id``, or None when the namespace has never seen that ID."""
    try:
        return await client.get_workflow_handle(workflow_id).describe()
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return None
        raise


@dataclass(frozen=True)
class Started:
    handle: WorkflowHandle[Any, Any]
    run_id: str
    # True when this call found the run already there and joined it.
    attached: bool


async def start_or_attach(
    client: Client,
    *,
    workflow_type: str,
    arg: dict[str, Any],
    workflow_id: str,
    task_queue: str,
    id_reuse_policy: WorkflowIDReusePolicy,
    memo: dict[str, Any] | None = None,
    attach_to_closed: Callable[[WorkflowExecutionDescription], Awaitable[bool]] | None = None,
) -> Started:
    """Starts ``workflow_type`` under ``workflow_id`` unless a run of it is already there.

    A running run is always joined: the start itself uses the USE_EXISTING conflict policy, so
    even two callers racing each other end up on one run. A closed run is joined when
    ``attach_to_closed`` says so (a retried task finding the run its first try started), or when
    ``id_reuse_policy`` refuses a new run; otherwise a new run starts.
    """
    current = await describe_or_none(client, workflow_id)
    if current is not None and (
        current.status == WorkflowExecutionStatus.RUNNING
        or (attach_to_closed is not None and await attach_to_closed(current))
    ):
        return Started(client.get_workflow_handle(workflow_id, run_id=current.run_id), current.run_id, True)
    try:
        handle = await client.start_workflow(
            workflow_type,
            arg,
            id=workflow_id,
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=id_reuse_policy,
            memo=memo,
        )
    except WorkflowAlreadyStartedError as error:
        # The reuse policy refused a new run (e.g. a completed cycle): that run is the answer.
        run_id = error.run_id or ""
        return Started(client.get_workflow_handle(workflow_id, run_id=run_id or None), run_id, True)
    # A run started by someone else between the describe and the start was joined by the conflict
    # policy; it is reported as started here, which is the only imprecision of that race.
    return Started(handle, handle.result_run_id or "", False)


async def wait_for_result(
    handle: WorkflowHandle[Any, Any], log: logging.Logger, progress_every: float = 5.0
) -> Any:
    """The workflow's result; meanwhile each pending activity (and why it retries) is logged once."""
    result = asyncio.ensure_future(handle.result())
    printed: set[str] = set()
    try:
        while True:
            done, _ = await asyncio.wait({result}, timeout=progress_every)
            if done:
                return result.result()
            try:
                description = await handle.describe()
            except RPCError as error:
                log.warning("could not describe %s: %s", handle.id, error)
                continue
            for activity in description.raw_description.pending_activities:
                failure = activity.last_failure.message
                line = f"… {activity.activity_type.name} (attempt {activity.attempt or 1}"
                line += f", last failure: {failure})" if failure else ")"
                if line not in printed:
                    printed.add(line)
                    log.info("%s", line)
    finally:
        result.cancel()


def describe_failure(error: BaseException) -> str:
    """The whole cause chain, e.g. ``ActivityError: … ← AccessDenied: MySQL refused …``."""
    chain: list[str] = []
    cause = error.__cause__
    while cause is not None:
        kind = getattr(cause, "type", None) or type(cause).__name__
        chain.append(f"{kind}: {cause}")
        cause = cause.__cause__
    return " ← ".join(chain) or str(error)


async def require_running(client: Client, workflow_id: str, hint: str) -> WorkflowExecutionDescription:
    """The running run of ``workflow_id``; a visible task failure when there is none."""
    current = await describe_or_none(client, workflow_id)
    if current is None:
        raise CheckFailed(f"{workflow_id} is not running: no such workflow in this namespace. {hint}")
    if current.status != WorkflowExecutionStatus.RUNNING:
        status = current.status.name if current.status else "UNKNOWN"
        raise CheckFailed(
            f"{workflow_id} is not running: its latest run {current.run_id} is {status}. {hint}"
        )
    return current


async def query(client: Client, workflow_id: str, name: str) -> Any:
    """Queries the latest run of ``workflow_id`` (across continue-as-new). No answer within
    QUERY_TIMEOUT raises TimeoutError, which Airflow retries: the worker may be restarting."""
    try:
        return await client.get_workflow_handle(workflow_id).query(name, rpc_timeout=QUERY_TIMEOUT)
    except RPCError as error:
        if error.status in (RPCStatusCode.CANCELLED, RPCStatusCode.DEADLINE_EXCEEDED):
            raise TimeoutError(
                f"{workflow_id} did not answer the {name} query within {QUERY_TIMEOUT.seconds} s: "
                "is a worker polling its task queue?"
            ) from error
        raise
