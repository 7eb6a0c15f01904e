"""The upload script's Russian refusals are the hosted page's (one set of sentences, two callers).

``static/attach.js`` shows ``detail_ru`` when the hosted page's routes send it and, for the demo
journal (which calls ``/v1``, whose problems are English), the same sentence by the problem's type.
"""

from __future__ import annotations

import re
from pathlib import Path

from chalicelib.api.hosted_attachments import RUSSIAN_DETAILS
from chalicelib.attachments import rules
from chalicelib.errors import NotFound, ValidationFailed

SCRIPT = Path(__file__).resolve().parents[2] / "chalicelib" / "web" / "static" / "attach.js"


def _script_refusals() -> dict[str, str]:
    block = re.search(r"var REFUSALS = \{(.*?)\};", SCRIPT.read_text(encoding="utf-8"), re.S)
    assert block is not None, "attach.js lost its REFUSALS table"
    return dict(re.findall(r'"([a-z-]+)":\s*"([^"]+)"', block.group(1)))


def test_each_refusal_the_page_explains_reads_the_same_in_the_script() -> None:
    slugs = {
        rules.AttachmentRefused: "attachment-refused",
        rules.AttachmentTooLarge: "attachment-too-large",
        rules.AttachmentNotUploaded: "attachment-not-uploaded",
        ValidationFailed: "validation",
        NotFound: "not-found",
    }
    assert set(slugs) == set(RUSSIAN_DETAILS)
    assert _script_refusals() == {slugs[kind]: text for kind, text in RUSSIAN_DETAILS.items()}


def test_the_slugs_are_the_problems_the_service_raises() -> None:
    assert rules.AttachmentRefused("x").slug == "attachment-refused"
    assert rules.AttachmentTooLarge("x").slug == "attachment-too-large"
    assert rules.AttachmentNotUploaded("x").slug == "attachment-not-uploaded"
    assert ValidationFailed("x", []).slug == "validation"
    assert NotFound("x").slug == "not-found"
