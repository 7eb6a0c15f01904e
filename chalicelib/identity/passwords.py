"""Messenger account passwords: the policy (NIST SP 800-63B) and Argon2id hashing.

Policy: at least 8 characters, at most 128, no composition rules, and refused
when it is a commonly used password. The common-password list is the one the
``zxcvbn`` package ships (30,000 passwords from real leaks, pinned in
requirements.txt), plus a few that matter here (Russian keyboard runs, the
service's name); it is read from the package, never from the network.
Passwords are compared after Unicode NFKC normalisation, so the same password
typed on two keyboards is the same password.

Hashing: Argon2id with m = 19 MiB, t = 2, p = 1 (OWASP's minimum), through
``argon2-cffi``. :func:`verify_password` against an unknown account runs the
same verification against a dummy hash, so "no such account" costs the same
time as "wrong password".
"""

from __future__ import annotations

import functools
import secrets
import unicodedata

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 8
MAX_LENGTH = 128

_HASHER = PasswordHasher(
    time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
)

# Common here but not in an English-language leak list: Russian keyboard runs and "password" in Russian,
# the words of this service. Lower case; compared after case folding.
_LOCAL_COMMON = (
    "йцукенгш",
    "йцукенгшщ",
    "йцукенгшщз",
    "йцукенгшщзхъ",
    "фывапролдж",
    "пароль123",
    "пароль1234",
    "парольпароль",
    "qwertyйцукен",
    "schoolchat",
    "schoolchats",
    "школачат",
)


class PasswordRejected(ValueError):
    """The password does not meet the policy (the message says why, for the person choosing it)."""


@functools.cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.casefold() for word in (*FREQUENCY_LISTS["passwords"], *_LOCAL_COMMON))


def normalise_password(password: str) -> str:
    """The form that is checked and hashed (NFKC), so equal-looking passwords compare equal."""
    return unicodedata.normalize("NFKC", password)


def check_new_password(password: str, *, context_words: tuple[str, ...] = ()) -> str:
    """The normalised password when the policy accepts it, else :class:`PasswordRejected`.

    ``context_words`` are things the password must not simply be (the phone number's digits).
    """
    normalised = normalise_password(password)
    if len(normalised) < MIN_LENGTH:
        raise PasswordRejected(f"The password must be at least {MIN_LENGTH} characters long.")
    if len(normalised) > MAX_LENGTH:
        raise PasswordRejected(f"The password must be at most {MAX_LENGTH} characters long.")
    folded = normalised.casefold()
    if folded in _common_passwords() or len(set(folded)) == 1:
        raise PasswordRejected("This password is too common: choose one that is harder to guess.")
    if any(word and word.casefold() in folded for word in context_words):
        raise PasswordRejected("The password must not contain the phone number.")
    return normalised


def hash_password(password: str) -> str:
    """An Argon2id hash (PHC string with its parameters and salt) of a normalised password."""
    return _HASHER.hash(normalise_password(password))


@functools.cache
def _dummy_hash() -> str:
    return _HASHER.hash(secrets.token_urlsafe(16))


def verify_password(password: str, stored_hash: str | None) -> bool:
    """Whether the password matches the hash; with no hash, the same work against a dummy one."""
    candidate = normalise_password(password)
    try:
        return _HASHER.verify(stored_hash or _dummy_hash(), candidate) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether a hash was made with other parameters than today's (re-hash after a good login)."""
    return _HASHER.check_needs_rehash(stored_hash)
