"""The DAGs parse without errors, have the declared shape, and parsing them touches nothing:
`temporalio` cannot even be imported while they are parsed, and no socket may connect.

The DAG bag is filled in a fresh interpreter (tests/parse_dags.py) so that nothing this test
process imported hides an import the DAG files would make. The last two tests feed the same
harness DAG files that do what the real ones must not, proving it catches both."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support import DAGS_DIR, PYTHONPATH

EXPECTED_DAGS = {
    "pet_adota_provisionamento": {"schedule": None, "tags": {"pet-adota", "temporal", "provisionamento"}},
    "pet_adota_imagens": {"schedule": timedelta(seconds=30), "tags": {"pet-adota", "temporal", "imagens"}},
    "pet_adota_tendencias": {
        "schedule": timedelta(seconds=30),
        "tags": {"pet-adota", "temporal", "tendencias"},
    },
}


def parse(dags_folder: Path, tmp_path: Path) -> dict:
    result = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("parse_dags.py")), str(dags_folder)],
        env={
            "AIRFLOW_HOME": str(tmp_path / "airflow-home"),
            "PYTHONPATH": PYTHONPATH,
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def parsed(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return parse(DAGS_DIR, tmp_path_factory.mktemp("parse"))


def test_the_dags_parse_without_import_errors(parsed: dict) -> None:
    assert parsed["import_errors"] == {}
    assert set(parsed["dags"]) == set(EXPECTED_DAGS)


def test_parsing_imports_no_temporal_sdk_and_opens_no_connection(parsed: dict) -> None:
    assert parsed["blocked_imports"] == []
    assert parsed["connections"] == []
    assert parsed["temporalio_loaded"] is False
    # What the tasks import lazily stays unloaded too: the bridge's Temporal module.
    assert "petadota_bridge.temporal" not in parsed["bridge_modules"]


@pytest.mark.parametrize("dag_id", sorted(EXPECTED_DAGS))
def test_each_dag_has_its_schedule_tags_and_safe_defaults(parsed: dict, dag_id: str) -> None:
    dag = parsed["dags"][dag_id]
    expected = EXPECTED_DAGS[dag_id]
    schedule = expected["schedule"]
    assert dag["schedule_seconds"] == (None if schedule is None else schedule.total_seconds())
    assert set(dag["tags"]) == expected["tags"]
    assert dag["max_active_runs"] == 1
    assert dag["catchup"] is False
    assert dag["start_date_utc_offset"] == 0  # timezone-aware, in UTC
    assert dag["doc_md"].lstrip().startswith(f"### {dag_id}")
    for task in dag["tasks"]:
        assert task["retries"] >= 1, task
        assert task["retry_delay_seconds"] > 0, task
        assert task["execution_timeout_seconds"], task


def test_the_dags_have_the_expected_tasks_and_params(parsed: dict) -> None:
    tasks = {dag_id: [task["task_id"] for task in dag["tasks"]] for dag_id, dag in parsed["dags"].items()}
    assert tasks == {
        "pet_adota_provisionamento": ["provision_and_validate"],
        "pet_adota_imagens": ["ensure_image_loop", "log_image_loop_status", "run_image_cycle"],
        "pet_adota_tendencias": ["check_trend_report"],
    }
    params = {dag_id: dag["params"] for dag_id, dag in parsed["dags"].items()}
    assert params == {
        "pet_adota_provisionamento": {"environment": "local"},
        "pet_adota_imagens": {"run_cycle": False, "dogs": 10, "cats": 10},
        "pet_adota_tendencias": {},
    }
    imagens = parsed["dags"]["pet_adota_imagens"]["tasks"]
    assert imagens[1]["upstream"] == ["ensure_image_loop"]


def test_the_harness_catches_a_dag_that_imports_temporalio_at_parse_time(tmp_path: Path) -> None:
    folder = tmp_path / "dags"
    folder.mkdir()
    (folder / "eager.py").write_text(
        "import pendulum\nimport temporalio.client\nfrom airflow.sdk import dag\n\n"
        "@dag(dag_id='eager', schedule=None, start_date=pendulum.datetime(2025, 1, 1, tz='UTC'))\n"
        "def eager():\n    pass\n\neager()\n"
    )
    parsed = parse(folder, tmp_path)
    assert parsed["blocked_imports"] == ["temporalio"]
    assert "temporalio imported while parsing DAGs" in next(iter(parsed["import_errors"].values()))
    assert parsed["dags"] == {}


def test_the_harness_catches_a_dag_that_connects_at_parse_time(tmp_path: Path) -> None:
    folder = tmp_path / "dags"
    folder.mkdir()
    (folder / "chatty.py").write_text(
        "import socket\nimport pendulum\nfrom airflow.sdk import dag\n\n"
        "try:\n    socket.create_connection(('127.0.0.1', 7233), timeout=1)\nexcept OSError:\n    pass\n\n"
        "@dag(dag_id='chatty', schedule=None, start_date=pendulum.datetime(2025, 1, 1, tz='UTC'))\n"
        "def chatty():\n    pass\n\nchatty()\n"
    )
    parsed = parse(folder, tmp_path)
    assert parsed["connections"] == ["127.0.0.1:7233"]
