"""The attachments bucket's CORS rule (SPEC §10): other-origin API clients (a journal on its own
origin) upload with the presigned POST and fetch links; only the configured origins, POST and GET.

The rule is written once in ``infrastructure/template.json`` (parameter ``AllowedOrigins``) and
applied the same way to the local stack's bucket (``devstack.resources.apply_bucket_cors`` from
``ALLOWED_ORIGINS``); moto answers browsers' preflights (``OPTIONS``) by the bucket's rules, so the
local bucket is checked here as a browser would see it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from devstack.resources import CORS_MAX_AGE_S, CORS_METHODS, CORS_RULE_ID, bucket_cors_rules

TEMPLATE = Path(__file__).resolve().parents[2] / "infrastructure" / "template.json"
JOURNAL = "http://127.0.0.1:8100"
EVIL = "https://evil.example"


def test_the_templates_rule_names_the_allowed_origins_post_and_get_and_nothing_else() -> None:
    template = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    parameter = template["Parameters"]["AllowedOrigins"]
    assert parameter["Default"] == ""  # no rule unless origins are given
    assert template["Conditions"]["HasAllowedOrigins"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AllowedOrigins"}, ""]}]
    }
    condition, configuration, otherwise = template["Resources"]["RosterBucket"]["Properties"][
        "CorsConfiguration"
    ]["Fn::If"]
    assert condition == "HasAllowedOrigins" and otherwise == {"Ref": "AWS::NoValue"}
    (rule,) = configuration["CorsRules"]
    assert rule == {
        "Id": CORS_RULE_ID,
        "AllowedMethods": list(CORS_METHODS),
        "AllowedOrigins": {"Fn::Split": [",", {"Ref": "AllowedOrigins"}]},
        "MaxAge": CORS_MAX_AGE_S,
    }
    assert set(rule["AllowedMethods"]) == {"POST", "GET"} and "AllowedHeaders" not in rule
    # The API is told the same origins (ALLOWED_ORIGINS, checked by chalicelib.config).
    api_env = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert api_env["ALLOWED_ORIGINS"] == {"Ref": "AllowedOrigins"}
    # The parameter's pattern refuses wildcards and paths, as the settings do.
    import re

    pattern = re.compile(parameter["AllowedPattern"])
    assert pattern.fullmatch("") and pattern.fullmatch(f"{JOURNAL},https://journal.example.ru")
    for bad in (
        "*",
        "https://*.example",
        "https://a.example/path",
        "ftp://a.example",
        "https://a, https://b",
    ):
        assert not pattern.fullmatch(bad), bad


def test_the_local_stack_rule_is_the_templates() -> None:
    assert bucket_cors_rules(()) == []
    assert bucket_cors_rules((JOURNAL,)) == [
        {
            "ID": CORS_RULE_ID,
            "AllowedMethods": ["POST", "GET"],
            "AllowedOrigins": [JOURNAL],
            "MaxAgeSeconds": CORS_MAX_AGE_S,
        }
    ]


def _preflight(bucket_url: str, origin: str, method: str) -> requests.Response:
    return requests.options(
        bucket_url,
        headers={"Origin": origin, "Access-Control-Request-Method": method},
        timeout=20,
    )


@pytest.mark.emulator
def test_the_emulators_bucket_answers_preflights_for_allowed_origins_only(
    emulator: str, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.aws import client
    from chalicelib.config import settings
    from devstack.resources import apply_bucket_cors

    config = settings()
    bucket_url = f"{emulator}/{config.roster_bucket}"
    assert "CORSRules" not in _cors_of(config.roster_bucket)  # none configured: no rule
    # Without a rule no page of another origin may read the bucket's answers (S3's behaviour; moto's
    # allow-every-origin default is off in the emulator).
    assert "Access-Control-Allow-Origin" not in _preflight(bucket_url, JOURNAL, "POST").headers

    monkeypatch.setenv("ALLOWED_ORIGINS", f"{JOURNAL}, https://journal.example.ru/")
    settings.cache_clear()
    apply_bucket_cors(settings())
    (rule,) = _cors_of(config.roster_bucket)["CORSRules"]
    assert rule["AllowedOrigins"] == [JOURNAL, "https://journal.example.ru"]
    assert sorted(rule["AllowedMethods"]) == ["GET", "POST"]

    for method in ("POST", "GET"):
        allowed = _preflight(bucket_url, JOURNAL, method)
        assert allowed.status_code == 200, allowed.text
        assert allowed.headers["Access-Control-Allow-Origin"] == JOURNAL
        assert set(allowed.headers["Access-Control-Allow-Methods"].replace(" ", "").split(",")) == {
            "POST",
            "GET",
        }
    refused = _preflight(bucket_url, EVIL, "POST")
    assert refused.status_code == 403 and "Access-Control-Allow-Origin" not in refused.headers

    # A real request from the journal's origin is readable by its page; from another origin it is not.
    s3 = client("s3")
    s3.put_object(Bucket=config.roster_bucket, Key="attachments/probe", Body=b"x")
    link = s3.generate_presigned_url(
        "get_object", Params={"Bucket": config.roster_bucket, "Key": "attachments/probe"}, ExpiresIn=60
    )
    seen = requests.get(link, headers={"Origin": JOURNAL}, timeout=20)
    assert seen.status_code == 200 and seen.headers.get("Access-Control-Allow-Origin") == JOURNAL
    unseen = requests.get(link, headers={"Origin": EVIL}, timeout=20)
    assert unseen.status_code == 200 and "Access-Control-Allow-Origin" not in unseen.headers


def _cors_of(bucket: str) -> dict[str, Any]:
    from botocore.exceptions import ClientError

    from chalicelib.aws import client

    try:
        return dict(client("s3").get_bucket_cors(Bucket=bucket))
    except ClientError as error:
        assert error.response["Error"]["Code"] == "NoSuchCORSConfiguration"
        return {}
