"""Every refusal of the linking flow (SPEC §3 rules), through the HTTP API with time injected."""

from __future__ import annotations

from chalicelib.identity.linking import password_run_key
from chalicelib.identity.throttle import MAX_CONSECUTIVE_FAILURES
from chalicelib.store.identity import CounterItem
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
from tests.support import PROBLEM_BASE, assert_problem


def at_code(api, person, phone=None):
    """A session at step ``code`` (for an existing account); returns (session id, phone)."""
    phone = phone or unique_phone()
    make_account(phone)
    session_id = open_session(api, person, phone)
    assert (
        step(api, person, session_id, "password", {"password": STRONG_PASSWORD}).json_body["step"] == "code"
    )
    return session_id, phone


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def current_step(api, person, session_id):
    return call(api, "get", f"/v1/link/sessions/{session_id}", person).json_body["step"]


# --- codes ---------------------------------------------------------------------------


def test_a_wrong_code_is_counted_and_the_sixth_entry_is_refused_even_when_right(api, clock, emulator):
    session_id, phone = at_code(api, "p1")
    code = last_code(emulator, phone)
    for left in (4, 3, 2, 1, 0):
        body = assert_problem(step(api, "p1", session_id, "code", {"code": wrong(code)}), 400, "wrong-code")
        assert body["attempts_left"] == left
    assert_problem(step(api, "p1", session_id, "code", {"code": code}), 410, "code-expired")
    view = call(api, "get", f"/v1/link/sessions/{session_id}", "p1").json_body
    assert view["step"] == "code" and view["expires_in_s"] == 0 and view["attempts_left"] == 0
    # Only a resend helps.
    clock.advance(seconds=120)
    assert step(api, "p1", session_id, "resend").status_code == 200
    assert step(api, "p1", session_id, "code", {"code": last_code(emulator, phone)}).json_body["step"] == (
        "choose_profile"
    )


def test_an_expired_code_is_refused(api, clock, emulator):
    session_id, phone = at_code(api, "p2")
    clock.advance(seconds=300)
    assert_problem(
        step(api, "p2", session_id, "code", {"code": last_code(emulator, phone)}), 410, "code-expired"
    )
    assert current_step(api, "p2", session_id) == "code"


def test_a_code_is_good_until_its_last_second(api, clock, emulator):
    session_id, phone = at_code(api, "p2b")
    clock.advance(seconds=299)
    assert step(api, "p2b", session_id, "code", {"code": last_code(emulator, phone)}).status_code == 200


def test_a_used_code_cannot_be_used_again(api, clock, emulator):
    session_id, phone = at_code(api, "p3")
    code = last_code(emulator, phone)
    assert step(api, "p3", session_id, "code", {"code": code}).status_code == 200
    body = assert_problem(step(api, "p3", session_id, "code", {"code": code}), 409, "wrong-step")
    assert body["step"] == "choose_profile"


def test_a_code_from_another_session_is_refused(api, clock, emulator):
    first, phone = at_code(api, "p4")
    clock.advance(seconds=1)
    other = open_session(api, "p4", phone)
    step(api, "p4", other, "password", {"password": STRONG_PASSWORD})
    code_of_other = last_code(emulator, phone)
    assert_problem(step(api, "p4", first, "code", {"code": code_of_other}), 400, "wrong-code")


def test_resend_inside_the_cooldown_is_refused_and_then_replaces_the_code(api, clock, emulator):
    session_id, phone = at_code(api, "p5")
    old = last_code(emulator, phone)
    clock.advance(seconds=30)
    assert call(api, "get", f"/v1/link/sessions/{session_id}", "p5").json_body["resend_after_s"] == 90
    body = assert_problem(step(api, "p5", session_id, "resend"), 429, "rate-limited")
    assert body["retry_after_s"] == 90
    assert len(sms_to(emulator, phone)) == 1
    clock.advance(seconds=90)
    resent = step(api, "p5", session_id, "resend").json_body
    assert resent["step"] == "code" and resent["resend_after_s"] == 120 and resent["expires_in_s"] == 300
    assert len(sms_to(emulator, phone)) == 2
    new = last_code(emulator, phone)
    if new != old:  # one chance in a million that the two codes coincide
        assert_problem(step(api, "p5", session_id, "code", {"code": old}), 400, "wrong-code")
    assert step(api, "p5", session_id, "code", {"code": new}).status_code == 200


