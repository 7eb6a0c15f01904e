"""Conditional writes: DynamoDB transactions, and telling a failed condition from a real failure."""

from __future__ import annotations

from pynamodb.connection import Connection
from pynamodb.transactions import TransactWrite

from chalicelib.config import settings


def write_transaction() -> TransactWrite:
    """A DynamoDB write transaction (all or nothing) on the configured region and endpoint."""
    return TransactWrite(connection=Connection(region=settings().region))


def is_condition_failure(error: Exception) -> bool:
    """Whether a PynamoDB error says a condition did not hold (conditional write or transaction).

    A cancelled transaction counts only when one of its conditions failed: one
    cancelled because another transaction touched the same item at the same
    time (``TransactionConflict``) or by throttling is a real failure, to retry
    — taking it for "already done" would leave work undone.
    """
    cause = getattr(error, "cause_response_code", None)
    if cause == "ConditionalCheckFailedException":
        return True
    if cause != "TransactionCanceledException":
        return False
    reasons = getattr(error, "cancellation_reasons", None) or []
    return any(reason is not None and reason.code == "ConditionalCheckFailed" for reason in reasons)
