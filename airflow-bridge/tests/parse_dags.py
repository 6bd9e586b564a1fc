"""Fills an Airflow DagBag from the folder given, as the DAG processor would, with `temporalio`
made unimportable and every socket connection refused and recorded. Prints what it found as
one JSON line. Run by test_dag_integrity.py in a fresh interpreter."""

from __future__ import annotations

import json
import socket
import sys
from importlib.abc import MetaPathFinder

blocked: list[str] = []
connections: list[str] = []


class RefuseTemporalio(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "temporalio" or name.startswith("temporalio."):
            blocked.append(name)
            raise ImportError(f"temporalio imported while parsing DAGs ({name})")
        return None


def refuse_connection(_sock: socket.socket, address: object) -> None:
    connections.append(f"{address[0]}:{address[1]}" if isinstance(address, tuple) else str(address))
    raise ConnectionRefusedError(f"connection to {address} while parsing DAGs")


def main(folder: str) -> None:
    sys.meta_path.insert(0, RefuseTemporalio())
    socket.socket.connect = refuse_connection
    socket.socket.connect_ex = refuse_connection

    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=folder)
    dags = {}
    for dag_id, dag in bag.dags.items():
        offset = dag.start_date.utcoffset() if dag.start_date else None
        dags[dag_id] = {
            "schedule_seconds": None if dag.schedule is None else dag.schedule.total_seconds(),
            "tags": sorted(dag.tags),
            "max_active_runs": dag.max_active_runs,
            "catchup": dag.catchup,
            "start_date_utc_offset": None if offset is None else offset.total_seconds(),
            "doc_md": dag.doc_md or "",
            "params": {key: dag.params[key] for key in dag.params},
            "tasks": [
                {
                    "task_id": task.task_id,
                    "retries": task.retries,
                    "retry_delay_seconds": task.retry_delay.total_seconds(),
                    "execution_timeout_seconds": task.execution_timeout.total_seconds()
                    if task.execution_timeout
                    else None,
                    "upstream": sorted(task.upstream_task_ids),
                }
                for task in dag.tasks
            ],
        }
    print(
        json.dumps(
            {
                "import_errors": bag.import_errors,
                "dags": dags,
                "blocked_imports": blocked,
                "connections": connections,
                "temporalio_loaded": any(name.split(".")[0] == "temporalio" for name in sys.modules),
                "bridge_modules": sorted(name for name in sys.modules if name.startswith("petadota_bridge")),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
