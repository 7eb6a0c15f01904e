"""Telling a failed DynamoDB condition (an expected outcome) from a real failure."""

from __future__ import annotations


def is_condition_failure(error: Exception) -> bool:
    """Whether a PynamoDB error says a condition did not hold (conditional write or transaction)."""
    cause = getattr(error, "cause_response_code", None)
    return cause in ("ConditionalCheckFailedException", "TransactionCanceledException")
