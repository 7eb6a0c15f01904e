"""The Chalice application: wiring only.

Routes live in ``chalicelib/api``, queue handlers in ``chalicelib/pipeline``.
"""

from __future__ import annotations

from typing import Any

from chalice import Chalice
from chalice.app import SQSEvent

from chalicelib.api import backoffice, chats, hosted, imports, link, qr, safety
from chalicelib.api.http import http_middleware
from chalicelib.config import settings
from chalicelib.pipeline import entry

app = Chalice(app_name="school-chats")
app.register_middleware(http_middleware, "http")
app.register_blueprint(imports.api.blueprint)
app.register_blueprint(backoffice.api.blueprint)
app.register_blueprint(link.api.blueprint)
app.register_blueprint(chats.api.blueprint)
app.register_blueprint(qr.api.blueprint)
app.register_blueprint(hosted.api.blueprint)
app.register_blueprint(safety.api.blueprint)


@app.on_sqs_message(queue=settings().upload_queue_name, batch_size=5, maximum_concurrency=2)
def on_roster_uploaded(event: SQSEvent) -> dict[str, Any]:
    """S3 ``ObjectCreated`` under ``rosters/`` → read, split per school, fan out."""
    return entry.handle_upload_batch(event)


@app.on_sqs_message(queue=settings().school_queue_name, batch_size=1, maximum_concurrency=10)
def on_school_sync(event: SQSEvent) -> dict[str, Any]:
    """One school's part of an import → plan, diff, apply."""
    return entry.handle_school_batch(event)
