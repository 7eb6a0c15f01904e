"""Rosters kept in the bucket: each import's per-school parts and each school's last roster."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import IO, Any

from chalicelib import planning as planning_package
from chalicelib import roster as roster_package
from chalicelib.pipeline.files import Downloaded
from chalicelib.roster.model import (
    SchoolRoster,
    SchoolRosterUpdate,
    roster_from_json,
    roster_to_json,
    update_from_json,
    update_to_json,
)
from chalicelib.store import objects
from chalicelib.store.objects import get_json, put_json, school_key


def shard_key(import_id: str, school_id: str) -> str:
    """Where an import keeps one school's part."""
    return f"imports/{import_id}/schools/{school_key(school_id)}.json.gz"


def roster_key(school_id: str) -> str:
    """Where a school's last applied roster is kept."""
    return f"state/schools/{school_key(school_id)}.json.gz"


def save_shard(import_id: str, update: SchoolRosterUpdate) -> str:
    """Store one school's part of an import; returns its key."""
    key = shard_key(import_id, update.school_id)
    put_json(key, update_to_json(update), compress=True)
    return key


def load_shard(key: str) -> SchoolRosterUpdate:
    """One school's part of an import (it must exist)."""
    document = get_json(key)
    if document is None:
        raise LookupError(f"missing import shard {key}")
    return update_from_json(document)


def save_roster(roster: SchoolRoster) -> str:
    """Keep a school's roster as the base of its next delta and of subject chats; returns its key."""
    key = roster_key(roster.school_id)
    put_json(key, roster_to_json(roster), compress=True)
    return key


def load_roster(school_id: str) -> SchoolRoster | None:
    """A school's last applied roster, or None before its first import."""
    document = get_json(roster_key(school_id))
    return roster_from_json(document) if document is not None else None


def _rules_version() -> str:
    """A digest of the code that turns a file into chats: the roster readers and the planner.

    Mixed into every fingerprint and content key, so that a deployment changing
    how files are read or what chats they imply never takes a school, or a
    re-uploaded file, for unchanged: the next import of each school diffs in full.
    """
    digest = hashlib.sha256()
    for package in (roster_package, planning_package):
        for source in sorted(Path(next(iter(package.__path__))).glob("*.py")):
            digest.update(source.name.encode())
            digest.update(source.read_bytes())
    return digest.hexdigest()


RULES_VERSION = _rules_version()


def roster_fingerprint(roster: SchoolRoster) -> str:
    """A hash of everything in a roster (and of the rules version): equal rosters, equal fingerprints."""
    canonical = json.dumps(roster_to_json(roster), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((RULES_VERSION + canonical).encode()).hexdigest()


def content_key(file_sha256: str) -> str:
    """What identifies an uploaded file's content for the unchanged-file shortcut (with the rules version)."""
    return hashlib.sha256(f"{RULES_VERSION}:{file_sha256}".encode()).hexdigest()


class S3Rosters:
    """Each school's last applied roster, from the roster bucket (``chats.service.Rosters``)."""

    def load_roster(self, school_id: str) -> SchoolRoster | None:
        """The school's roster as last applied, or None before its first import."""
        return load_roster(school_id)


class S3RosterFiles(S3Rosters):
    """The roster bucket (``pipeline.files.RosterFiles``): the functions above and ``store.objects``."""

    def download(self, bucket: str, key: str, max_bytes: int) -> Downloaded:
        """See ``store.objects.spooled_download``."""
        return objects.spooled_download(bucket, key, max_bytes)

    def content_key(self, file_sha256: str) -> str:
        """See :func:`content_key`."""
        return content_key(file_sha256)

    def roster_fingerprint(self, roster: SchoolRoster) -> str:
        """See :func:`roster_fingerprint`."""
        return roster_fingerprint(roster)

    def save_shard(self, import_id: str, update: SchoolRosterUpdate) -> str:
        """See :func:`save_shard`."""
        return save_shard(import_id, update)

    def load_shard(self, key: str) -> SchoolRosterUpdate:
        """See :func:`load_shard`."""
        return load_shard(key)

    def roster_key(self, school_id: str) -> str:
        """See :func:`roster_key`."""
        return roster_key(school_id)

    def save_roster(self, roster: SchoolRoster) -> str:
        """See :func:`save_roster`."""
        return save_roster(roster)

    def put_issue_list(self, key: str, spool: IO[bytes]) -> None:
        """See ``store.objects.put_issue_list``."""
        objects.put_issue_list(key, spool)

    def read_issue_lines(
        self, key: str, offset: int, max_lines: int
    ) -> tuple[list[dict[str, Any]], int | None]:
        """See ``store.objects.read_issue_lines``."""
        return objects.read_issue_lines(key, offset, max_lines)
