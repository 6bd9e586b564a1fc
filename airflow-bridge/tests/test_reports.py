"""What the tasks log and when they fail, on fixed inputs: a workflow's result in one plain form
(its JSON), the validation and freshness rules, and where the bridge finds Temporal."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from airflow.sdk.exceptions import AirflowFailException

from petadota_bridge.errors import CheckFailed
from petadota_bridge.images import cycle_wanted
from petadota_bridge.provisioning import require_valid
from petadota_bridge.results import log_result
from petadota_bridge.settings import TemporalSettings
from petadota_bridge.trends import DEFAULT_MAX_AGE_SECONDS, MAX_AGE_ENV, require_fresh, resolve_max_age


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


def test_a_result_is_logged_as_its_json_in_the_workflows_key_order(caplog: pytest.LogCaptureFixture) -> None:
    report = provisioning_report(ok=True)
    with caplog.at_level(logging.INFO):
        log_result(logging.getLogger("test"), "provision:local result", report)
    label, _, logged = caplog.records[0].getMessage().partition("\n")
    assert label == "provision:local result:"
    assert json.loads(logged) == report
    assert list(json.loads(logged)) == list(report)


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
        "topBreeds": [
            {"rank": 1, "tipo": "gato", "raca": "persa", "views": 42},
            {"rank": 2, "tipo": "cachorro", "raca": "labrador", "views": 7},
        ],
        "topAnimals": [],
        "unknownAnimals": {"views": 0, "ids": []},
        "viewsInWindow": 49,
        "lateClicks": {"lastHour": 0, "longestLatenessSeconds": None},
        "peakHourToday": {"hourStart": "2026-11-22T14:00:00.000Z", "views": 900},
        "peakHourOverall": None,
        "freshness": {
            "newestEventAt": None if age is None else "2026-11-22T14:03:27.500Z",
            "ageSeconds": age,
            "stale": age is None or age > 120,
        },
    }


NOW = datetime(2026, 11, 22, 14, 3, 40, tzinfo=UTC)


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
    with pytest.raises(
        ValueError,
        match=r"^pet_adota_tendencias_max_age_seconds: expected a number of seconds greater than 0, "
        r"got 'soon'$",
    ):
        resolve_max_age("soon", {})
    with pytest.raises(
        ValueError,
        match=r"^PETADOTA_TRENDS_MAX_AGE_SECONDS: expected a number of seconds greater than 0, got '0'$",
    ):
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
    with pytest.raises(ValueError, match="TEMPORAL_ADDRESS: expected host:port, got 'nohost'"):
        TemporalSettings.from_env({"PETADOTA_ENV_FILE": str(env_file), "TEMPORAL_ADDRESS": "nohost"})
