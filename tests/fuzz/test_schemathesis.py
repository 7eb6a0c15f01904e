"""A bounded schemathesis run from docs/openapi.yaml against the local stack's API server.

Every documented operation is fuzzed over real HTTP (``devstack.gateway``,
the server ``make run`` uses) with a journal user's and an operator's
credentials, against a seeded world (two schools, linked users, chats,
messages). No answer may be a 5xx, and every answer must be what the
document says: a listed status, its content type, its schema, its headers.
The document declares no links, so there is no stateful phase.

``FUZZ_EXAMPLES`` sets the examples per operation and credential (default
5, about two minutes in ``make test``); ``make fuzz`` runs 200.
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from tests.identity_support import auth_headers

pytestmark = pytest.mark.emulator

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))

schema = schemathesis.openapi.from_path(ROOT / "docs" / "openapi.yaml")

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


@dataclass(frozen=True)
class LocalApi:
    """The fuzzed server's URL, and ids that exist in its world (path parameters worth hitting)."""

    url: str
    known: dict[str, list[str]]


@pytest.fixture(scope="module")
def local_api(emulator: str) -> Iterator[LocalApi]:
    """A seeded world on fresh tables, served by the local stack's API server; yields its URL."""
    from chalice.cli.factory import CLIFactory
    from chalice.test import Client

    from app import create_app
    from chalicelib.bootstrap import build_services
    from chalicelib.config import settings as service_settings
    from devstack.gateway import create_api_server
    from devstack.resources import provision
    from tests.conftest import reset_process_state
    from tests.integration.chats.world import OTHER_SCHOOL, SCHOOL, build_world
    from tests.support import TEST_JWT_SECRET, free_port

    unique = uuid.uuid4().hex[:10]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", emulator)
        patch.setenv("STAGE", "test")
        patch.setenv("TABLE_PREFIX", f"f{unique}-")
        patch.setenv("ROSTER_BUCKET", f"fuzz-{unique}")
        patch.setenv("JOURNAL_JWT_SECRET", TEST_JWT_SECRET)
        reset_process_state()
        provision(service_settings(), visibility_timeout_s=2)
        services = build_services(service_settings())
        app = create_app(services)
        with Client(app, stage_name="test") as client:
            world = build_world(client, services)
        known = {
            "chat_id": sorted(world.chats.values()),
            "message_id": sorted(world.targets.values()),
            "school_id": [SCHOOL, OTHER_SCHOOL],
            "person_id": ["stu-1", "t-math", "par-1"],
        }
        config = CLIFactory(str(ROOT)).create_config_obj(chalice_stage_name="test")
        port = free_port()
        server = create_api_server(app, config, "127.0.0.1", port)
        thread = threading.Thread(target=server.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield LocalApi(f"http://127.0.0.1:{port}", known)
        finally:
            server.server.shutdown()
            server.server.server_close()
            with contextlib.suppress(Exception):
                reset_process_state()


CREDENTIALS = {
    "teacher": lambda: auth_headers("t-class"),
    "operator": lambda: auth_headers("op-1", operator=True),
}


@pytest.mark.parametrize("who", sorted(CREDENTIALS))
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(
    case: schemathesis.Case, local_api: LocalApi, who: str
) -> None:
    # schemathesis fills the bearer scheme with junk; the journal's token replaces it.
    headers = {**(case.headers or {}), "Authorization": CREDENTIALS[who]()["Authorization"]}
    for name, value in (case.path_parameters or {}).items():
        # About half the cases aim at records that exist, the rest at generated ids.
        known = local_api.known.get(name)
        if known and len(str(value)) % 2 == 0:
            case.path_parameters[name] = known[len(str(value)) % len(known)]
    case.call_and_validate(base_url=local_api.url, headers=headers, checks=CHECKS, timeout=30)
