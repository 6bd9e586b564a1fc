"""The job's typed failures: each names what is wrong and what to do about it."""

from __future__ import annotations

# A setting is malformed: the shared settings package raises it, naming the variable.
from petadota_platform.settings import ConfigurationError as ConfigurationError


class TrendsJobError(RuntimeError):
    """A failure the job cannot fix by retrying: the operator has to act."""


class MissingJarsError(TrendsJobError):
    """The Kafka connector or JDBC driver jars are not where the settings say."""


class KafkaUnavailableError(TrendsJobError):
    """No Kafka broker answered at the configured addresses."""


class TopicMissingError(TrendsJobError):
    """A topic the job reads or writes does not exist (the broker never auto-creates them)."""


class ArchiveUnavailableError(TrendsJobError):
    """The archive's URL cannot be written: a missing bucket, a refused key, the store down."""


class MysqlUnavailableError(TrendsJobError):
    """MySQL did not accept a connection at the configured address."""


class MysqlAccessDeniedError(TrendsJobError):
    """MySQL refused the stream account's credentials or one of the privileges it needs."""


class SchemaMissingError(TrendsJobError):
    """The database or a trend table does not exist: provisioning has not run."""


class CountsNotAccountedError(TrendsJobError):
    """The trend tables hold views that no counted offset accounts for: counting would add them twice."""
