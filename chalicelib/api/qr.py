"""``POST /v1/qr-links`` (SPEC §7): a single-use sign-in link for the phone, with its QR code.

The journal shows the code next to its "Open messenger" button and asks for a
new one before ``expires_in_s`` runs out.
"""

from __future__ import annotations

import base64
import math

from chalice import Response

from chalicelib.api.http import ApiBlueprint, RequestContext
from chalicelib.api.link import EmptyBody
from chalicelib.clock import isoformat_utc
from chalicelib.config import settings
from chalicelib.web.qr import qr_png, qr_svg

api = ApiBlueprint(__name__)


@api.route("/v1/qr-links", methods=("POST",))
def create_qr_link(ctx: RequestContext) -> Response:
    """``{"url", "expires_at", "expires_in_s", "png" (base64), "svg"}`` for the caller (linked users only)."""
    ctx.body(EmptyBody)
    now = ctx.services.clock.now()
    link = ctx.services.signin.issue_qr_link(ctx.authenticated.person_id, now, settings())
    return Response(
        body={
            "url": link.url,
            "expires_at": isoformat_utc(link.expires_at),
            "expires_in_s": math.floor((link.expires_at - now).total_seconds()),
            "png": base64.b64encode(qr_png(link.url)).decode("ascii"),
            "svg": qr_svg(link.url),
        },
        status_code=201,
        headers={"Content-Type": "application/json"},
    )
