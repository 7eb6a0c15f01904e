"""Unlinking, or erasing one's account, ends the person's open sockets (SPEC §10: authenticated,
re-checked when membership changes).

A journal user who unlinks their profile is no longer a member of anything the
chats API shows them; their open pages must stop getting the chats' events too.
"""

from __future__ import annotations

import pytest
from websockets.exceptions import ConnectionClosed

from devstack.live import LiveServer
from tests.integration.chats.sockets import WAIT_S, journal_socket
from tests.integration.chats.world import World

pytestmark = pytest.mark.emulator


@pytest.mark.parametrize("ending", ["/v1/link", "/v1/me"])
def test_an_unlinked_or_erased_persons_open_sockets_are_closed_and_get_nothing_more(
    world: World, live: LiveServer, ending: str
) -> None:
    parent, teacher = journal_socket(live, "par-1"), journal_socket(live, "t-math")
    assert world.call("par-1", "DELETE", ending).status == 204
    world.send("t-class", "custom", "После отвязки")
    event = teacher.recv(timeout=WAIT_S)  # a member still linked gets it
    assert '"message.created"' in event
    with pytest.raises(ConnectionClosed):  # closed by the server, before anything of the chat reached it
        parent.recv(timeout=WAIT_S)
    teacher.close()
