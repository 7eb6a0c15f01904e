"""Attacks on the linking flow (issue #10), each reproduced through the HTTP API.

Every test here was written before its fix and failed against the code it guards.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from chalicelib.store.identity import AccountItem
from tests.identity_support import (
    STRONG_PASSWORD,
    call,
    last_code,
    make_account,
    open_session,
    sms_to,
    step,
    unique_phone,
)
from tests.support import assert_problem


def wrong(code: str, offset: int = 1) -> str:
    return f"{(int(code) + offset) % 1_000_000:06d}"


@pytest.fixture(autouse=True)
def one_request_per_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chalice keeps "the current request" on the app object, as Lambda runs one request per
    process; threads standing in for parallel Lambdas each get their own, or they would read
    each other's bodies."""
    from chalice import app as chalice_app

    per_thread = threading.local()
    monkeypatch.setattr(
        chalice_app.Chalice,
        "current_request",
        property(
            lambda self: getattr(per_thread, "request", None),
            lambda self, value: setattr(per_thread, "request", value),
        ),
        raising=False,
    )


def at_the_same_time(requests: list[Any]) -> list[Any]:
    """Run the calls in parallel threads released together; their answers, in order."""
    barrier = threading.Barrier(len(requests))
    answers: list[Any] = [None] * len(requests)

    def run(index: int, request: Any) -> None:
        barrier.wait()
        answers[index] = request()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def registering_at_code(api, person, phone):
    session_id = open_session(api, person, phone)
    step(api, person, session_id, "register")
    sent = step(api, person, session_id, "password", {"password": STRONG_PASSWORD})
    assert sent.status_code == 200 and sent.json_body["step"] == "code", sent.body
    return session_id


def account_exists(phone: str) -> bool:
    return AccountItem.count(phone) > 0


# --- 1. parallel code guesses ------------------------------------------------------------


