"""The click event: its explicit schema, and the validation of raw Kafka records against the
contract in contracts/interaction-event.schema.json (tests/test_contract.py proves they agree).

Spark's JSON reader turns a number into a string when the schema says string, so it cannot tell
`"raca": 7` from `"raca": "7"`. The records are therefore parsed into a VARIANT, which keeps each
value's JSON type, and every field is checked for its type first, then for its value."""

from __future__ import annotations

from enum import StrEnum

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import IntegerType, LongType, StringType, StructField, StructType, TimestampType

# The contract's rules, character for character (the contract test compares them with the file).
EVENT_ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
RACA_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
RACA_MAX_LENGTH = 100
TIMESTAMP_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z$"
TIPOS = ("cachorro", "gato")
USUARIO_ID_MINIMUM = 1
USUARIO_ID_MAXIMUM = 2_147_483_647
# A visitor without an account: the opaque id of the site's cookie.
USUARIO_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
ANIMAL_ID_MINIMUM = 1
ANIMAL_ID_MAXIMUM = 9_007_199_254_740_991
REQUIRED_FIELDS = ("event_id", "usuario_id", "raca", "tipo", "timestamp")
FIELDS = (*REQUIRED_FIELDS, "animal_id")

# What the schema cannot say, the job adds: the time must be a real instant (no 30 February), not
# before the Unix epoch, and not further ahead of its arrival at Kafka (the record's timestamp, from
# which lateness is measured too) than the allowed clock skew: a click from a broken clock would be
# counted in a bucket that does not exist yet. Arrival, not the job's clock: the verdict is the
# record's own, the same for the stream, a replayed batch and a recount months later, and the
# parse's generated code is the same every batch (the batch's time would be a new constant in it,
# and Spark compiled the whole parse again each batch, about 0.3 s).
TIMESTAMP_FORMAT = "yyyy-MM-dd'T'HH:mm:ss[.SSSSSS]'Z'"
EARLIEST_EVENT_TIME = "1970-01-01 00:00:00"

# A valid event, as the aggregations receive it: its fields, and where it is in the topic (what
# the counts are made idempotent by).
EVENT_SCHEMA = StructType(
    [
        StructField("event_id", StringType()),
        # A user's number as its decimal text, or a visitor's opaque id.
        StructField("usuario_id", StringType()),
        StructField("raca", StringType()),
        StructField("tipo", StringType()),
        StructField("event_time", TimestampType()),
        # The catalog row clicked (animais_disponiveis.id), when the event names one.
        StructField("animal_id", LongType()),
        StructField("partition", IntegerType()),
        StructField("offset", LongType()),
    ]
)


class Reason(StrEnum):
    """Why a record went to the dead-letter topic (the `reason` of its message)."""

    INVALID_JSON = "invalid_json"
    NOT_AN_OBJECT = "not_an_object"
    MISSING_FIELD = "missing_field"
    UNKNOWN_FIELD = "unknown_field"
    INVALID_EVENT_ID = "invalid_event_id"
    INVALID_USUARIO_ID = "invalid_usuario_id"
    INVALID_RACA = "invalid_raca"
    UNKNOWN_TIPO = "unknown_tipo"
    INVALID_TIMESTAMP = "invalid_timestamp"
    TIMESTAMP_OUT_OF_RANGE = "timestamp_out_of_range"
    INVALID_ANIMAL_ID = "invalid_animal_id"


# A JSON string literal, and what is left of a flat object once its strings are emptied. Spark's
# JSON parsers read the first value and ignore what follows ('{...} x' parses), so the text is
# checked for being one object with nothing after it. Possessive quantifiers: no backtracking, and
# no deep recursion on long strings.
STRING_LITERAL = r'"[^"\\]*+(?:\\.[^"\\]*+)*+"'
FLAT_OBJECT = r"^[ \t\n\r]*\{[^{}\[\]]*+\}[ \t\n\r]*\z"


def java_regex(pattern: str) -> str:
    """JSON Schema patterns are ECMA-262 regexes, where `$` matches only at the very end; in Java
    it also matches before a final line break, so "labrador\\n" would pass. `\\z` is the end."""
    return pattern[:-1] + r"\z" if pattern.endswith("$") else pattern


