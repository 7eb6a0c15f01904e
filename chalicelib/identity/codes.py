"""One-time SMS codes: six digits from the OS CSPRNG, stored only as a salted hash.

A code is bound to its link session: the hash covers the session id, so a code
(or its stored hash) from one session is worthless in another. A fresh random
salt per code keeps a leaked table from being reversed with one precomputed
table of all million codes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

CODE_DIGITS = 6
MAX_WRONG_ENTRIES = 5
_CODE_SHAPE = re.compile(r"^[0-9]{6}$")


@dataclass(frozen=True)
class IssuedCode:
    """A new code: the plaintext goes into the SMS only; the rest is stored."""

    plaintext: str
    salt: str
    digest: str


def _digest(session_id: str, salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}\x00{session_id}\x00{code}".encode()).hexdigest()


def issue_code(session_id: str) -> IssuedCode:
    """A fresh random code for one session."""
    plaintext = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    salt = secrets.token_hex(16)
    return IssuedCode(plaintext=plaintext, salt=salt, digest=_digest(session_id, salt, plaintext))


def code_matches(session_id: str, salt: str, digest: str, entered: str) -> bool:
    """Whether an entered code is the one issued to this session (compared in constant time)."""
    if not _CODE_SHAPE.match(entered):
        return False
    return hmac.compare_digest(_digest(session_id, salt, entered), digest)
