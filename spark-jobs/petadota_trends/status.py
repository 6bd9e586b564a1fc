"""What the running job tells the outside: one log line per micro-batch, and a status file,
rewritten every few seconds by the driver's main loop, that the health check reads (health.py)."""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import UTC, datetime
from typing import Any

from pyspark.sql.streaming import StreamingQuery, StreamingQueryListener

from petadota_trends.profile import emit, progress_record
from petadota_trends.settings import TrendsSettings

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

    def __init__(self, profile: bool = False) -> None:
        self.profile = profile
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
            "%s batch %d: %d rows in %s ms (writing %s ms, %.0f rows/s), %d event ids remembered",
            progress.name,
            summary["batch_id"],
            summary["input_rows"],
            summary["duration_ms"],
            progress.durationMs.get("addBatch"),
            summary["processed_rows_per_second"],
            summary["state_rows"],
        )
        if self.profile:
            emit(progress_record(progress))

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
