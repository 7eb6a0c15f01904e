"""The demo journal's routes (local stack only): guarded by the stage, never in the deployable app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalice import Chalice
from chalice.test import Client

from chalicelib.api.http import http_middleware
from chalicelib.bootstrap import build_services
from chalicelib.config import settings
from chalicelib.identity.journal_token import verify_journal_token
from chalicelib.web.render import content_security_policy, origin_of
from devstack import journal
from tests.support import assert_problem

pytestmark = pytest.mark.emulator


@pytest.fixture(scope="module")
def demo_app() -> Chalice:
    """An app with only the demo journal, as devstack adds it to the app it serves."""
    app = Chalice(app_name="demo-journal-under-test")
    app.register_middleware(http_middleware, "http")
    journal.register(app, build_services(settings()))
    return app


@pytest.fixture
def client(demo_app: Chalice, aws: Any) -> Iterator[Any]:
    """The demo journal in the test stage (Chalice's client sets the stage's ``STAGE``)."""
    with Client(demo_app, stage_name="test") as test_client:
        yield test_client


@pytest.fixture
def local_client(demo_app: Chalice, aws: Any) -> Iterator[Any]:
    """The demo journal in the local stage, as ``make run`` serves it."""
    with Client(demo_app, stage_name="local") as test_client:
        settings.cache_clear()  # read STAGE=local, which the client has just set
        yield test_client
    settings.cache_clear()


def _token_request(client: Any, body: Any) -> Any:
    return client.http.post(
        "/demo/tokens", headers={"Content-Type": "application/json"}, body=json.dumps(body)
    )


def test_the_deployable_app_has_no_demo_routes() -> None:
    import app as application

    assert not [path for path in application.app.routes if path.startswith("/demo")]


def test_outside_the_local_stage_every_route_is_not_found(client: Any) -> None:
    assert settings().stage == "test"
    assert_problem(client.http.get("/demo"), 404, "not-found")
    assert_problem(_token_request(client, {"person_id": "t-ivanova"}), 404, "not-found")
    assert_problem(client.http.get("/demo/static/journal.js"), 404, "not-found")


def test_locally_the_page_lists_the_demo_users_under_a_strict_csp(local_client: Any) -> None:
    client = local_client
    page = client.http.get("/demo")

    assert page.status_code == 200
    html = page.body.decode()
    assert '<option value="t-ivanova">Иванова Мария Петровна — class teacher of 5А' in html
    # The chat pane uploads attachments to the bucket and shows their previews: that origin, no other.
    bucket = origin_of(build_services(settings()).blobs.download_link("attachments/", 60, "x", "x"))
    assert page.headers["Content-Security-Policy"] == content_security_policy(
        data_images=True, connect=(bucket,), images_from=(bucket,)
    )
    assert '<script src="/demo/static/journal.js" defer>' in html
    assert '<script src="/m/static/attach.js" defer>' in html  # the phone's upload flow, shared
    assert 'data-accept="image/jpeg,' in html
    assert client.http.get("/demo/static/journal.js").status_code == 200
    assert client.http.get("/demo/static/__init__.py").status_code == 404


def test_locally_it_mints_journal_tokens_for_demo_users_only(local_client: Any) -> None:
    client = local_client
    minted = _token_request(client, {"person_id": "t-ivanova"})

    assert minted.status_code == 200
    caller = verify_journal_token(f"Bearer {minted.json_body['token']}", settings())
    assert caller.person_id == "t-ivanova" and not caller.is_operator
    assert_problem(_token_request(client, {"person_id": "operator-1"}), 422, "validation")
    assert_problem(_token_request(client, {"person_id": "x" * 100}), 422, "validation")
    assert_problem(_token_request(client, {"person_id": "t-ivanova", "scope": "operator"}), 422, "validation")
    assert_problem(_token_request(client, ["t-ivanova"]), 400, "bad-request")
