"""What the local stack's API server answers before any route runs: problem+json, never an echoed header.

``chalice local`` used to answer an unknown route with a 403 whose body
repeated the caller's bearer token, an unknown method with a 501 HTML page
and an over-long URL with a 414 HTML page. The local stack's server
(``devstack.gateway``) answers them as the deployed gateway responses do.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.identity_support import auth_headers
from tests.support import free_port

pytestmark = pytest.mark.emulator

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server(application: Any) -> Iterator[tuple[str, int]]:
    """The local stack's API server (devstack.gateway) on a free port."""
    from chalice.cli.factory import CLIFactory

    from devstack.gateway import create_api_server

    config = CLIFactory(str(ROOT)).create_config_obj(chalice_stage_name="test")
    port = free_port()
    local = create_api_server(application, config, "127.0.0.1", port)
    thread = threading.Thread(target=local.server.serve_forever, daemon=True)
    thread.start()
    yield "127.0.0.1", port
    local.server.shutdown()
    local.server.server_close()


def raw_request(address: tuple[str, int], head: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send a raw HTTP/1.1 request head; the status, headers (lower-case names) and body."""
    with socket.create_connection(address, timeout=10) as conn:
        conn.sendall(head)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    header_blob, _, body = data.partition(b"\r\n\r\n")
    lines = header_blob.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def request(address: tuple[str, int], method: str, target: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {address[0]}:{address[1]}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def assert_problem(answer: tuple[int, dict[str, str], bytes], status: int, slug: str, secret: str) -> None:
    code, headers, body = answer
    assert code == status, (code, body[:300])
    assert headers["content-type"] == "application/problem+json", headers
    problem = json.loads(body)
    assert problem["status"] == status and problem["type"].endswith("/" + slug), problem
    assert secret not in body.decode(), "the answer repeats a request header"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers.get("x-request-id")


def test_the_local_stacks_own_answers_are_problems_that_echo_nothing(server: tuple[str, int]) -> None:
    token = auth_headers("t-class")["Authorization"]
    secret = token.split()[-1]
    auth = {"Authorization": token, "X-Secret-Probe": secret}

    assert_problem(raw_request(server, request(server, "GET", "/v1/nope", auth)), 404, "not-found", secret)
    assert_problem(
        raw_request(server, request(server, "GET", "/nope/at/all", auth)), 404, "not-found", secret
    )
    assert_problem(raw_request(server, request(server, "POST", "/v1/x/y/z", auth)), 404, "not-found", secret)

    trace = raw_request(server, request(server, "TRACE", "/v1/chats", auth))
    assert_problem(trace, 405, "method-not-allowed", secret)
    assert "GET" in trace[1]["allow"] and "TRACE" not in trace[1]["allow"]
    assert_problem(raw_request(server, request(server, "BREW", "/v1/nope", auth)), 404, "not-found", secret)

    long_url = "/v1/chats?x=" + "a" * 100_000
    assert_problem(raw_request(server, request(server, "GET", long_url, auth)), 414, "uri-too-long", secret)
    assert_problem(
        raw_request(server, request(server, "GET", "/v1/chats?x=" + "a" * 9000, auth)),
        414,
        "uri-too-long",
        secret,
    )

    huge_header = {**auth, "X-Padding": "p" * 70_000}
    assert_problem(
        raw_request(server, request(server, "GET", "/v1/chats", huge_header)),
        431,
        "headers-too-large",
        secret,
    )
    many = {**auth, **{f"X-Pad-{i}": "p" * 200 for i in range(60)}}
    assert_problem(
        raw_request(server, request(server, "GET", "/v1/chats", many)), 431, "headers-too-large", secret
    )

    garbage = raw_request(server, b"GARBAGE\r\n\r\n")
    assert_problem(garbage, 400, "bad-request", secret)

    # An ordinary request still reaches the app.
    code, _headers, body = raw_request(server, request(server, "GET", "/v1/chats", auth))
    assert code in (200, 409), body
