"""The back office (SPEC §6): a school's chats, for its administrators and operators.

A chat's members (``GET /v1/chats/{id}/members``) are served by ``api.chats``,
which lets the same administrators and operators in.
"""

from __future__ import annotations

from typing import Any

from chalicelib.api.http import ApiBlueprint, RequestContext, page
from chalicelib.api.shapes import chat_json

api = ApiBlueprint(__name__)

# The name of the position (a chat id) in this list's cursor; see ``api.http``.
SCHOOL_CHATS_CURSOR = "after_chat"


@api.route("/v1/schools/{school_id}/chats")
def school_chats(ctx: RequestContext, school_id: str) -> dict[str, Any]:
    """Every chat of a school with its member count (archived ones too), a page at a time."""
    limit = ctx.page_size(default=100, maximum=500)
    chats = ctx.services.chats.school_chats(
        ctx.authenticated, school_id, limit, ctx.position(SCHOOL_CHATS_CURSOR)
    )
    return page([chat_json(chat, None) for chat in chats.items], SCHOOL_CHATS_CURSOR, chats.after)
