"""Every setting the service reads from its environment, in one place.

Lambda, the local stack and the tests all configure the service the same way:
through environment variables. Nothing else in the code reads ``os.environ``;
it asks :func:`settings` instead. Tests that change the environment call
``settings.cache_clear()`` (the ``configured`` fixture does it for them).
"""

from __future__ import annotations

import functools
import os
import re
import secrets
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chalicelib.planning.diff import DEFAULT_DELETION_THRESHOLD

DEFAULT_STAGE = "local"
DEFAULT_REGION = "us-east-1"
JOURNAL_AUDIENCE = "school-chats"
MAX_QR_LINK_TTL_S = 120  # SPEC §7: a sign-in link lives at most two minutes
_PROCESS_CURSOR_SECRET = secrets.token_hex(32)
OPERATOR_AUDIENCE = "school-chats-operator"
MIN_HS256_SECRET_BYTES = 32
SECRET_NAMES = ("JOURNAL_JWT_SECRET", "JOURNAL_JWT_PREVIOUS_SECRET", "OPERATOR_JWT_SECRET", "THROTTLE_PEPPER")


class ConfigurationError(ValueError):
    """An environment variable has a value the service cannot run with (raised at start)."""


def _check_secret(name: str, value: str | None) -> None:
    """An HS256 secret (or pepper) of at least 32 bytes (RFC 7518 §3.2: the size of the hash)."""
    if value is not None and len(value.encode()) < MIN_HS256_SECRET_BYTES:
        raise ConfigurationError(
            f"{name} is {len(value.encode())} bytes long; an HS256 secret needs at least "
            f"{MIN_HS256_SECRET_BYTES} (e.g. `openssl rand -base64 48`)."
        )


def _checked(config: Settings) -> Settings:
    """Refuse what would weaken the service: short secrets, one credential standing in for another,
    SMS codes printed outside the local stack."""
    journal = {config.journal_jwt_secret, config.journal_jwt_previous_secret} - {None}
    if config.operator_jwt_secret is not None and config.operator_jwt_secret in journal:
        raise ConfigurationError("OPERATOR_JWT_SECRET must not be the journal's secret.")
    if config.print_sms_to_console and config.stage != DEFAULT_STAGE:
        raise ConfigurationError(
            f"PRINT_SMS_TO_CONSOLE=1 is for the local stack only (stage {DEFAULT_STAGE!r}), "
            f"not {config.stage!r}: it would put every code and number in the logs."
        )
    if config.journal_audience == config.operator_audience:
        raise ConfigurationError("The journal's and the operators' token audiences must differ.")
    return config


