"""The settings model: one default per setting, bounds checked at start, errors name the variable."""

from __future__ import annotations

import pytest

from chalicelib.config import MAX_QR_LINK_TTL_S, ConfigurationError, Settings
from chalicelib.planning.diff import DEFAULT_DELETION_THRESHOLD


def test_defaults_come_from_one_place_each() -> None:
    config = Settings.from_environment({})
    assert config.deletion_threshold == DEFAULT_DELETION_THRESHOLD == 0.30
    assert config.qr_link_ttl_s == MAX_QR_LINK_TTL_S == 120
    assert config.table_prefix == "school-chats-local-"
    assert config.roster_bucket == "school-chats-local-rosters"


def test_values_are_read_and_typed() -> None:
    config = Settings.from_environment(
        {
            "STAGE": "prod",
            "DELETION_THRESHOLD": "0.5",
            "QR_LINK_TTL_S": "60",
            "SMS_PER_PHONE_HOUR": "3",
            "PRINT_SMS_TO_CONSOLE": "1",
            "PUBLIC_BASE_URL": "https://chats.example.org/api/",
            "JOURNAL_JWT_SECRET": "",
            "AWS_DEFAULT_REGION": "eu-west-1",
        }
    )
    assert config.table_prefix == "school-chats-prod-"
    assert (config.deletion_threshold, config.qr_link_ttl_s, config.sms_per_phone_hour) == (0.5, 60, 3)
    assert config.print_sms_to_console is True
    assert config.public_base_url == "https://chats.example.org/api"
    assert config.journal_jwt_secret is None  # empty means unset
    assert config.region == "eu-west-1"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DELETION_THRESHOLD", "1.5"),
        ("DELETION_THRESHOLD", "-0.1"),
        ("DELETION_THRESHOLD", "thirty"),
        ("QR_LINK_TTL_S", "121"),
        ("QR_LINK_TTL_S", "0"),
        ("SMS_PER_PHONE_HOUR", "0"),
        ("SMS_PER_USER_DAY", "-1"),
        ("ROSTER_MAX_BYTES", "0"),
        ("ROSTER_MAX_COMPRESSION_RATIO", "ten"),
        ("WEB_SESSION_IDLE_S", "0"),
        ("JOURNAL_JWT_LEEWAY_S", "-5"),
        ("LOG_LEVEL", "LOUD"),
        ("AUDIT_RETENTION_DAYS", "0"),
        ("DEPARTED_RETENTION_DAYS", "-1"),
        ("ARCHIVED_MESSAGES_RETENTION_DAYS", "forever"),
        ("CONSENT_AGE", "19"),
        ("ALLOWED_ORIGINS", "*"),
        ("ALLOWED_ORIGINS", "https://*.example.ru"),
        ("ALLOWED_ORIGINS", "https://journal.example.ru/path"),
        ("ALLOWED_ORIGINS", "javascript:alert(1)"),
        ("ALLOWED_ORIGINS", "https://journal.example.ru\r\nX-Evil: 1"),
        ("CALL_PROVIDER", "zoom"),
        ("CALL_MAX_PARTICIPANTS", "1"),
        ("CALL_MAX_PARTICIPANTS", "-2"),
    ],
)
def test_a_value_out_of_bounds_stops_the_start_naming_its_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name) as raised:
        Settings.from_environment({name: value})
    assert repr(value) in str(raised.value)


def test_the_safety_periods_and_the_consent_age_have_defaults_and_are_read() -> None:
    config = Settings.from_environment({})
    assert (config.audit_retention_days, config.departed_retention_days) == (365, 30)
    assert (config.archived_messages_retention_days, config.consent_age) == (365, 14)
    config = Settings.from_environment({"CONSENT_AGE": "16", "DEPARTED_RETENTION_DAYS": "0"})
    assert (config.consent_age, config.departed_retention_days) == (16, 0)


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(ConfigurationError) as raised:
        Settings.from_environment({"DELETION_THRESHOLD": "2", "QR_LINK_TTL_S": "600"})
    assert "DELETION_THRESHOLD" in str(raised.value) and "QR_LINK_TTL_S" in str(raised.value)


def test_settings_are_frozen() -> None:
    config = Settings.from_environment({})
    with pytest.raises(ValueError):
        config.deletion_threshold = 0.9  # type: ignore[misc]


def test_allowed_origins_are_a_list_of_web_origins_and_none_by_default() -> None:
    assert Settings.from_environment({}).allowed_origins == ()
    config = Settings.from_environment(
        {"ALLOWED_ORIGINS": " https://journal.example.ru/ ,http://127.0.0.1:8100,https://journal.example.ru"}
    )
    assert config.allowed_origins == ("https://journal.example.ru", "http://127.0.0.1:8100")
