"""How a bridge task fails. A definitive answer (validation failed, the stream is stale, the loop
is not running) fails the task at once: retrying cannot change it. Anything else (Temporal not
reachable, a report not produced yet) is an ordinary exception, which Airflow retries."""

from __future__ import annotations

from airflow.sdk.exceptions import AirflowFailException


class CheckFailed(AirflowFailException):
    """The platform answered, and the answer is a failure: fail the task without retries."""


class NotReady(Exception):
    """The answer does not exist yet (e.g. the trend loop's first report): worth a retry."""
