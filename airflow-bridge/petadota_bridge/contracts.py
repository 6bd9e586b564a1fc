"""The workflows' contract names, as the TypeScript contracts (``contracts/*.ts``) define them.

The strings here must be those of the contracts: ``tests/test_contracts.py`` prints the
TypeScript constants with node and fails when any of these drift from them.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

# contracts/provisioning.ts
PROVISIONING_TASK_QUEUE = "pet-adota-provisioning"
PROVISION_WORKFLOW_TYPE = "provisionInfrastructure"
ENVIRONMENT_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")

# contracts/images.ts and contracts/image-loop-messages.ts
IMAGES_TASK_QUEUE = "pet-adota-images"
IMAGE_CYCLE_WORKFLOW_TYPE = "imageCycle"
IMAGE_CYCLE_WORKFLOW_ID_PREFIX = "images-cycle:"
IMAGE_LOOP_WORKFLOW_TYPE = "imageLoop"
IMAGE_LOOP_WORKFLOW_ID = "images-loop"
IMAGE_LOOP_STATUS_QUERY = "status"
IMAGE_LOOP_PAUSE_SIGNAL = "pause"
IMAGE_LOOP_RESUME_SIGNAL = "resume"

# contracts/trends.ts and contracts/trend-loop-messages.ts
TRENDS_TASK_QUEUE = "pet-adota-trends"
TREND_REPORT_LOOP_WORKFLOW_TYPE = "trendReportLoop"
TREND_REPORT_LOOP_WORKFLOW_ID = "trends-loop"
TREND_LATEST_REPORT_QUERY = "latestReport"


def provision_workflow_id(environment: str) -> str:
    """``provision:<environment>``, as ``provisionWorkflowId`` builds it."""
    if not ENVIRONMENT_NAME.match(environment):
        raise ValueError(
            f"environment must match {ENVIRONMENT_NAME.pattern} (lower case, digits, '-'), "
            f"got {environment!r}"
        )
    return f"provision:{environment}"


def js_iso(at: datetime) -> str:
    """JavaScript's ``Date.prototype.toISOString``: UTC, milliseconds, ``Z``."""
    if at.tzinfo is None:
        raise ValueError("a timezone-aware datetime is required")
    at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def image_cycle_workflow_id(at: datetime) -> str:
    """``images-cycle:<ISO time>``, as ``imageCycleWorkflowId`` builds it."""
    return f"{IMAGE_CYCLE_WORKFLOW_ID_PREFIX}{js_iso(at)}"


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
    return f"{IMAGE_CYCLE_WORKFLOW_ID_PREFIX}airflow:{safe}"