def test_the_resend_cooldown_is_configurable(api, clock, configure):
    configure(SMS_RESEND_COOLDOWN_S="45")
    session_id, _ = at_code(api, "p6")
    assert call(api, "get", f"/v1/link/sessions/{session_id}", "p6").json_body["resend_after_s"] == 45
    clock.advance(seconds=45)
    assert step(api, "p6", session_id, "resend").status_code == 200


# --- SMS caps --------------------------------------------------------------------------


def registration_code(api, person, phone):
    session_id = open_session(api, person, phone)
    step(api, person, session_id, "register")
    return session_id, step(api, person, session_id, "password", {"password": STRONG_PASSWORD})


def test_sms_per_phone_per_hour_is_capped(api, clock, configure, emulator):
    configure(SMS_PER_PHONE_HOUR="2")
    phone = unique_phone()
    for person in ("c1", "c2"):
        assert registration_code(api, person, phone)[1].status_code == 200
    session_id, refused = registration_code(api, "c3", phone)
    body = assert_problem(refused, 429, "rate-limited")
    assert 0 < body["retry_after_s"] <= 3600 and refused.headers["Retry-After"] == str(body["retry_after_s"])
    assert len(sms_to(emulator, phone)) == 2
    assert current_step(api, "c3", session_id) == "register"  # nothing changed
    clock.advance(seconds=3600)
    assert step(api, "c3", open_session(api, "c3", phone), "register").status_code == 200


def test_sms_per_phone_per_day_is_capped(api, clock, configure, emulator):
    configure(SMS_PER_PHONE_HOUR="10", SMS_PER_PHONE_DAY="2")
    phone = unique_phone()
    for person in ("d1", "d2"):
        assert registration_code(api, person, phone)[1].status_code == 200
        clock.advance(hours=2)
    body = assert_problem(registration_code(api, "d3", phone)[1], 429, "rate-limited")
    assert body["retry_after_s"] > 3600
    assert len(sms_to(emulator, phone)) == 2


def test_sms_per_journal_user_per_hour_is_capped(api, clock, configure):
    configure(SMS_PER_USER_HOUR="2")
    assert registration_code(api, "u1", unique_phone())[1].status_code == 200
    assert registration_code(api, "u1", unique_phone())[1].status_code == 200
    assert_problem(registration_code(api, "u1", unique_phone())[1], 429, "rate-limited")
    # Another journal user is not affected.
    assert registration_code(api, "u2", unique_phone())[1].status_code == 200


def test_sms_per_journal_user_per_day_is_capped(api, clock, configure):
    configure(SMS_PER_USER_HOUR="10", SMS_PER_USER_DAY="2")
    for _ in range(2):
        assert registration_code(api, "u3", unique_phone())[1].status_code == 200
        clock.advance(hours=3)
    assert_problem(registration_code(api, "u3", unique_phone())[1], 429, "rate-limited")
    clock.advance(hours=19)
    assert registration_code(api, "u3", unique_phone())[1].status_code == 200


def test_resends_count_against_the_caps(api, clock, configure, emulator):
    configure(SMS_PER_PHONE_HOUR="2")
    session_id, phone = at_code(api, "u4")
    clock.advance(seconds=120)
    assert step(api, "u4", session_id, "resend").status_code == 200
    clock.advance(seconds=120)
    assert_problem(step(api, "u4", session_id, "resend"), 429, "rate-limited")
    assert len(sms_to(emulator, phone)) == 2


# --- sessions ------------------------------------------------------------------------


