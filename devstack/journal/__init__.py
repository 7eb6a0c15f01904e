"""The demo journal (local stack only): a stand-in for the e-journal's "Chats" screen.

It plays the journal the way SPEC §3 and §7 describe it: pick a demo user
(the journal's sign-in), press «Чаты», link an educational profile with the
screens of the teachers' instruction (phone, password, the SMS code with its
01:59 timer, «Продолжить в учебном профиле» / «Создать учебный профиль»),
then see the chats, the «Открыть мессенджер» button and the QR code for the
phone. Like the real journal it mints journal tokens server-side (with the
local JWT secret) and calls the real ``/v1`` API from the browser.

Never deployed: this package is not in the Lambda bundle, ``devstack`` registers
the blueprint on the app it serves, and every route answers 404 unless the
stage is ``local``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pydantic
from chalice import Chalice, Response

from chalicelib.api.hosted import file_origins
from chalicelib.api.http import ApiBlueprint, RequestContext
from chalicelib.bootstrap import Services
from chalicelib.config import settings
from chalicelib.errors import NotFound, ValidationFailed
from chalicelib.identity.journal_token import issue_journal_token
from chalicelib.web.attachments import ACCEPT
from chalicelib.web.render import Templates, concat, html_response, static_response
from devstack.demo import DEMO_USERS, PEOPLE, SCHOOL_NAME

HERE = Path(__file__).resolve().parent
TEMPLATES = Templates(HERE)
TOKEN_LIFETIME_S = 8 * 3600
LOCAL_STAGE = "local"

api = ApiBlueprint(__name__)


def _require_local() -> None:
    # The second guard: even registered by mistake elsewhere, the routes do not exist there.
    if settings().stage != LOCAL_STAGE or not settings().journal_jwt_secret:
        raise NotFound("No such resource.")


def _name(person_id: str) -> str:
    person = next(p for p in PEOPLE if p.person_id == person_id)
    return f"{person.family} {person.given} {person.middle}"


class TokenRequest(pydantic.BaseModel):
    """``POST /demo/tokens``: who signs in to the demo journal."""

    model_config = pydantic.ConfigDict(strict=True, extra="forbid")
    person_id: str = pydantic.Field(max_length=64)


@api.route("/demo", auth=False)
def journal_page(ctx: RequestContext) -> Response:
    """The demo journal's page (its script does the rest)."""
    _require_local()
    options = concat(
        TEMPLATES.render("user_option", person_id=person_id, name=_name(person_id), description=description)
        for person_id, description in DEMO_USERS
    )
    page = TEMPLATES.render(
        "page", school=SCHOOL_NAME, options=options, live=settings().live_url or "", accept=ACCEPT
    )
    # The chat pane uploads attachments to the bucket and shows previews from it, as the phone does.
    files = file_origins(ctx)
    return html_response(page, data_images=True, connect=files, images_from=files)


@api.route("/demo/tokens", methods=("POST",), auth=False)
def journal_token(ctx: RequestContext) -> dict[str, Any]:
    """A journal token for a demo user, as the journal signs one for its signed-in user."""
    _require_local()
    body = ctx.body(TokenRequest)
    if body.person_id not in dict(DEMO_USERS):
        raise ValidationFailed("Not a demo user.", [{"field": "person_id", "message": "not a demo user"}])
    secret = settings().journal_jwt_secret or ""
    token = issue_journal_token(
        body.person_id, secret, issued_at=int(time.time()), lifetime_s=TOKEN_LIFETIME_S
    )
    return {"person_id": body.person_id, "name": _name(body.person_id), "token": token}


@api.route("/demo/static/{name}", auth=False)
def journal_static(ctx: RequestContext, name: str) -> Response:
    """The demo journal's script and stylesheet."""
    _require_local()
    found = static_response(HERE, name)
    if found is None:
        raise NotFound("No such file.")
    return found


def register(app: Chalice, services: Services) -> None:
    """Add the demo journal's routes to the app the local stack serves."""
    api.register(app, services)
