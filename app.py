"""The Chalice application: wiring only.

Routes live in ``chalicelib/api``, queue handlers in ``chalicelib/pipeline``;
both get the services built once here (``chalicelib/bootstrap.py``). Tests
call :func:`create_app` with their own services.
"""

from __future__ import annotations

from typing import Any

from chalice import Chalice, Rate
from chalice.app import CloudWatchEvent, SQSEvent, WebsocketEvent

from chalicelib.api import (
    attachments,
    backoffice,
    calls,
    chats,
    hosted,
    hosted_attachments,
    hosted_calls,
    hosted_manage,
    hosted_new_chat,
    imports,
    link,
    live,
    live_tickets,
    qr,
    safety,
    schools,
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
        hosted_manage.api,
        hosted_new_chat.api,
        safety.api,
        schools.api,
        attachments.api,
        hosted_attachments.api,
        live_tickets.api,
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

    @app.on_sqs_message(queue=settings().fanout_queue_name, batch_size=10, maximum_concurrency=20)
    def on_message_sent(event: SQSEvent) -> dict[str, Any]:
        """Behind a send: move the chat up in its members' lists, push the message to open pages."""
        return entry.handle_fanout_batch(services, event)

    @app.schedule(Rate(1, unit=Rate.DAYS))
    def retention_sweep(event: CloudWatchEvent) -> dict[str, int]:
        """Daily: pseudonymise people gone from every roster, empty long-archived chats (SPEC §11)."""
        done = retention.sweep(services, services.clock.now())
        return {
            "pseudonymised": done.pseudonymised,
            "chats_purged": done.chats_purged,
            "messages_deleted": done.messages_deleted,
        }

    # Live delivery (SPEC §10): API Gateway WebSocket routes; the local stack runs them in devstack/live.py.
    app.experimental_feature_flags.update(["WEBSOCKETS"])

    @app.on_ws_connect()
    def websocket_connect(event: WebsocketEvent) -> dict[str, Any]:
        """A page opens its socket (``$connect``)."""
        return live.on_connect(services, settings(), event.to_dict())

    @app.on_ws_message()
    def websocket_message(event: WebsocketEvent) -> dict[str, Any]:
        """A frame from a page (``$default``): authenticate, ping."""
        return live.on_message(services, settings(), event.to_dict())

    @app.on_ws_disconnect()
    def websocket_disconnect(event: WebsocketEvent) -> dict[str, Any]:
        """A page's socket closed (``$disconnect``)."""
        return live.on_disconnect(services, settings(), event.to_dict())

    return app


app = create_app(build_services(settings()))
# Lambda finds the queue handlers by these names (``app.on_roster_uploaded``, ``app.on_school_sync``, …).
on_roster_uploaded = app.handler_map["on_roster_uploaded"]
on_school_sync = app.handler_map["on_school_sync"]
on_message_sent = app.handler_map["on_message_sent"]
retention_sweep = app.handler_map["retention_sweep"]
websocket_connect = app.handler_map["websocket_connect"]
websocket_message = app.handler_map["websocket_message"]
websocket_disconnect = app.handler_map["websocket_disconnect"]
