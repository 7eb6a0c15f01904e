"""Telling a failed condition (an expected outcome) from a failure to retry."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from chalicelib.store.conditions import is_condition_failure


def error(code: str | None, *reasons: str | None) -> SimpleNamespace:
    return SimpleNamespace(
        cause_response_code=code,
        cancellation_reasons=[None if r is None else SimpleNamespace(code=r) for r in reasons],
    )


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (error("ConditionalCheckFailedException"), True),
        (error("TransactionCanceledException", None, "ConditionalCheckFailed"), True),
        (error("TransactionCanceledException", "ConditionalCheckFailed", "TransactionConflict"), True),
        (error("TransactionCanceledException", "TransactionConflict", None), False),
        (error("TransactionCanceledException", None, "ThrottlingError"), False),
        (error("TransactionCanceledException"), False),
        (error("ProvisionedThroughputExceededException"), False),
        (error(None), False),
        (ValueError("not a DynamoDB error"), False),
    ],
    ids=[
        "conditional",
        "txn-condition",
        "txn-condition-and-conflict",
        "txn-conflict",
        "txn-throttled",
        "txn-no-reasons",
        "throughput",
        "no-code",
        "other",
    ],
)
def test_only_a_failed_condition_counts(failure: object, expected: bool) -> None:
    assert is_condition_failure(failure) is expected  # type: ignore[arg-type]
