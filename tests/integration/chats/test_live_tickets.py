"""Socket tickets and revocation (SPEC §10) through a real websocket client on the local socket server.

On AWS the hosted page's cookie never reaches the socket (API Gateway's own
domain): the page gets a one-use ticket from its own origin and opens
``?ticket=``. Every refused ticket refuses the handshake and stores nothing.
A socket lives no longer than the sign-in it was opened with: logging out
closes it, and a push closes one whose session has lapsed.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import quote

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from chalicelib.clock import MovableClock
from devstack.live import LiveServer
from tests.integration.chats.phone import ORIGIN, Phone
from tests.integration.chats.sockets import WAIT_S, ask, frame
from tests.integration.chats.world import OPERATOR, World
from tests.support import auth_headers

pytestmark = pytest.mark.emulator

PEOPLE = ["par-1", "par-2", "t-class", "stu-1", "stu-3"]


def _signed_in_phone(api: Any, person_id: str) -> Phone:
    phone = Phone(api)
    phone.scan(person_id)
    return phone


def _ticket(phone: Phone) -> str:
    answer = phone.post_json("/m/live/ticket", {}, csrf=None)
    assert answer.status == 201, answer.html
    assert answer.headers.get("Cache-Control") == "no-store"
    ticket: str = json.loads(answer.html)["ticket"]
    return ticket


def _socket_with(server: LiveServer, ticket: str, **options: Any) -> ClientConnection:
    """A socket opened as on AWS: no cookie reaches it, only the ticket in the URL."""
    return connect(f"{server.url}?ticket={quote(ticket, safe='')}", **options)


def _refused(server: LiveServer, ticket: str, **options: Any) -> None:
    with pytest.raises(InvalidStatus) as refused:
        _socket_with(server, ticket, **options)
    assert refused.value.response.status_code == 401


def _nothing_stored(services: Any) -> None:
    assert services.connections.connections_of(PEOPLE, services.clock.now()) == {}


def test_the_hosted_page_signs_its_socket_in_with_a_ticket(api: Any, world: World, live: LiveServer) -> None:
    phone = _signed_in_phone(api, "par-1")
    socket = _socket_with(live, _ticket(phone))
    assert ask(socket, {"action": "auth"}) == {"type": "ready"}
    world.send("t-class", "parents", "Собрание в четверг")
    event = frame(socket)
    assert (event["type"], event["chat_id"]) == ("message.created", world.chats["parents"])
    socket.close()


def test_a_journal_gets_a_ticket_with_its_token(world: World, live: LiveServer) -> None:
    answer = world.call("t-class", "POST", "/v1/live/ticket")
    assert answer.status == 201
    socket = _socket_with(live, answer.body["ticket"])
    assert ask(socket, {"action": "auth"}) == {"type": "ready"}
    world.send("stu-1", "class", "Вопрос по задаче")
    assert frame(socket)["type"] == "message.created"
    socket.close()


def test_a_used_ticket_is_refused_the_second_time(
    api: Any, world: World, live: LiveServer, services: Any
) -> None:
    ticket = _ticket(_signed_in_phone(api, "par-1"))
    first = _socket_with(live, ticket)
    _refused(live, ticket)
    open_now = services.connections.connections_of(PEOPLE, services.clock.now())
    assert list(open_now) == ["par-1"] and len(open_now["par-1"]) == 1  # the first socket only
    first.close()


def test_an_expired_ticket_is_refused(
    api: Any, world: World, live: LiveServer, services: Any, clock: MovableClock
) -> None:
    ticket = _ticket(_signed_in_phone(api, "par-1"))
    clock.advance(seconds=61)
    _refused(live, ticket)
    _nothing_stored(services)


@pytest.mark.parametrize(
    "forged",
    [
        "Qd-OUIV-xCX4iXjpIUFcH8gJLi0AUIQjB_cVd448sa8",  # the right shape, never issued
        "x",
        "",
        "a" * 5000,
        "../../etc/passwd",
        "' OR 1=1 --",
    ],
)
def test_a_forged_ticket_is_refused(world: World, live: LiveServer, services: Any, forged: str) -> None:
    _refused(live, forged)
    _nothing_stored(services)


def test_a_ticket_of_another_person_is_refused(
    api: Any, world: World, live: LiveServer, services: Any
) -> None:
    stolen = _ticket(_signed_in_phone(api, "par-1"))
    thief = _signed_in_phone(api, "t-class")
    cookie = "; ".join(f"{k}={v}" for k, v in thief.cookies.items())
    _refused(live, stolen, origin=ORIGIN, additional_headers={"Cookie": cookie})
    _nothing_stored(services)


def test_a_ticket_of_a_session_that_logged_out_is_refused(
    api: Any, world: World, live: LiveServer, services: Any
) -> None:
    phone = _signed_in_phone(api, "par-1")
    ticket = _ticket(phone)
    assert phone.post_form("/m/logout", {"csrf": phone.open("/m/chats").field("csrf")}).status == 303
    _refused(live, ticket)
    _nothing_stored(services)


def test_tickets_are_only_for_signed_in_people_from_this_site(api: Any, world: World) -> None:
    assert Phone(api).post_json("/m/live/ticket", {}, csrf=None).status == 401  # no session
    phone = _signed_in_phone(api, "par-1")
    assert phone.post_json("/m/live/ticket", {}, csrf=None, origin="https://evil.example").status == 403
    assert world.call("stu-3", "POST", "/v1/live/ticket").status == 409  # never linked
    assert world.call(OPERATOR, "POST", "/v1/live/ticket").status == 403
    assert api.http.post("/v1/live/ticket", headers={"Content-Type": "application/json"}).status_code == 401
    forged = {**auth_headers("t-class"), "Authorization": "Bearer not-a-jwt"}
    assert api.http.post("/v1/live/ticket", headers=forged).status_code == 401


def test_a_ticket_is_stored_hashed_and_never_logged(
    api: Any, world: World, live: LiveServer, services: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ticket = _ticket(_signed_in_phone(api, "par-1"))
    _refused(live, ticket + "x")  # a refusal is logged: without the ticket
    socket = _socket_with(live, ticket)
    socket.close()
    service_side = [
        record for record in caplog.records if record.name != "websockets.client"
    ]  # the browser's own
    leaks = [record.name for record in service_side if ticket in record.getMessage()]
    assert leaks == []
    from chalicelib.store.connections import ConnectionItem

    stored = " ".join(repr(item.attribute_values) for item in ConnectionItem.scan())
    assert ticket not in stored


# --- revocation --------------------------------------------------------------------------


def _closed(socket: ClientConnection) -> bool:
    try:
        socket.recv(timeout=WAIT_S)
    except ConnectionClosed:
        return True
    except TimeoutError:
        return False
    return False


def test_after_logout_the_old_socket_gets_nothing_and_is_closed(
    api: Any, world: World, live: LiveServer, services: Any
) -> None:
    phone = _signed_in_phone(api, "par-1")
    socket = _socket_with(live, _ticket(phone))
    assert ask(socket, {"action": "auth"}) == {"type": "ready"}
    assert phone.post_form("/m/logout", {"csrf": phone.open("/m/chats").field("csrf")}).status == 303
    world.send("t-class", "parents", "Только для вошедших")
    assert _closed(socket)  # closed by the logout: the message never came
    assert services.connections.connections_of(["par-1"], services.clock.now()) == {}


def test_a_cookie_socket_is_closed_at_logout_too(
    api: Any, world: World, live: LiveServer, services: Any
) -> None:
    phone = _signed_in_phone(api, "par-1")
    cookie = "; ".join(f"{k}={v}" for k, v in phone.cookies.items())
    socket = connect(live.url, origin=ORIGIN, additional_headers={"Cookie": cookie})
    assert ask(socket, {"action": "auth"}) == {"type": "ready"}
    assert phone.post_form("/m/logout", {"csrf": phone.open("/m/chats").field("csrf")}).status == 303
    world.send("t-class", "parents", "Только для вошедших")
    assert _closed(socket)
    _nothing_stored(services)


def test_a_socket_does_not_outlive_its_session(
    api: Any, world: World, live: LiveServer, services: Any, clock: MovableClock
) -> None:
    phone = _signed_in_phone(api, "par-1")
    socket = _socket_with(live, _ticket(phone))
    assert ask(socket, {"action": "auth"}) == {"type": "ready"}
    clock.advance(hours=12, seconds=1)  # past the session's end (WEB_SESSION_TTL_S) before the socket's 2 h
    world.send("t-class", "parents", "Поздно")
    assert _closed(socket)  # the push closed it instead of sending
    assert services.connections.sockets_of(["par-1"]) == {}
