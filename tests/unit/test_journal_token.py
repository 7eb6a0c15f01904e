"""Journal token verification (SPEC §2): every way a token can be wrong is a 401."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.config import Settings
from chalicelib.errors import Unauthorized
from chalicelib.identity.journal_token import Caller, issue_journal_token, verify_journal_token

SECRET = "s3cret-for-tests-0123456789abcdef0123456789"
BASE = Settings.from_environment({"JOURNAL_JWT_SECRET": SECRET})


def bearer(token: str) -> str:
    return f"Bearer {token}"


def claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    base: dict[str, object] = {"sub": "t-ivanova", "iat": now, "exp": now + 600, "aud": "school-chats"}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def test_a_valid_token_names_the_caller() -> None:
    token = issue_journal_token("t-ivanova", SECRET, issued_at=int(time.time()))
    assert verify_journal_token(bearer(token), BASE) == Caller("t-ivanova", is_operator=False)


def test_the_operator_scope_marks_back_office_callers() -> None:
    token = issue_journal_token("op-1", SECRET, issued_at=int(time.time()), operator=True)
    assert verify_journal_token(bearer(token), BASE).is_operator


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz", "bearer not.a.jwt", "Bearer a.b", "Token abc"],
    ids=["missing", "empty", "no-token", "blank-token", "basic", "garbage", "two-parts", "other-scheme"],
)
def test_missing_or_malformed_headers_are_refused(header: str | None) -> None:
    with pytest.raises(Unauthorized):
        verify_journal_token(header, BASE)


@pytest.mark.parametrize(
    ("payload", "key", "message"),
    [
        (claims(exp=int(time.time()) - 60), SECRET, "expired"),
        (claims(aud="another-service"), SECRET, "audience"),
        (claims(aud=None), SECRET, "invalid"),
        (claims(sub=None), SECRET, "invalid"),
        (claims(iat=None), SECRET, "invalid"),
        (claims(exp=None), SECRET, "invalid"),
        (claims(), "a-different-secret-0123456789abcdef0123", "invalid"),
        (claims(sub=""), SECRET, "subject"),
        (claims(sub="x" * 300), SECRET, "subject"),
        (claims(sub=12345), SECRET, "invalid"),
    ],
    ids=[
        "expired",
        "wrong-aud",
        "no-aud",
        "no-sub",
        "no-iat",
        "no-exp",
        "wrong-secret",
        "empty-sub",
        "long-sub",
        "int-sub",
    ],
)
def test_bad_claims_or_signatures_are_refused(payload: dict[str, object], key: str, message: str) -> None:
    token = jwt.encode(payload, key, algorithm="HS256")
    with pytest.raises(Unauthorized) as refused:
        verify_journal_token(bearer(token), BASE)
    assert message in refused.value.detail.lower()


def test_a_token_just_past_expiry_is_accepted_within_the_leeway() -> None:
    token = jwt.encode(claims(exp=int(time.time()) - 2), SECRET, algorithm="HS256")
    assert verify_journal_token(bearer(token), BASE).person_id == "t-ivanova"


def test_alg_none_is_refused() -> None:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=")
    body = base64.urlsafe_b64encode(json.dumps(claims()).encode()).rstrip(b"=")
    with pytest.raises(Unauthorized):
        verify_journal_token(bearer(f"{header.decode()}.{body.decode()}."), BASE)


def test_during_a_rotation_the_previous_secret_still_works_and_others_do_not() -> None:
    rotated = BASE.model_copy(
        update={
            "journal_jwt_secret": "new-secret-0123456789abcdef0123456789",
            "journal_jwt_previous_secret": SECRET,
        }
    )
    old = jwt.encode(claims(), SECRET, algorithm="HS256")
    new = jwt.encode(claims(), "new-secret-0123456789abcdef0123456789", algorithm="HS256")
    assert verify_journal_token(bearer(old), rotated).person_id == "t-ivanova"
    assert verify_journal_token(bearer(new), rotated).person_id == "t-ivanova"
    with pytest.raises(Unauthorized):
        verify_journal_token(
            bearer(jwt.encode(claims(), "third-secret-0123456789abcdef012345", algorithm="HS256")), rotated
        )


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def test_rs256_with_a_configured_public_key(rsa_key: rsa.RSAPrivateKey) -> None:
    config = Settings.from_environment({"JOURNAL_JWT_PUBLIC_KEY": public_pem(rsa_key)})
    token = jwt.encode(claims(), rsa_key, algorithm="RS256")
    assert verify_journal_token(bearer(token), config).person_id == "t-ivanova"
    # With no HS256 secret configured, an HS256 token is refused (no algorithm confusion).
    forged = jwt.encode(claims(), "anything-at-all-0123456789abcdef0123", algorithm="HS256")
    with pytest.raises(Unauthorized):
        verify_journal_token(bearer(forged), config)


def test_rs256_with_an_inline_jwks_picks_the_key_by_kid(rsa_key: rsa.RSAPrivateKey) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    keys = []
    for kid, key in (("journal-2026", rsa_key), ("journal-old", other)):
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        keys.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
    config = Settings.from_environment({"JOURNAL_JWKS": json.dumps({"keys": keys})})
    good = jwt.encode(claims(), rsa_key, algorithm="RS256", headers={"kid": "journal-2026"})
    assert verify_journal_token(bearer(good), config).person_id == "t-ivanova"
    mislabelled = jwt.encode(claims(), rsa_key, algorithm="RS256", headers={"kid": "journal-old"})
    with pytest.raises(Unauthorized):
        verify_journal_token(bearer(mislabelled), config)


def test_no_configured_key_refuses_everything() -> None:
    token = jwt.encode(claims(), SECRET, algorithm="HS256")
    with pytest.raises(Unauthorized):
        verify_journal_token(bearer(token), Settings.from_environment({}))
