"""Verifying the bearer tokens (SPEC §2): the journal's, and the operators' own.

The journal signs a JWT for the signed-in user: HS256 with a per-deployment
secret, or RS256 with a key we know (a PEM public key or an inline JWKS; no
JWKS is fetched at run time). Claims: ``sub`` (journal user id = roster
``sourcedId``), ``exp``, ``iat``, ``aud``. During a secret rotation the
previous secret is still accepted.

Operators have a credential of their own: tokens for the audience
``school-chats-operator`` signed with ``OPERATOR_JWT_SECRET`` (HS256) or the
operators' RS256 key. A journal token never makes an operator, whatever its
claims (a ``scope`` claim is ignored), so whoever holds the journal's secret
cannot use the back office, and an operator's secret signs no journal user.
Either kind is refused when its lifetime (``exp - iat``) exceeds
``TOKEN_MAX_LIFETIME_S`` (24 h by default): a leaked token is not good for years.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import jwt

from chalicelib.config import OPERATOR_AUDIENCE, Settings
from chalicelib.errors import Unauthorized

_REQUIRED_CLAIMS = ["sub", "exp", "iat", "aud"]


@dataclass(frozen=True)
class Caller:
    """Who is calling the API, as proven by a journal token (or an operator token: ``is_operator``)."""

    person_id: str
    is_operator: bool = False


def _operator_keys_for(algorithm: str, config: Settings) -> list[object]:
    if algorithm == "HS256":
        return [config.operator_jwt_secret] if config.operator_jwt_secret else []
    if algorithm == "RS256":
        return [config.operator_jwt_public_key] if config.operator_jwt_public_key else []
    return []


def _is_for_operators(token: str, config: Settings) -> bool:
    """Whether a token names the operators' audience (then only their keys can verify it)."""
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return False
    audience = unverified.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    return config.operator_audience in audiences


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
    operator = _is_for_operators(token, config)
    keys = _operator_keys_for(algorithm, config) if operator else _keys_for(algorithm, header, config)
    kind = "operator" if operator else "journal"
    if not keys:
        raise Unauthorized(f"The {kind} token is signed with an unaccepted algorithm or key.")
    last_error: jwt.PyJWTError | None = None
    for key in keys:
        try:
            claims = jwt.decode(
                token,
                key=key,  # type: ignore[arg-type]
                algorithms=[algorithm],
                audience=config.operator_audience if operator else config.journal_audience,
                leeway=config.journal_leeway_s,
                options={"require": _REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized(f"The {kind} token has expired.") from exc
        except jwt.InvalidAudienceError as exc:
            raise Unauthorized(f"The {kind} token is for another audience.") from exc
        except jwt.PyJWTError as exc:
            last_error = exc
            continue
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject.strip() or len(subject) > 256:
            raise Unauthorized(f"The {kind} token has no usable subject.")
        lifetime = _number(claims.get("exp")) - _number(claims.get("iat"))
        if lifetime > config.token_max_lifetime_s:
            raise Unauthorized(
                f"The {kind} token lives longer than {config.token_max_lifetime_s} s (exp - iat); "
                "sign shorter-lived tokens."
            )
        return Caller(person_id=subject, is_operator=operator)
    raise Unauthorized(f"The {kind} token's signature or claims are invalid.") from last_error


def _number(value: object) -> float:
    """A numeric claim (PyJWT checked ``exp`` and ``iat`` are numbers when it validated them)."""
    return float(value) if isinstance(value, int | float) else 0.0


def issue_journal_token(
    person_id: str,
    secret: str,
    *,
    issued_at: int,
    lifetime_s: int = 3600,
    audience: str = "school-chats",
) -> str:
    """Sign an HS256 journal token the way the journal does (local stack, demo and tests)."""
    claims: dict[str, object] = {
        "sub": person_id,
        "iat": issued_at,
        "exp": issued_at + lifetime_s,
        "aud": audience,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def issue_operator_token(
    person_id: str, secret: str, *, issued_at: int, lifetime_s: int = 3600, audience: str = OPERATOR_AUDIENCE
) -> str:
    """Sign an HS256 operator token with ``OPERATOR_JWT_SECRET`` (local stack, README, tests)."""
    return issue_journal_token(
        person_id, secret, issued_at=issued_at, lifetime_s=lifetime_s, audience=audience
    )


def token_expiry(token: str) -> datetime:
    """When an already verified token expires (its ``exp``): what a socket signed in with it lives to."""
    claims = jwt.decode(token, options={"verify_signature": False, "verify_exp": False, "verify_aud": False})
    return datetime.fromtimestamp(_number(claims.get("exp")), UTC)
