"""What the tasks log and when they fail, on fixed inputs: every report is the very text the CLI
prints (checked against the TypeScript formatters in workers/report.ts), the freshness rules of
the trends, and where the bridge finds Temporal."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from airflow.sdk.exceptions import AirflowFailException

from petadota_bridge.errors import CheckFailed
from petadota_bridge.images import cycle_wanted, format_image_cycle_summary, format_image_loop_status
from petadota_bridge.provisioning import format_provisioning_report, require_valid
from petadota_bridge.settings import TemporalSettings, parse_env_file
from petadota_bridge.tables import format_table, js_number
from petadota_bridge.trends import (
    DEFAULT_MAX_AGE_SECONDS,
    MAX_AGE_ENV,
    format_trend_report,
    require_fresh,
    resolve_max_age,
)
from tests.support import node_eval


def provisioning_report(ok: bool) -> dict:
    checks = [
        {
            "area": "schema",
            "name": "table animais_disponiveis",
            "ok": True,
            "detail": "13 columns as declared",
        },
        {
            "area": "accounts",
            "name": "petadota_leitura cannot INSERT animais_disponiveis",
            "ok": ok,
            "detail": "refused by the server" if ok else "the INSERT succeeded",
        },
    ]
    return {
        "environment": "local",
        "database": "Pet_Adota",
        "bucket": "pet-adota-imagens",
        "topics": ["pet-adota-interacoes", "pet-adota-interacoes-dlq"],
        "changes": {
            "cloud": [],
            "bucket": ["created bucket pet-adota-imagens"],
            "schema": [],
            "accounts": [],
            "topics": [],
        },
        "checks": checks,
        "ok": ok,
    }


def typescript(expression: str, value: object) -> str:
    """What the CLI's formatter (workers/report.ts) prints for ``value``."""
    script = (
        "const report = require('./workers/report');"
        f"process.stdout.write(report.{expression}(...{json.dumps(value)}));"
    )
    return node_eval(script)


def test_tables_are_laid_out_like_the_clis() -> None:
    rows = [["cachorro", "labrador", "1"], ["gato", "sem-raca-definida", "12"]]
    expected = typescript("formatTable", [["TIPO", "RACA", "VIEWS"], rows])
    assert format_table(["TIPO", "RACA", "VIEWS"], rows) == expected
    assert expected.splitlines()[1] == "--------  -----------------  -----"


@pytest.mark.parametrize("ok", [True, False])
def test_the_provisioning_report_reads_as_the_cli_prints_it(ok: bool) -> None:
    report = provisioning_report(ok)
    assert format_provisioning_report(report) == typescript("formatProvisioningReport", [report])


def test_a_valid_report_passes_and_an_invalid_one_fails_the_task_without_retry() -> None:
    require_valid(provisioning_report(ok=True))
    with pytest.raises(CheckFailed) as failure:
        require_valid(provisioning_report(ok=False))
    # AirflowFailException: Airflow fails the task at once instead of retrying it.
    assert isinstance(failure.value, AirflowFailException)
    assert str(failure.value) == (
        "provisioning of local is NOT valid: 1 check(s) failed: "
        "accounts/petadota_leitura cannot INSERT animais_disponiveis: the INSERT succeeded"
    )


def trend_report(age: float | None, generated_at: str = "2026-11-22T14:03:30.000Z") -> dict:
    return {
        "tick": "2026-11-22T14:03:30.000Z",
        "generatedAt": generated_at,
        "window": {"start": "2026-11-22T14:02:00.000Z", "end": "2026-11-22T14:03:00.000Z"},
        "topAnimals": [
            {"rank": 1, "tipo": "gato", "raca": "persa", "views": 42},
            {"rank": 2, "tipo": "cachorro", "raca": "labrador", "views": 7},
        ],
        "viewsInWindow": 49,
        "peakHourToday": {"hourStart": "2026-11-22T14:00:00.000Z", "views": 900},
        "peakHourOverall": None,
        "freshness": {
            "newestEventAt": None if age is None else "2026-11-22T14:03:27.500Z",
            "ageSeconds": age,
            "stale": age is None or age > 120,
        },
    }


