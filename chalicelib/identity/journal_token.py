"""Verifying the journal's bearer tokens (SPEC §2).

The journal signs a JWT for the signed-in user: HS256 with a per-deployment
secret, or RS256 with a key we know (a PEM public key or an inline JWKS; no
JWKS is fetched at run time). Claims: ``sub`` (journal user id = roster
``sourcedId``), ``exp``, ``iat``, ``aud``, and ``"scope": "operator"`` for the
back office. During a secret rotation the previous secret is still accepted.
"""

from __future__ import annotations

from dataclasses import dataclass

import jwt

from chalicelib.config import Settings
from chalicelib.errors import Unauthorized

OPERATOR_SCOPE = "operator"
_REQUIRED_CLAIMS = ["sub", "exp", "iat", "aud"]


@dataclass(frozen=True)
class Caller:
    """Who is calling the API, as proven by a journal token."""

    person_id: str
    is_operator: bool = False


def _keys_for(algorithm: str, header: dict[str, object], config: Settings) -> list[object]:
    if algorithm == "HS256":
        return [s for s in (config.journal_jwt_secret, config.journal_jwt_previous_secret) if s]
    if algorithm == "RS256":
        keys: list[object] = []
        if config.journal_jwt_public_key:
            keys.append(config.journal_jwt_public_key)
        if config.journal_jwks:
            jwk_set = jwt.PyJWKSet.from_json(config.journal_jwks)
            kid = header.get("kid")
            keys.extend(k.key for k in jwk_set.keys if kid is None or k.key_id == kid)
        return keys
    return []


def verify_journal_token(authorization_header: str | None, config: Settings) -> Caller:
    """Check a ``Bearer`` journal token and return the caller, or raise ``Unauthorized``.

    The signature, ``exp`` (with the configured leeway), ``iat`` and ``aud`` are
    all checked; a token signed with an algorithm we have no key for is refused,
    which also rules out ``alg: none`` and HS/RS confusion.
    """
    if not authorization_header:
        raise Unauthorized("A journal token is required (Authorization: Bearer ...).")
    scheme, _, token = authorization_header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("The Authorization header must be 'Bearer <journal token>'.")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise Unauthorized("The journal token is malformed.") from exc
    algorithm = str(header.get("alg", ""))
    keys = _keys_for(algorithm, header, config)
    if not keys:
        raise Unauthorized("The journal token is signed with an unaccepted algorithm or key.")
    last_error: jwt.PyJWTError | None = None
    for key in keys:
        try:
            claims = jwt.decode(
                token,
                key=key,  # type: ignore[arg-type]
                algorithms=[algorithm],
                audience=config.journal_audience,
                leeway=config.journal_leeway_s,
                options={"require": _REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The journal token has expired.") from exc
        except jwt.InvalidAudienceError as exc:
            raise Unauthorized("The journal token is for another audience.") from exc
        except jwt.PyJWTError as exc:
            last_error = exc
            continue
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject.strip() or len(subject) > 256:
            raise Unauthorized("The journal token has no usable subject.")
        return Caller(person_id=subject, is_operator=claims.get("scope") == OPERATOR_SCOPE)
    raise Unauthorized("The journal token's signature or claims are invalid.") from last_error


def issue_journal_token(
    person_id: str,
    secret: str,
    *,
    issued_at: int,
    lifetime_s: int = 3600,
    audience: str = "school-chats",
    operator: bool = False,
) -> str:
    """Sign an HS256 journal token the way the journal does (local stack, demo and tests)."""
    claims: dict[str, object] = {
        "sub": person_id,
        "iat": issued_at,
        "exp": issued_at + lifetime_s,
        "aud": audience,
    }
    if operator:
        claims["scope"] = OPERATOR_SCOPE
    return jwt.encode(claims, secret, algorithm="HS256")
