"""The hosted page's attachments on screen: a message's photos and files, and the composer's «Прикрепить».

Kept apart from ``pages`` so the chat screens and attachments change independently. Every link
points at the page's own redirect routes (``api.hosted_attachments``), which hand out presigned
links that last minutes: nothing on the page stays valid longer than the session.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chalicelib.attachments.rules import KINDS
from chalicelib.web.render import Markup, Templates, concat

TEMPLATES = Templates(Path(__file__).with_name("templates"))
ACCEPT = ",".join([*KINDS, ".docx", ".xlsx"])


def _size_text(size: int) -> str:
    """«1,2 МБ», «340 КБ»: a size as a Russian reader writes it."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} МБ".replace(".", ",")
    return f"{max(1, round(size / 1024))} КБ"


def attachment_list(chat_href: str, message: dict[str, Any]) -> Markup:
    """A message's attachments: previews of its photos, links to its documents (nothing when none)."""
    items = []
    for attachment in message.get("attachments") or []:
        href = f"{chat_href}/attachments/{attachment['id']}"
        if attachment.get("has_preview"):
            items.append(
                TEMPLATES.render(
                    "attachment_image", href=href, preview=f"{href}/preview", name=attachment["name"]
                )
            )
        else:
            items.append(
                TEMPLATES.render(
                    "attachment_file", href=href, name=attachment["name"], size=_size_text(attachment["size"])
                )
            )
    if not items:
        return Markup("")
    return TEMPLATES.render("attachment_list", items=concat(items))


def attach_box(chat_href: str, static: str) -> Markup:
    """The composer's file picker and the list of what is attached (driven by ``static/attach.js``)."""
    return TEMPLATES.render("attach_box", upload=f"{chat_href}/attachments", accept=ACCEPT, static=static)
