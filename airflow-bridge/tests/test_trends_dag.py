"""`airflow dags test pet_adota_tendencias` against the dev server and the platform's worker running
the real trendReportLoop: the task fails at once while there is no loop, logs the report's top
animals when the stream is fresh, and fails visibly when it is older than the configured limit.

The stream job's output is seeded into the isolated database's visualizacoes_10s with the stream
account (the account the Spark job writes with), so the counts in the report are known exactly."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from petadota_bridge.contracts import (
    TREND_LATEST_REPORT_QUERY,
    TREND_REPORT_LOOP_WORKFLOW_ID,
    TREND_REPORT_LOOP_WORKFLOW_TYPE,
    TRENDS_TASK_QUEUE,
)
from petadota_bridge.trends import MAX_AGE_ENV, MAX_AGE_VARIABLE
from tests.support import Airflow, TemporalRunner, describe_or_none, logged_result, task_states, wait_until

DAG_ID = "pet_adota_tendencias"
REPORT_LABEL = f"{TREND_REPORT_LOOP_WORKFLOW_ID} {TREND_LATEST_REPORT_QUERY}"
# Views per 10-second bucket; the report's window is the last complete minute: six buckets.
SEEDED = [("gato", "persa", 5), ("cachorro", "labrador", 3), ("gato", "siames", 1)]
NEWEST_EVENT_AGE = timedelta(seconds=30)


def test_the_dag_fails_at_once_when_the_trend_loop_is_not_running(airflow: Airflow, namespace: str) -> None:
    run = airflow.dags_test(DAG_ID)

    assert run.returncode != 0
    assert "trends-loop is not running: no such workflow in this namespace" in run.output
    # Failed without retries: a missing loop is an answer, not a transient error.
    assert task_states(run.output) == ["failed"]


def seed_stream_output(platform_env: dict[str, str], now: datetime) -> None:
    """What the stream job would have written: the same counts in every bucket around now."""
    first_bucket = now.replace(second=now.second - now.second % 10, microsecond=0)
    newest = (now - NEWEST_EVENT_AGE).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    buckets = [first_bucket + timedelta(seconds=10 * k) for k in range(-12, 7)]
    rows = [
        f"('{bucket:%Y-%m-%d %H:%M:%S}', '{tipo}', '{raca}', {views}, '{newest}')"
        for bucket in buckets
        for tipo, raca, views in SEEDED
    ]
    # Every value is a constant of this test or a formatted time: nothing from outside.
    sql = "INSERT INTO visualizacoes_10s (bucket_inicio, tipo, raca, visualizacoes, ultimo_evento_em) VALUES "
    sql += ", ".join(rows)
    subprocess.run(
        [
            "mariadb",
            "--no-defaults",
            "-h",
            platform_env.get("MYSQL_HOST", "127.0.0.1"),
            "-P",
            platform_env.get("MYSQL_PORT", "3306"),
            "-u",
            platform_env["MYSQL_STREAM_USER"],
            platform_env["MYSQL_DATABASE"],
            "-e",
            sql,
        ],
        env={**os.environ, "MYSQL_PWD": platform_env["MYSQL_STREAM_PASSWORD"]},
        check=True,
        capture_output=True,
        timeout=30,
    )


@pytest.fixture(scope="module")
def trend_loop(provisioned: None, platform_env: dict[str, str], temporal: TemporalRunner) -> Iterator[dict]:
    """The real trendReportLoop, reporting every 2 s, over seeded stream output; its first report."""
    seed_stream_output(platform_env, datetime.now(UTC))

    async def start(client: Client) -> None:
        await client.start_workflow(
            TREND_REPORT_LOOP_WORKFLOW_TYPE,
            {"intervalSeconds": 2},
            id=TREND_REPORT_LOOP_WORKFLOW_ID,
            task_queue=TRENDS_TASK_QUEUE,
        )

    temporal(start)

    def first_report() -> dict | None:
        report = temporal(
            lambda client: client.get_workflow_handle(TREND_REPORT_LOOP_WORKFLOW_ID).query(
                TREND_LATEST_REPORT_QUERY
            )
        )
        return report if report and report["viewsInWindow"] > 0 else None

    try:
        yield wait_until("the trend loop's first report", first_report, 60, interval=0.5)
    finally:
        loop = describe_or_none(temporal, TREND_REPORT_LOOP_WORKFLOW_ID)
        if loop is not None and loop.status == WorkflowExecutionStatus.RUNNING:
            temporal(
                lambda client: client.get_workflow_handle(TREND_REPORT_LOOP_WORKFLOW_ID).terminate(
                    "test done"
                )
            )


def test_the_dag_logs_the_top_animals_of_a_fresh_stream(airflow: Airflow, trend_loop: dict) -> None:
    run = airflow.dags_test(DAG_ID)

    assert run.returncode == 0, run.output[-3000:]
    assert task_states(run.output) == ["success"]
    # Six buckets of the seeded counts, in order.
    logged = logged_result(run.output, REPORT_LABEL)
    assert logged["topBreeds"] == [
        {"rank": 1, "tipo": "gato", "raca": "persa", "views": 30},
        {"rank": 2, "tipo": "cachorro", "raca": "labrador", "views": 18},
        {"rank": 3, "tipo": "gato", "raca": "siames", "views": 6},
    ]
    assert logged["viewsInWindow"] == 54
    assert logged["freshness"]["ageSeconds"] >= NEWEST_EVENT_AGE.total_seconds()


def test_the_dag_fails_visibly_when_the_stream_is_older_than_the_variable_allows(
    airflow: Airflow, trend_loop: dict
) -> None:
    age = trend_loop["freshness"]["ageSeconds"]
    assert age >= NEWEST_EVENT_AGE.total_seconds()
    # The Variable wins over the environment variable, which alone would let the report pass.
    assert airflow.run("variables", "set", MAX_AGE_VARIABLE, "5").returncode == 0
    try:
        run = airflow.dags_test(DAG_ID, **{MAX_AGE_ENV: "1000"})
    finally:
        assert airflow.run("variables", "delete", MAX_AGE_VARIABLE).returncode == 0

    assert run.returncode != 0
    assert task_states(run.output) == ["failed"]
    assert re.search(r"trends are stale: the newest counted event \(\S+\) was [\d.]+ s old", run.output)
    assert "more than the limit of 5 s" in run.output
    # The report is still logged before the task fails: the operator sees what is stale.
    assert logged_result(run.output, REPORT_LABEL)["topBreeds"][0]["views"] == 30
