"""
### pet_adota_provisionamento

Provisions and validates the platform by running the Temporal workflow
`provisionInfrastructure` (task queue `pet-adota-provisioning`, workflow ID
`provision:<environment>`), then logs its validation report as a table. The task **fails** when
any check failed (`report.ok` is false) and names the failed checks.

Manual only: trigger it with `{"environment": "local"}` (the default). A run already in progress
for the environment is joined, never duplicated; a retried task finds the run its first try
started. Temporal does the work; this DAG only starts and watches it.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, task

from petadota_bridge.contracts import ENVIRONMENT_NAME


@dag(
    dag_id="pet_adota_provisionamento",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["pet-adota", "temporal", "provisionamento"],
    default_args={"owner": "petadota", "retries": 2, "retry_delay": timedelta(seconds=30)},
    params={
        "environment": Param(
            "local",
            type="string",
            pattern=ENVIRONMENT_NAME.pattern,
            description="The environment to provision: names the workflow provision:<environment>.",
        )
    },
    doc_md=__doc__,
)
def pet_adota_provisionamento():
    @task(execution_timeout=timedelta(minutes=20))
    def provision_and_validate(params=None, dag_run=None):
        from petadota_bridge.provisioning import provision

        return provision(params["environment"], dag_id=dag_run.dag_id, run_id=dag_run.run_id)

    provision_and_validate()


pet_adota_provisionamento()