ORIGIN_PATTERN = re.compile(r"https?://[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(:[0-9]{1,5})?")
"""A web origin as a browser sends it in ``Origin``: scheme, host, optional port; nothing more."""


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
    # Sends leave each message here; its consumer brings the members' chat lists up to date.
    fanout_queue_name: str = _env("FANOUT_QUEUE_NAME", "", min_length=1)

    journal_jwt_secret: str | None = _env("JOURNAL_JWT_SECRET", None)
    journal_jwt_previous_secret: str | None = _env("JOURNAL_JWT_PREVIOUS_SECRET", None)
    journal_jwt_public_key: str | None = _env("JOURNAL_JWT_PUBLIC_KEY", None)
    journal_jwks: str | None = _env("JOURNAL_JWKS", None)
    journal_audience: str = _env("JOURNAL_JWT_AUDIENCE", JOURNAL_AUDIENCE, min_length=1)
    journal_leeway_s: int = _env("JOURNAL_JWT_LEEWAY_S", 5, ge=0, le=300)
    # Keys the MAC of page cursors (api.http, via cursor_key): else the journal's HS256 secret;
    # with neither (RS256 only) a random key per process, so cursors then last one instance.
    cursor_secret: str | None = _env("CURSOR_SECRET", None)
    operator_jwt_secret: str | None = _env("OPERATOR_JWT_SECRET", None)
    operator_jwt_public_key: str | None = _env("OPERATOR_JWT_PUBLIC_KEY", None)
    operator_audience: str = _env("OPERATOR_JWT_AUDIENCE", OPERATOR_AUDIENCE, min_length=1)
    token_max_lifetime_s: int = _env("TOKEN_MAX_LIFETIME_S", 24 * 3600, ge=60)
    throttle_pepper: str | None = _env("THROTTLE_PEPPER", None)

    # A school sync's lease (store.schools), renewed every quarter of it while the sync runs: how
    # long a crashed sync keeps its school (and its queue message) before a retry may take over.
    school_lease_s: int = _env("SCHOOL_LEASE_S", 60, ge=8, le=300)
    roster_max_bytes: int = _env("ROSTER_MAX_BYTES", 256 * 1024 * 1024, gt=0)
    roster_max_uncompressed_bytes: int = _env("ROSTER_MAX_UNCOMPRESSED_BYTES", 1024 * 1024 * 1024, gt=0)
    roster_max_compression_ratio: int = _env("ROSTER_MAX_COMPRESSION_RATIO", 100, gt=0)
    deletion_threshold: float = _env("DELETION_THRESHOLD", DEFAULT_DELETION_THRESHOLD, ge=0, le=1)
    # School Data Sync homerooms: a regular expression on the class title ("" = the class-name rule).
    homeroom_title_pattern: str = _env("ROSTER_HOMEROOM_TITLE_PATTERN", "")
    # The new school year: the student overlap that carries a class's chats to its successor.
    rollover_overlap: float = _env("ROLLOVER_OVERLAP", 0.60, gt=0, le=1)

    public_base_url: str = _env("PUBLIC_BASE_URL", "http://127.0.0.1:8000", min_length=1)
    log_level: str = _env("LOG_LEVEL", "INFO", pattern=r"(?i)^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$")

    sms_code_ttl_s: int = _env("SMS_CODE_TTL_S", 300, gt=0)
    sms_resend_cooldown_s: int = _env("SMS_RESEND_COOLDOWN_S", 120, ge=0)
    link_session_ttl_s: int = _env("LINK_SESSION_TTL_S", 900, gt=0)
    sms_sender_id: str = _env("SMS_SENDER_ID", "SchoolChat", min_length=1, max_length=11)
    print_sms_to_console: bool = _env("PRINT_SMS_TO_CONSOLE", False)
    sms_per_phone_hour: int = _env("SMS_PER_PHONE_HOUR", 10, gt=0)
    sms_per_phone_day: int = _env("SMS_PER_PHONE_DAY", 30, gt=0)
    sms_per_user_hour: int = _env("SMS_PER_USER_HOUR", 10, gt=0)
    sms_per_user_day: int = _env("SMS_PER_USER_DAY", 20, gt=0)
    sms_per_phone_and_user_hour: int = _env("SMS_PER_PHONE_AND_USER_HOUR", 3, gt=0)
    sms_per_phone_and_user_day: int = _env("SMS_PER_PHONE_AND_USER_DAY", 6, gt=0)
    sms_allowed_prefixes: tuple[str, ...] = _env("SMS_ALLOWED_PREFIXES", ("+7",), min_length=1)
    sms_global_per_hour: int = _env("SMS_GLOBAL_PER_HOUR", 200, gt=0)
    sms_global_per_day: int = _env("SMS_GLOBAL_PER_DAY", 1000, gt=0)
    password_attempts_per_user_hour: int = _env("PASSWORD_ATTEMPTS_PER_USER_HOUR", 20, gt=0)
    password_attempts_per_phone_day: int = _env("PASSWORD_ATTEMPTS_PER_PHONE_DAY", 300, gt=0)

    qr_link_ttl_s: int = _env("QR_LINK_TTL_S", MAX_QR_LINK_TTL_S, gt=0, le=MAX_QR_LINK_TTL_S)
    qr_links_per_user_minute: int = _env("QR_LINKS_PER_USER_MINUTE", 6, gt=0)
    qr_links_per_user_hour: int = _env("QR_LINKS_PER_USER_HOUR", 60, gt=0)
    web_session_ttl_s: int = _env("WEB_SESSION_TTL_S", 12 * 3600, gt=0)
    web_session_idle_s: int = _env("WEB_SESSION_IDLE_S", 30 * 60, gt=0)

    # Video calls (SPEC §9): which provider carries them, how long they last, how many join.
    call_provider: str = _env("CALL_PROVIDER", "builtin", pattern=r"^(builtin|chime)$")
    call_max_length_s: int = _env("CALL_MAX_LENGTH_S", 3 * 3600, ge=60)
    call_max_participants: int = _env("CALL_MAX_PARTICIPANTS", 0, ge=0)  # 0: the provider's own default
    call_ice_servers: str = _env("CALL_ICE_SERVERS", "[]")
    call_media_region: str | None = _env("CALL_MEDIA_REGION", None)  # None: the service's region
    call_control_region: str = _env("CALL_CONTROL_REGION", "us-east-1", min_length=1)
    # Children's safety and personal data (SPEC §6, §11): see chalicelib/safety/.
    audit_retention_days: int = _env("AUDIT_RETENTION_DAYS", 365, gt=0, le=3650)
    departed_retention_days: int = _env("DEPARTED_RETENTION_DAYS", 30, ge=0, le=3650)
    archived_messages_retention_days: int = _env("ARCHIVED_MESSAGES_RETENTION_DAYS", 365, ge=0, le=3650)
    consent_age: int = _env("CONSENT_AGE", 14, ge=0, le=18)
    # Live delivery (SPEC §10): where pages open their socket (unset: pages poll), where the service
    # posts to sockets (API Gateway's management API: https://{api}.execute-api.{region}.amazonaws.com/{stage}),
    # and how long a connection is kept at most (API Gateway closes a socket after two hours).
    live_url: str | None = _env("LIVE_URL", None, pattern=r"^wss?://")
    live_endpoint_url: str | None = _env("LIVE_ENDPOINT_URL", None, pattern=r"^https?://")
    live_connection_ttl_s: int = _env("LIVE_CONNECTION_TTL_S", 2 * 3600 + 300, ge=60, le=24 * 3600)
    # Attachments (SPEC §10): at most 20 MB; links for minutes; an upload form for a few minutes.
    attachment_max_bytes: int = _env("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024, gt=0, le=20 * 1024 * 1024)
    attachment_link_ttl_s: int = _env("ATTACHMENT_LINK_TTL_S", 300, ge=1, le=3600)
    attachment_upload_ttl_s: int = _env("ATTACHMENT_UPLOAD_TTL_S", 600, ge=10, le=3600)
    # Web origins of other-origin API clients (a journal on its own origin) whose pages upload with the
    # presigned POST and fetch attachment links: the bucket's CORS rule names exactly these (POST, GET).
    # Comma-separated in ALLOWED_ORIGINS; none by default (the hosted page is same-origin and needs none).
    allowed_origins: tuple[str, ...] = _env("ALLOWED_ORIGINS", ())

    @field_validator("allowed_origins")
    @classmethod
    def _web_origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for origin in value:
            if not ORIGIN_PATTERN.fullmatch(origin):
                raise ValueError(f"not a web origin (scheme://host[:port], no path, no wildcard): {origin!r}")
        return tuple(dict.fromkeys(value))

    @field_validator("call_max_participants")
    @classmethod
    def _a_call_of_two_or_more(cls, value: int) -> int:
        if value == 1:
            raise ValueError("a call needs at least 2 participants (0: the provider's default)")
        return value

    @field_validator("homeroom_title_pattern")
    @classmethod
    def _a_regular_expression(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"not a regular expression: {error}") from error
        return value

    @property
    def cursor_key(self) -> str:
        """The page cursors' MAC key: CURSOR_SECRET, else the journal's HS256 secret, else per process."""
        return self.cursor_secret or self.journal_jwt_secret or _PROCESS_CURSOR_SECRET

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
            "FANOUT_QUEUE_NAME": f"{prefix}-fan-out",
        }
        names = {field.alias for field in cls.model_fields.values()}
        # An empty optional variable means "not set", as it always has.
        values.update({name: value for name, value in env.items() if name in names and value != ""})
        values["AWS_REGION"] = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        values["PRINT_SMS_TO_CONSOLE"] = env.get("PRINT_SMS_TO_CONSOLE", "0") == "1"
        if env.get("ALLOWED_ORIGINS"):
            values["ALLOWED_ORIGINS"] = tuple(
                o.strip().rstrip("/") for o in env["ALLOWED_ORIGINS"].split(",") if o.strip()
            )
        if env.get("SMS_ALLOWED_PREFIXES"):
            values["SMS_ALLOWED_PREFIXES"] = tuple(
                p.strip() for p in env["SMS_ALLOWED_PREFIXES"].split(",") if p.strip()
            )
        for name in SECRET_NAMES:  # before validation, whose messages would quote the value
            _check_secret(name, values.get(name))
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
    """The process-wide settings (cached; ``settings.cache_clear()`` re-reads them).

    Secrets named by ``*_PARAMETER`` variables come from SSM Parameter Store
    (``chalicelib.store.parameters``), read here: once per process, i.e. per cold start.
    """
    from chalicelib.store.parameters import with_parameter_store_secrets

    return _checked(Settings.from_environment(with_parameter_store_secrets(os.environ)))