def test_parallel_wrong_codes_get_no_more_tries_than_sequential_ones(api, clock, emulator):
    phone = unique_phone()
    session_id = registering_at_code(api, "race-1", phone)
    code = last_code(emulator, phone)
    guesses = [wrong(code, offset) for offset in range(1, 21)]
    answers = at_the_same_time(
        [lambda g=g: step(api, "race-1", session_id, "code", {"code": g}) for g in guesses]
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(400) <= 5, statuses  # at most five wrong entries were ever checked
    assert set(statuses) <= {400, 409, 410}, statuses
    assert_problem(step(api, "race-1", session_id, "code", {"code": code}), 410, "code-expired")
    assert not account_exists(phone)


def test_a_right_code_that_loses_the_race_creates_no_account(api, clock, emulator):
    for attempt in range(3):
        phone = unique_phone()
        person = f"race-2-{attempt}"
        session_id = registering_at_code(api, person, phone)
        code = last_code(emulator, phone)
        entries = [wrong(code, offset) for offset in range(1, 8)] + [code]
        answers = at_the_same_time(
            [lambda e=e, p=person, s=session_id: step(api, p, s, "code", {"code": e}) for e in entries]
        )
        right = answers[-1]
        if right.status_code == 200:
            assert right.json_body["step"] == "create_profile"
            assert account_exists(phone)
        else:
            assert right.status_code in (409, 410), right.body
            assert not account_exists(phone)
        won = [a for a in answers if a.status_code == 200]
        assert len(won) <= 1


def test_parallel_right_codes_create_one_account_once(api, clock, emulator):
    phone = unique_phone()
    session_id = registering_at_code(api, "race-3", phone)
    code = last_code(emulator, phone)
    answers = at_the_same_time([lambda: step(api, "race-3", session_id, "code", {"code": code})] * 6)
    assert [a.status_code for a in answers].count(200) == 1, [a.status_code for a in answers]
    assert account_exists(phone)
    assert call(api, "get", f"/v1/link/sessions/{session_id}", "race-3").json_body["step"] == "create_profile"
    assert len(sms_to(emulator, phone)) == 1


# --- 2. nobody locks the owner out ----------------------------------------------------------


def wrong_password(api, person, phone):
    session_id = open_session(api, person, phone)
    return step(api, person, session_id, "password", {"password": "a wrong guess"})


def test_a_strangers_wrong_passwords_do_not_slow_the_owner_down(api, clock, emulator):
    phone = unique_phone()
    make_account(phone)
    for _ in range(5):
        assert_problem(wrong_password(api, "stranger-1", phone), 400, "invalid-credentials")
    assert_problem(wrong_password(api, "stranger-1", phone), 429, "rate-limited")  # the stranger waits
    owner = open_session(api, "owner-1", phone)
    assert step(api, "owner-1", owner, "password", {"password": STRONG_PASSWORD}).json_body["step"] == "code"


def test_a_stranger_locked_out_after_a_hundred_failures_does_not_lock_the_owner(api, clock, emulator):
    phone = unique_phone()
    make_account(phone)
    for _ in range(100):
        clock.advance(seconds=3601)  # past the back-off and the per-user hourly cap
        assert_problem(wrong_password(api, "stranger-2", phone), 400, "invalid-credentials")
    clock.advance(seconds=3601)
    assert_problem(wrong_password(api, "stranger-2", phone), 423, "locked")
    owner = open_session(api, "owner-2", phone)
    assert step(api, "owner-2", owner, "password", {"password": STRONG_PASSWORD}).json_body["step"] == "code"


def test_past_the_numbers_ceiling_the_owner_gets_in_by_proving_the_phone(api, clock, configure, emulator):
    configure(PASSWORD_ATTEMPTS_PER_PHONE_DAY="6")
    phone = unique_phone()
    make_account(phone)
    for stranger in ("s-a", "s-b", "s-c"):
        for _ in range(2):
            assert_problem(wrong_password(api, stranger, phone), 400, "invalid-credentials")
    owner = open_session(api, "owner-3", phone)
    refused = assert_problem(
        step(api, "owner-3", owner, "password", {"password": STRONG_PASSWORD}), 429, "rate-limited"
    )
    assert "SMS" in refused["detail"]
    assert sms_to(emulator, phone) == []
    # Proving the phone by SMS code first lets the owner in past the ceiling.
    step(api, "owner-3", owner, "register")
    assert step(api, "owner-3", owner, "password", {"password": "another long passphrase"}).status_code == 200
    proven = step(api, "owner-3", owner, "code", {"code": last_code(emulator, phone)}).json_body
    assert proven["step"] == "password" and proven["phone_verified"] is True
    signed_in = step(api, "owner-3", owner, "password", {"password": STRONG_PASSWORD})
    assert signed_in.json_body["step"] == "choose_profile", signed_in.body


# --- 5. operators have their own credential -------------------------------------------------


def test_a_journal_token_claiming_the_operator_scope_is_no_operator(api):
    import time

    import jwt

    from tests.support import TEST_JWT_SECRET

    now = int(time.time())
    for audience in ("school-chats", "school-chats-operator"):
        forged = jwt.encode(
            {"sub": "op-1", "iat": now, "exp": now + 600, "aud": audience, "scope": "operator"},
            TEST_JWT_SECRET,
            algorithm="HS256",
        )
        response = api.http.get("/v1/imports", headers={"Authorization": f"Bearer {forged}"})
        assert response.status_code in (401, 403), (audience, response.body)
        assert response.headers["Content-Type"] == "application/problem+json"


def test_an_operator_token_is_signed_with_the_operator_secret(api):
    from tests.support import auth_headers

    response = api.http.get("/v1/imports", headers=auth_headers("op-1", operator=True))
    assert response.status_code == 200, response.body


def test_tokens_living_longer_than_the_maximum_are_refused(api, configure):
    from tests.support import auth_headers

    for operator in (False, True):
        too_long = auth_headers("op-1", operator=operator, lifetime_s=24 * 3600 + 1)
        assert_problem(api.http.get("/v1/me", headers=too_long), 401, "unauthorized")
    configure(TOKEN_MAX_LIFETIME_S="600")
    assert_problem(api.http.get("/v1/me", headers=auth_headers("p", lifetime_s=601)), 401, "unauthorized")
    assert api.http.get("/v1/me", headers=auth_headers("p", lifetime_s=600)).status_code == 200


# --- 3. forgot password ---------------------------------------------------------------------

NEW_PASSWORD = "a brand new passphrase"


def resetting(api, person, phone, password=NEW_PASSWORD):
    session_id = open_session(api, person, phone)
    started = step(api, person, session_id, "reset")
    assert started.status_code == 200 and started.json_body["step"] == "reset", started.body
    return session_id, step(api, person, session_id, "password", {"password": password})


def test_a_reset_sets_the_new_password_once_the_code_proves_the_phone(api, clock, emulator):
    phone = unique_phone()
    make_account(phone)
    session_id, sent = resetting(api, "reset-1", phone)
    assert sent.status_code == 200 and sent.json_body["step"] == "code"
    proven = step(api, "reset-1", session_id, "code", {"code": last_code(emulator, phone)})
    assert proven.json_body["step"] == "choose_profile" and proven.json_body["phone_verified"] is True
    assert step(api, "reset-1", session_id, "confirm").json_body["step"] == "done"
    # The old password no longer works; the new one does.
    clock.advance(seconds=1)
    old = open_session(api, "reset-2", phone)
    assert_problem(
        step(api, "reset-2", old, "password", {"password": STRONG_PASSWORD}), 400, "invalid-credentials"
    )
    new = open_session(api, "reset-3", phone)
    assert step(api, "reset-3", new, "password", {"password": NEW_PASSWORD}).json_body["step"] == "code"


def test_a_reset_does_not_tell_whether_the_number_had_an_account_before_the_code(api, clock, emulator):
    known, unknown = unique_phone(), unique_phone()
    make_account(known)
    answers, sessions = {}, {}
    for phone in (known, unknown):
        sessions[phone], sent = resetting(api, f"reset-{phone}", phone)
        body = {k: v for k, v in sent.json_body.items() if k not in ("id", "phone_masked")}
        answers[phone] = (sent.status_code, body, len(sms_to(emulator, phone)))
    assert answers[known] == answers[unknown]
    # Only after the code: the unknown number gets an account with the new password.
    person = f"reset-{unknown}"
    created = step(api, person, sessions[unknown], "code", {"code": last_code(emulator, unknown)})
    assert created.json_body["step"] == "create_profile"
    assert account_exists(unknown)
    session_id = open_session(api, "reset-u", unknown)
    assert (
        step(api, "reset-u", session_id, "password", {"password": NEW_PASSWORD}).json_body["step"] == "code"
    )


def test_a_reset_without_the_code_changes_nothing(api, clock, emulator):
    phone = unique_phone()
    make_account(phone)
    session_id, _ = resetting(api, "reset-4", phone)
    code = last_code(emulator, phone)
    for _ in range(5):
        step(api, "reset-4", session_id, "code", {"code": wrong(code)})
    assert_problem(step(api, "reset-4", session_id, "code", {"code": code}), 410, "code-expired")
    other = open_session(api, "reset-5", phone)
    assert step(api, "reset-5", other, "password", {"password": STRONG_PASSWORD}).json_body["step"] == "code"


def test_a_reset_refuses_weak_passwords_and_wrong_steps(api, clock, emulator):
    phone = unique_phone()
    _, weak = resetting(api, "reset-6", phone, password="12345678")
    assert_problem(weak, 422, "validation")
    assert sms_to(emulator, phone) == []
    session_id, _ = resetting(api, "reset-7", phone)
    assert_problem(step(api, "reset-7", session_id, "reset"), 409, "wrong-step")
    assert_problem(step(api, "reset-7", session_id, "register"), 409, "wrong-step")


def test_the_owner_gets_in_past_the_ceiling_by_resetting(api, clock, configure, emulator):
    configure(PASSWORD_ATTEMPTS_PER_PHONE_DAY="2")
    phone = unique_phone()
    make_account(phone)
    for stranger in ("r-a", "r-b"):
        assert_problem(wrong_password(api, stranger, phone), 400, "invalid-credentials")
    session_id, _ = resetting(api, "reset-owner", phone)
    proven = step(api, "reset-owner", session_id, "code", {"code": last_code(emulator, phone)})
    assert proven.json_body["step"] == "choose_profile"


# --- 4. SMS pumping ----------------------------------------------------------------------------


def test_sms_go_only_to_countries_on_the_list(api, clock, configure, emulator):
    for phone in ("+881631234567", "+447911123456", "+12015550123"):
        response = call(api, "post", "/v1/link/sessions", "pump-1", {"phone": phone})
        body = assert_problem(response, 422, "validation")
        assert body["errors"][0]["field"] == "phone"
    configure(SMS_ALLOWED_PREFIXES="+7,+375")
    assert call(api, "post", "/v1/link/sessions", "pump-1", {"phone": "+375291234567"}).status_code == 201


def test_a_global_sms_budget_trips_a_circuit_breaker(api, clock, configure, emulator, capsys):
    configure(SMS_GLOBAL_PER_HOUR="3", SMS_GLOBAL_PER_DAY="100")
    for n in range(3):
        registering_at_code(api, f"pump-{n}", unique_phone())
    phone = unique_phone()
    session_id = open_session(api, "pump-x", phone)
    step(api, "pump-x", session_id, "register")
    refused = step(api, "pump-x", session_id, "password", {"password": STRONG_PASSWORD})
    assert_problem(refused, 503, "sms-unavailable")
    assert sms_to(emulator, phone) == []
    assert call(api, "get", f"/v1/link/sessions/{session_id}", "pump-x").json_body["step"] == "register"
    assert '"SmsBudgetExhausted"' in capsys.readouterr().out  # the metric the alarm watches
    clock.advance(seconds=3600)  # the next hour's budget
    assert registering_at_code(api, "pump-y", phone)


def test_past_the_caps_no_new_password_is_hashed(api, clock, configure, emulator, monkeypatch):
    configure(SMS_PER_PHONE_HOUR="1")
    phone = unique_phone()
    registering_at_code(api, "pump-h1", phone)
    from chalicelib.identity import linking

    hashed = []
    real = linking.hash_password
    monkeypatch.setattr(linking, "hash_password", lambda p: hashed.append(p) or real(p))
    for n in range(5):
        session_id = open_session(api, f"pump-h{n + 2}", phone)
        step(api, f"pump-h{n + 2}", session_id, "register")
        refused = step(api, f"pump-h{n + 2}", session_id, "password", {"password": STRONG_PASSWORD})
        assert_problem(refused, 429, "rate-limited")
    assert hashed == []


# --- 7. smaller holes ---------------------------------------------------------------------------


def test_the_counters_table_holds_no_bare_hash_of_a_number(api, clock, emulator):
    import hashlib

    from chalicelib.store.identity import CounterItem

    phone = unique_phone()
    registering_at_code(api, "pepper-1", phone)
    assert_problem(wrong_password(api, "pepper-2", phone), 400, "invalid-credentials")
    keys = [item.key for item in CounterItem.scan(consistent_read=True)]
    assert keys
    for subject in (phone, "pepper-1", "pepper-2"):
        bare = hashlib.sha256(subject.encode()).hexdigest()[:40]
        assert not any(bare in key for key in keys), (subject, keys)
    for text in (phone, phone.lstrip("+"), "pepper-1"):
        assert not any(text in key for key in keys)


def test_a_run_of_wrong_passwords_expires(api, clock, emulator):
    phone = unique_phone()
    make_account(phone)
    for _ in range(5):
        assert_problem(wrong_password(api, "expiry-1", phone), 400, "invalid-credentials")
    assert_problem(wrong_password(api, "expiry-1", phone), 429, "rate-limited")
    clock.advance(days=8)
    for _ in range(4):  # a fresh run: the first failures cost nothing again
        assert_problem(wrong_password(api, "expiry-1", phone), 400, "invalid-credentials")


def test_printing_sms_to_the_console_is_refused_outside_the_local_stack(aws, monkeypatch):
    from chalicelib.config import ConfigurationError, settings

    monkeypatch.setenv("PRINT_SMS_TO_CONSOLE", "1")
    for stage in ("test", "dev", "prod"):
        monkeypatch.setenv("STAGE", stage)
        settings.cache_clear()
        with pytest.raises(ConfigurationError, match="PRINT_SMS_TO_CONSOLE"):
            settings()
    monkeypatch.setenv("STAGE", "local")
    settings.cache_clear()
    assert settings().print_sms_to_console


def test_the_api_may_publish_sms_to_phone_numbers_only():
    from tests.iam_audit import ACCOUNT, Need, allows, current_view

    policy = current_view()["policies"]["api_handler"]
    assert allows(policy, Need("sns:Publish", "*"))  # an SMS to a phone number has no ARN
    for topic in (f"arn:aws:sns:us-east-1:{ACCOUNT}:anything", f"arn:aws:sns:eu-west-1:{ACCOUNT}:alarms"):
        assert not allows(policy, Need("sns:Publish", topic)), topic
    denies = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert any("sns:Publish" in s["Action"] for s in denies)  # explicitly, not just by omission


def test_a_stranger_cannot_use_up_the_owners_sms(api, clock, emulator):
    phone = unique_phone()
    make_account(phone)
    sent = 0
    for _ in range(12):  # a stranger asks again and again for codes to the owner's number
        session_id = open_session(api, "sms-stranger", phone)
        step(api, "sms-stranger", session_id, "register")
        answer = step(api, "sms-stranger", session_id, "password", {"password": STRONG_PASSWORD})
        sent += answer.status_code == 200
        clock.advance(seconds=60)
    assert sent < 12  # the stranger is capped
    owner = open_session(api, "sms-owner", phone)
    assert (
        step(api, "sms-owner", owner, "password", {"password": STRONG_PASSWORD}).json_body["step"] == "code"
    )
