"""An import's issues never overflow its DynamoDB item, and their texts are trimmed (issue #10.7)."""

from __future__ import annotations

import json

from chalicelib.roster.issues import ITEM_ISSUES_BUDGET_BYTES, RosterIssue, Severity, fit_in_item


def test_report_texts_are_trimmed() -> None:
    issue = RosterIssue(Severity.ERROR, "f" * 5000, 7, "c" * 5000, "bad_value", "m" * 100_000)
    entry = issue.to_json()
    assert len(entry["file"]) <= 256 and len(entry["column"]) <= 128 and len(entry["message"]) <= 512
    assert entry["line"] == 7 and entry["code"] == "bad_value"


def test_a_million_issues_fit_in_an_item() -> None:
    entries = [
        RosterIssue(Severity.ERROR, "users.csv", n, "givenName", "bad_value", "Ж" * 512).to_json()
        for n in range(5000)
    ]
    kept = fit_in_item(entries)
    assert 0 < len(kept) < len(entries)
    assert kept == entries[: len(kept)]  # the first ones, in order
    assert len(json.dumps(kept, ensure_ascii=False).encode()) <= ITEM_ISSUES_BUDGET_BYTES
    assert fit_in_item(entries[:3]) == entries[:3]
