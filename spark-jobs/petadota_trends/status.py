"""What the running job tells the outside: one log line per micro-batch, and a status file that
the local stack's health check reads (`python -m petadota_trends.status`).

The status file is rewritten every few seconds by the driver's main loop; it is healthy when it
is fresh, its process is alive, and every streaming query is active."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pyspark.sql.streaming import StreamingQuery, StreamingQueryListener

from petadota_trends.settings import TrendsSettings, status_file_from_env

log = logging.getLogger("petadota_trends")


def _progress_summary(progress: Any) -> dict[str, Any]:
    state = progress.stateOperators or []
    return {
        "batch_id": progress.batchId,
        "at": progress.timestamp,
        "input_rows": progress.numInputRows,
        "input_rows_per_second": round(progress.inputRowsPerSecond or 0.0, 1),
        "processed_rows_per_second": round(progress.processedRowsPerSecond or 0.0, 1),
        "duration_ms": progress.durationMs.get("triggerExecution"),
        "duration_breakdown_ms": dict(progress.durationMs),
        "watermark": (progress.eventTime or {}).get("watermark"),
        "rows_dropped_by_watermark": sum(op.numRowsDroppedByWatermark for op in state),
        "state_rows": sum(op.numRowsTotal for op in state),
        "end_offsets": [source.endOffset for source in progress.sources],
    }


class ProgressLog(StreamingQueryListener):
    """Logs every micro-batch and keeps the latest progress of each query for the status file."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.latest: dict[str, dict[str, Any]] = {}
        self.first_batch: dict[str, int] = {}

    def onQueryStarted(self, event: Any) -> None:
        log.info("query %s started (id %s, run %s)", event.name, event.id, event.runId)

    def onQueryProgress(self, event: Any) -> None:
        progress = event.progress
        summary = _progress_summary(progress)
        with self._lock:
            self.latest[progress.name] = summary
            self.first_batch.setdefault(progress.name, progress.batchId)
        log.info(
            "%s batch %d: %d rows in %s ms (writing %s ms, %.0f rows/s), watermark %s, %d dropped as late",
            progress.name,
            summary["batch_id"],
            summary["input_rows"],
            summary["duration_ms"],
            progress.durationMs.get("addBatch"),
            summary["processed_rows_per_second"],
            summary["watermark"],
            summary["rows_dropped_by_watermark"],
        )

    def onQueryIdle(self, event: Any) -> None:
        pass

    def onQueryTerminated(self, event: Any) -> None:
        if event.exception:
            log.error("query %s failed: %s", event.id, event.exception)

    def snapshot(self) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
        with self._lock:
            return dict(self.latest), dict(self.first_batch)


def write_status(
    settings: TrendsSettings,
    state: str,
    queries: dict[str, StreamingQuery],
    progress: ProgressLog,
    ui_url: str | None,
) -> None:
    latest, first_batch = progress.snapshot()
    status = {
        "state": state,
        "pid": os.getpid(),
        "updated_at": datetime.now(UTC).isoformat(),
        "ui_url": ui_url,
        "checkpoint_dir": str(settings.checkpoint_dir),
        "queries": {
            name: {
                "id": str(query.id),
                "active": query.isActive,
                "first_batch_id_this_run": first_batch.get(name),
                "last_batch": latest.get(name),
            }
            for name, query in queries.items()
        },
    }
    path = settings.status_file
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(json.dumps(status, indent=2) + "\n")
    partial.replace(path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check(path: Path, max_age_seconds: float) -> str | None:
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
    args = parser.parse_args(argv)
    path = args.file or status_file_from_env()
    problem = check(path, args.max_age)
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    status = json.loads(path.read_text())
    print(f"healthy: pid {status['pid']}, queries {', '.join(status['queries'])} active")
    return 0


if __name__ == "__main__":
    sys.exit(main())
