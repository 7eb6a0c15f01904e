"""Malformed and hostile input to every linking route: a clear 4xx problem, and nothing changes."""

from __future__ import annotations

import json

import pytest

from chalicelib.store.identity import LinkSessionItem
from tests.identity_support import (
    STRONG_PASSWORD,
    call,
    documented_request,
    last_code,
    make_account,
    open_session,
    step,
    unique_phone,
)
from tests.support import assert_problem, auth_headers

GOOD_PROFILE = {
    "first_name": "Анна",
    "last_name": "Петрова",
    "patronymic": "Сергеевна",
    "birth_date": "1988-04-02",
    "gender": "female",
}


def fields(body):
    return sorted({e["field"] for e in body["errors"]})


def raw_post(api, path, person, raw, content_type="application/json"):
    headers = {**auth_headers(person), "Content-Type": content_type}
    return documented_request(api, "post", path, headers, raw)


def snapshot(session_id):
    return LinkSessionItem.get(session_id, consistent_read=True).attribute_values


@pytest.fixture
def at_create_profile(api, clock, emulator):
    phone = unique_phone()
    make_account(phone, with_profile=False)
    session_id = open_session(api, "in1", phone)
    step(api, "in1", session_id, "password", {"password": STRONG_PASSWORD})
    assert step(api, "in1", session_id, "code", {"code": last_code(emulator, phone)}).json_body["step"] == (
        "create_profile"
    )
    return session_id


# --- opening a session -----------------------------------------------------------------

MALFORMED_JSON = ["{", "not json", "[1, 2]", '"+79161234567"', "null", "42", '{"phone": "+7916", }']


def test_malformed_json_is_a_bad_request(api, clock, subtests):
    for raw in MALFORMED_JSON:
        with subtests.test(raw=raw):
            assert_problem(raw_post(api, "/v1/link/sessions", "m1", raw), 400, "bad-request")
    assert LinkSessionItem.count() == 0


def test_wrong_types_and_unknown_fields_are_named(api, clock, subtests):
    cases = [
        ({"phone": 79161234567}, "phone"),
        ({"phone": None}, "phone"),
        ({"phone": ["+79161234567"]}, "phone"),
        ({"phone": {"n": "+79161234567"}}, "phone"),
        ({"phone": True}, "phone"),
        ({}, "phone"),
        ({"phone": "+79161234567", "admin": True}, "admin"),
        ({"phone": "1" * 65}, "phone"),
    ]
    for body, field in cases:
        with subtests.test(body=body):
            refusal = assert_problem(call(api, "post", "/v1/link/sessions", "m2", body), 422, "validation")
            assert field in fields(refusal)
    assert LinkSessionItem.count() == 0


def test_an_invalid_phone_is_refused(api, clock, subtests):
    for phone in [
        "12345",
        "+7 916 CALL-NOW",
        "8 (495) 123-45-67",
        "+1 555 0100",
        "' OR 1=1 --",
        "+7916123456<",
        "",
    ]:
        with subtests.test(phone=phone):
            refusal = assert_problem(
                call(api, "post", "/v1/link/sessions", "m3", {"phone": phone}), 422, "validation"
            )
            assert fields(refusal) == ["phone"]
    assert LinkSessionItem.count() == 0


def test_an_over_long_or_non_json_body_is_refused(api, clock):
    raw = json.dumps({"phone": "+79161234567", "padding": "x" * 70_000})
    assert_problem(raw_post(api, "/v1/link/sessions", "m4", raw), 413, "payload-too-large")
    response = raw_post(api, "/v1/link/sessions", "m5", "phone=+79161234567", content_type="text/plain")
    assert_problem(response, 415, "unsupported-media-type")
    assert LinkSessionItem.count() == 0


# --- the steps -------------------------------------------------------------------------


