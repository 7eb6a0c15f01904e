"""Holding the API's responses to docs/openapi.yaml: each status documented, each body of its schema."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from jsonschema import Draft202012Validator

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "openapi.yaml"


@functools.cache
def document() -> dict[str, Any]:
    """docs/openapi.yaml as data (read once)."""
    return yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node and len(node) == 1:
        target: Any = document()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def assert_documented(method: str, path: str, status: int, body: Any, content_type: str | None) -> None:
    """The operation documents ``status``; a JSON body matches the schema documented for it."""
    operation = document()["paths"][path][method.lower()]
    responses = operation["responses"]
    assert str(status) in responses, f"{method} {path} answered {status}, which the document does not list"
    content = _resolve(responses[str(status)]).get("content", {})
    if body is None or not content:
        return
    media = (content_type or "application/json").split(";")[0]
    assert media in content, f"{method} {path} {status}: {media} is not documented"
    schema = {**content[media]["schema"], "components": document()["components"]}
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(body)


def path_template(path: str) -> str:
    """The document's path template a request path (query string allowed) falls under.

    Where several match (``/m/chats`` and ``/m/{token}``), the one with the most
    literal segments wins, as in the router.
    """
    bare = urlsplit(path).path
    matches = [
        template
        for template in document()["paths"]
        if re.fullmatch(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)), bare)
    ]
    assert matches, f"{bare} is not a path of the document"
    return max(matches, key=lambda template: template.count("/") - template.count("{"))


def assert_response_documented(method: str, path: str, response: Any) -> None:
    """A ``chalice.test`` response to ``method path`` is one the document describes (status and body)."""
    content_type = response.headers.get("Content-Type")
    body: Any = None
    if response.body:
        raw = response.body.decode() if isinstance(response.body, bytes) else response.body
        # Chalice leaves Content-Type out for a view's dict; API Gateway then sends application/json.
        body = json.loads(raw) if "json" in (content_type or "application/json") else raw
    assert_documented(method, path_template(path), response.status_code, body, content_type)
