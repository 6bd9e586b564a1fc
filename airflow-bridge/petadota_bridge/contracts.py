"""The workflows' contract names, from the one declaration every language reads
(``contracts/temporal.json``, through the platform's shared package): nothing is repeated here."""

from __future__ import annotations

import hashlib
import re

from petadota_platform.contracts import contract, format_workflow_id

_provisioning = contract("provisioning")
_images = contract("images")
_trends = contract("trends")

PROVISIONING_TASK_QUEUE: str = _provisioning["taskQueue"]
PROVISION_WORKFLOW_TYPE = "provisionInfrastructure"
_PROVISION = _provisioning["workflows"][PROVISION_WORKFLOW_TYPE]
ENVIRONMENT_NAME = re.compile(_PROVISION["environmentPattern"])

IMAGES_TASK_QUEUE: str = _images["taskQueue"]
IMAGE_CYCLE_WORKFLOW_TYPE = "imageCycle"
IMAGE_LOOP_WORKFLOW_TYPE = "imageLoop"
_CYCLE = _images["workflows"][IMAGE_CYCLE_WORKFLOW_TYPE]
_LOOP = _images["workflows"][IMAGE_LOOP_WORKFLOW_TYPE]
IMAGE_LOOP_WORKFLOW_ID: str = _LOOP["workflowId"]
IMAGE_LOOP_STATUS_QUERY: str = _LOOP["queries"]["status"]

TRENDS_TASK_QUEUE: str = _trends["taskQueue"]
TREND_REPORT_LOOP_WORKFLOW_TYPE = "trendReportLoop"
_TREND_LOOP = _trends["workflows"][TREND_REPORT_LOOP_WORKFLOW_TYPE]
TREND_REPORT_LOOP_WORKFLOW_ID: str = _TREND_LOOP["workflowId"]
TREND_LATEST_REPORT_QUERY: str = _TREND_LOOP["queries"]["latestReport"]


def provision_workflow_id(environment: str) -> str:
    """``provision:<environment>``."""
    if not ENVIRONMENT_NAME.match(environment):
        raise ValueError(
            f"environment must match {ENVIRONMENT_NAME.pattern} (lower case, digits, '-'), "
            f"got {environment!r}"
        )
    return format_workflow_id(_PROVISION["workflowId"], environment=environment)


_UNSAFE = re.compile(r"[^A-Za-z0-9._:-]")


def airflow_image_cycle_workflow_id(run_id: str) -> str:
    """``images-cycle:airflow:<run id>`` for the cycle one Airflow DAG run asked for.

    Derived from the DAG run only, so every try of the task names the same workflow and a retry
    attaches to it. Characters outside ``[A-Za-z0-9._:-]`` become ``_`` (``+00:00`` in Airflow's
    run IDs would otherwise end up in the UI's URLs); when any had to be replaced, a short hash of
    the original keeps two different run IDs from ever sharing a workflow ID.
    """
    if not run_id:
        raise ValueError("run_id is empty")
    safe = _UNSAFE.sub("_", run_id)
    if safe != run_id:
        safe += "." + hashlib.sha256(run_id.encode()).hexdigest()[:8]
    return format_workflow_id(_CYCLE["airflowWorkflowId"], runId=safe)
