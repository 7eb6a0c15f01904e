"""Structured logs and metrics (AWS Lambda Powertools: JSON logs, CloudWatch EMF metrics).

Log lines are JSON with a ``correlation_id`` (the import id for roster work, the
API Gateway request id for HTTP calls). Never pass a password, an SMS code or a
full phone number to the logger: log ``mask_phone(...)`` instead.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.config import settings

SERVICE = "school-chats"

logger = Logger(service=SERVICE, level=settings().log_level, utc=True)
metrics = Metrics(service=SERVICE, namespace="SchoolChats")

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


def flush_metrics() -> None:
    """Write this invocation's metrics as one EMF log line (no-op when there are none)."""
    if metrics.metric_set:
        metrics.flush_metrics()
