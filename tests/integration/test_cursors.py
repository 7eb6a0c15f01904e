"""Page cursors on every paginated route: pages join up, and a cursor the list did not make is a 400.

A cursor is a named position in one list (``api.http``). Forged ones — not
base64, not JSON, a raw DynamoDB key, the wrong type, too long, control
characters, nested deep — and cursors made by another list are refused with
400 problem+json before anything reaches DynamoDB; a well-formed position
from someone else's list only moves inside the caller's own.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib.clock import MovableClock
from tests.builders import bulk_update, sample_school, stage_import
from tests.integration.chats.world import OPERATOR, OTHER_SCHOOL, SCHOOL, World, build_world
from tests.openapi import assert_documented, path_template

pytestmark = pytest.mark.emulator


@dataclass(frozen=True)
class Listing:
    """A paginated route as one caller sees it, and what its cursors hold."""

    who: str
    path: str
    position: str
    compound: bool

    def url(self, *, limit: int | None = None, cursor: str | None = None) -> str:
        """The path with ``limit`` and ``cursor`` added to its query."""
        query = [part for part in (self.path.partition("?")[2],) if part]
        if limit is not None:
            query.append(f"limit={limit}")
        if cursor is not None:
            query.append(f"cursor={cursor}")
        return self.path.partition("?")[0] + ("?" + "&".join(query) if query else "")


def listings(world: World) -> dict[str, Listing]:
    """Every paginated route of the API."""
    class_chat = world.chats["class"]
    return {
        "chats": Listing("t-class", "/v1/chats", "before", compound=True),
        "messages": Listing("t-class", f"/v1/chats/{class_chat}/messages", "before", compound=True),
        "members": Listing("adm", f"/v1/chats/{class_chat}/members", "after", compound=False),
        "school chats": Listing("adm", f"/v1/schools/{SCHOOL}/chats", "after_chat", compound=False),
        "imports": Listing(OPERATOR, "/v1/imports", "before_import", compound=True),
        "school imports": Listing("adm", f"/v1/imports?school_id={SCHOOL}", "before_import", compound=True),
    }


ROUTES = ["chats", "messages", "members", "school chats", "imports", "school imports"]


@pytest.fixture
def world(services: Any, api: Any, clock: MovableClock) -> World:
    """The chats tests' two schools, a second message in 5А, and two imports touching sch-1."""
    built = build_world(api, services)
    clock.advance(seconds=1)
    assert built.send("t-class", "class", "second").status == 201
    for day in (1, 2):
        clock.advance(seconds=60)
        stage_import(
            services,
            [bulk_update(sample_school(SCHOOL)), bulk_update(sample_school(OTHER_SCHOOL))],
            key=f"rosters/day-{day}.csv",
            uploaded_at=f"2026-09-0{day}T08:00:00.000Z",
        )
    return built


def get(world: World, who: str, path: str) -> Any:
    """GET as ``who``, the answer held to docs/openapi.yaml."""
    reply = world.get(who, path)
    assert_documented("GET", path_template(path), reply.status, reply.body, reply.headers.get("Content-Type"))
    return reply


def walk(world: World, listing: Listing, limit: int) -> list[dict[str, Any]]:
    """Every item of a list, following ``next_cursor`` page by page."""
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(200):
        reply = get(world, listing.who, listing.url(limit=limit, cursor=cursor))
        assert reply.status == 200, reply.body
        assert len(reply.body["items"]) <= limit
        items += reply.body["items"]
        cursor = reply.body["next_cursor"]
        if cursor is None:
            return items
        assert reply.body["items"], "a cursor to an empty page"
    raise AssertionError("the list does not end")


def item_key(item: dict[str, Any]) -> str:
    return str(item.get("id") or item.get("person_id"))


