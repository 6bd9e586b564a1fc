"""`airflow dags test pet_adota_tendencias` against the dev server: the task fails visibly, and at
once, when there is no trend loop to read."""

from __future__ import annotations

from tests.support import Airflow, task_states

DAG_ID = "pet_adota_tendencias"


def test_the_dag_fails_at_once_when_the_trend_loop_is_not_running(airflow: Airflow) -> None:
    run = airflow.dags_test(DAG_ID)

    assert run.returncode != 0
    assert "trends-loop is not running: no such workflow in this namespace" in run.output
    # Failed without retries: a missing loop is an answer, not a transient error.
    assert task_states(run.output) == ["failed"]
