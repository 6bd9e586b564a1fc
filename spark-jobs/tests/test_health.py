"""The health check the local stack runs on the trends job's status file."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from petadota_trends.health import check, main


def write(path: Path, **changes: object) -> Path:
    status = {
        "state": "running",
        "pid": os.getpid(),
        "updated_at": datetime.now(UTC).isoformat(),
        "queries": {name: {"active": True} for name in ("views_10s", "views_hour", "dead_letter")},
        **changes,
    }
    path.write_text(json.dumps(status))
    return path


def dead_pid() -> int:
    process = subprocess.Popen(["true"])  # noqa: S607 (a process that is surely gone)
    process.wait()
    return process.pid


def test_a_fresh_status_of_this_process_with_active_queries_is_healthy(tmp_path: Path) -> None:
    path = write(tmp_path / "status.json")

    assert check(path, 30, os.getpgid(0)) is None
    assert main(["--file", str(path), "--process-group", str(os.getpgid(0))]) == 0


def test_a_status_written_by_a_process_of_another_group_is_not_this_services(tmp_path: Path) -> None:
    other = subprocess.Popen(["sleep", "30"], start_new_session=True)  # noqa: S607
    try:
        path = write(tmp_path / "status.json", pid=other.pid)

        assert check(path, 30, os.getpgid(0)) == (
            f"the status file belongs to pid {other.pid}, not a process of group {os.getpgid(0)}"
        )
        assert check(path, 30, other.pid) is None
    finally:
        other.kill()
        other.wait()


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"updated_at": (datetime.now(UTC) - timedelta(seconds=31)).isoformat()}, "s old"),
        ({"state": "stopping"}, "the job is stopping"),
        (
            {"queries": {"views_10s": {"active": True}, "views_hour": {"active": False}}},
            "not active: views_hour",
        ),
        ({"queries": {}}, "none started"),
    ],
)
def test_what_makes_it_unhealthy(tmp_path: Path, changes: dict, problem: str) -> None:
    path = write(tmp_path / "status.json", **changes)

    assert problem in (check(path, 30, os.getpgid(0)) or "")
    assert main(["--file", str(path), "--process-group", str(os.getpgid(0))]) == 1


def test_a_dead_writer_or_no_file_is_unhealthy(tmp_path: Path) -> None:
    pid = dead_pid()

    assert check(write(tmp_path / "status.json", pid=pid), 30) == f"the job (pid {pid}) is not running"
    assert "no status file" in (check(tmp_path / "missing.json", 30) or "")
