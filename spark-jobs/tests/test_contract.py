"""The job's validation agrees with the click event's JSON Schema (contracts/), the contract
every producer validates against: same rules, same verdict on every sample."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from jsonschema.exceptions import ValidationError
from pyspark.sql import SparkSession

from petadota_trends import events
from tests.event_samples import SAMPLES, Sample
from tests.helpers import REPO_ROOT
from tests.test_events import records

SCHEMA = json.loads((REPO_ROOT / "contracts" / "interaction-event.schema.json").read_text())
PROPERTIES = SCHEMA["properties"]


def ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    # JSON Schema's patterns are ECMA-262 regexes, where `$` is the very end of the string, as in
    # the producers' validator; Python's `$` would also match before a final line break.
    python_pattern = pattern[:-1] + r"\Z" if pattern.endswith("$") else pattern
    if validator.is_type(instance, "string") and not re.search(python_pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


ContractValidator = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"pattern": ecma_pattern})


def _no_duplicate_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _ in pairs]
    if len(names) != len(set(names)):
        raise ValueError(f"duplicate names in {names}")
    return dict(pairs)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def schema_accepts(value: bytes) -> bool:
    """The JSON Schema's verdict on a message: parsed as strict JSON (UTF-8, no NaN, no repeated
    names, which RFC 8259 leaves undefined and no producer emits), then validated."""
    try:
        instance = json.loads(
            value.decode("utf-8"), object_pairs_hook=_no_duplicate_names, parse_constant=_no_constants
        )
    except ValueError:
        return False
    return ContractValidator(SCHEMA).is_valid(instance)


def test_the_schema_file_is_a_valid_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_the_job_applies_the_schemas_rules() -> None:
    assert SCHEMA["type"] == "object"
    assert SCHEMA["additionalProperties"] is False
    assert tuple(SCHEMA["required"]) == events.REQUIRED_FIELDS
    assert tuple(PROPERTIES) == events.FIELDS
    assert PROPERTIES["event_id"]["type"] == "string"
    assert PROPERTIES["event_id"]["pattern"] == events.EVENT_ID_PATTERN
    user_number, visitor_id = PROPERTIES["usuario_id"]["anyOf"]
    assert user_number == {
        "type": "integer",
        "minimum": events.USUARIO_ID_MINIMUM,
        "maximum": events.USUARIO_ID_MAXIMUM,
    }
    assert visitor_id == {"type": "string", "pattern": events.USUARIO_ID_PATTERN}
    assert PROPERTIES["raca"]["type"] == "string"
    assert PROPERTIES["raca"]["pattern"] == events.RACA_PATTERN
    assert PROPERTIES["raca"]["maxLength"] == events.RACA_MAX_LENGTH
    assert tuple(PROPERTIES["tipo"]["enum"]) == events.TIPOS
    assert PROPERTIES["timestamp"]["type"] == "string"
    assert PROPERTIES["timestamp"]["pattern"] == events.TIMESTAMP_PATTERN
    assert PROPERTIES["animal_id"]["type"] == "integer"
    assert PROPERTIES["animal_id"]["minimum"] == events.ANIMAL_ID_MINIMUM
    assert PROPERTIES["animal_id"]["maximum"] == events.ANIMAL_ID_MAXIMUM
    # Every keyword of every property is one of those compared above.
    checked = {"description", "type", "pattern", "minimum", "maximum", "maxLength", "enum", "anyOf"}
    assert {keyword for rules in PROPERTIES.values() for keyword in rules} <= checked


@pytest.fixture(scope="module")
def job_accepts(spark: SparkSession) -> dict[str, bool]:
    """The job's verdict on every sample, from one Spark query."""
    parsed = events.parse_interactions(records(spark, [sample.value for sample in SAMPLES]), 300)
    verdicts = {row.offset: row.reason is None for row in parsed.select("offset", "reason").collect()}
    return {sample.name: verdicts[i] for i, sample in enumerate(SAMPLES)}


@pytest.mark.parametrize("sample", SAMPLES, ids=[sample.name for sample in SAMPLES])
def test_the_schema_and_the_job_agree(sample: Sample, job_accepts: dict[str, bool]) -> None:
    assert sample.value is not None
    assert job_accepts[sample.name] == (sample.reason is None)
    if sample.beyond_schema:
        # A rule the schema cannot express (a real calendar date, a plausible time): the schema
        # lets it through and the job does not.
        assert (schema_accepts(sample.value), job_accepts[sample.name]) == (True, False)
    else:
        assert schema_accepts(sample.value) == job_accepts[sample.name]


def test_the_samples_cover_every_reason_and_both_verdicts() -> None:
    assert {sample.reason for sample in SAMPLES} == {None, *events.Reason}
