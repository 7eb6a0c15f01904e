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
OPERATOR_AUDIENCE = "school-chats-operator"
MIN_HS256_SECRET_BYTES = 32


class ConfigurationError(ValueError):
    """The environment asks for something the service refuses to run with (stops it at start)."""


def _check_secret(name: str, value: str | None) -> str | None:
    """An HS256 secret of at least 32 bytes (RFC 7518 §3.2: the size of the hash), or None."""
    if value is not None and len(value.encode()) < MIN_HS256_SECRET_BYTES:
        raise ConfigurationError(
            f"{name} is {len(value.encode())} bytes long; an HS256 secret needs at least "
            f"{MIN_HS256_SECRET_BYTES} (e.g. `openssl rand -base64 48`)."
        )
    return value


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
    operator_jwt_secret: str | None
    operator_jwt_public_key: str | None
    operator_audience: str
    token_max_lifetime_s: int
    throttle_pepper: str | None

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
    sms_per_phone_and_user_hour: int
    sms_per_phone_and_user_day: int
    sms_allowed_prefixes: tuple[str, ...]
    sms_global_per_hour: int
    sms_global_per_day: int
    password_attempts_per_user_hour: int
    password_attempts_per_phone_day: int

    qr_link_ttl_s: int
    qr_links_per_user_minute: int
    qr_links_per_user_hour: int
    web_session_ttl_s: int
    web_session_idle_s: int

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
            journal_jwt_secret=_check_secret("JOURNAL_JWT_SECRET", env.get("JOURNAL_JWT_SECRET") or None),
            journal_jwt_previous_secret=_check_secret(
                "JOURNAL_JWT_PREVIOUS_SECRET", env.get("JOURNAL_JWT_PREVIOUS_SECRET") or None
            ),
            journal_jwt_public_key=env.get("JOURNAL_JWT_PUBLIC_KEY") or None,
            journal_jwks=env.get("JOURNAL_JWKS") or None,
            journal_audience=env.get("JOURNAL_JWT_AUDIENCE", JOURNAL_AUDIENCE),
            journal_leeway_s=int(env.get("JOURNAL_JWT_LEEWAY_S", "5")),
            operator_jwt_secret=_check_secret("OPERATOR_JWT_SECRET", env.get("OPERATOR_JWT_SECRET") or None),
            operator_jwt_public_key=env.get("OPERATOR_JWT_PUBLIC_KEY") or None,
            operator_audience=env.get("OPERATOR_JWT_AUDIENCE", OPERATOR_AUDIENCE),
            token_max_lifetime_s=int(env.get("TOKEN_MAX_LIFETIME_S", str(24 * 3600))),
            throttle_pepper=_check_secret("THROTTLE_PEPPER", env.get("THROTTLE_PEPPER") or None),
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
            sms_per_phone_hour=int(env.get("SMS_PER_PHONE_HOUR", "10")),
            sms_per_phone_day=int(env.get("SMS_PER_PHONE_DAY", "30")),
            sms_per_phone_and_user_hour=int(env.get("SMS_PER_PHONE_AND_USER_HOUR", "3")),
            sms_per_phone_and_user_day=int(env.get("SMS_PER_PHONE_AND_USER_DAY", "6")),
            sms_per_user_hour=int(env.get("SMS_PER_USER_HOUR", "10")),
            sms_per_user_day=int(env.get("SMS_PER_USER_DAY", "20")),
            sms_allowed_prefixes=tuple(
                p.strip() for p in env.get("SMS_ALLOWED_PREFIXES", "+7").split(",") if p.strip()
            ),
            sms_global_per_hour=int(env.get("SMS_GLOBAL_PER_HOUR", "200")),
            sms_global_per_day=int(env.get("SMS_GLOBAL_PER_DAY", "1000")),
            password_attempts_per_user_hour=int(env.get("PASSWORD_ATTEMPTS_PER_USER_HOUR", "20")),
            password_attempts_per_phone_day=int(env.get("PASSWORD_ATTEMPTS_PER_PHONE_DAY", "300")),
            qr_link_ttl_s=int(env.get("QR_LINK_TTL_S", "120")),
            qr_links_per_user_minute=int(env.get("QR_LINKS_PER_USER_MINUTE", "6")),
            qr_links_per_user_hour=int(env.get("QR_LINKS_PER_USER_HOUR", "60")),
            web_session_ttl_s=int(env.get("WEB_SESSION_TTL_S", str(12 * 3600))),
            web_session_idle_s=int(env.get("WEB_SESSION_IDLE_S", str(30 * 60))),
        )


def _checked(config: Settings) -> Settings:
    """Refuse combinations that would let one credential stand in for another."""
    journal = {config.journal_jwt_secret, config.journal_jwt_previous_secret} - {None}
    if config.operator_jwt_secret is not None and config.operator_jwt_secret in journal:
        raise ConfigurationError("OPERATOR_JWT_SECRET must not be the journal's secret.")
    if config.print_sms_to_console and config.stage != DEFAULT_STAGE:
        raise ConfigurationError(
            f"PRINT_SMS_TO_CONSOLE=1 is for the local stack only (stage {DEFAULT_STAGE!r}), "
            f"not {config.stage!r}: "
            "it would put every code and number in the logs."
        )
    if config.journal_audience == config.operator_audience:
        raise ConfigurationError("The journal's and the operators' token audiences must differ.")
    return config


@functools.cache
def settings() -> Settings:
    """The process-wide settings (cached; ``settings.cache_clear()`` re-reads them).

    Secrets named by ``*_PARAMETER`` variables come from SSM Parameter Store
    (``chalicelib.secrets``), read here: once per process, i.e. per cold start.
    """
    from chalicelib.secrets import with_parameter_store_secrets

    return _checked(Settings.from_environment(with_parameter_store_secrets(os.environ)))
