"""The Chalice application: wiring only.

Routes live in ``chalicelib/api``, queue handlers in ``chalicelib/pipeline``;
both get the services built once here (``chalicelib/bootstrap.py``). Tests
call :func:`create_app` with their own services.
"""

from __future__ import annotations

from typing import Any

from chalice import Chalice, Rate
from chalice.app import CloudWatchEvent, SQSEvent

from chalicelib.api import (
    attachments,
    backoffice,
    calls,
    chats,
    hosted,
    hosted_attachments,
    hosted_calls,
    imports,
    link,
    qr,
    safety,
)
from chalicelib.api.http import http_middleware
from chalicelib.bootstrap import Services, build_services
from chalicelib.config import settings
from chalicelib.pipeline import entry
from chalicelib.safety import retention


def create_app(services: Services) -> Chalice:
    """The application: every route and queue handler, on ``services``."""
    app = Chalice(app_name="school-chats")
    app.register_middleware(http_middleware, "http")
    routes = (
        imports.api,
        backoffice.api,
        link.api,
        chats.api,
        calls.api,
        qr.api,
        hosted.api,
        hosted_calls.api,
        safety.api,
        attachments.api,
        hosted_attachments.api,
    )
    for api in routes:
        api.register(app, services)

    @app.on_sqs_message(queue=settings().upload_queue_name, batch_size=5, maximum_concurrency=2)
    def on_roster_uploaded(event: SQSEvent) -> dict[str, Any]:
        """S3 ``ObjectCreated`` under ``rosters/`` → read, split per school, fan out."""
        return entry.handle_upload_batch(services, event)

    @app.on_sqs_message(queue=settings().school_queue_name, batch_size=1, maximum_concurrency=10)
    def on_school_sync(event: SQSEvent) -> dict[str, Any]:
        """One school's part of an import → plan, diff, apply."""
        return entry.handle_school_batch(services, event)

    @app.schedule(Rate(1, unit=Rate.DAYS))
    def retention_sweep(event: CloudWatchEvent) -> dict[str, int]:
        """Daily: pseudonymise people gone from every roster, empty long-archived chats (SPEC §11)."""
        done = retention.sweep(services, services.clock.now())
        return {
            "pseudonymised": done.pseudonymised,
            "chats_purged": done.chats_purged,
            "messages_deleted": done.messages_deleted,
        }

    return app


app = create_app(build_services(settings()))
# Lambda finds the queue handlers by these names (``app.on_roster_uploaded``, ``app.on_school_sync``).
on_roster_uploaded = app.handler_map["on_roster_uploaded"]
on_school_sync = app.handler_map["on_school_sync"]
retention_sweep = app.handler_map["retention_sweep"]
