"""Deployed secrets come from SSM Parameter Store SecureString, read once per cold start (issue #10.5)."""

from __future__ import annotations

import pytest

from chalicelib.config import ConfigurationError, settings
from tests.support import assert_problem, auth_headers

JOURNAL_SECRET = "journal-secret-from-parameter-store-0123456789"
OPERATOR_SECRET = "operator-secret-from-parameter-store-0123456789"


@pytest.fixture
def stored_secrets(aws, monkeypatch):
    """Both signing secrets as SecureString parameters, and the environment naming them instead."""
    from chalicelib.aws import client

    ssm = client("ssm")
    prefix = f"/school-chats/{settings().stage}/{settings().table_prefix.rstrip('-')}"  # the policy's path
    names = {
        "JOURNAL_JWT_SECRET": f"{prefix}/journal-jwt-secret",
        "OPERATOR_JWT_SECRET": f"{prefix}/operator",
    }
    for variable, value in (("JOURNAL_JWT_SECRET", JOURNAL_SECRET), ("OPERATOR_JWT_SECRET", OPERATOR_SECRET)):
        ssm.put_parameter(Name=names[variable], Value=value, Type="SecureString")
        monkeypatch.delenv(variable)
        monkeypatch.setenv(f"{variable}_PARAMETER", names[variable])
    settings.cache_clear()
    return names


def test_tokens_are_checked_with_the_secrets_from_parameter_store(api, stored_secrets):
    from chalicelib.aws import client

    journal = auth_headers("p-1", secret=JOURNAL_SECRET)
    operator = auth_headers("op-1", operator=True, secret=OPERATOR_SECRET)
    assert api.http.get("/v1/me", headers=journal).status_code == 200
    assert api.http.get("/v1/imports", headers=operator).status_code == 200
    assert_problem(api.http.get("/v1/me", headers=auth_headers("p-1")), 401, "unauthorized")
    # Read once per cold start: the parameters are not asked for again on later requests.
    for name in stored_secrets.values():
        client("ssm").delete_parameter(Name=name)
    assert api.http.get("/v1/me", headers=journal).status_code == 200


def test_a_missing_parameter_stops_the_service_at_start(aws, monkeypatch):
    monkeypatch.delenv("OPERATOR_JWT_SECRET")
    monkeypatch.setenv("OPERATOR_JWT_SECRET_PARAMETER", "/no/such/parameter")
    settings.cache_clear()
    with pytest.raises(ConfigurationError, match="/no/such/parameter"):
        settings()


def test_a_secret_set_both_ways_is_refused(aws, monkeypatch):
    monkeypatch.setenv("OPERATOR_JWT_SECRET_PARAMETER", "/some/parameter")
    settings.cache_clear()
    with pytest.raises(ConfigurationError, match="not both"):
        settings()
