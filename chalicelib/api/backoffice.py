"""The back office (SPEC §6): a school's chats and their members, for its administrators and operators."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.access import active_membership, can_use_back_office, require_back_office
from chalicelib.api.http import ApiBlueprint, RequestContext, encode_cursor
from chalicelib.api.shapes import chat_json, member_json
from chalicelib.errors import NotFound
from chalicelib.identity.links import require_link
from chalicelib.store.tables import ChatItem, MembershipItem

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


@api.route("/v1/chats/{chat_id}/members")
def chat_members(ctx: RequestContext, chat_id: str) -> dict[str, Any]:
    """A chat's active members: for its members, its school's administrators and operators."""
    caller = ctx.authenticated
    try:
        chat = ChatItem.get(chat_id)
    except DoesNotExist as exc:
        raise NotFound("No such chat.") from exc
    if not can_use_back_office(caller, chat.school_id):
        require_link(caller.person_id)
        if active_membership(chat_id, caller.person_id) is None:
            raise NotFound("No such chat.")
    results = MembershipItem.query(
        chat_id,
        filter_condition=MembershipItem.active == True,  # noqa: E712 - a DynamoDB condition, not a comparison
        limit=ctx.page_size(default=100, maximum=500),
        last_evaluated_key=ctx.cursor(),
    )
    items = [member_json(m) for m in results]
    last = results.last_evaluated_key
    return {"items": items, "next_cursor": encode_cursor(last) if last else None}
