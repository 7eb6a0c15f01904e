"""docs/openapi.yaml is a valid OpenAPI 3.1 document and describes exactly the app's routes."""

from __future__ import annotations

from typing import Any

from openapi_spec_validator import validate

from tests.openapi import document

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}

# Routes other branches are building. Documented now so the document describes the whole API;
# empty this list as they merge (the last test fails while a listed route is already implemented).
DOCUMENTED_NOT_YET_IMPLEMENTED: set[tuple[str, str]] = set()


def documented_routes(spec: dict[str, Any]) -> set[tuple[str, str]]:
    """(METHOD, path) for every operation in the document."""
    return {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def app_routes() -> set[tuple[str, str]]:
    """(METHOD, path) for every HTTP route the Chalice app registers."""
    import app as application

    return {(method, path) for path, methods in application.app.routes.items() for method in methods}


def test_the_document_is_valid_openapi_3_1() -> None:
    assert document()["openapi"].startswith("3.1")
    validate(document())


def test_every_route_of_the_app_is_documented() -> None:
    undocumented = app_routes() - documented_routes(document())
    assert not undocumented, f"routes missing from docs/openapi.yaml: {sorted(undocumented)}"


def test_every_documented_route_exists_or_is_listed_as_coming() -> None:
    missing = documented_routes(document()) - app_routes() - DOCUMENTED_NOT_YET_IMPLEMENTED
    assert not missing, f"documented but not in the app: {sorted(missing)}"


def test_the_coming_list_names_only_documented_routes_not_yet_implemented() -> None:
    assert documented_routes(document()) >= DOCUMENTED_NOT_YET_IMPLEMENTED
    arrived = DOCUMENTED_NOT_YET_IMPLEMENTED & app_routes()
    assert not arrived, f"implemented now: remove from DOCUMENTED_NOT_YET_IMPLEMENTED: {sorted(arrived)}"
