"""Pages of a DynamoDB Query for the API: ``limit`` items, and where the next page starts.

Every paginated read asks for ``limit + 1`` items: the extra one only says
whether more follow, so a list never ends with a cursor to an empty page. The
position handed back is a sort-key value of the last item shown (the API wraps
it in a cursor, ``api.http.page``); the store turns it back into an
``ExclusiveStartKey`` whose partition comes from the request, never from the
cursor.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from typing import TypeVar

Row = TypeVar("Row")


def one_page(
    rows: Iterable[Row], limit: int, position_of: Callable[[Row], str]
) -> tuple[list[Row], str | None]:
    """The first ``limit`` of ``rows`` (a Query for ``limit + 1``) and where the next page starts, if any."""
    fetched = list(itertools.islice(rows, limit + 1))
    shown = fetched[:limit]
    more = len(fetched) > limit and bool(shown)
    return shown, position_of(shown[-1]) if more else None
