"""Ending a sign-in ends its sockets (SPEC §10): a page signed out gets no more pushes."""

from __future__ import annotations

from collections.abc import Callable, Collection

from chalicelib.live.connections import ConnectionStore
from chalicelib.live.port import LiveDelivery
from chalicelib.observability import log_event


def close_session_sockets(connections: ConnectionStore | None, live: LiveDelivery, session_hash: str) -> None:
    """Close and forget every socket opened with the hosted page session; never fails the logout."""
    if connections is not None:
        _close(connections, live, lambda: connections.of_session(session_hash))


def close_person_sockets(connections: ConnectionStore | None, live: LiveDelivery, person_id: str) -> None:
    """Close and forget every socket of the person (their link ended); never fails the unlinking."""
    if connections is not None:
        _close(connections, live, lambda: set(connections.sockets_of([person_id]).get(person_id, {})))


def _close(connections: ConnectionStore, live: LiveDelivery, find: Callable[[], Collection[str]]) -> None:
    try:
        opened = find()
        if opened:
            live.close(sorted(opened))
            for connection_id in opened:  # with live delivery off, still nothing may reach them
                connections.forget(connection_id)
    except Exception as error:  # the sign-in is gone already; its sockets lapse at their expiry
        log_event("live_close_failed", error=repr(error))
