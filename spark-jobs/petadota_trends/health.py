"""Health of the running trends job, from the status file it keeps fresh: healthy when the file
is recent, written by a live process (of the given process group, when one is given: the stack's
service, whose driver is the group's leader in local mode and spark-submit's child on a cluster),
and every streaming query is active. `python -m petadota_trends.health [--process-group PGID]`
exits 0 when healthy.
Kept free of PySpark, so that a health check costs no more than starting Python."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path

from petadota_trends.settings import status_file_from_env


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _group(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def check(path: Path, max_age_seconds: float, process_group: int | None = None) -> str | None:
    """None when the job is healthy, else what is wrong."""
    try:
        status = json.loads(path.read_text())
    except FileNotFoundError:
        return f"no status file at {path} (the job writes it once its queries started)"
    except json.JSONDecodeError as error:
        return f"unreadable status file {path}: {error}"
    age = time.time() - datetime.fromisoformat(status["updated_at"]).timestamp()
    if status["state"] != "running":
        return f"the job is {status['state']}"
    if not _alive(status["pid"]):
        return f"the job (pid {status['pid']}) is not running"
    if process_group is not None and _group(status["pid"]) != process_group:
        return f"the status file belongs to pid {status['pid']}, not a process of group {process_group}"
    if age > max_age_seconds:
        return f"the status is {age:.0f} s old (the driver stopped updating it)"
    inactive = [name for name, query in status["queries"].items() if not query["active"]]
    if inactive or not status["queries"]:
        return f"queries not active: {', '.join(inactive) or 'none started'}"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Health of the running trends job, from its status file.")
    parser.add_argument("--file", type=Path, help="status file (default: SPARK_STATUS_FILE or its default)")
    parser.add_argument("--max-age", type=float, default=30.0, help="seconds after which the file is stale")
    parser.add_argument("--process-group", type=int, help="the process group of the writer")
    args = parser.parse_args(argv)
    path = args.file or status_file_from_env()
    problem = check(path, args.max_age, args.process_group)
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    status = json.loads(path.read_text())
    print(f"healthy: pid {status['pid']}, queries {', '.join(status['queries'])} active")
    return 0


if __name__ == "__main__":
    sys.exit(main())
