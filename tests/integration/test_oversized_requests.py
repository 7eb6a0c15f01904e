"""An over-long URI (414) or header block (431) that gets past API Gateway is refused by the Lambda
as the local stack's server refuses it (``devstack.gateway``): problem+json, nothing echoed.

API Gateway itself refuses a request line plus headers over 10,240 bytes before any gateway response
applies; below that, the same limits as the local stack hold (``chalicelib.api.request_limits``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.api.request_limits import MAX_HEADER_BYTES, MAX_REQUEST_LINE_BYTES
from tests.identity_support import auth_headers

pytestmark = pytest.mark.emulator


def assert_problem(response: Any, status: int, slug: str, secret: str) -> None:
    assert response.status_code == status, response.body[:300]
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = json.loads(response.body)
    assert problem["status"] == status and problem["type"].endswith("/" + slug)
    assert secret not in response.body.decode(), "the answer repeats the request"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_uri_over_the_limit_is_414_and_headers_over_it_431_through_the_lambda(api: Any) -> None:
    headers = auth_headers("t-class")
    secret = "probe-" + "q" * 40
    long_query = "/v1/chats?x=" + secret + "a" * MAX_REQUEST_LINE_BYTES
    assert_problem(api.http.get(long_query, headers=headers), 414, "uri-too-long", secret)

    padded = {**headers, "X-Probe": secret + "p" * MAX_HEADER_BYTES}
    assert_problem(api.http.get("/v1/chats", headers=padded), 431, "headers-too-large", secret)
    many = {**headers, **{f"X-Pad-{i}": secret + "p" * 200 for i in range(MAX_HEADER_BYTES // 200)}}
    assert_problem(api.http.get("/v1/me", headers=many), 431, "headers-too-large", secret)

    # Just under the limits the request reaches its route.
    fine = api.http.get("/v1/me?x=" + "a" * (MAX_REQUEST_LINE_BYTES // 2), headers=headers)
    assert fine.status_code == 200, fine.body[:300]
