"""In-memory twin of the roster files port (``pipeline.files.RosterFiles``): the bucket as a dict.

The same answers as ``store/rosters.py``'s ``S3RosterFiles``, held to it by
``tests/contract/test_roster_files_contract.py``. Keys, fingerprints and
content keys are the adapter's own (pure) functions, so both name things alike.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import threading
from pathlib import Path
from typing import IO, Any

from chalicelib.pipeline.files import Downloaded, ObjectMissing, ObjectTooLarge
from chalicelib.roster.model import (
    SchoolRoster,
    SchoolRosterUpdate,
    roster_from_json,
    roster_to_json,
    update_from_json,
    update_to_json,
)
from chalicelib.store import rosters


class InMemoryRosterFiles:
    """:class:`~chalicelib.pipeline.files.RosterFiles` in dicts: uploads by (bucket, key), files by key."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.uploads: dict[tuple[str, str], bytes] = {}
        self.documents: dict[str, Any] = {}
        self.issue_lists: dict[str, bytes] = {}

    def upload(self, bucket: str, key: str, body: bytes) -> None:
        """Arrange an uploaded file (what the journal's PUT does in S3)."""
        with self._lock:
            self.uploads[(bucket, key)] = body

    def download(self, bucket: str, key: str, max_bytes: int) -> Downloaded:
        """The upload in a new temporary file; refused beyond ``max_bytes`` or when missing."""
        with self._lock:
            body = self.uploads.get((bucket, key))
        if body is None:
            raise ObjectMissing(key)
        if len(body) > max_bytes:
            raise ObjectTooLarge(f"{len(body)} bytes")
        with tempfile.NamedTemporaryFile(prefix="roster-", delete=False) as handle:
            handle.write(body)
        return Downloaded(Path(handle.name), hashlib.sha256(body).hexdigest())

    def content_key(self, file_sha256: str) -> str:
        """As the adapter computes it."""
        return rosters.content_key(file_sha256)

    def roster_fingerprint(self, roster: SchoolRoster) -> str:
        """As the adapter computes it."""
        return rosters.roster_fingerprint(roster)

    def save_shard(self, import_id: str, update: SchoolRosterUpdate) -> str:
        """Keep the part as its JSON document; its key."""
        key = rosters.shard_key(import_id, update.school_id)
        with self._lock:
            self.documents[key] = json.loads(json.dumps(update_to_json(update)))
        return key

    def load_shard(self, key: str) -> SchoolRosterUpdate:
        """The part (``LookupError`` when there is none)."""
        with self._lock:
            document = self.documents.get(key)
        if document is None:
            raise LookupError(f"missing import shard {key}")
        return update_from_json(document)

    def roster_key(self, school_id: str) -> str:
        """As the adapter names it."""
        return rosters.roster_key(school_id)

    def save_roster(self, roster: SchoolRoster) -> str:
        """Keep the roster as its JSON document; its key."""
        key = rosters.roster_key(roster.school_id)
        with self._lock:
            self.documents[key] = json.loads(json.dumps(roster_to_json(roster)))
        return key

    def load_roster(self, school_id: str) -> SchoolRoster | None:
        """The school's last roster, or None."""
        with self._lock:
            document = self.documents.get(rosters.roster_key(school_id))
        return roster_from_json(document) if document is not None else None

    def put_issue_list(self, key: str, spool: IO[bytes]) -> None:
        """Keep the file's bytes."""
        spool.flush()
        spool.seek(0)
        body = spool.read()
        with self._lock:
            self.issue_lists[key] = body

    def read_issue_lines(
        self, key: str, offset: int, max_lines: int
    ) -> tuple[list[dict[str, Any]], int | None]:
        """Whole lines from byte ``offset``, at most ``max_lines``, and where the next one starts."""
        with self._lock:
            body = self.issue_lists.get(key, b"")
        if offset >= len(body):
            return [], None
        found: list[dict[str, Any]] = []
        position = offset
        while position < len(body) and len(found) < max_lines:
            end = body.find(b"\n", position)
            end = len(body) if end < 0 else end
            line = body[position:end]
            if line:
                found.append(json.loads(line))
            position = end + 1
        return found, position if position < len(body) else None
