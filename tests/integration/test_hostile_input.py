"""Hostile input that used to reach the code as a 500: every JSON route, ``?limit=``, ``?school_id=``.

Each case is answered with a clear problem (400 or 422, ``application/problem+json``)
and is held to docs/openapi.yaml; none may be a 5xx.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest

from tests.integration.chats.world import OPERATOR, SCHOOL, World, build_world
from tests.openapi import assert_documented, document, path_template

pytestmark = pytest.mark.emulator

# About 2 KB, deeper than Python's recursion limit: json.loads raises RecursionError.
DEEPLY_NESTED = b"[" * 1000 + b"]" * 1000
DEEPLY_NESTED_OBJECT = b'{"a":' * 1000 + b"1" + b"}" * 1000


@pytest.fixture
def world(api: Any, services: Any) -> World:
    return build_world(api, services)


def json_routes(world: World) -> list[tuple[str, str]]:
    """(method, concrete path) of every documented operation that takes a JSON body."""
    found = []
    for template, operations in document()["paths"].items():
        if template.startswith("/m/chats/"):
            continue  # the hosted page's script routes ask for a session cookie before reading any body
        for method, operation in operations.items():
            if method not in ("post", "put", "patch", "delete"):
                continue
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" not in content:
                continue
            path = (
                template.replace("{chat_id}", world.chats["custom"])
                .replace("{school_id}", SCHOOL)
                .replace("{import_id}", "imp_x")
                .replace("{session_id}", "ls_x")
                .replace("{person_id}", "stu-1")
                .replace("{token}", "x")
            )
            found.append((method.upper(), path))
    return found


def test_a_deeply_nested_body_is_a_bad_request_on_every_json_route(world: World) -> None:
    routes = json_routes(world)
    assert len(routes) >= 5, routes
    wrong = []
    for method, path in routes:
        for raw in (DEEPLY_NESTED, DEEPLY_NESTED_OBJECT):
            who = OPERATOR if "/imports" in path else "t-class"
            reply = world.call(who, method, path, raw=raw)
            if (reply.status, reply.problem_type) != (400, "bad-request"):
                wrong.append(f"{method} {path}: {reply.status} {reply.body}")
                continue
            assert_documented(
                method, path_template(path), reply.status, reply.body, reply.headers["Content-Type"]
            )
    assert not wrong, "\n".join(wrong)


PAGINATED = [
    "/v1/chats",
    "/v1/chats/{custom}/messages",
    "/v1/chats/{custom}/members",
    f"/v1/schools/{SCHOOL}/chats",
]


LIMITS = ["٥", "５", "²", "5\u0660", "+5", " 5", "5.0", "0x5", ""]


def test_limit_takes_only_ascii_digits(world: World) -> None:
    wrong = []
    for limit in LIMITS:
        for template in [*PAGINATED, "/v1/imports"]:
            path = template.replace("{custom}", world.chats["custom"])
            who = OPERATOR if "/imports" in path or "/schools/" in path else "t-class"
            reply = world.get(who, f"{path}?limit={urllib.parse.quote(limit)}")
            if (reply.status, reply.problem_type) != (422, "validation"):
                wrong.append(f"{path} limit={limit!r}: {reply.status} {reply.body}")
                continue
            assert_documented(
                "GET", path_template(path), reply.status, reply.body, reply.headers["Content-Type"]
            )
    assert not wrong, "\n".join(wrong)


def test_an_impossible_school_id_filter_on_imports_is_invalid_input(world: World) -> None:
    for school_id in ("", "%00", "x" * 201):
        reply = world.get(OPERATOR, f"/v1/imports?school_id={school_id}")
        assert (reply.status, reply.problem_type) == (422, "validation"), (school_id, reply.body)
        assert reply.body["errors"][0]["field"] == "school_id"
        assert_documented("GET", "/v1/imports", reply.status, reply.body, reply.headers["Content-Type"])
    # The ordinary filter still answers.
    assert world.get(OPERATOR, f"/v1/imports?school_id={SCHOOL}").status == 200
