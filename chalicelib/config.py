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
from dataclasses import dataclass

DEFAULT_STAGE = "local"
DEFAULT_REGION = "us-east-1"
JOURNAL_AUDIENCE = "school-chats"


@dataclass(frozen=True)
class Settings:
    """The service's configuration, read once per process from the environment."""

    stage: str
    region: str
    # AWS_ENDPOINT_URL itself is read by botocore; we keep it only to report it.
    endpoint_url: str | None
    table_prefix: str
    roster_bucket: str
    upload_queue_name: str
    school_queue_name: str
    dead_letter_queue_name: str

    journal_jwt_secret: str | None
    journal_jwt_previous_secret: str | None
    journal_jwt_public_key: str | None
    journal_jwks: str | None
    journal_audience: str
    journal_leeway_s: int

    roster_max_bytes: int
    roster_max_uncompressed_bytes: int
    roster_max_compression_ratio: int
    deletion_threshold: float

    public_base_url: str
    log_level: str

    sms_code_ttl_s: int
    sms_resend_cooldown_s: int
    link_session_ttl_s: int
    sms_sender_id: str
    print_sms_to_console: bool
    sms_per_phone_hour: int
    sms_per_phone_day: int
    sms_per_user_hour: int
    sms_per_user_day: int
    password_attempts_per_user_hour: int

    qr_link_ttl_s: int
    qr_links_per_user_minute: int
    qr_links_per_user_hour: int
    web_session_ttl_s: int
    web_session_idle_s: int

    # Children's safety and personal data (SPEC §6, §11): see chalicelib/safety/.
    audit_retention_days: int
    departed_retention_days: int
    archived_messages_retention_days: int
    consent_age: int

    def table_name(self, suffix: str) -> str:
        """The physical DynamoDB table name for one of the service's tables."""
        return f"{self.table_prefix}{suffix}"

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> Settings:
        """Build settings from an environment mapping, applying per-stage defaults."""
        stage = env.get("STAGE", DEFAULT_STAGE)
        prefix = f"school-chats-{stage}"
        return cls(
            stage=stage,
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or DEFAULT_REGION,
            endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
            table_prefix=env.get("TABLE_PREFIX", f"{prefix}-"),
            roster_bucket=env.get("ROSTER_BUCKET", f"{prefix}-rosters"),
            upload_queue_name=env.get("UPLOAD_QUEUE_NAME", f"{prefix}-uploads"),
            school_queue_name=env.get("SCHOOL_QUEUE_NAME", f"{prefix}-school-syncs"),
            dead_letter_queue_name=env.get("DEAD_LETTER_QUEUE_NAME", f"{prefix}-dead-letters"),
            journal_jwt_secret=env.get("JOURNAL_JWT_SECRET") or None,
            journal_jwt_previous_secret=env.get("JOURNAL_JWT_PREVIOUS_SECRET") or None,
            journal_jwt_public_key=env.get("JOURNAL_JWT_PUBLIC_KEY") or None,
            journal_jwks=env.get("JOURNAL_JWKS") or None,
            journal_audience=env.get("JOURNAL_JWT_AUDIENCE", JOURNAL_AUDIENCE),
            journal_leeway_s=int(env.get("JOURNAL_JWT_LEEWAY_S", "5")),
            roster_max_bytes=int(env.get("ROSTER_MAX_BYTES", str(256 * 1024 * 1024))),
            roster_max_uncompressed_bytes=int(
                env.get("ROSTER_MAX_UNCOMPRESSED_BYTES", str(1024 * 1024 * 1024))
            ),
            roster_max_compression_ratio=int(env.get("ROSTER_MAX_COMPRESSION_RATIO", "100")),
            deletion_threshold=float(env.get("DELETION_THRESHOLD", "0.30")),
            public_base_url=env.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            log_level=env.get("LOG_LEVEL", "INFO"),
            sms_code_ttl_s=int(env.get("SMS_CODE_TTL_S", "300")),
            sms_resend_cooldown_s=int(env.get("SMS_RESEND_COOLDOWN_S", "120")),
            link_session_ttl_s=int(env.get("LINK_SESSION_TTL_S", "900")),
            sms_sender_id=env.get("SMS_SENDER_ID", "SchoolChat"),
            print_sms_to_console=env.get("PRINT_SMS_TO_CONSOLE", "0") == "1",
            sms_per_phone_hour=int(env.get("SMS_PER_PHONE_HOUR", "5")),
            sms_per_phone_day=int(env.get("SMS_PER_PHONE_DAY", "10")),
            sms_per_user_hour=int(env.get("SMS_PER_USER_HOUR", "10")),
            sms_per_user_day=int(env.get("SMS_PER_USER_DAY", "20")),
            password_attempts_per_user_hour=int(env.get("PASSWORD_ATTEMPTS_PER_USER_HOUR", "20")),
            qr_link_ttl_s=int(env.get("QR_LINK_TTL_S", "120")),
            qr_links_per_user_minute=int(env.get("QR_LINKS_PER_USER_MINUTE", "6")),
            qr_links_per_user_hour=int(env.get("QR_LINKS_PER_USER_HOUR", "60")),
            web_session_ttl_s=int(env.get("WEB_SESSION_TTL_S", str(12 * 3600))),
            web_session_idle_s=int(env.get("WEB_SESSION_IDLE_S", str(30 * 60))),
            audit_retention_days=int(env.get("AUDIT_RETENTION_DAYS", "365")),
            departed_retention_days=int(env.get("DEPARTED_RETENTION_DAYS", "30")),
            archived_messages_retention_days=int(env.get("ARCHIVED_MESSAGES_RETENTION_DAYS", "365")),
            consent_age=int(env.get("CONSENT_AGE", "14")),
        )


@functools.cache
def settings() -> Settings:
    """The process-wide settings (cached; ``settings.cache_clear()`` re-reads them)."""
    return Settings.from_environment(os.environ)
