"""The service's failures, each with a stable problem type (RFC 9457).

The core raises these; the HTTP layer (``chalicelib.api.http``) renders them as
``application/problem+json``. They carry no Chalice dependency so that the core
stays importable and testable on its own.
"""

from __future__ import annotations

from typing import Any

PROBLEM_BASE = "https://school-chats.dev/problems/"


class ServiceError(Exception):
    """A failure the caller should see, with its HTTP status and problem type."""

    status = 500
    slug = "internal"
    title = "Internal error"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions

    @property
    def type_uri(self) -> str:
        """The stable ``type`` URI of this problem."""
        return PROBLEM_BASE + self.slug

    def to_problem(self) -> dict[str, Any]:
        """The RFC 9457 body."""
        body: dict[str, Any] = {
            "type": self.type_uri,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        body.update(self.extensions)
        return body


class BadRequest(ServiceError):
    status, slug, title = 400, "bad-request", "Malformed request"


class Unauthorized(ServiceError):
    status, slug, title = 401, "unauthorized", "Authentication required"


class Forbidden(ServiceError):
    status, slug, title = 403, "forbidden", "Not allowed"


class NotFound(ServiceError):
    status, slug, title = 404, "not-found", "Not found"


class QuietHours(Forbidden):
    """403 outside a school's posting hours (SPEC §10); ``detail`` says when posting opens, in Russian,
    and ``opens_at`` when (ISO 8601 UTC)."""

    slug, title = "quiet-hours", "Posting is closed for now"

    def __init__(self, detail: str, opens_at: str) -> None:
        super().__init__(detail, opens_at=opens_at)


class MethodNotAllowed(ServiceError):
    status, slug, title = 405, "method-not-allowed", "Method not allowed"


class Conflict(ServiceError):
    status, slug, title = 409, "conflict", "Conflict"


class LinkRequired(ServiceError):
    status, slug, title = 409, "link-required", "Link your educational profile first"


class ReadOnly(ServiceError):
    status, slug, title = 409, "read-only", "The chat is read-only"


class Gone(ServiceError):
    status, slug, title = 410, "gone", "No longer available"


class PayloadTooLarge(ServiceError):
    status, slug, title = 413, "payload-too-large", "Request body too large"


class UnsupportedMediaType(ServiceError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class ValidationFailed(ServiceError):
    """422 with ``errors``: a list of ``{"field", "message"}`` naming each bad field."""

    status, slug, title = 422, "validation", "Invalid input"

    def __init__(self, detail: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail, errors=errors or [])


class RateLimited(ServiceError):
    """429 with ``retry_after_s`` (the HTTP layer also sets ``Retry-After``)."""

    status, slug, title = 429, "rate-limited", "Too many requests"

    def __init__(self, detail: str, retry_after_s: int) -> None:
        super().__init__(detail, retry_after_s=retry_after_s)
        self.retry_after_s = retry_after_s


class WrongStep(ServiceError):
    """409: the link session is not at a step where this request makes sense (``step`` says where it is)."""

    status, slug, title = 409, "wrong-step", "Not the session's current step"

    def __init__(self, detail: str, step: str) -> None:
        super().__init__(detail, step=step)


class AlreadyLinked(ServiceError):
    status, slug, title = 409, "already-linked", "Already linked"


class ProfileExists(ServiceError):
    status, slug, title = 409, "profile-exists", "The account already has an educational profile"


class LinkSessionExpired(ServiceError):
    status, slug, title = 410, "link-session-expired", "The link session has expired; start again"


class CodeExpired(ServiceError):
    status, slug, title = 410, "code-expired", "The code is no longer valid; request a new one"


class InvalidCredentials(ServiceError):
    """The same answer for "no such account" and "wrong password" (SPEC §3)."""

    status, slug, title = 400, "invalid-credentials", "Wrong phone number or password"


class WrongCode(ServiceError):
    """400 with ``attempts_left`` for the current code."""

    status, slug, title = 400, "wrong-code", "Wrong code"

    def __init__(self, detail: str, attempts_left: int) -> None:
        super().__init__(detail, attempts_left=attempts_left)


class AccountLocked(ServiceError):
    status, slug, title = 423, "locked", "Locked after too many wrong passwords"


class SmsUnavailable(ServiceError):
    status, slug, title = 503, "sms-unavailable", "The SMS could not be sent"


class UriTooLong(ServiceError):
    status, slug, title = 414, "uri-too-long", "Request URI too long"


class HeadersTooLarge(ServiceError):
    status, slug, title = 431, "headers-too-large", "Request headers too large"


class ServiceUnavailable(ServiceError):
    """503 with ``retry_after_s``: a dependency (DynamoDB, S3, SQS) is unreachable, slow or throttling."""

    status, slug, title = 503, "service-unavailable", "Temporarily unavailable"

    def __init__(self, detail: str, retry_after_s: int = 5) -> None:
        super().__init__(detail, retry_after_s=retry_after_s)
        self.retry_after_s = retry_after_s
