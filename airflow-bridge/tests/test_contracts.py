"""The workflow IDs the bridge builds from the contracts (contracts/temporal.json): a DAG run's
image cycle keeps the contract's format and never shares an ID with another run's."""

from __future__ import annotations

import re

import pytest

from petadota_bridge import contracts


def test_environment_names_are_validated_like_the_contract() -> None:
    assert contracts.provision_workflow_id("gcp-prod") == "provision:gcp-prod"
    for bad in ["", "Local", "-local", "local/../x", "a" * 64]:
        with pytest.raises(ValueError, match="environment must match"):
            contracts.provision_workflow_id(bad)


def test_airflow_cycle_ids_derive_from_the_run_id_only_and_never_collide() -> None:
    run_id = "manual__2026-11-22T05:21:39.651843+00:00"
    first = contracts.airflow_image_cycle_workflow_id(run_id)
    assert first == contracts.airflow_image_cycle_workflow_id(run_id)  # a retry gets the same ID
    assert re.fullmatch(r"images-cycle:airflow:[A-Za-z0-9._:-]+", first)
    assert first.startswith("images-cycle:airflow:manual__2026-11-22T05:21:39.651843_00:00.")
    # Run IDs that only differ in the replaced characters still get different workflow IDs.
    assert contracts.airflow_image_cycle_workflow_id("a+b") != contracts.airflow_image_cycle_workflow_id(
        "a_b"
    )
    assert contracts.airflow_image_cycle_workflow_id("scheduled__x") == "images-cycle:airflow:scheduled__x"
    with pytest.raises(ValueError):
        contracts.airflow_image_cycle_workflow_id("")
