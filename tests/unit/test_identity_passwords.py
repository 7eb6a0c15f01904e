import pytest

from chalicelib.identity import passwords
from chalicelib.identity.passwords import (
    PasswordRejected,
    check_new_password,
    hash_password,
    needs_rehash,
    verify_password,
)


def test_hash_is_argon2id_with_the_owasp_parameters():
    stored = hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert "correct horse" not in stored
    assert hash_password("correct horse battery staple") != stored  # a fresh salt every time
    assert not needs_rehash(stored)


def test_verify_accepts_the_password_and_nothing_else():
    stored = hash_password("correct horse battery staple")
    assert verify_password("correct horse battery staple", stored)
    assert not verify_password("correct horse battery stapl", stored)
    assert not verify_password("Correct horse battery staple", stored)
    assert not verify_password("anything", "not-a-hash")


def test_passwords_compare_after_unicode_normalisation():
    stored = hash_password("Ｃafé-latte-2024")  # full-width C, composed é
    assert verify_password("Cafe\u0301-latte-2024", stored)


def test_unknown_account_still_costs_an_argon2_verification(monkeypatch):
    verified = []
    real = passwords._HASHER

    class Spy:
        def hash(self, password):
            return real.hash(password)

        def verify(self, stored, candidate):
            verified.append(stored)
            return real.verify(stored, candidate)

    passwords._dummy_hash.cache_clear()
    monkeypatch.setattr(passwords, "_HASHER", Spy())
    assert verify_password("whatever-password", None) is False
    assert len(verified) == 1 and verified[0].startswith("$argon2id$")


@pytest.mark.parametrize("too_short", ["", "a", "seven77", "sh0rt"])
def test_fewer_than_eight_characters_are_refused(too_short):
    with pytest.raises(PasswordRejected, match="at least 8"):
        check_new_password(too_short)


def test_eight_characters_without_composition_rules_are_enough():
    assert check_new_password("lunchbox-tiger") == "lunchbox-tiger"
    assert check_new_password("чайник на плите") == "чайник на плите"


def test_over_long_passwords_are_refused():
    with pytest.raises(PasswordRejected, match="at most 128"):
        check_new_password("x" * 60 + "y" * 69)


@pytest.mark.parametrize(
    "common", ["password", "12345678", "qwertyuiop", "Password1", "PASSWORD123", "йцукенгшщз", "aaaaaaaaaa"]
)
def test_common_passwords_are_refused(common):
    with pytest.raises(PasswordRejected, match="too common"):
        check_new_password(common)


def test_a_password_that_contains_the_phone_number_is_refused():
    with pytest.raises(PasswordRejected, match="phone"):
        check_new_password("my9161234567pw", context_words=("79161234567", "9161234567"))
