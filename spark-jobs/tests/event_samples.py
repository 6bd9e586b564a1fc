"""Good and bad click events, each with the reason the job must give (None: valid). Shared by
the validation test (Spark's reasons) and the contract test (the JSON Schema's verdict)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from petadota_trends.events import Reason

GOOD = {
    "event_id": "3f1c8a4e-2b7d-4c9a-9e1f-0a2b3c4d5e6f",
    "usuario_id": 42,
    "raca": "labrador",
    "tipo": "cachorro",
    "timestamp": "2025-11-22T14:03:07.125Z",
}


@dataclass(frozen=True)
class Sample:
    name: str
    value: bytes | None
    reason: Reason | None
    # True where the JSON Schema accepts what the job rejects: rules the schema cannot express.
    beyond_schema: bool = False


def event(**changes: object) -> bytes:
    """GOOD with fields replaced; a value of ... removes the field."""
    fields = {**GOOD, **changes}
    return json.dumps({key: value for key, value in fields.items() if value is not ...}).encode()


SAMPLES = [
    Sample("valid", event(), None),
    Sample("valid with animal_id", event(animal_id=7), None),
    Sample("valid gato", event(tipo="gato", raca="persa"), None),
    Sample("valid whole seconds", event(timestamp="2025-11-22T14:03:07Z"), None),
    Sample("valid microseconds", event(timestamp="2025-11-22T14:03:07.123456Z"), None),
    Sample("valid usuario_id 1.0 (an integer in JSON Schema)", event(usuario_id=1.0), None),
    Sample("valid usuario_id 1e2", event().replace(b'"usuario_id": 42', b'"usuario_id": 1e2'), None),
    Sample("valid usuario_id maximum", event(usuario_id=2_147_483_647), None),
    Sample("valid visitor id", event(usuario_id="v-3fZq_9xK2mA7bQ1wE5rT8y"), None),
    Sample("valid visitor id of 64 characters", event(usuario_id="a" * 64), None),
    Sample("valid visitor id of digits", event(usuario_id="42"), None),
    Sample("valid hyphenated raca", event(raca="pastor-alemao"), None),
    Sample("valid raca of 100 characters", event(raca="a" * 100), None),
    Sample("valid escaped raca", event().replace(b'"labrador"', b'"labr\\u0061dor"'), None),
    Sample("valid largest animal_id", event(animal_id=2**53 - 1), None),
    Sample("valid with whitespace around", b"  \n" + event() + b"\n", None),
    Sample("not JSON", b"usuario 42 clicked a labrador", Reason.INVALID_JSON),
    Sample("truncated JSON", event()[:-5], Reason.INVALID_JSON),
    Sample("empty value", b"", Reason.INVALID_JSON),
    Sample("trailing garbage", event() + b" x", Reason.INVALID_JSON),
    Sample("not UTF-8", event(raca="labrador").replace(b"labrador", b"labr\xe9dor"), Reason.INVALID_JSON),
    Sample("duplicate key", event()[:-1] + b', "tipo": "gato"}', Reason.INVALID_JSON),
    Sample("NaN", event().replace(b'"usuario_id": 42', b'"usuario_id": NaN'), Reason.INVALID_JSON),
    Sample("JSON array", b"[1, 2]", Reason.NOT_AN_OBJECT),
    Sample("JSON string", b'"labrador"', Reason.NOT_AN_OBJECT),
    Sample("JSON null", b"null", Reason.NOT_AN_OBJECT),
    *[Sample(f"missing {name}", event(**{name: ...}), Reason.MISSING_FIELD) for name in GOOD],
    Sample("missing several, and a bad tipo", event(raca=..., tipo="cavalo"), Reason.MISSING_FIELD),
    Sample("unknown field", event(pagina="home"), Reason.UNKNOWN_FIELD),
    Sample("upper-case event_id", event(event_id=GOOD["event_id"].upper()), Reason.INVALID_EVENT_ID),
    Sample("event_id not a UUID", event(event_id="click-1"), Reason.INVALID_EVENT_ID),
    Sample("event_id a number", event(event_id=12345), Reason.INVALID_EVENT_ID),
    Sample("event_id null", event(event_id=None), Reason.INVALID_EVENT_ID),
    Sample("event_id with a line break", event(event_id=GOOD["event_id"] + "\n"), Reason.INVALID_EVENT_ID),
    Sample("usuario_id 0", event(usuario_id=0), Reason.INVALID_USUARIO_ID),
    Sample("usuario_id negative", event(usuario_id=-3), Reason.INVALID_USUARIO_ID),
    Sample("usuario_id above 2^31-1", event(usuario_id=2_147_483_648), Reason.INVALID_USUARIO_ID),
    Sample("usuario_id fractional", event(usuario_id=1.5), Reason.INVALID_USUARIO_ID),
    Sample("usuario_id an empty string", event(usuario_id=""), Reason.INVALID_USUARIO_ID),
    Sample("usuario_id of 65 characters", event(usuario_id="a" * 65), Reason.INVALID_USUARIO_ID),
    Sample("usuario_id with a space", event(usuario_id="v 1"), Reason.INVALID_USUARIO_ID),
    Sample("usuario_id with markup", event(usuario_id="<script>"), Reason.INVALID_USUARIO_ID),
    Sample("usuario_id with a line break", event(usuario_id="v1\n"), Reason.INVALID_USUARIO_ID),
    Sample("usuario_id non-ASCII", event(usuario_id="usuário"), Reason.INVALID_USUARIO_ID),
    Sample("usuario_id a boolean", event(usuario_id=True), Reason.INVALID_USUARIO_ID),
    Sample("usuario_id huge", event(usuario_id=10**40), Reason.INVALID_USUARIO_ID),
    Sample(
        "usuario_id infinite",
        event().replace(b'"usuario_id": 42', b'"usuario_id": 1e400'),
        Reason.INVALID_USUARIO_ID,
    ),
    Sample("raca upper-case", event(raca="Labrador"), Reason.INVALID_RACA),
    Sample("raca with underscore", event(raca="golden_retriever"), Reason.INVALID_RACA),
    Sample("raca leading hyphen", event(raca="-lab"), Reason.INVALID_RACA),
    Sample("raca double hyphen", event(raca="pastor--alemao"), Reason.INVALID_RACA),
    Sample("raca empty", event(raca=""), Reason.INVALID_RACA),
    Sample("raca of 101 characters", event(raca="a" * 101), Reason.INVALID_RACA),
    Sample("raca a number", event(raca=7), Reason.INVALID_RACA),
    Sample("raca with a line break", event(raca="labrador\n"), Reason.INVALID_RACA),
    Sample("raca non-ASCII", event(raca="são-bernardo"), Reason.INVALID_RACA),
    Sample("tipo unknown", event(tipo="cavalo"), Reason.UNKNOWN_TIPO),
    Sample("tipo capitalised", event(tipo="Gato"), Reason.UNKNOWN_TIPO),
    Sample("tipo a number", event(tipo=1), Reason.UNKNOWN_TIPO),
    Sample("tipo null", event(tipo=None), Reason.UNKNOWN_TIPO),
    Sample("timestamp without Z", event(timestamp="2025-11-22T14:03:07.125"), Reason.INVALID_TIMESTAMP),
    Sample("timestamp with offset", event(timestamp="2025-11-22T14:03:07+00:00"), Reason.INVALID_TIMESTAMP),
    Sample("timestamp with a space", event(timestamp="2025-11-22 14:03:07Z"), Reason.INVALID_TIMESTAMP),
    Sample(
        "timestamp nanoseconds", event(timestamp="2025-11-22T14:03:07.123456789Z"), Reason.INVALID_TIMESTAMP
    ),
    Sample("timestamp date only", event(timestamp="2025-11-22"), Reason.INVALID_TIMESTAMP),
    Sample("timestamp epoch number", event(timestamp=1795356187), Reason.INVALID_TIMESTAMP),
    Sample("timestamp lower-case z", event(timestamp="2025-11-22T14:03:07z"), Reason.INVALID_TIMESTAMP),
    Sample("timestamp line break", event(timestamp="2025-11-22T14:03:07Z\n"), Reason.INVALID_TIMESTAMP),
    Sample("timestamp 30 February", event(timestamp="2026-02-30T10:00:00Z"), Reason.INVALID_TIMESTAMP, True),
    Sample("timestamp hour 24", event(timestamp="2025-11-22T24:00:00Z"), Reason.INVALID_TIMESTAMP, True),
    Sample(
        "timestamp before 1970", event(timestamp="1969-12-31T23:59:59Z"), Reason.TIMESTAMP_OUT_OF_RANGE, True
    ),
    Sample(
        "timestamp far ahead", event(timestamp="2999-01-01T00:00:00Z"), Reason.TIMESTAMP_OUT_OF_RANGE, True
    ),
    Sample("animal_id 0", event(animal_id=0), Reason.INVALID_ANIMAL_ID),
    Sample("animal_id past the largest", event(animal_id=2**53), Reason.INVALID_ANIMAL_ID),
    Sample("animal_id huge", event(animal_id=10**30), Reason.INVALID_ANIMAL_ID),
    Sample("animal_id a string", event(animal_id="7"), Reason.INVALID_ANIMAL_ID),
    Sample("animal_id fractional", event(animal_id=7.5), Reason.INVALID_ANIMAL_ID),
    Sample("animal_id null", event(animal_id=None), Reason.INVALID_ANIMAL_ID),
    Sample(
        "animal_id infinite",
        event(animal_id=7).replace(b'"animal_id": 7', b'"animal_id": 1e400'),
        Reason.INVALID_ANIMAL_ID,
    ),
]
