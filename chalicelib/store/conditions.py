"""Conditional writes: DynamoDB transactions, and telling a failed condition from a real failure."""

from __future__ import annotations

from pynamodb.connection import Connection
from pynamodb.transactions import TransactWrite

from chalicelib.config import settings


def write_transaction() -> TransactWrite:
    """A DynamoDB write transaction (all or nothing) on the configured region and endpoint."""
    return TransactWrite(connection=Connection(region=settings().region))


def is_condition_failure(error: Exception) -> bool:
    """Whether a PynamoDB error says a condition did not hold (conditional write or transaction)."""
    cause = getattr(error, "cause_response_code", None)
    return cause in ("ConditionalCheckFailedException", "TransactionCanceledException")
