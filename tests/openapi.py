"""Holding the API's responses to docs/openapi.yaml: each status documented, each body of its schema."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

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
