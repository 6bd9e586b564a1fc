"""The measuring switch (SPARK_PROFILE): where each micro-batch's time goes. Every batch of each
query logs one line `profile {json}`: its foreachBatch phases in milliseconds, timed on the
driver (a phase that ends in a Spark action holds that action's whole job), and, from the
query's progress, Spark's own durations (offsets, planning, the batch, the commit) and the
de-duplication state's. bench/trends-stream.ts --profile reads these lines. Off, a phase costs
a no-op context manager."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger("petadota_trends")
PREFIX = "profile "


class BatchProfile:
    """The phases of one foreachBatch call, in the order they ran."""

    def __init__(self, enabled: bool, query: str, batch_id: int) -> None:
        self.enabled = enabled
        self.query = query
        self.batch_id = batch_id
        self.phases: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        if not self.enabled:
            yield
            return
        started = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] = round((time.perf_counter() - started) * 1000, 1)

    def log(self, rows: int) -> None:
        if self.enabled:
            emit(
                {
                    "kind": "batch",
                    "query": self.query,
                    "batch": self.batch_id,
                    "rows": rows,
                    "ms": self.phases,
                }
            )


def progress_record(progress: Any) -> dict[str, Any]:
    """Spark's view of a finished micro-batch: its durations and the state store's work."""
    state = progress.stateOperators or []
    return {
        "kind": "progress",
        "query": progress.name,
        "batch": progress.batchId,
        "rows": progress.numInputRows,
        "ms": dict(progress.durationMs),
        "state": {
            "update_ms": sum(op.allUpdatesTimeMs for op in state),
            "removal_ms": sum(op.allRemovalsTimeMs for op in state),
            "commit_ms": sum(op.commitTimeMs for op in state),
            "rows": sum(op.numRowsTotal for op in state),
            "memory_bytes": sum(op.memoryUsedBytes for op in state),
        },
    }


def emit(record: dict[str, Any]) -> None:
    log.info("%s%s", PREFIX, json.dumps({"at": round(time.time() * 1000), **record}))
