"""
### pet_adota_tendencias

Every 30 seconds, reads the adoption trends: queries the Temporal workflow `trends-loop`
(`trendReportLoop`) for its `latestReport` and logs the most-viewed animals of the last minute,
the peak hours and the stream's freshness.

The task **fails visibly** when the loop is not running, or when the trends are stale: the
stream's newest counted event is older than the limit (or there is none), or the loop's latest
report itself is older than the limit. The limit, in seconds, is the Airflow Variable
`pet_adota_tendencias_max_age_seconds`, else the environment variable
`PETADOTA_TRENDS_MAX_AGE_SECONDS`, else 120. This DAG only reads: the loop is started by the
platform (main job or CLI).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Variable, dag, task


@dag(
    dag_id="pet_adota_tendencias",
    schedule=timedelta(seconds=30),
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["pet-adota", "temporal", "tendencias"],
    default_args={"owner": "petadota", "retries": 2, "retry_delay": timedelta(seconds=10)},
    doc_md=__doc__,
)
def pet_adota_tendencias():
    @task(execution_timeout=timedelta(seconds=60))
    def check_trend_report():
        from petadota_bridge.trends import MAX_AGE_VARIABLE, check_trend_report, resolve_max_age

        return check_trend_report(resolve_max_age(Variable.get(MAX_AGE_VARIABLE, default=None)))

    check_trend_report()


pet_adota_tendencias()
