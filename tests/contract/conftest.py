"""The chats ports, twice: the in-memory twin and the DynamoDB adapters (on the emulator).

Every test in ``tests/contract`` runs against both; a behaviour the twin gets
wrong fails here, not in a use-case test that trusted it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib.chats.directory import ChatDirectory
from chalicelib.fanout.port import ChatLists
from chalicelib.messenger.port import Messenger


@dataclass
class ChatPorts:
    """One implementation of the chats ports, and how a test arranges what other parts write."""

    messenger: Messenger
    directory: ChatDirectory
    link: Any  # link(person_id): the identity side's write
    lists: ChatLists  # what the fan-out behind a send moves

    @property
    def name(self) -> str:
        return type(self.messenger).__name__


@pytest.fixture(params=["memory", "dynamodb"])
def ports(request: pytest.FixtureRequest) -> ChatPorts:
    """The twin, then the DynamoDB adapters (fresh tables per test)."""
    if request.param == "memory":
        from chalicelib.memory.chats import InMemoryChats

        twin = InMemoryChats()
        return ChatPorts(twin, twin, twin.link, twin)
    request.getfixturevalue("aws")
    from chalicelib.store.directory import DynamoDBChatDirectory
    from chalicelib.store.fanout import DynamoChatLists
    from chalicelib.store.messenger import BuiltinMessenger
    from tests.support import link_person

    return ChatPorts(BuiltinMessenger(), DynamoDBChatDirectory(), link_person, DynamoChatLists())
