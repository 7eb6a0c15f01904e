"""Every setting the service reads from its environment, in one place.

Lambda, the local stack and the tests all configure the service the same way:
through environment variables. Nothing else in the code reads ``os.environ``;
it asks :func:`settings` instead. Tests that change the environment call
``settings.cache_clear()`` (the ``configured`` fixture does it for them).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chalicelib.planning.diff import DEFAULT_DELETION_THRESHOLD

DEFAULT_STAGE = "local"
DEFAULT_REGION = "us-east-1"
JOURNAL_AUDIENCE = "school-chats"
MAX_QR_LINK_TTL_S = 120  # SPEC §7: a sign-in link lives at most two minutes


class ConfigurationError(ValueError):
    """An environment variable has a value the service cannot run with (raised at start)."""


def _env(name: str, default: Any, **bounds: Any) -> Any:
    """A setting read from the environment variable ``name`` (its alias), with its bounds."""
    return Field(default, alias=name, **bounds)


class Settings(BaseModel):
    """The service's configuration, read once per process from the environment and checked then."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    stage: str = _env("STAGE", DEFAULT_STAGE, min_length=1)
    region: str = _env("AWS_REGION", DEFAULT_REGION, min_length=1)
    # AWS_ENDPOINT_URL itself is read by botocore; we keep it only to report it.
    endpoint_url: str | None = _env("AWS_ENDPOINT_URL", None)
    table_prefix: str = _env("TABLE_PREFIX", "", min_length=1)
    roster_bucket: str = _env("ROSTER_BUCKET", "", min_length=1)
    upload_queue_name: str = _env("UPLOAD_QUEUE_NAME", "", min_length=1)
    school_queue_name: str = _env("SCHOOL_QUEUE_NAME", "", min_length=1)
    dead_letter_queue_name: str = _env("DEAD_LETTER_QUEUE_NAME", "", min_length=1)

    journal_jwt_secret: str | None = _env("JOURNAL_JWT_SECRET", None)
    journal_jwt_previous_secret: str | None = _env("JOURNAL_JWT_PREVIOUS_SECRET", None)
    journal_jwt_public_key: str | None = _env("JOURNAL_JWT_PUBLIC_KEY", None)
    journal_jwks: str | None = _env("JOURNAL_JWKS", None)
    journal_audience: str = _env("JOURNAL_JWT_AUDIENCE", JOURNAL_AUDIENCE, min_length=1)
    journal_leeway_s: int = _env("JOURNAL_JWT_LEEWAY_S", 5, ge=0, le=300)

    roster_max_bytes: int = _env("ROSTER_MAX_BYTES", 256 * 1024 * 1024, gt=0)
    roster_max_uncompressed_bytes: int = _env("ROSTER_MAX_UNCOMPRESSED_BYTES", 1024 * 1024 * 1024, gt=0)
    roster_max_compression_ratio: int = _env("ROSTER_MAX_COMPRESSION_RATIO", 100, gt=0)
    deletion_threshold: float = _env("DELETION_THRESHOLD", DEFAULT_DELETION_THRESHOLD, ge=0, le=1)

    public_base_url: str = _env("PUBLIC_BASE_URL", "http://127.0.0.1:8000", min_length=1)
    log_level: str = _env("LOG_LEVEL", "INFO", pattern=r"(?i)^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$")

    sms_code_ttl_s: int = _env("SMS_CODE_TTL_S", 300, gt=0)
    sms_resend_cooldown_s: int = _env("SMS_RESEND_COOLDOWN_S", 120, ge=0)
    link_session_ttl_s: int = _env("LINK_SESSION_TTL_S", 900, gt=0)
    sms_sender_id: str = _env("SMS_SENDER_ID", "SchoolChat", min_length=1, max_length=11)
    print_sms_to_console: bool = _env("PRINT_SMS_TO_CONSOLE", False)
    sms_per_phone_hour: int = _env("SMS_PER_PHONE_HOUR", 5, gt=0)
    sms_per_phone_day: int = _env("SMS_PER_PHONE_DAY", 10, gt=0)
    sms_per_user_hour: int = _env("SMS_PER_USER_HOUR", 10, gt=0)
    sms_per_user_day: int = _env("SMS_PER_USER_DAY", 20, gt=0)
    password_attempts_per_user_hour: int = _env("PASSWORD_ATTEMPTS_PER_USER_HOUR", 20, gt=0)

    qr_link_ttl_s: int = _env("QR_LINK_TTL_S", MAX_QR_LINK_TTL_S, gt=0, le=MAX_QR_LINK_TTL_S)
    qr_links_per_user_minute: int = _env("QR_LINKS_PER_USER_MINUTE", 6, gt=0)
    qr_links_per_user_hour: int = _env("QR_LINKS_PER_USER_HOUR", 60, gt=0)
    web_session_ttl_s: int = _env("WEB_SESSION_TTL_S", 12 * 3600, gt=0)
    web_session_idle_s: int = _env("WEB_SESSION_IDLE_S", 30 * 60, gt=0)

    # Children's safety and personal data (SPEC §6, §11): see chalicelib/safety/.
    audit_retention_days: int = _env("AUDIT_RETENTION_DAYS", 365, gt=0, le=3650)
    departed_retention_days: int = _env("DEPARTED_RETENTION_DAYS", 30, ge=0, le=3650)
    archived_messages_retention_days: int = _env("ARCHIVED_MESSAGES_RETENTION_DAYS", 365, ge=0, le=3650)
    consent_age: int = _env("CONSENT_AGE", 14, ge=0, le=18)

    def table_name(self, suffix: str) -> str:
        """The physical DynamoDB table name for one of the service's tables."""
        return f"{self.table_prefix}{suffix}"

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> Settings:
        """Read and check the settings; :class:`ConfigurationError` names each variable that is wrong."""
        stage = env.get("STAGE") or DEFAULT_STAGE
        prefix = f"school-chats-{stage}"
        values: dict[str, Any] = {
            "TABLE_PREFIX": f"{prefix}-",
            "ROSTER_BUCKET": f"{prefix}-rosters",
            "UPLOAD_QUEUE_NAME": f"{prefix}-uploads",
            "SCHOOL_QUEUE_NAME": f"{prefix}-school-syncs",
            "DEAD_LETTER_QUEUE_NAME": f"{prefix}-dead-letters",
        }
        names = {field.alias for field in cls.model_fields.values()}
        # An empty optional variable means "not set", as it always has.
        values.update({name: value for name, value in env.items() if name in names and value != ""})
        values["AWS_REGION"] = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        values["PRINT_SMS_TO_CONSOLE"] = env.get("PRINT_SMS_TO_CONSOLE", "0") == "1"
        try:
            config = cls.model_validate(values)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in issue['loc'])}={issue.get('input')!r}: {issue['msg']}"
                for issue in error.errors()
            )
            raise ConfigurationError(f"Invalid environment: {problems}") from None
        return config.model_copy(update={"public_base_url": config.public_base_url.rstrip("/")})


@functools.cache
def settings() -> Settings:
    """The process-wide settings (cached; ``settings.cache_clear()`` re-reads them)."""
    return Settings.from_environment(os.environ)
