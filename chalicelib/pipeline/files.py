"""The roster files port: what the import stages keep in the roster bucket, and the uploads they read.

The S3 adapter is ``store/rosters.py`` (``S3RosterFiles``, on ``store/objects.py``),
the in-memory twin ``memory/roster_files.py``;
``tests/contract/test_roster_files_contract.py`` holds both to the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from chalicelib.roster.model import SchoolRoster, SchoolRosterUpdate


class ObjectTooLarge(Exception):
    """The object is bigger than the configured limit."""


class ObjectMissing(LookupError):
    """There is no such object (it was deleted before it was read)."""


@dataclass(frozen=True)
class Downloaded:
    """A downloaded object: where it is, and the SHA-256 of its bytes."""

    path: Path
    sha256: str


class RosterFiles(Protocol):
    """Uploaded rosters, each import's per-school parts, each school's last roster, and issue lists."""

    def download(self, bucket: str, key: str, max_bytes: int) -> Downloaded:
        """An uploaded file, streamed to a new temporary file (the caller deletes it).

        Raises :class:`ObjectTooLarge` beyond ``max_bytes`` and :class:`ObjectMissing`
        when there is no such object.
        """
        ...

    def content_key(self, file_sha256: str) -> str:
        """What identifies an uploaded file's content (with the rules version)."""
        ...

    def roster_fingerprint(self, roster: SchoolRoster) -> str:
        """A hash of everything in a roster and of the rules version: equal rosters, equal fingerprints."""
        ...

    def save_shard(self, import_id: str, update: SchoolRosterUpdate) -> str:
        """Keep one school's part of an import; its key."""
        ...

    def load_shard(self, key: str) -> SchoolRosterUpdate:
        """One school's part of an import (``LookupError`` when there is none)."""
        ...

    def roster_key(self, school_id: str) -> str:
        """Where a school's last applied roster is kept."""
        ...

    def save_roster(self, roster: SchoolRoster) -> str:
        """Keep a school's roster as the base of its next delta; its key."""
        ...

    def load_roster(self, school_id: str) -> SchoolRoster | None:
        """A school's last applied roster, or None before its first import."""
        ...

    def put_issue_list(self, key: str, spool: IO[bytes]) -> None:
        """Keep an import's complete issue list (JSON lines) from a file, streamed."""
        ...

    def read_issue_lines(
        self, key: str, offset: int, max_lines: int
    ) -> tuple[list[dict[str, Any]], int | None]:
        """Up to ``max_lines`` issues from byte ``offset`` of an issue list, and the next offset (None at
        the end). An offset past the end reads nothing."""
        ...
