"""Linking a journal user to an educational profile (SPEC §3, §6): ``/v1/me``, ``/v1/link...``.

Thin: bodies are checked here (strict types, no unknown fields, bounded
lengths), everything else is ``identity.linking``.
"""

from __future__ import annotations

from typing import Any

import pydantic
from chalice import Response

from chalicelib.api.http import ApiBlueprint, RequestBody, RequestContext
from chalicelib.config import settings
from chalicelib.errors import ValidationFailed
from chalicelib.identity.linking import LinkService
from chalicelib.identity.me import describe_me
from chalicelib.identity.phone import InvalidPhone, normalise_phone
from chalicelib.identity.profiles import validate_profile
from chalicelib.live.revoke import close_person_sockets
from chalicelib.privacy.me_data import erase, export_data

api = ApiBlueprint(__name__)


class PhoneBody(RequestBody):
    phone: str = pydantic.Field(min_length=1, max_length=64)


class PasswordBody(RequestBody):
    password: str = pydantic.Field(min_length=1, max_length=256)


class CodeBody(RequestBody):
    code: str = pydantic.Field(min_length=1, max_length=16)


class ProfileBody(RequestBody):
    first_name: str = pydantic.Field(max_length=200)
    last_name: str = pydantic.Field(max_length=200)
    patronymic: str | None = pydantic.Field(default=None, max_length=200)
    birth_date: str = pydantic.Field(max_length=32)
    gender: str = pydantic.Field(max_length=32)


class EmptyBody(RequestBody):
    pass


def _service(ctx: RequestContext) -> LinkService:
    return ctx.services.linking(settings())


@api.route("/v1/me")
def me(ctx: RequestContext) -> dict[str, Any]:
    """The journal user by the rosters, and their link (null until linked)."""
    return describe_me(ctx.authenticated.person_id, _service(ctx), ctx.services.chat_directory)


@api.route("/v1/me/data")
def my_data(ctx: RequestContext) -> dict[str, Any]:
    """Everything the service holds about the caller (SPEC §11)."""
    return export_data(ctx.services, ctx.authenticated.person_id)


@api.route("/v1/me", methods=("DELETE",))
def erase_me(ctx: RequestContext) -> Response:
    """Erase the caller's account, profile, link, sessions and sign-in links (SPEC §11)."""
    erase(ctx.services, ctx.authenticated.person_id)
    close_person_sockets(ctx.services.connections, ctx.services.live, ctx.authenticated.person_id)
    return Response(body="", status_code=204)


@api.route("/v1/link", methods=("DELETE",))
def unlink(ctx: RequestContext) -> Response:
    """Unlink the journal user's profile."""
    _service(ctx).unlink(ctx.authenticated.person_id)
    # Its open pages get no more of the chats it no longer sees (SPEC §10).
    close_person_sockets(ctx.services.connections, ctx.services.live, ctx.authenticated.person_id)
    return Response(body="", status_code=204)


@api.route("/v1/link/sessions", methods=("POST",))
def open_session(ctx: RequestContext) -> Response:
    """Start linking with the phone number of a messenger account (step ``password``)."""
    body = ctx.body(PhoneBody)
    try:
        phone = normalise_phone(body.phone)
    except InvalidPhone as exc:
        raise ValidationFailed(str(exc), [{"field": "phone", "message": str(exc)}]) from exc
    view = _service(ctx).open(ctx.authenticated.person_id, phone)
    return Response(body=view, status_code=201, headers={"Location": f"/v1/link/sessions/{view['id']}"})


@api.route("/v1/link/sessions/{session_id}")
def get_session(ctx: RequestContext, session_id: str) -> dict[str, Any]:
    """Where the session stands."""
    return _service(ctx).current(ctx.authenticated.person_id, session_id)


@api.route("/v1/link/sessions/{session_id}/register", methods=("POST",))
def register(ctx: RequestContext, session_id: str) -> dict[str, Any]:
    """The number has no account yet: ``password`` → ``register``."""
    ctx.body(EmptyBody)
    return _service(ctx).register(ctx.authenticated.person_id, session_id)


@api.route("/v1/link/sessions/{session_id}/reset", methods=("POST",))
def reset(ctx: RequestContext, session_id: str) -> dict[str, Any]:
    """Forgot the password: ``password`` → ``reset`` (a new password, then the SMS code)."""
    ctx.body(EmptyBody)
    return _service(ctx).reset(ctx.authenticated.person_id, session_id)


@api.route("/v1/link/sessions/{session_id}/password", methods=("POST",))
def password(ctx: RequestContext, session_id: str) -> dict[str, Any]:
    """The account's password (step ``password``) or a new one (step ``register``) → ``code``."""
    body = ctx.body(PasswordBody)
    return _service(ctx).password(ctx.authenticated.person_id, session_id, body.password)


@api.route("/v1/link/sessions/{session_id}/code", methods=("POST",))
def code(ctx: RequestContext, session_id: str) -> dict[str, Any]:
    """The SMS code → ``choose_profile`` / ``create_profile`` (or ``password`` for a taken number)."""
    body = ctx.body(CodeBody)
    return _service(ctx).code(ctx.authenticated.person_id, session_id, body.code.strip())


@api.route("/v1/link/sessions/{session_id}/resend", methods=("POST",))
def resend(ctx: RequestContext, session_id: str) -> dict[str, Any]:
    """A new code, replacing the old one, after the cooldown."""
    ctx.body(EmptyBody)
    return _service(ctx).resend(ctx.authenticated.person_id, session_id)


@api.route("/v1/link/sessions/{session_id}/profile", methods=("POST",))
def create_profile(ctx: RequestContext, session_id: str) -> dict[str, Any]:
    """The new account's educational profile → ``choose_profile``."""
    body = ctx.body(ProfileBody)
    service = _service(ctx)
    profile = validate_profile(
        first_name=body.first_name,
        last_name=body.last_name,
        patronymic=body.patronymic,
        birth_date=body.birth_date,
        gender=body.gender,
        today=service.clock.now().date(),
    )
    return service.create_profile(ctx.authenticated.person_id, session_id, profile)


@api.route("/v1/link/sessions/{session_id}/confirm", methods=("POST",))
def confirm(ctx: RequestContext, session_id: str) -> dict[str, Any]:
    """Link the journal user to the profile → ``done``."""
    ctx.body(EmptyBody)
    return _service(ctx).confirm(ctx.authenticated.person_id, session_id)
