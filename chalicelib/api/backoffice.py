"""The back office (SPEC §6): a school's chats, for its administrators and operators.

A chat's members (``GET /v1/chats/{id}/members``) are served by ``api.chats``,
which lets the same administrators and operators in.
"""

from __future__ import annotations

from typing import Any

from chalicelib.access import require_back_office
from chalicelib.api.http import ApiBlueprint, RequestContext, encode_cursor
from chalicelib.api.shapes import chat_json
from chalicelib.store.tables import ChatItem

api = ApiBlueprint(__name__)


@api.route("/v1/schools/{school_id}/chats")
def school_chats(ctx: RequestContext, school_id: str) -> dict[str, Any]:
    """Every chat of a school with its member count (archived ones too), a page at a time."""
    require_back_office(ctx.authenticated, school_id)
    results = ChatItem.by_school.query(
        school_id, limit=ctx.page_size(default=100, maximum=500), last_evaluated_key=ctx.cursor()
    )
    items = [chat_json(chat, None) for chat in results]
    last = results.last_evaluated_key
    return {"items": items, "next_cursor": encode_cursor(last) if last else None}
