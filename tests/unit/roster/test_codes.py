"""The registry of report codes: complete, documented, and exercised by the tests."""

from __future__ import annotations

import re
from pathlib import Path

from chalicelib.roster.codes import REGISTRY, IssueCode, codes_markdown

ROOT = Path(__file__).resolve().parents[3]
# Raised by the pipeline or the planner, not by the parsers; tested with them.
PIPELINE_CODES = {IssueCode.FILE_MISSING, IssueCode.PROCESSING_ERROR} | {
    code for code, info in REGISTRY.items() if info.kind == "school"
}


def test_every_code_is_described_once_and_is_snake_case() -> None:
    assert set(REGISTRY) == set(IssueCode)
    for code, info in REGISTRY.items():
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", code.value), code
        assert info.kind in ("unreadable", "error", "warning", "school")
        assert info.description.endswith("."), code


def test_the_codes_document_matches_the_registry() -> None:
    document = (ROOT / "docs" / "roster-issues.md").read_text(encoding="utf-8")
    assert document == codes_markdown(), (
        "regenerate: python -m chalicelib.roster.codes > docs/roster-issues.md"
    )


def test_every_parser_code_is_asserted_by_some_roster_test() -> None:
    sources = "\n".join(
        path.read_text(encoding="utf-8")
        for path in Path(__file__).parent.glob("test_*.py")
        if path.name != Path(__file__).name
    )
    untested = [
        code.value for code in IssueCode if code not in PIPELINE_CODES and f'"{code.value}"' not in sources
    ]
    assert untested == []


def test_the_parsers_use_the_registry_not_string_literals() -> None:
    package = ROOT / "chalicelib" / "roster"
    values = {code.value for code in IssueCode}
    for path in package.glob("*.py"):
        if path.name == "codes.py":
            continue
        literals = set(re.findall(r'"([a-z]+(?:_[a-z]+)+)"', path.read_text(encoding="utf-8")))
        assert not literals & values, f"{path.name} spells codes out: {sorted(literals & values)}"


def test_every_code_the_planner_and_pipeline_report_is_in_the_registry() -> None:
    # The codes school syncs put in a report are spelt in planning/ and pipeline/; each must be listed.
    sources = "\n".join(
        path.read_text(encoding="utf-8")
        for folder in ("planning", "pipeline")
        for path in (ROOT / "chalicelib" / folder).glob("*.py")
    )
    spelt = set(re.findall(r'_issue\([^,]+, "([a-z_]+)"', sources))
    spelt |= set(re.findall(r"IssueCode\.([A-Z_]+)", sources))
    values = {code.value for code in IssueCode}
    names = {code.name for code in IssueCode}
    assert spelt and all(code in values or code in names for code in spelt), spelt
    for code, info in REGISTRY.items():
        if info.kind == "school":
            assert f'"{code.value}"' in sources or f"IssueCode.{code.name}" in sources, code
