"""The Chalice application: wiring only.

Routes live in ``chalicelib/api``, queue handlers in ``chalicelib/pipeline``.
"""

from __future__ import annotations

from typing import Any

from chalice import Chalice, Rate
from chalice.app import CloudWatchEvent, SQSEvent

from chalicelib.api import backoffice, chats, hosted, imports, link, qr, safety
from chalicelib.api.http import http_middleware
from chalicelib.bootstrap import services
from chalicelib.config import settings
from chalicelib.pipeline import entry
from chalicelib.safety import retention

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


@app.schedule(Rate(1, unit=Rate.DAYS))
def retention_sweep(event: CloudWatchEvent) -> dict[str, int]:
    """Daily: pseudonymise people gone from every roster, empty long-archived chats (SPEC §11)."""
    done = retention.sweep(services().clock.now())
    return {
        "pseudonymised": done.pseudonymised,
        "chats_purged": done.chats_purged,
        "messages_deleted": done.messages_deleted,
    }