def encode(value: Any) -> str:
    """A cursor this API never made: any JSON, base64url without padding as the API writes them."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def forged(listing: Listing) -> dict[str, str]:
    """Cursors no list made, by what is wrong with them."""
    name = listing.position
    cursors = {
        "not base64": "%%%",
        "not JSON": base64.urlsafe_b64encode(b"not json").decode().rstrip("="),
        "not UTF-8": base64.urlsafe_b64encode(b"\xff\xfe{").decode().rstrip("="),
        "a list": encode(["a#b"]),
        "null": encode(None),
        "empty": encode({}),
        "nested deep": base64.urlsafe_b64encode(b"[" * 1500).decode().rstrip("="),
        "over-long cursor": "A" * 3000,
        "a number": encode({name: 5}),
        "null position": encode({name: None}),
        "DynamoDB-typed position": encode({name: {"S": "x#y"}}),
        "empty position": encode({name: ""}),
        "an extra field": encode({name: "2026-09-01T00:00:00.000Z#x", "school_id": OTHER_SCHOOL}),
        "control character": encode({name: "2026\x00#x"}),
        "lone surrogate": encode({name: "\ud800#x"}),
        "over DynamoDB's sort key size": encode({name: "\U0001d54f" * 300 + "#x"}),
        "raw key of a school's chats": encode({"school_id": {"S": OTHER_SCHOOL}, "chat_id": {"S": "ch_x"}}),
        "raw key of the import listing": encode(
            {
                "listing": {"S": "imports"},
                "started_at": {"S": "2026"},
                "import_id": {"S": "imp_x"},
                "part": {"S": "#"},
            }
        ),
        "raw key of someone's chat list": encode(
            {"member_of": {"S": "t-far"}, "activity_key": {"S": "2026#x"}, "chat_id": {"S": "x"}}
        ),
    }
    if listing.compound:
        cursors |= {
            "no separator": encode({name: "no-hash"}),
            "no head": encode({name: "#tail"}),
            "no tail": encode({name: "head#"}),
        }
    return cursors


def test_every_list_pages_through_all_its_items_once(world: World) -> None:
    for name, listing in listings(world).items():
        whole = get(world, listing.who, listing.url(limit=100)).body
        assert whole["next_cursor"] is None, name
        assert len(whole["items"]) >= 2, f"{name}: too short to page"
        paged = walk(world, listing, limit=1)
        assert [item_key(i) for i in paged] == [item_key(i) for i in whole["items"]], name


@pytest.mark.parametrize("route", ROUTES)
def test_a_forged_cursor_is_a_bad_request(world: World, route: str) -> None:
    listing = listings(world)[route]
    wrong = []
    for what, cursor in forged(listing).items():
        reply = get(world, listing.who, listing.url(cursor=cursor))
        if (reply.status, reply.problem_type) != (400, "bad-request"):
            wrong.append(f"{what}: {reply.status} {reply.body}")
        else:
            assert reply.headers["Content-Type"] == "application/problem+json"
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("route", ROUTES)
def test_a_cursor_another_list_made_is_a_bad_request(world: World, route: str) -> None:
    every = listings(world)
    listing = every[route]
    made_elsewhere = {
        other: get(world, each.who, each.url(limit=1)).body["next_cursor"]
        for other, each in every.items()
        if each.position != listing.position
    }
    assert made_elsewhere and all(made_elsewhere.values())
    for other, cursor in made_elsewhere.items():
        reply = get(world, listing.who, listing.url(cursor=cursor))
        assert (reply.status, reply.problem_type) == (400, "bad-request"), (
            f"a cursor of {other}: {reply.body}"
        )


def test_a_cursor_from_another_schools_list_stays_in_the_callers_school(world: World) -> None:
    theirs = get(world, OPERATOR, f"/v1/schools/{OTHER_SCHOOL}/chats?limit=1").body["next_cursor"]
    mine = get(world, "adm", f"/v1/schools/{SCHOOL}/chats?cursor={theirs}")
    assert mine.status == 200
    assert {chat["school_id"] for chat in mine.body["items"]} <= {SCHOOL}

    every_import = get(world, OPERATOR, "/v1/imports?limit=1").body["next_cursor"]
    own = get(world, "adm", f"/v1/imports?school_id={SCHOOL}&cursor={every_import}")
    assert own.status == 200
    assert all([part["school_id"] for part in report["schools"]] == [SCHOOL] for report in own.body["items"])