NOW = datetime(2026, 11, 22, 14, 3, 40, tzinfo=UTC)


@pytest.mark.parametrize(
    "report",
    [trend_report(2.5), trend_report(None), {**trend_report(130), "topAnimals": [], "viewsInWindow": 0}],
    ids=["fresh", "no-click-yet", "stale-and-empty"],
)
def test_the_trend_report_reads_as_the_cli_prints_it(report: dict) -> None:
    assert format_trend_report(report) == typescript("formatTrendReport", [report])


def test_the_trend_report_shows_the_top_animals_as_a_table() -> None:
    lines = format_trend_report(trend_report(2.5)).splitlines()
    assert lines[3:7] == [
        "RANK  TIPO      RACA      VIEWS",
        "----  --------  --------  -----",
        "1     gato      persa     42",
        "2     cachorro  labrador  7",
    ]
    assert lines[-1] == "stream: newest counted click 2.5 s old (2026-11-22T14:03:27.500Z)"


CYCLE_SUMMARY = {
    "stored": [
        {
            "tipo": "gato",
            "raca": "persa",
            "nome": "persa_01",
            "url": "s3://pet-adota-imagens/gato/persa/persa_01.jpg",
        },
        {
            "tipo": "cachorro",
            "raca": "labrador",
            "nome": "labrador_12",
            "url": "s3://pet-adota-imagens/cachorro/labrador/labrador_12.jpg",
        },
    ],
    "duplicates": [
        {"sourceUrl": "http://x/1.jpg", "nome": "persa_01", "reason": "same content"},
        {"sourceUrl": "http://x/2.jpg", "reason": "repeated in the same API answer"},
    ],
    "rejected": [{"type": "NotAnImage", "reason": "text/html"}],
}


HEALED_SUMMARY = {
    **CYCLE_SUMMARY,
    "healed": {
        "stored": [
            {"tipo": "gato", "raca": "persa", "nome": "persa_03", "url": "s3://b/gato/persa/persa_03.jpg"}
        ],
        "released": [{"nome": "persa_04", "sourceUrl": "http://x/gone.jpg", "reason": "answered 404"}],
        "pending": [{"objectKey": "gato/persa/persa_05.jpg", "reason": "S3 unavailable"}],
    },
}


@pytest.mark.parametrize(
    "summary",
    [CYCLE_SUMMARY, {"stored": [], "duplicates": [], "rejected": []}, HEALED_SUMMARY],
    ids=["mixed", "empty", "healed"],
)
def test_the_cycle_summary_reads_as_the_cli_prints_it(summary: dict) -> None:
    assert format_image_cycle_summary(summary) == typescript("formatImageCycleSummary", [summary])


LOOP_STATUS = {
    "paused": False,
    "nextTickAt": "2026-11-22T14:04:00.000Z",
    "cyclesStarted": 3,
    "cyclesSkipped": 1,
    "cyclesFailed": 1,
    "totals": {"stored": 20, "duplicates": 2, "rejected": 0},
    "lastCycles": [
        {
            "workflowId": "images-cycle:2026-11-22T14:02:30.000Z",
            "status": "completed",
            "stored": 20,
            "duplicates": 2,
            "rejected": 0,
        },
        {"workflowId": "images-cycle:2026-11-22T14:03:00.000Z", "status": "failed", "error": "timed out"},
        {"workflowId": "images-cycle:2026-11-22T14:03:30.000Z", "status": "running"},
    ],
}


@pytest.mark.parametrize(
    "status", [LOOP_STATUS, {**LOOP_STATUS, "paused": True, "nextTickAt": None}], ids=["running", "paused"]
)
def test_the_loop_status_reads_as_the_cli_prints_it(status: dict) -> None:
    text = format_image_loop_status(status)
    assert text == typescript("formatImageLoopStatus", [status])
    # Newest first, as the CLI shows it.
    assert text.splitlines()[-3].startswith("images-cycle:2026-11-22T14:03:30.000Z  running")


