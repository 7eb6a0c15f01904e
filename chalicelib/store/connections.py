"""The ``live-connections`` table: whose page each open socket is, and each person's open sockets.

One table, two kinds of item by ``key``:

* ``c#<connection id>`` — the connection's person (what ``$disconnect`` and a
  gone connection need to find the person's item);
* ``p#<person id>`` — the person's open connections, a string set of
  ``<connection id>@<expiry, epoch seconds>`` changed only with ``ADD``/``DELETE``
  (atomic: two pages connecting at once both stay), so a push sees each
  connection's own expiry without another read;
* ``s#<session hash>`` — the connections opened with one hosted page session
  (logging out closes them);
* ``t#<ticket hash>`` — an unused socket ticket (SPEC §10 on AWS, where the
  session cookie does not reach the socket's domain): its person, session and
  sign-in expiry; deleted by the conditional delete that uses it.

A push reads the people it goes to with ``BatchGetItem`` (100 a request): a
fixed number of requests per hundred members, whatever their open pages. Every
item carries a TTL (``forget_at``): API Gateway closes a socket after two hours
at most, and DynamoDB forgets what a lost ``$disconnect`` left behind; a
connection that vanished before that is dropped when a post says it is gone.
No PynamoDB item leaves this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from pynamodb.attributes import TTLAttribute, UnicodeAttribute, UnicodeSetAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, DoesNotExist
from pynamodb.models import Model

from chalicelib.live.connections import TicketGrant, unexpired
from chalicelib.store.batch import batch_get
from chalicelib.store.conditions import is_condition_failure
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
    session_hash = UnicodeAttribute(null=True)
    auth_until = UTCDateTimeAttribute(null=True)


# A set's TTL is only garbage collection (each entry carries its own expiry): it outlives any entry
# added before it (a connection lives a day at most), whatever order their expiries come in.
_SET_MARGIN = timedelta(days=1)


def _connection_key(connection_id: str) -> str:
    return f"c#{connection_id}"


def _person_key(person_id: str) -> str:
    return f"p#{person_id}"


def _session_key(session_hash: str) -> str:
    return f"s#{session_hash}"


def _ticket_key(ticket_hash: str) -> str:
    return f"t#{ticket_hash}"


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _entry(connection_id: str, expires_at: datetime) -> str:
    """A connection in its person's set: its id and its own expiry."""
    return f"{connection_id}@{_epoch(expires_at)}"


def _parse_entry(entry: str, fallback: datetime | None) -> tuple[str, datetime]:
    """(connection id, expiry) of a set entry; one written without an expiry has its item's."""
    connection_id, at, epoch = entry.rpartition("@")
    if at and epoch.isdigit():
        return connection_id, datetime.fromtimestamp(int(epoch), UTC)
    return entry, fallback or datetime.max.replace(tzinfo=UTC)


class DynamoConnectionStore:
    """:class:`~chalicelib.live.connections.ConnectionStore` on the ``live-connections`` table."""

    def connected(
        self, connection_id: str, person_id: str, expires_at: datetime, session_hash: str | None = None
    ) -> None:
        """Two writes (three with a session): the connection's item, its entry in the person's set."""
        ConnectionItem(
            _connection_key(connection_id),
            person_id=person_id,
            forget_at=expires_at,
            session_hash=session_hash,
        ).save()
        ConnectionItem(_person_key(person_id)).update(
            actions=[
                ConnectionItem.connection_ids.add({_entry(connection_id, expires_at)}),
                ConnectionItem.forget_at.set(expires_at + _SET_MARGIN),
            ]
        )
        if session_hash is not None:
            ConnectionItem(_session_key(session_hash)).update(
                actions=[
                    ConnectionItem.connection_ids.add({connection_id}),
                    ConnectionItem.forget_at.set(expires_at + _SET_MARGIN),
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

    def sockets_of(self, person_ids: Iterable[str]) -> dict[str, dict[str, datetime]]:
        """One ``BatchGetItem`` per hundred people."""
        keys = [{"key": _person_key(person_id)} for person_id in dict.fromkeys(person_ids)]
        if not keys:
            return {}
        found: dict[str, dict[str, datetime]] = {}
        for item in batch_get({ConnectionItem: keys})[ConnectionItem]:
            if item.connection_ids:
                found[item.key.removeprefix("p#")] = dict(
                    _parse_entry(entry, item.forget_at) for entry in item.connection_ids
                )
        return found

    def connections_of(self, person_ids: Iterable[str], now: datetime) -> dict[str, set[str]]:
        """One ``BatchGetItem`` per hundred people; lapsed connections left out."""
        return unexpired(self.sockets_of(person_ids), now)

    def of_session(self, session_hash: str) -> set[str]:
        """One consistent read of the session's item."""
        try:
            item = ConnectionItem.get(_session_key(session_hash), consistent_read=True)
        except DoesNotExist:
            return set()
        return set(item.connection_ids or ())

    def forget(self, connection_id: str) -> None:
        """Read the connection's item, delete it, take it out of its person's (and session's) set."""
        try:
            item = ConnectionItem.get(_connection_key(connection_id), consistent_read=True)
        except DoesNotExist:
            return
        item.delete()
        if item.person_id is not None:
            entries = {connection_id}
            if item.forget_at is not None:
                entries.add(_entry(connection_id, item.forget_at))
            ConnectionItem(_person_key(item.person_id)).update(
                actions=[ConnectionItem.connection_ids.delete(entries)]
            )
        if item.session_hash is not None:
            ConnectionItem(_session_key(item.session_hash)).update(
                actions=[ConnectionItem.connection_ids.delete({connection_id})]
            )

    def add_ticket(self, ticket_hash: str, grant: TicketGrant) -> None:
        """One write; DynamoDB's TTL removes it once expired (checked on use, too)."""
        ConnectionItem(
            _ticket_key(ticket_hash),
            person_id=grant.person_id,
            session_hash=grant.session_hash,
            auth_until=grant.auth_until,
            forget_at=grant.expires_at,
        ).save()

    def take_ticket(self, ticket_hash: str, now: datetime) -> TicketGrant | None:
        """A consistent read, then a conditional delete: of two uses at once, one gets the grant."""
        try:
            item = ConnectionItem.get(_ticket_key(ticket_hash), consistent_read=True)
        except DoesNotExist:
            return None
        try:
            item.delete(condition=ConnectionItem.key.exists())
        except DeleteError as error:
            if is_condition_failure(error):
                return None  # taken by another connect
            raise
        if item.person_id is None or item.auth_until is None or item.forget_at is None:
            return None
        if item.forget_at <= now:
            return None
        return TicketGrant(item.person_id, item.session_hash, item.auth_until, item.forget_at)
