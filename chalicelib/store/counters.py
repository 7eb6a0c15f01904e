"""DynamoDB adapter of the throttling counters port (``identity.stores.CounterStore``).

Every write of a loaded record is conditional on its ``version``
(``VersionAttribute``); the global SMS budget is one conditional ``ADD`` per
window. Records carry a TTL: DynamoDB's deletion is lazy, so
``identity.throttle`` checks every window itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError

from chalicelib.identity.stores import Counter
from chalicelib.store.conditions import is_condition_failure, write_transaction
from chalicelib.store.identity import CounterItem


def _counter_of(item: CounterItem) -> Counter:
    return Counter(
        key=item.key,
        times=tuple(float(t) for t in item.times or []),
        failures=int(item.failures or 0),
        last_at=item.last_at,
        spent=int(item.spent or 0),
        version=item.version,
    )


def _item_of(counter: Counter, forget_at: datetime) -> CounterItem:
    item = CounterItem(
        key=counter.key,
        times=[int(t) if float(t).is_integer() else t for t in counter.times],
        failures=counter.failures,
        last_at=counter.last_at,
        spent=counter.spent or None,
        forget_at=forget_at,
    )
    if counter.version is not None:  # a record not stored yet has none: its write requires that
        item.version = counter.version
    return item


class DynamoCounterStore:
    """Throttling records in the ``identity-counters`` table."""

    def load(self, key: str) -> Counter:
        """The record (strongly consistent ``GetItem``), or an empty one."""
        try:
            return _counter_of(CounterItem.get(key, consistent_read=True))
        except DoesNotExist:
            return Counter(key)

    def save_all(self, counters: Sequence[tuple[Counter, datetime]]) -> bool:
        """One ``TransactWriteItems``, each put conditional on the version read; False if it is cancelled."""
        try:
            with write_transaction() as transaction:
                for counter, forget_at in counters:
                    transaction.save(_item_of(counter, forget_at))
        except TransactWriteError:
            return False
        return True

    def save(self, counter: Counter, forget_at: datetime) -> bool:
        """One ``PutItem`` conditional on the version read; False when it failed."""
        try:
            _item_of(counter, forget_at).save()
        except PutError:
            return False
        return True

    def add_spent(self, key: str, limit: int, forget_at: datetime) -> bool:
        """One conditional ``ADD spent 1`` (while under ``limit``); False when the budget is used up."""
        try:
            CounterItem(key).update(
                actions=[CounterItem.spent.add(1), CounterItem.forget_at.set(forget_at)],
                condition=CounterItem.spent.does_not_exist() | (CounterItem.spent < limit),
                add_version_condition=False,
            )
        except UpdateError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        """One unconditional ``DeleteItem``."""
        CounterItem(key).delete(add_version_condition=False)
