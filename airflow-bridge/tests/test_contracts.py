"""The bridge's names are the TypeScript contracts' own strings: node prints the constants, query
and signal names and the workflow IDs the contracts build; the Python module must agree."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from petadota_bridge import contracts
from tests.support import node_eval

# Instants whose ISO form exercises every field of toISOString (zero padding, milliseconds).
INSTANTS_MS = [0, 1_795_324_841_590, 1_700_000_000_007]
ENVIRONMENTS = ["local", "gcp-prod", "a"]

TS_CONTRACTS = f"""
const provisioning = require('./contracts/provisioning');
const images = require('./contracts/images');
const imageLoop = require('./contracts/image-loop-messages');
const trends = require('./contracts/trends');
const trendLoop = require('./contracts/trend-loop-messages');
console.log(JSON.stringify({{
  provisioning: {{
    taskQueue: provisioning.PROVISIONING_TASK_QUEUE,
    workflowType: provisioning.PROVISION_WORKFLOW_TYPE,
    environmentName: provisioning.ENVIRONMENT_NAME.source,
    workflowIds: {json.dumps(ENVIRONMENTS)}.map(
      (environment) => provisioning.provisionWorkflowId({{ environment }}),
    ),
  }},
  images: {{
    taskQueue: images.IMAGES_TASK_QUEUE,
    cycleWorkflowType: images.IMAGE_CYCLE_WORKFLOW_TYPE,
    cycleWorkflowIds: {json.dumps(INSTANTS_MS)}.map((ms) => images.imageCycleWorkflowId(new Date(ms))),
    loopWorkflowType: images.IMAGE_LOOP_WORKFLOW_TYPE,
    loopWorkflowId: images.IMAGE_LOOP_WORKFLOW_ID,
    statusQuery: imageLoop.imageLoopStatus.name,
    pauseSignal: imageLoop.pauseImageLoop.name,
    resumeSignal: imageLoop.resumeImageLoop.name,
  }},
  trends: {{
    taskQueue: trends.TRENDS_TASK_QUEUE,
    loopWorkflowType: trends.TREND_REPORT_LOOP_WORKFLOW_TYPE,
    loopWorkflowId: trends.TREND_REPORT_LOOP_WORKFLOW_ID,
    latestReportQuery: trendLoop.latestTrendReport.name,
  }},
}}));
"""


def python_contracts() -> dict:
    instants = [datetime.fromtimestamp(ms / 1000, tz=UTC) for ms in INSTANTS_MS]
    return {
        "provisioning": {
            "taskQueue": contracts.PROVISIONING_TASK_QUEUE,
            "workflowType": contracts.PROVISION_WORKFLOW_TYPE,
            "environmentName": contracts.ENVIRONMENT_NAME.pattern,
            "workflowIds": [contracts.provision_workflow_id(environment) for environment in ENVIRONMENTS],
        },
        "images": {
            "taskQueue": contracts.IMAGES_TASK_QUEUE,
            "cycleWorkflowType": contracts.IMAGE_CYCLE_WORKFLOW_TYPE,
            "cycleWorkflowIds": [contracts.image_cycle_workflow_id(at) for at in instants],
            "loopWorkflowType": contracts.IMAGE_LOOP_WORKFLOW_TYPE,
            "loopWorkflowId": contracts.IMAGE_LOOP_WORKFLOW_ID,
            "statusQuery": contracts.IMAGE_LOOP_STATUS_QUERY,
            "pauseSignal": contracts.IMAGE_LOOP_PAUSE_SIGNAL,
            "resumeSignal": contracts.IMAGE_LOOP_RESUME_SIGNAL,
        },
        "trends": {
            "taskQueue": contracts.TRENDS_TASK_QUEUE,
            "loopWorkflowType": contracts.TREND_REPORT_LOOP_WORKFLOW_TYPE,
            "loopWorkflowId": contracts.TREND_REPORT_LOOP_WORKFLOW_ID,
            "latestReportQuery": contracts.TREND_LATEST_REPORT_QUERY,
        },
    }


@pytest.fixture(scope="module")
def typescript_contracts() -> dict:
    return json.loads(node_eval(TS_CONTRACTS))


def test_every_name_and_workflow_id_is_the_typescript_contracts_own(typescript_contracts: dict) -> None:
    assert python_contracts() == typescript_contracts


def test_the_airflow_cycle_id_is_a_cycle_id_of_the_contract(typescript_contracts: dict) -> None:
    # imageCycleWorkflowId(at) is the prefix followed by the ISO time: the Airflow variant keeps
    # that prefix, so a UI search for `images-cycle:` lists the Airflow-started cycles too.
    typescript_prefix = typescript_contracts["images"]["cycleWorkflowIds"][0].removesuffix(
        "1970-01-01T00:00:00.000Z"
    )
    assert typescript_prefix == contracts.IMAGE_CYCLE_WORKFLOW_ID_PREFIX
    workflow_id = contracts.airflow_image_cycle_workflow_id("manual__2026-11-22T05:21:39.651843+00:00")
    assert workflow_id.startswith(f"{typescript_prefix}airflow:")


def test_environment_names_are_validated_like_the_contract() -> None:
    assert contracts.provision_workflow_id("gcp-prod") == "provision:gcp-prod"
    for bad in ["", "Local", "-local", "local/../x", "a" * 64]:
        with pytest.raises(ValueError, match="environment must match"):
            contracts.provision_workflow_id(bad)


def test_airflow_cycle_ids_derive_from_the_run_id_only_and_never_collide() -> None:
    run_id = "manual__2026-11-22T05:21:39.651843+00:00"
    first = contracts.airflow_image_cycle_workflow_id(run_id)
    assert first == contracts.airflow_image_cycle_workflow_id(run_id)  # a retry gets the same ID
    assert re.fullmatch(r"images-cycle:airflow:[A-Za-z0-9._:-]+", first)
    assert first.startswith("images-cycle:airflow:manual__2026-11-22T05:21:39.651843_00:00.")
    # Run IDs that only differ in the replaced characters still get different workflow IDs.
    assert contracts.airflow_image_cycle_workflow_id("a+b") != contracts.airflow_image_cycle_workflow_id(
        "a_b"
    )
    assert contracts.airflow_image_cycle_workflow_id("scheduled__x") == "images-cycle:airflow:scheduled__x"
    with pytest.raises(ValueError):
        contracts.airflow_image_cycle_workflow_id("")