def test_numbers_print_as_in_javascript() -> None:
    assert [js_number(value) for value in (3, 3.0, 2.5, 120.5, 0.1)] == ["3", "3", "2.5", "120.5", "0.1"]


def test_fresh_trends_pass() -> None:
    require_fresh(trend_report(2.5), 120, NOW)
    require_fresh(trend_report(120), 120, NOW)  # the limit itself is still fresh


@pytest.mark.parametrize(
    ("report", "limit", "message"),
    [
        (
            trend_report(120.5),
            120,
            "was 120.5 s old at 2026-11-22T14:03:30.000Z, more than the limit of 120 s",
        ),
        (trend_report(None), 120, "the stream has not counted any event yet (limit 120 s)"),
        (trend_report(3, generated_at="2026-11-22T13:58:00.000Z"), 60, "generated 340 s ago"),
    ],
    ids=["old-event", "no-event", "old-report"],
)
def test_stale_trends_fail_the_task_without_retry(report: dict, limit: float, message: str) -> None:
    with pytest.raises(CheckFailed, match="trends are stale") as failure:
        require_fresh(report, limit, NOW)
    assert message in str(failure.value)


def test_the_staleness_limit_comes_from_the_variable_then_the_environment() -> None:
    assert resolve_max_age(None, {}) == DEFAULT_MAX_AGE_SECONDS == 120
    assert resolve_max_age(None, {MAX_AGE_ENV: "45"}) == 45
    assert resolve_max_age("30", {MAX_AGE_ENV: "45"}) == 30
    assert resolve_max_age(" ", {MAX_AGE_ENV: "45"}) == 45
    with pytest.raises(ValueError, match="pet_adota_tendencias_max_age_seconds: expected a number"):
        resolve_max_age("soon", {})
    with pytest.raises(ValueError, match="PETADOTA_TRENDS_MAX_AGE_SECONDS: expected a positive"):
        resolve_max_age(None, {MAX_AGE_ENV: "0"})


def test_a_cycle_runs_when_triggered_so_or_while_the_variable_is_true() -> None:
    assert cycle_wanted(True, None) is True
    assert cycle_wanted(False, None) is False
    assert cycle_wanted(False, " TRUE ") is True
    assert cycle_wanted(False, "false") is False
    assert cycle_wanted(True, "false") is True
    with pytest.raises(ValueError, match="pet_adota_imagens_run_cycle: expected true or false, got 'sim'"):
        cycle_wanted(False, "sim")


def test_temporal_settings_come_from_the_environment_then_local_env_then_defaults(tmp_path: Path) -> None:
    env_file = tmp_path / "local.env"
    env_file.write_text(
        "# written by the stack\nTEMPORAL_ADDRESS=10.1.2.3:7233\nTEMPORAL_NAMESPACE='from-file'\n"
    )
    from_file = TemporalSettings.from_env({"PETADOTA_ENV_FILE": str(env_file)})
    assert (from_file.address, from_file.namespace, from_file.ui_url) == (
        "10.1.2.3:7233",
        "from-file",
        "http://127.0.0.1:8233",
    )
    overridden = TemporalSettings.from_env(
        {"PETADOTA_ENV_FILE": str(env_file), "TEMPORAL_NAMESPACE": "mine", "TEMPORAL_ADDRESS": ""}
    )
    assert (overridden.address, overridden.namespace) == ("10.1.2.3:7233", "mine")
    defaults = TemporalSettings.from_env({"PETADOTA_DATA_DIR": str(tmp_path / "nowhere")})
    assert (defaults.address, defaults.namespace) == ("127.0.0.1:7233", "default")
    assert defaults.workflow_url("provision:local") == (
        "http://127.0.0.1:8233/namespaces/default/workflows/provision%3Alocal"
    )
    with pytest.raises(ValueError, match="TEMPORAL_ADDRESS: expected host:port"):
        TemporalSettings.from_env({"PETADOTA_ENV_FILE": str(env_file), "TEMPORAL_ADDRESS": "nohost"})
    assert parse_env_file('A=1\n\n  # c\nB="two words"\nnot a line\n') == {"A": "1", "B": "two words"}
