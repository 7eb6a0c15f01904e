"""Import statuses and the import report (SPEC §5, §6). Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chalicelib.planning.diff import ChangeSet


class ImportStatus(StrEnum):
    """An import's status, as the report shows it."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    SUCCEEDED_WITH_WARNINGS = "succeeded_with_warnings"
    HELD = "held"
    FAILED = "failed"


FINAL_STATUSES = frozenset(
    {ImportStatus.SUCCEEDED, ImportStatus.SUCCEEDED_WITH_WARNINGS, ImportStatus.HELD, ImportStatus.FAILED}
)


class PartStatus(StrEnum):
    """The status of one school's part of an import."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    UNCHANGED = "unchanged"
    SUPERSEDED = "superseded"
    HELD = "held"
    FAILED = "failed"


OPEN_PART_STATUSES = frozenset({PartStatus.QUEUED, PartStatus.RUNNING})

COUNT_KEYS = (
    "schools",
    "classes",
    "people",
    "chats_created",
    "chats_archived",
    "memberships_added",
    "memberships_removed",
    "rows_skipped",
)


def zero_counts() -> dict[str, int]:
    """Every report count at zero."""
    return dict.fromkeys(COUNT_KEYS, 0)


def change_counts(changes: ChangeSet) -> dict[str, int]:
    """What applying a change set does, in the report's terms.

    A chat restored because its class came back counts as created; removals
    include the memberships of archived chats.
    """
    return {
        "chats_created": len(changes.chats_to_create) + len(changes.chats_to_restore),
        "chats_archived": len(changes.chats_to_archive),
        "memberships_added": len(changes.members_to_add),
        "memberships_removed": len(changes.members_to_remove),
    }


@dataclass(frozen=True)
class PartOutcome:
    """A finished part, as the import's final status needs it."""

    status: PartStatus
    has_warnings: bool


def final_status(parts: Iterable[PartOutcome], *, import_failed: bool, has_issues: bool) -> ImportStatus:
    """The import's status once every part has finished.

    Worst first: failed, then held, then succeeded with warnings (skipped rows,
    warnings, a part that a newer roster superseded), then succeeded.
    """
    outcomes = list(parts)
    if import_failed or any(p.status is PartStatus.FAILED for p in outcomes):
        return ImportStatus.FAILED
    if any(p.status is PartStatus.HELD for p in outcomes):
        return ImportStatus.HELD
    if has_issues or any(p.has_warnings or p.status is PartStatus.SUPERSEDED for p in outcomes):
        return ImportStatus.SUCCEEDED_WITH_WARNINGS
    return ImportStatus.SUCCEEDED


def report_document(header: Mapping[str, Any], parts: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The import report of SPEC §6, with each school's part under ``schools``.

    ``header`` and ``parts`` are plain mappings (see ``store.imports``), so the
    same document is served by the API and written to ``reports/``.
    """
    part_list = list(parts)
    warnings = list(header.get("warnings", []))
    for part in part_list:
        warnings.extend(part.get("warnings", []))
    return {
        "id": header["import_id"],
        "source_key": header.get("source_key"),
        "format": header.get("format"),
        "status": header["status"],
        "started_at": header.get("started_at"),
        "finished_at": header.get("finished_at"),
        "counts": {key: int(header.get("counts", {}).get(key, 0)) for key in COUNT_KEYS},
        "errors": list(header.get("errors", [])),
        "warnings": warnings,
        "error_count": int(header.get("error_count", 0)),
        "warning_count": int(header.get("warning_count", 0))
        + sum(len(p.get("warnings", [])) for p in part_list),
        # The complete list of the file's errors and warnings (``errors``/``warnings`` are its head).
        "issues_url": f"/v1/imports/{header['import_id']}/issues" if header.get("issues_key") else None,
        "schools": [
            {
                "school_id": part["school_id"],
                "school_name": part.get("school_name"),
                "status": part["status"],
                "counts": {k: int(v) for k, v in part.get("counts", {}).items()},
                "removal_share": part.get("removal_share"),
                "warnings": list(part.get("warnings", [])),
            }
            for part in part_list
        ],
    }


@dataclass(frozen=True)
class SchoolPart:
    """One school's part of an import, as stage 2 reads it."""

    import_id: str
    school_id: str
    status: PartStatus
    school_name: str | None
    force: bool
    shard_key: str | None
    fingerprint: str | None
    # The counts and removal share recorded before applying (``ImportStore.record_planned``), if any.
    planned: tuple[dict[str, int], float] | None


@dataclass(frozen=True)
class ImportSource:
    """The file an import read: its key in the upload bucket, and when it was uploaded (ISO 8601)."""

    source_key: str | None
    uploaded_at: str | None
