"""
### pet_adota_imagens

Every 30 seconds, makes sure the Temporal image loop runs and shows what it did:

1. `ensure_image_loop` joins the running `imageLoop` (workflow ID `images-loop`, task queue
   `pet-adota-images`) or starts it when there is none. The ID is fixed and the start joins an
   existing run, so there is never a second loop.
2. `log_image_loop_status` queries the loop's `status` and logs its state and latest cycles.
3. `run_image_cycle`, on demand (trigger with `{"run_cycle": true}`, optionally `dogs` and
   `cats`), or on every run while the Airflow Variable `pet_adota_imagens_run_cycle` is `true`
   (Airflow then drives cycles on its own schedule, beside the loop): runs one `imageCycle` under
   the workflow ID `images-cycle:airflow:<run id>`, so a retried task attaches to the cycle its
   first try started instead of fetching a second batch.

The loop itself runs the cycles on its own 30-second grid; this DAG never holds the pipeline's
logic.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, Variable, dag, task


def _cycle_wanted(context) -> bool:
    from petadota_bridge.images import RUN_CYCLE_VARIABLE, cycle_wanted

    return cycle_wanted(context["params"]["run_cycle"], Variable.get(RUN_CYCLE_VARIABLE, default=None))


@dag(
    dag_id="pet_adota_imagens",
    schedule=timedelta(seconds=30),
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["pet-adota", "temporal", "imagens"],
    default_args={"owner": "petadota", "retries": 2, "retry_delay": timedelta(seconds=10)},
    params={
        "run_cycle": Param(
            False, type="boolean", description="Also run one imageCycle now, for this DAG run."
        ),
        "dogs": Param(10, type="integer", minimum=0, maximum=50, description="Dog images of that cycle."),
        "cats": Param(10, type="integer", minimum=0, maximum=50, description="Cat images of that cycle."),
    },
    doc_md=__doc__,
)
def pet_adota_imagens():
    @task(execution_timeout=timedelta(seconds=60))
    def ensure_image_loop(dag_run=None):
        from petadota_bridge.images import ensure_image_loop

        return ensure_image_loop(dag_id=dag_run.dag_id, run_id=dag_run.run_id)

    @task(execution_timeout=timedelta(seconds=60))
    def log_image_loop_status():
        from petadota_bridge.images import image_loop_status

        return image_loop_status()

    @task.run_if(_cycle_wanted, skip_message="run_cycle is false and so is pet_adota_imagens_run_cycle")
    @task(execution_timeout=timedelta(minutes=10))
    def run_image_cycle(params=None, dag_run=None):
        from petadota_bridge.images import run_image_cycle

        return run_image_cycle(
            dag_id=dag_run.dag_id, run_id=dag_run.run_id, dogs=params["dogs"], cats=params["cats"]
        )

    ensure_image_loop() >> log_image_loop_status()
    run_image_cycle()


pet_adota_imagens()
