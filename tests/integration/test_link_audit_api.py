"""The linking flow's audit trail and its SMS edge: structured events, no secret in any log line."""

from __future__ import annotations

import io
import json
import logging

import pytest

from chalicelib.config import settings
from chalicelib.identity.sms import SmsNotSent
from chalicelib.observability import logger
from chalicelib.store.sms import sms_sender_from_settings
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
from tests.support import PROBLEM_BASE


@pytest.fixture
def log_lines(caplog):
    """Every line the service logs at INFO and above, as the deployed JSON formatter writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger._logger.handlers[0].formatter)
    previous = logger._logger.level
    logger._logger.addHandler(handler)
    logger._logger.setLevel(logging.INFO)
    caplog.set_level(logging.INFO)  # and what every library logs at the level the service runs at
    try:
        yield (
            lambda: (
                [line for line in stream.getvalue().splitlines() if line.strip()]
                + [record.getMessage() for record in caplog.records]
            )
        )
    finally:
        logger._logger.removeHandler(handler)
        logger._logger.setLevel(previous)


def events(lines):
    parsed = []
    for line in lines:
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if isinstance(document, dict) and "event" in document:
            parsed.append(document)
    return parsed


def test_every_authentication_event_is_logged_without_secrets(api, clock, emulator, log_lines):
    phone = unique_phone()
    wrong_password = "definitely-not-it-42"
    make_account(phone)
    session_id = open_session(api, "audit-1", phone)
    step(api, "audit-1", session_id, "password", {"password": wrong_password})
    step(api, "audit-1", session_id, "password", {"password": STRONG_PASSWORD})
    code = last_code(emulator, phone)
    wrong_code = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        step(api, "audit-1", session_id, "code", {"code": wrong_code})
    clock.advance(seconds=120)
    step(api, "audit-1", session_id, "resend")
    new_code = last_code(emulator, phone)
    step(api, "audit-1", session_id, "code", {"code": new_code})
    step(api, "audit-1", session_id, "confirm")
    call(api, "delete", "/v1/link", "audit-1")

    lines = log_lines()
    logged = events(lines)
    names = [e["event"] for e in logged]
    for expected in (
        "link_session_opened",
        "password_wrong",
        "password_accepted",
        "sms_code_sent",
        "code_wrong",
        "code_locked",
        "sms_code_resent",
        "phone_confirmed",
        "linked",
        "unlinked",
    ):
        assert expected in names, (expected, names)
    masked = f"+7 *** ** *{phone[-2:]}"
    for event in logged:
        assert event["person_id"] == "audit-1", event
        assert event["phone_masked"] == masked, event
    everything = "\n".join(lines)
    for secret in (phone, phone[1:], phone[2:], STRONG_PASSWORD, wrong_password, code, new_code, wrong_code):
        assert secret not in everything, f"a secret reached the logs: {secret[:3]}…"


def test_a_registration_is_logged_without_the_new_password(api, clock, emulator, log_lines):
    phone = unique_phone()
    session_id = open_session(api, "audit-2", phone)
    step(api, "audit-2", session_id, "register")
    step(api, "audit-2", session_id, "password", {"password": "a fresh passphrase"})
    step(api, "audit-2", session_id, "code", {"code": last_code(emulator, phone)})
    lines = log_lines()
    assert "account_created" in [e["event"] for e in events(lines)]
    everything = "\n".join(lines)
    assert "a fresh passphrase" not in everything and phone[2:] not in everything


class FailingSender:
    def send(self, phone_e164: str, text: str) -> None:
        raise SmsNotSent("provider down")


def test_a_failed_sms_is_a_503_and_a_resend_is_allowed_at_once(api, services, clock, emulator):
    phone = unique_phone()
    make_account(phone)
    working = services.sms_sender
    services.sms_sender = FailingSender()
    session_id = open_session(api, "sms-1", phone)
    response = step(api, "sms-1", session_id, "password", {"password": STRONG_PASSWORD})
    assert response.status_code == 503 and response.json_body["type"] == PROBLEM_BASE + "sms-unavailable"
    view = call(api, "get", f"/v1/link/sessions/{session_id}", "sms-1").json_body
    assert view["step"] == "code" and view["resend_after_s"] == 0 and view["expires_in_s"] == 0
    services.sms_sender = working
    assert step(api, "sms-1", session_id, "resend").status_code == 200
    assert step(api, "sms-1", session_id, "code", {"code": last_code(emulator, phone)}).status_code == 200


def test_sns_refusing_a_number_is_reported_as_not_sent(aws):
    sender = sms_sender_from_settings(settings())
    with pytest.raises(SmsNotSent):
        sender.send("not-a-number", "hello")


def test_the_local_console_shows_the_sms(aws, emulator, monkeypatch, capsys):
    monkeypatch.setenv("PRINT_SMS_TO_CONSOLE", "1")
    monkeypatch.setenv("STAGE", "local")  # refused anywhere else
    settings.cache_clear()
    phone = unique_phone()
    sms_sender_from_settings(settings()).send(phone, "123456 is your code")
    assert f"SMS to {phone}: 123456 is your code" in capsys.readouterr().err
    assert sms_to(emulator, phone) == ["123456 is your code"]
    settings.cache_clear()