def test_a_session_expires_after_fifteen_minutes(api, clock, emulator):
    session_id, phone = at_code(api, "s1")
    clock.advance(minutes=15)
    assert_problem(call(api, "get", f"/v1/link/sessions/{session_id}", "s1"), 410, "link-session-expired")
    assert_problem(
        step(api, "s1", session_id, "code", {"code": last_code(emulator, phone)}), 410, "link-session-expired"
    )
    assert_problem(step(api, "s1", session_id, "resend"), 410, "link-session-expired")


def test_another_users_session_is_not_found(api, clock, emulator):
    session_id, phone = at_code(api, "owner")
    code = last_code(emulator, phone)
    assert_problem(call(api, "get", f"/v1/link/sessions/{session_id}", "intruder"), 404, "not-found")
    for action, body in (
        ("code", {"code": code}),
        ("resend", None),
        ("password", {"password": STRONG_PASSWORD}),
        ("register", None),
        ("profile", {"first_name": "A", "last_name": "B", "birth_date": "1990-01-01", "gender": "male"}),
        ("confirm", None),
    ):
        assert_problem(step(api, "intruder", session_id, action, body), 404, "not-found")
    # The owner's session is untouched: the code still works for them.
    assert step(api, "owner", session_id, "code", {"code": code}).status_code == 200


def test_an_unknown_session_is_not_found(api, clock):
    assert_problem(call(api, "get", "/v1/link/sessions/no-such-session", "p"), 404, "not-found")
    assert_problem(call(api, "get", "/v1/link/sessions/" + "x" * 300, "p"), 404, "not-found")


def test_steps_out_of_order_are_refused_at_password(api, clock, subtests):
    session_id = open_session(api, "o1", unique_phone())
    for action, body in (
        ("code", {"code": "123456"}),
        ("resend", None),
        ("profile", {"first_name": "A", "last_name": "B", "birth_date": "1990-01-01", "gender": "male"}),
        ("confirm", None),
    ):
        with subtests.test(action=action):
            refusal = assert_problem(step(api, "o1", session_id, action, body), 409, "wrong-step")
            assert refusal["step"] == "password"
    assert current_step(api, "o1", session_id) == "password"


def test_steps_out_of_order_are_refused_at_code(api, clock, emulator):
    session_id, _ = at_code(api, "o2")
    for action, body in (
        ("register", None),
        ("password", {"password": STRONG_PASSWORD}),
        ("profile", {"first_name": "A", "last_name": "B", "birth_date": "1990-01-01", "gender": "male"}),
        ("confirm", None),
    ):
        assert assert_problem(step(api, "o2", session_id, action, body), 409, "wrong-step")["step"] == "code"


def test_a_finished_session_cannot_be_walked_again(api, clock, emulator):
    session_id, phone = at_code(api, "o3")
    step(api, "o3", session_id, "code", {"code": last_code(emulator, phone)})
    assert step(api, "o3", session_id, "confirm").json_body["step"] == "done"
    for action, body in (
        ("confirm", None),
        ("code", {"code": "000000"}),
        ("resend", None),
        ("register", None),
    ):
        assert assert_problem(step(api, "o3", session_id, action, body), 409, "wrong-step")["step"] == "done"


# --- passwords -----------------------------------------------------------------------


def test_a_weak_new_password_is_refused_and_nothing_is_sent(api, clock, emulator, subtests):
    phone = unique_phone()
    session_id = open_session(api, "w1", phone)
    step(api, "w1", session_id, "register")
    for weak in ("password", "12345678", "Qwerty123", "short", "йцукенгшщз", phone[2:]):
        with subtests.test(weak=weak):
            body = assert_problem(
                step(api, "w1", session_id, "password", {"password": weak}), 422, "validation"
            )
            assert [e["field"] for e in body["errors"]] == ["password"]
    assert current_step(api, "w1", session_id) == "register"
    assert sms_to(emulator, phone) == []


def test_wrong_password_and_unknown_account_get_the_same_answer_and_no_sms(api, clock, emulator):
    known, unknown = unique_phone(), unique_phone()
    make_account(known)
    answers = []
    for phone in (known, unknown):
        session_id = open_session(api, "e1", phone)
        response = step(api, "e1", session_id, "password", {"password": "not the right one"})
        answers.append((response.status_code, {k: v for k, v in response.json_body.items()}))
        assert current_step(api, "e1", session_id) == "password"
    assert answers[0] == answers[1]
    assert answers[0][0] == 400 and answers[0][1]["type"] == PROBLEM_BASE + "invalid-credentials"
    assert sms_to(emulator, known) == [] and sms_to(emulator, unknown) == []


