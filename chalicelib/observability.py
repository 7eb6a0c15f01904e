"""Structured logs and metrics (AWS Lambda Powertools: JSON logs, CloudWatch EMF metrics).

Log lines are JSON with a ``correlation_id`` (the import id for roster work, the
API Gateway request id for HTTP calls). Never pass a password, an SMS code or a
full phone number to the logger: log ``mask_phone(...)`` instead.

Metrics go out as CloudWatch embedded-metric-format log lines (namespace
``SchoolChats``, dimensions ``service`` and ``stage``), one line per Lambda
invocation: the queue handlers and the HTTP middleware call
:func:`flush_metrics` at the end of each. The names are listed in
README.md ("Logs, metrics, alarms").
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.config import settings

SERVICE = "school-chats"

logger = Logger(service=SERVICE, level=settings().log_level, utc=True)
metrics = Metrics(service=SERVICE, namespace="SchoolChats")
metrics.set_default_dimensions(stage=settings().stage)

Unit = MetricUnit


def set_correlation_id(correlation_id: str | None) -> None:
    """Tag every following log line of this invocation with ``correlation_id``."""
    logger.set_correlation_id(correlation_id)


def log_event(event: str, **fields: Any) -> None:
    """One structured log line for a business event (``event`` names it, fields describe it)."""
    logger.info(event, extra={"event": event, **fields})


def record_metric(name: str, value: float, unit: MetricUnit = MetricUnit.Count) -> None:
    """Add a metric to this invocation's EMF record (published by :func:`flush_metrics`)."""
    metrics.add_metric(name=name, unit=unit, value=value)


_IMPORT_OUTCOME_METRICS = {
    "succeeded": "ImportsSucceeded",
    "succeeded_with_warnings": "ImportsSucceededWithWarnings",
    "held": "ImportsHeld",
    "failed": "ImportsFailed",
}


def record_import_finished(status: str, duration_s: float | None) -> None:
    """An import reached its final status (call once per import): its outcome and how long it took."""
    record_metric("ImportsFinished", 1)
    outcome = _IMPORT_OUTCOME_METRICS.get(status)
    if outcome is not None:
        record_metric(outcome, 1)
    if duration_s is not None and duration_s >= 0:
        record_metric("ImportDurationSeconds", duration_s, MetricUnit.Seconds)


def record_sms_sent(count: int = 1) -> None:
    """SMS messages handed to the SMS gateway (call after each successful ``Publish``)."""
    record_metric("SmsSent", count)


def record_sms_budget_exhausted() -> None:
    """The global SMS budget refused an SMS (the circuit breaker is open; an alarm watches this)."""
    record_metric("SmsBudgetExhausted", 1)


def record_link_completed() -> None:
    """A journal user finished linking an educational profile (the flow reached ``done``)."""
    record_metric("LinksCompleted", 1)


def flush_metrics() -> None:
    """Write this invocation's metrics as one EMF log line (no-op when there are none)."""
    if metrics.metric_set:
        metrics.flush_metrics()
