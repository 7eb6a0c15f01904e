"""What S3 checks of presigned requests and moto does not: the local stack and the tests check it here.

moto accepts any browser POST whatever its policy says, and any presigned
GET however old. S3 refuses both, and the attachments feature relies on it
(SPEC §10: the size and type of an upload are fixed by its presigned POST;
links are short-lived). This WSGI middleware stands in front of moto and
refuses, as S3 does (XML error bodies, same codes):

* a POST form upload whose policy has expired, names another key, bucket or
  ``Content-Type``, carries a form field no condition covers, or whose file is
  outside its ``content-length-range`` (``EntityTooLarge``/``EntityTooSmall``);
* a presigned GET or HEAD (``X-Amz-Date`` + ``X-Amz-Expires``) after it expired.

Signatures are not verified (moto's credentials are fake), only the rules above.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from werkzeug.formparser import parse_form_data

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# Fields S3 does not require a policy condition for.
_EXEMPT_FIELDS = {"policy", "x-amz-signature", "file", "awsaccesskeyid", "signature", "x-amz-security-token"}


def _error(start_response: Callable[..., Any], status: str, code: str, message: str) -> list[bytes]:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    ).encode()
    start_response(status, [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
    return [body]


def policy_violation(
    policy: dict[str, Any], fields: dict[str, str], size: int, now: datetime
) -> tuple[str, str]:
    """Why S3 would refuse this POST (``(code, message)``), or ``("", "")`` when it would take it."""
    expiration = datetime.fromisoformat(str(policy.get("expiration", "")).replace("Z", "+00:00"))
    if now > expiration:
        return "AccessDenied", "Invalid according to Policy: Policy expired."
    lowered = {name.lower(): value for name, value in fields.items()}
    covered: set[str] = set()
    for condition in policy.get("conditions", []):
        if isinstance(condition, dict):
            for name, expected in condition.items():
                covered.add(name.lower())
                if name.lower() != "bucket" and lowered.get(name.lower()) != expected:
                    return "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {name}"
        elif condition[0] == "content-length-range":
            low, high = int(condition[1]), int(condition[2])
            if size > high:
                return "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"
            if size < low:
                return "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size"
        elif condition[0] in ("eq", "starts-with"):
            name = str(condition[1]).lstrip("$").lower()
            covered.add(name)
            value = lowered.get(name, "")
            ok = value == condition[2] if condition[0] == "eq" else value.startswith(condition[2])
            if not ok:
                return "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {name}"
    extra = sorted(set(lowered) - covered - _EXEMPT_FIELDS)
    if extra:
        return "AccessDenied", f"Invalid according to Policy: Extra input fields: {extra[0]}"
    return "", ""


def link_expired(query: dict[str, list[str]], now: datetime) -> bool:
    """Whether a presigned request's ``X-Amz-Date`` + ``X-Amz-Expires`` (SigV4), or its
    ``Expires`` (SigV2), lies in the past."""
    if "X-Amz-Date" not in query:
        return now.timestamp() > int(query["Expires"][0])
    signed = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return now > signed + timedelta(seconds=int(query["X-Amz-Expires"][0]))


class S3PresignedRules:
    """WSGI middleware: S3's presigned-POST policy and presigned-URL expiry, in front of moto."""

    def __init__(self, app: WsgiApp, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.app = app
        self.clock = clock

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "")
        if method in ("GET", "HEAD"):
            query = parse_qs(environ.get("QUERY_STRING", ""))
            presigned = ("X-Amz-Expires" in query and "X-Amz-Date" in query) or (
                "Expires" in query and "Signature" in query
            )
            if presigned and link_expired(query, self.clock()):
                return _error(start_response, "403 Forbidden", "AccessDenied", "Request has expired")
        elif method == "POST" and str(environ.get("CONTENT_TYPE", "")).startswith("multipart/form-data"):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            copy = dict(environ, **{"wsgi.input": io.BytesIO(body)})
            _, form, files = parse_form_data(copy)
            environ["wsgi.input"] = io.BytesIO(body)
            if "policy" in form:
                upload = files.get("file")
                size = len(upload.read()) if upload is not None else 0
                try:
                    policy = json.loads(base64.b64decode(form["policy"]))
                except ValueError:
                    return _error(
                        start_response, "400 Bad Request", "InvalidPolicyDocument", "Invalid Policy"
                    )
                code, message = policy_violation(policy, dict(form.items()), size, self.clock())
                if code:
                    status = "400 Bad Request" if code.startswith("Entity") else "403 Forbidden"
                    return _error(start_response, status, code, message)
        return self.app(environ, start_response)