_NUMBER_TYPES = ("TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "DOUBLE")


def _is_string(kind: Column) -> Column:
    return kind == "STRING"


def _is_number(kind: Column) -> Column:
    return kind.isin(*_NUMBER_TYPES) | kind.startswith("DECIMAL")


def _is_integral(number: Column) -> Column:
    # A JSON Schema "integer" is any number without a fractional part (1.0 and 1e2 included).
    # rint, unlike floor, never overflows; infinities fail the bounds checks that come with it.
    return F.rint(number) == number


def _unanchored(pattern: str) -> str:
    return pattern.removeprefix("^").removesuffix("$")


# The canonical encoding of a click: what the platform's own producers write (JSON.stringify of the
# contract's fields in its order): compact, those fields in that order, each of its JSON type and
# in its pattern, no escapes, nothing after the object. Text in this form is a valid JSON object
# of the contract's fields, so of the checks below only the values' bounds remain, and its layout
# is known: split at its quotes, the values sit at fixed places (two further on when usuario_id is
# a quoted visitor id). Reading them so is many times cheaper than any JSON parser; anything else,
# valid or not, takes the general path (VARIANT), and both give the same columns for one event.
# Its years start at 1000, where Spark's timestamp cast and the contract's format agree.
CANONICAL_EVENT = (
    r'^\{"event_id":"' + _unanchored(EVENT_ID_PATTERN) + '",'
    r'"usuario_id":(?:[1-9][0-9]{0,9}|"' + _unanchored(USUARIO_ID_PATTERN) + '"),'
    r'"raca":"' + _unanchored(RACA_PATTERN) + '",'
    r'"tipo":"(?:' + "|".join(TIPOS) + ')",'
    r'"timestamp":"[1-9][0-9]{3}' + _unanchored(TIMESTAMP_PATTERN).removeprefix("[0-9]{4}") + '"'
    r'(?:,"animal_id":[1-9][0-9]{0,15})?\}\z'
)
CANONICAL_VISITOR = '"usuario_id":"'


def _canonical_fields() -> dict[str, Column]:
    """The values of a click in the canonical form (`_parts`: its text split at its quotes;
    `_visitor`: usuario_id is quoted), as text: usuario_id the user's number or, as `visitor`, the
    visitor's id; null where the event has none."""
    parts = F.col("_parts")
    shift = F.when(F.col("_visitor"), 2).otherwise(0)

    def at(index: int) -> Column:
        return F.element_at(parts, shift + (index + 1))

    def number(token: Column) -> Column:  # ':123,' or ':5}'
        return F.substring(token, 2, F.length(token) - 2)

    return {
        "event_id": F.element_at(parts, 4),
        "usuario_id": F.when(~F.col("_visitor"), number(F.element_at(parts, 7))),
        "visitor": F.when(F.col("_visitor"), F.element_at(parts, 8)),
        "raca": at(9),
        "tipo": at(13),
        "timestamp": at(17),
        "animal_id": F.when(F.size(parts) > shift + 20, number(at(20))),
    }


def parse_interactions(records: DataFrame, max_future_seconds: int) -> DataFrame:
    """Kafka records (key, value, topic, partition, offset, timestamp) in; the same records out
    with the event's fields (null where invalid), and `reason`/`detail`, null for a valid event."""
    text = F.col("value").cast("string")
    general = ~F.col("_canonical")
    parsed = records.select(
        "key",
        "value",
        "topic",
        "partition",
        "offset",
        F.col("timestamp").alias("kafka_timestamp"),
        F.coalesce(text.rlike(CANONICAL_EVENT), F.lit(False)).alias("_canonical"),
    )
    # Each its own column, computed once: the fields below read them many times.
    parsed = parsed.select(
        "*",
        F.when(F.col("_canonical"), F.split(text, '"')).alias("_parts"),
        (F.col("_canonical") & text.contains(CANONICAL_VISITOR)).alias("_visitor"),
    )
    parsed = parsed.select(
        "*",
        *[
            F.when(F.col("_canonical"), value).alias(f"_c_{name}")
            for name, value in _canonical_fields().items()
        ],
        # Text in the canonical form is ASCII: decoding it found no invalid byte.
        (F.col("_canonical") | F.is_valid_utf8(text)).alias("_utf8"),
        # The general path, only for text not in the canonical form.
        F.when(general, F.try_parse_json(text)).alias("_json"),
        F.when(general, F.regexp_replace(text, STRING_LITERAL, '""').rlike(FLAT_OBJECT))
        .otherwise(True)
        .alias("_flat"),
    ).withColumn("_object", F.try_variant_get("_json", "$", "map<string,variant>"))

    def value_of(name: str) -> Column:
        return F.try_element_at(F.col("_object"), F.lit(name))

    parsed = parsed.select(
        "*",
        *[value_of(name).alias(f"_v_{name}") for name in FIELDS],
        *[F.schema_of_variant(value_of(name)).alias(f"_t_{name}") for name in FIELDS],
    )

    def string(name: str, canonical: str | None = None) -> Column:
        return F.when(F.col("_canonical"), F.col(f"_c_{canonical or name}")).otherwise(
            F.when(_is_string(F.col(f"_t_{name}")), F.variant_get(f"_v_{name}", "$", "string"))
        )

    def number(name: str) -> Column:
        return F.when(F.col("_canonical"), F.col(f"_c_{name}").try_cast("double")).otherwise(
            F.when(_is_number(F.col(f"_t_{name}")), F.try_variant_get(f"_v_{name}", "$", "double"))
        )

    event_id, raca, tipo = (string(name) for name in ("event_id", "raca", "tipo"))
    usuario_id, animal_id = number("usuario_id"), number("animal_id")
    visitor_id = string("usuario_id", canonical="visitor")
    timestamp = string("timestamp")
    event_time = F.when(F.col("_canonical"), F.col("_c_timestamp").try_cast("timestamp")).otherwise(
        F.when(
            timestamp.rlike(java_regex(TIMESTAMP_PATTERN)),
            F.try_to_timestamp(timestamp, F.lit(TIMESTAMP_FORMAT)),
        )
    )
    parsed = parsed.select(
        "*",
        event_id.alias("_event_id"),
        usuario_id.alias("_usuario_id"),
        visitor_id.alias("_visitor_id"),
        raca.alias("_raca"),
        tipo.alias("_tipo"),
        event_time.alias("_event_time"),
        animal_id.alias("_animal_id"),
        F.when(F.col("_canonical"), F.col("_c_animal_id").isNotNull())
        .otherwise(F.map_contains_key("_object", "animal_id"))
        .alias("_has_animal_id"),
    )

    missing = F.array_compact(
        F.array(*[F.when(~F.map_contains_key("_object", name), F.lit(name)) for name in REQUIRED_FIELDS])
    )
    unknown = F.array_sort(F.array_except(F.map_keys("_object"), F.array(*[F.lit(name) for name in FIELDS])))
    latest = F.timestamp_add("SECOND", F.lit(max_future_seconds), F.col("kafka_timestamp"))
    n_usuario, n_animal = F.col("_usuario_id"), F.col("_animal_id")
    user_number_ok = n_usuario.between(USUARIO_ID_MINIMUM, USUARIO_ID_MAXIMUM) & _is_integral(n_usuario)
    # The canonical form's pattern holds those of event_id, raca and the visitor's id: a row in it
    # skips those three regexes (bench/event-parse.py: the parse's CPU a click fell by a third).
    canonical = F.col("_canonical")
    visitor_id_ok = F.when(canonical, F.col("_visitor_id").isNotNull()).otherwise(
        F.col("_visitor_id").rlike(java_regex(USUARIO_ID_PATTERN))
    )
    checks: list[tuple[Column, Reason, Column]] = [
        (F.col("value").isNull(), Reason.INVALID_JSON, F.lit("the message has no value")),
        (~F.col("_utf8"), Reason.INVALID_JSON, F.lit("the value is not UTF-8 text")),
        (general & F.col("_json").isNull(), Reason.INVALID_JSON, F.lit("the value is not valid JSON")),
        (general & F.col("_object").isNull(), Reason.NOT_AN_OBJECT, F.lit("the value is not a JSON object")),
        (
            general & (F.size(missing) > 0),
            Reason.MISSING_FIELD,
            F.concat(F.lit("missing required field(s): "), F.array_join(missing, ", ")),
        ),
        (
            general & (F.size(unknown) > 0),
            Reason.UNKNOWN_FIELD,
            F.concat(F.lit("field(s) not in the contract: "), F.array_join(unknown, ", ")),
        ),
        (
            ~canonical
            & (F.col("_event_id").isNull() | ~F.col("_event_id").rlike(java_regex(EVENT_ID_PATTERN))),
            Reason.INVALID_EVENT_ID,
            F.lit("event_id must be a lower-case UUID string"),
        ),
        (
            ~F.coalesce(user_number_ok, F.lit(False)) & ~F.coalesce(visitor_id_ok, F.lit(False)),
            Reason.INVALID_USUARIO_ID,
            F.lit(
                f"usuario_id must be an integer from {USUARIO_ID_MINIMUM} to {USUARIO_ID_MAXIMUM}, "
                "or an opaque id of 1 to 64 letters, digits, '_' or '-'"
            ),
        ),
        (
            F.col("_raca").isNull()
            | (F.length("_raca") > RACA_MAX_LENGTH)
            | (~canonical & ~F.col("_raca").rlike(java_regex(RACA_PATTERN))),
            Reason.INVALID_RACA,
            F.lit(
                f"raca must be a slug ([a-z0-9] words joined by '-') of at most {RACA_MAX_LENGTH} characters"
            ),
        ),
        (
            F.col("_tipo").isNull() | ~F.col("_tipo").isin(*TIPOS),
            Reason.UNKNOWN_TIPO,
            F.lit(f"tipo must be one of: {', '.join(TIPOS)}"),
        ),
        (
            F.col("_event_time").isNull(),
            Reason.INVALID_TIMESTAMP,
            F.lit("timestamp must be an ISO-8601 UTC time with a Z (at most microseconds) that exists"),
        ),
        (
            (F.col("_event_time") < F.lit(EARLIEST_EVENT_TIME).cast("timestamp"))
            | (F.col("_event_time") > latest),
            Reason.TIMESTAMP_OUT_OF_RANGE,
            F.lit(
                f"timestamp must be after 1970 and at most {max_future_seconds} s ahead of its arrival "
                "at Kafka"
            ),
        ),
        (
            F.col("_has_animal_id")
            & (
                n_animal.isNull()
                | ~n_animal.between(ANIMAL_ID_MINIMUM, ANIMAL_ID_MAXIMUM)
                | ~_is_integral(n_animal)
            ),
            Reason.INVALID_ANIMAL_ID,
            F.lit(
                f"animal_id, when present, must be an integer from {ANIMAL_ID_MINIMUM} to {ANIMAL_ID_MAXIMUM}"
            ),
        ),
        # Last: an object that is not flat has a nested value (which a check above rejected, as no
        # field of the contract holds one) or, when every check passed, text after its end.
        (~F.col("_flat"), Reason.INVALID_JSON, F.lit("the value has more after the JSON object")),
    ]
    reason: Column = F.lit(None).cast("string")
    detail: Column = F.lit(None).cast("string")
    for condition, code, message in reversed(checks):
        # A null condition (a check on a value an earlier check already rejected) counts as failed.
        failed = F.coalesce(condition, F.lit(True))
        reason = F.when(failed, F.lit(code.value)).otherwise(reason)
        detail = F.when(failed, message).otherwise(detail)

    user_number = F.when(
        F.col("_usuario_id").between(USUARIO_ID_MINIMUM, USUARIO_ID_MAXIMUM),
        F.col("_usuario_id").cast("int").cast("string"),
    )
    return parsed.select(
        "key",
        "value",
        "topic",
        "partition",
        "offset",
        "kafka_timestamp",
        # The fields as far as they parsed (null where they did not): valid_events keeps the rows
        # without a reason. Never wrapped in the reason: window() repeats event_time many times,
        # and the optimizer would copy the whole validation into every repetition.
        F.col("_event_id").alias("event_id"),
        F.coalesce(user_number, F.col("_visitor_id")).alias("usuario_id"),
        F.col("_raca").alias("raca"),
        F.col("_tipo").alias("tipo"),
        F.col("_event_time").alias("event_time"),
        # Exact: a double holds every integer up to the contract's maximum.
        F.when(
            F.col("_animal_id").between(ANIMAL_ID_MINIMUM, ANIMAL_ID_MAXIMUM),
            F.col("_animal_id").cast("long"),
        ).alias("animal_id"),
        reason.alias("reason"),
        detail.alias("detail"),
        # A barrier: Catalyst neither pushes a filter through a projection holding a
        # non-deterministic expression nor inlines it, so the filters of valid_events and
        # invalid_records read the checks computed once here. Without it, each filter inlines the
        # whole validation, every parsed value many times over: eight times slower.
        (F.spark_partition_id() >= 0).alias("_validated"),
    )


def keyed_for_dedupe(parsed: DataFrame) -> DataFrame:
    """Every record, ready for the one streaming query, with only what the counts and the dead
    letters read (the de-duplication shuffles every column it is given): a valid event keyed by
    its event_id, with its breed, animal and event time; an invalid record keyed by its place in
    the topic, with its raw key and value and without an event time, so that the de-duplication
    passes it (it is never a duplicate)."""
    valid = F.col("_validated") & F.col("reason").isNull()
    place = F.concat_ws("/", F.lit("invalid"), "topic", "partition", "offset")
    return parsed.select(
        F.when(valid, F.col("event_id")).otherwise(place).alias("dedupe_key"),
        "topic",
        "partition",
        "offset",
        "kafka_timestamp",
        *[F.when(valid, F.col(name)).alias(name) for name in ("tipo", "raca", "animal_id", "event_time")],
        "reason",
        "detail",
        "_validated",
        *[F.when(~valid, F.col(name)).alias(name) for name in ("key", "value")],
    )


def valid_events(parsed: DataFrame) -> DataFrame:
    """The events that passed every check, with the columns of EVENT_SCHEMA."""
    return parsed.where(F.col("_validated") & F.col("reason").isNull()).select(*EVENT_SCHEMA.fieldNames())


def invalid_records(parsed: DataFrame) -> DataFrame:
    return parsed.where(F.col("_validated") & F.col("reason").isNotNull()).drop("_validated")
