"""The ``live-connections`` table: whose page each open socket is, and each person's open sockets.

One table, two kinds of item by ``key``:

* ``c#<connection id>`` — the connection's person (what ``$disconnect`` and a
  gone connection need to find the person's item);
* ``p#<person id>`` — the person's open connections, a string set changed only
  with ``ADD``/``DELETE`` (atomic: two pages connecting at once both stay).

A push reads the people it goes to with ``BatchGetItem`` (100 a request): a
fixed number of requests per hundred members, whatever their open pages. Every
item carries a TTL (``forget_at``): API Gateway closes a socket after two hours
at most, and DynamoDB forgets what a lost ``$disconnect`` left behind; a
connection that vanished before that is dropped when a post says it is gone.
No PynamoDB item leaves this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pynamodb.attributes import TTLAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from chalicelib.store.batch import batch_get
from chalicelib.store.tables import _Region, _TableName


class ConnectionItem(Model):
    """A connection's person, or a person's connections (see the module docstring)."""

    class Meta:
        table_name = _TableName("live-connections")
        region = _Region()

    key = UnicodeAttribute(hash_key=True)
    person_id = UnicodeAttribute(null=True)
    connection_ids = UnicodeSetAttribute(null=True)
    forget_at = TTLAttribute(null=True)


def _connection_key(connection_id: str) -> str:
    return f"c#{connection_id}"


def _person_key(person_id: str) -> str:
    return f"p#{person_id}"


class DynamoConnectionStore:
    """:class:`~chalicelib.live.connections.ConnectionStore` on the ``live-connections`` table."""

    def connected(self, connection_id: str, person_id: str, expires_at: datetime) -> None:
        """Two writes: the connection's item, and the connection added to the person's set."""
        ConnectionItem(_connection_key(connection_id), person_id=person_id, forget_at=expires_at).save()
        ConnectionItem(_person_key(person_id)).update(
            actions=[
                ConnectionItem.connection_ids.add({connection_id}),
                ConnectionItem.forget_at.set(expires_at),
            ]
        )

    def person_of(self, connection_id: str, now: datetime) -> str | None:
        """One consistent read of the connection's item."""
        try:
            item = ConnectionItem.get(_connection_key(connection_id), consistent_read=True)
        except DoesNotExist:
            return None
        if item.forget_at is not None and item.forget_at <= now:
            return None
        return item.person_id

    def connections_of(self, person_ids: Iterable[str], now: datetime) -> dict[str, set[str]]:
        """One ``BatchGetItem`` per hundred people."""
        keys = [{"key": _person_key(person_id)} for person_id in dict.fromkeys(person_ids)]
        if not keys:
            return {}
        found: dict[str, set[str]] = {}
        for item in batch_get({ConnectionItem: keys})[ConnectionItem]:
            if item.forget_at is not None and item.forget_at <= now:
                continue  # past its TTL, not yet deleted by DynamoDB
            if item.connection_ids:
                found[item.key.removeprefix("p#")] = set(item.connection_ids)
        return found

    def forget(self, connection_id: str) -> None:
        """Read the connection's person, delete the connection's item, take it out of the person's set."""
        try:
            item = ConnectionItem.get(_connection_key(connection_id), consistent_read=True)
        except DoesNotExist:
            return
        item.delete()
        if item.person_id is not None:
            ConnectionItem(_person_key(item.person_id)).update(
                actions=[ConnectionItem.connection_ids.delete({connection_id})]
            )