def test_the_first_answer_to_a_phone_does_not_tell_whether_it_has_an_account(api, clock):
    known, unknown = unique_phone(), unique_phone()
    make_account(known)
    views = [
        call(api, "post", "/v1/link/sessions", "e2", {"phone": phone}).json_body for phone in (known, unknown)
    ]
    assert {tuple(sorted(v)) for v in views} == {tuple(sorted(views[0]))}
    assert [v["step"] for v in views] == ["password", "password"]


def test_password_failures_back_off_alike_for_known_and_unknown_numbers(api, clock):
    known, unknown = unique_phone(), unique_phone()
    make_account(known)
    sessions = {phone: open_session(api, "b1", phone) for phone in (known, unknown)}
    for phone, session_id in sessions.items():
        for _ in range(5):
            assert_problem(
                step(api, "b1", session_id, "password", {"password": "wrong password"}),
                400,
                "invalid-credentials",
            )
        first = assert_problem(
            step(api, "b1", session_id, "password", {"password": STRONG_PASSWORD}), 429, "rate-limited"
        )
        assert first["retry_after_s"] == 30, phone
    clock.advance(seconds=30)
    for session_id in sessions.values():
        assert_problem(
            step(api, "b1", session_id, "password", {"password": "wrong again"}), 400, "invalid-credentials"
        )
        growing = assert_problem(
            step(api, "b1", session_id, "password", {"password": "x" * 9}), 429, "rate-limited"
        )
        assert growing["retry_after_s"] == 60
    clock.advance(seconds=60)
    # The right password after the back-off works, and clears the run.
    assert step(api, "b1", sessions[known], "password", {"password": STRONG_PASSWORD}).status_code == 200


def test_a_right_password_clears_the_run_of_failures(api, clock):
    phone = unique_phone()
    make_account(phone)
    session_id = open_session(api, "b2", phone)
    for _ in range(4):
        step(api, "b2", session_id, "password", {"password": "wrong password"})
    assert step(api, "b2", session_id, "password", {"password": STRONG_PASSWORD}).status_code == 200
    assert CounterItem.count(password_run_key(phone, "b2")) == 0


def test_after_a_hundred_consecutive_failures_of_one_journal_user_even_the_right_password_is_refused(
    api, clock
):
    phone = unique_phone()
    make_account(phone)
    run = CounterItem(password_run_key(phone, "b3"))
    run.failures = MAX_CONSECUTIVE_FAILURES - 1
    run.last_at = clock.now()
    run.save()
    clock.advance(days=1)
    session_id = open_session(api, "b3", phone)
    assert_problem(
        step(api, "b3", session_id, "password", {"password": "the hundredth guess"}),
        400,
        "invalid-credentials",
    )
    clock.advance(days=6)  # no back-off ends the lock while the run is alive
    session_id = open_session(api, "b3", phone)
    assert_problem(step(api, "b3", session_id, "password", {"password": STRONG_PASSWORD}), 423, "locked")
    clock.advance(days=8)  # a run nobody added to for a week is over (throttle.RUN_EXPIRY)
    session_id = open_session(api, "b3", phone)
    assert step(api, "b3", session_id, "password", {"password": STRONG_PASSWORD}).status_code == 200


def test_password_attempts_per_journal_user_are_capped(api, clock, configure):
    configure(PASSWORD_ATTEMPTS_PER_USER_HOUR="3")
    for _ in range(3):
        session_id = open_session(api, "b4", unique_phone())
        assert_problem(
            step(api, "b4", session_id, "password", {"password": "guessing"}), 400, "invalid-credentials"
        )
    session_id = open_session(api, "b4", unique_phone())
    assert_problem(step(api, "b4", session_id, "password", {"password": "guessing"}), 429, "rate-limited")
