"""Socket tickets (SPEC §10, ``live/tickets.py``): what a page signs its live socket in with on AWS.

``POST /v1/live/ticket`` (journal token) and ``POST /m/live/ticket`` (the
hosted page's session cookie, from this site only) answer
``{"ticket", "expires_at"}``: used once, within a minute, as
``<LIVE_URL>?ticket=<ticket>``. The answer is never cached; the ticket is
never logged.
"""

from __future__ import annotations

from chalice import Response

from chalicelib.api.hosted import _require_same_origin, _signed_in
from chalicelib.api.http import ApiBlueprint, RequestContext, json_response
from chalicelib.chats import access
from chalicelib.clock import isoformat_utc
from chalicelib.errors import Forbidden, NotFound
from chalicelib.identity.journal_token import token_expiry
from chalicelib.live.connections import ConnectionStore
from chalicelib.live.tickets import issue_ticket
from chalicelib.safety.consent import require_consent

api = ApiBlueprint(__name__)


def _store(ctx: RequestContext) -> ConnectionStore:
    if ctx.services.connections is None:
        raise NotFound("Live delivery is off: poll.")
    return ctx.services.connections


def _answer(ticket: str, expires_at: object) -> Response:
    return json_response({"ticket": ticket, "expires_at": expires_at}, 201, no_store=True)


@api.route("/v1/live/ticket", methods=("POST",))
def journal_ticket(ctx: RequestContext) -> Response:
    """A ticket for the journal user's socket, valid no longer than the token (linked users only)."""
    caller = ctx.authenticated
    if caller.is_operator:
        raise Forbidden("Operators have no chats to follow.")
    linked, consent = ctx.services.chat_directory.link_consent(caller.person_id)
    access.require_linked(linked)
    require_consent(consent)
    header = str(ctx.request.headers.get("authorization") or "")
    until = token_expiry(header.strip().partition(" ")[2].strip())
    now = ctx.services.clock.now()
    ticket, expires_at = issue_ticket(_store(ctx), caller.person_id, None, until, now)
    return _answer(ticket, isoformat_utc(expires_at))


@api.route("/m/live/ticket", methods=("POST",), auth=False)
def hosted_ticket(ctx: RequestContext) -> Response:
    """A ticket for the hosted page's socket, bound to its session (from this site only)."""
    session = _signed_in(ctx)
    _require_same_origin(ctx)
    now = ctx.services.clock.now()
    ticket, expires_at = issue_ticket(
        _store(ctx), session.person_id, session.session_hash, session.expires_at, now
    )
    return _answer(ticket, isoformat_utc(expires_at))