def test_every_step_names_a_bad_field(api, clock, subtests):
    cases = [
        ("password", {"password": 12345678}, "password"),
        ("password", {"password": None}, "password"),
        ("password", {"password": ["correct horse"]}, "password"),
        ("password", {}, "password"),
        ("password", {"password": "x" * 257}, "password"),
        ("password", {"password": STRONG_PASSWORD, "phone": "+79160000000"}, "phone"),
        ("code", {"code": 123456}, "code"),
        ("code", {"code": None}, "code"),
        ("code", {}, "code"),
        ("code", {"code": "1" * 17}, "code"),
        ("register", {"password": STRONG_PASSWORD}, "password"),
        ("resend", {"force": True}, "force"),
        ("confirm", {"profile_id": "someone-elses"}, "profile_id"),
    ]
    session_id = open_session(api, "m6", unique_phone())
    before = snapshot(session_id)
    for action, body, field in cases:
        with subtests.test(action=action, body=body):
            refusal = assert_problem(step(api, "m6", session_id, action, body), 422, "validation")
            assert field in fields(refusal)
    assert snapshot(session_id) == before


def test_every_step_refuses_malformed_json_and_over_long_bodies(api, clock, subtests):
    session_id = open_session(api, "m7", unique_phone())
    before = snapshot(session_id)
    for action in ("password", "code", "register", "resend", "profile", "confirm"):
        for raw in ("{", "[]", "42", '"text"'):
            with subtests.test(action=action, raw=raw):
                response = raw_post(api, f"/v1/link/sessions/{session_id}/{action}", "m7", raw)
                assert_problem(response, 400, "bad-request")
        with subtests.test(action=action, raw="70 kB"):
            raw = json.dumps({"x": "y" * 70_000})
            response = raw_post(api, f"/v1/link/sessions/{session_id}/{action}", "m7", raw)
            assert_problem(response, 413, "payload-too-large")
    assert snapshot(session_id) == before


def test_a_malformed_code_counts_as_a_wrong_one(api, clock, emulator):
    phone = unique_phone()
    make_account(phone)
    session_id = open_session(api, "m9", phone)
    step(api, "m9", session_id, "password", {"password": STRONG_PASSWORD})
    for left, entered in enumerate(("abcdef", "12345", "1234567", "12 34 56"), start=1):
        refusal = assert_problem(step(api, "m9", session_id, "code", {"code": entered}), 400, "wrong-code")
        assert refusal["attempts_left"] == 5 - left


# --- the profile form ------------------------------------------------------------------


def test_wrong_types_on_every_profile_field_are_named(api, at_create_profile, subtests):
    before = snapshot(at_create_profile)
    for field in sorted(GOOD_PROFILE):
        for bad in (42, 1.5, True, ["x"], {"x": 1}):
            with subtests.test(field=field, bad=bad):
                body = {**GOOD_PROFILE, field: bad}
                refusal = assert_problem(
                    step(api, "in1", at_create_profile, "profile", body), 422, "validation"
                )
                assert fields(refusal) == [field]
    assert snapshot(at_create_profile) == before


def test_invalid_or_missing_profile_values_are_named(api, at_create_profile, subtests):
    cases = [
        ({"first_name": ""}, "first_name"),
        ({"last_name": "Петров2"}, "last_name"),
        ({"patronymic": "<b>x</b>"}, "patronymic"),
        ({"first_name": "я" * 201}, "first_name"),
        ({"birth_date": "2030-01-01"}, "birth_date"),
        ({"birth_date": "1990-02-30"}, "birth_date"),
        ({"birth_date": "02.04.1988"}, "birth_date"),
        ({"birth_date": "1850-01-01"}, "birth_date"),
        ({"gender": "unknown"}, "gender"),
        ({"extra": "field"}, "extra"),
    ]
    before = snapshot(at_create_profile)
    for overrides, field in cases:
        with subtests.test(overrides=overrides):
            body = {**GOOD_PROFILE, **overrides}
            refusal = assert_problem(step(api, "in1", at_create_profile, "profile", body), 422, "validation")
            assert fields(refusal) == [field]
    for missing in ("first_name", "last_name", "birth_date", "gender"):
        with subtests.test(missing=missing):
            body = {k: v for k, v in GOOD_PROFILE.items() if k != missing}
            refusal = assert_problem(step(api, "in1", at_create_profile, "profile", body), 422, "validation")
            assert fields(refusal) == [missing]
    assert snapshot(at_create_profile) == before


def test_the_patronymic_may_be_null(api, at_create_profile):
    body = {**GOOD_PROFILE, "patronymic": None}
    created = step(api, "in1", at_create_profile, "profile", body).json_body
    assert created["step"] == "choose_profile" and created["profile"]["patronymic"] is None
