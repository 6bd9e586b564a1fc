"""The trends DAG's task: read ``trends-loop``'s latest report, log it, and fail visibly when the
click stream (or the loop itself) has gone stale."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from petadota_platform.settings import ConfigurationError, Settings, parse_value, setting

from .contracts import TREND_LATEST_REPORT_QUERY, TREND_REPORT_LOOP_WORKFLOW_ID
from .errors import CheckFailed, NotReady
from .results import log_result
from .settings import TemporalSettings

log = logging.getLogger(__name__)

# Airflow Variable first, then the environment variable, then its declared default (the loop's own
# staleAfterSeconds default in contracts/trends.ts).
MAX_AGE_VARIABLE = "pet_adota_tendencias_max_age_seconds"
MAX_AGE_ENV = "PETADOTA_TRENDS_MAX_AGE_SECONDS"
DEFAULT_MAX_AGE_SECONDS = float(setting(MAX_AGE_ENV)["default"])

START_LOOP_HINT = "Start it with the platform's main job (make run) or the CLI; this DAG only reads it."


def resolve_max_age(variable_value: str | None, env: Mapping[str, str] | None = None) -> float:
    """The staleness limit in seconds: the Airflow Variable, else the environment, else 120; both
    are checked as the declaration of PETADOTA_TRENDS_MAX_AGE_SECONDS says."""
    if variable_value is not None and variable_value.strip():
        try:
            return float(parse_value(setting(MAX_AGE_ENV), variable_value.strip()))
        except ConfigurationError as error:
            reason = str(error).removeprefix(f"{MAX_AGE_ENV}: ")
            raise ConfigurationError(MAX_AGE_VARIABLE, reason) from None
    return Settings("airflow-bridge", env).number(MAX_AGE_ENV)


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def require_fresh(report: dict[str, Any], max_age_seconds: float, now: datetime) -> None:
    """Fails the task when the stream's newest counted event is older than ``max_age_seconds``
    (or there is none), or when the report itself is that old (the loop stopped reporting)."""
    age = report["freshness"]["ageSeconds"]
    if age is None:
        raise CheckFailed(
            f"trends are stale: the stream has not counted any event yet (limit {max_age_seconds:g} s)"
        )
    if age > max_age_seconds:
        raise CheckFailed(
            f"trends are stale: the newest counted event ({report['freshness']['newestEventAt']}) was "
            f"{age:g} s old at {report['generatedAt']}, more than the limit of {max_age_seconds:g} s"
        )
    report_age = (now - _parse_time(report["generatedAt"])).total_seconds()
    if report_age > max_age_seconds:
        raise CheckFailed(
            f"trends are stale: {TREND_REPORT_LOOP_WORKFLOW_ID}'s latest report was generated "
            f"{report_age:.0f} s ago ({report['generatedAt']}), more than the limit of {max_age_seconds:g} s"
        )


def check_trend_report(max_age_seconds: float) -> dict[str, Any]:
    """Queries ``trends-loop`` for ``latestReport``, logs it, and checks its freshness."""
    settings = TemporalSettings.from_env()
    report = asyncio.run(_latest_report(settings))
    if report is None:
        raise NotReady(f"{TREND_REPORT_LOOP_WORKFLOW_ID} has not produced its first report yet")
    log_result(log, f"{TREND_REPORT_LOOP_WORKFLOW_ID} {TREND_LATEST_REPORT_QUERY}", report)
    require_fresh(report, max_age_seconds, datetime.now(UTC))
    breed = report["topBreeds"][0] if report["topBreeds"] else None
    animal = report["topAnimals"][0] if report["topAnimals"] else None
    return {
        "tick": report["tick"],
        "viewsInWindow": report["viewsInWindow"],
        "top": f"{breed['tipo']}/{breed['raca']}" if breed else None,
        "topAnimal": animal["nome"] if animal else None,
        "lateClicksLastHour": report["lateClicks"]["lastHour"],
        "ageSeconds": report["freshness"]["ageSeconds"],
    }


async def _latest_report(settings: TemporalSettings) -> dict[str, Any] | None:
    from .temporal import connect, query, require_running

    client = await connect(settings)
    await require_running(client, TREND_REPORT_LOOP_WORKFLOW_ID, START_LOOP_HINT)
    return await query(client, TREND_REPORT_LOOP_WORKFLOW_ID, TREND_LATEST_REPORT_QUERY)
