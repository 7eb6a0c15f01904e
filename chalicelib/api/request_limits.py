"""How large a request may be: the same limits for the Lambda and the local stack's server.

API Gateway (REST) refuses a request whose request line and headers together
exceed 10,240 bytes before any gateway response or Lambda runs; within that,
these limits make an over-long URI a 414 and an over-large header block a 431
problem (``chalicelib.errors``), on AWS (checked in ``api.http.http_middleware``)
as in the local stack (``devstack.gateway``, which also applies them to what
API Gateway would have refused itself).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from chalicelib.errors import HeadersTooLarge, ServiceError, UriTooLong

MAX_REQUEST_LINE_BYTES = 8 * 1024
"""The longest request line (method, URI, version) served; a longer one is 414."""
MAX_HEADER_BYTES = 8 * 1024
"""The most header bytes (each ``name: value`` plus CRLF) served; more is 431."""


def header_bytes(headers: Iterable[tuple[str, str]]) -> int:
    """The size of a header block as it travels: ``name: value\\r\\n`` per header."""
    return sum(len(name.encode()) + len(value.encode()) + 4 for name, value in headers)


def uri_bytes(path: str, query: Mapping[str, str | list[str]] | None) -> int:
    """The size of a request's URI from its decoded parts (at most its encoded size)."""
    size = len(path.encode())
    for name, values in (query or {}).items():
        for value in values if isinstance(values, list) else [values]:
            size += len(name.encode()) + len(value.encode()) + 2
    return size


def oversize_error(uri_size: int, headers_size: int) -> ServiceError | None:
    """The problem for a request over the limits (414 first, as a server reading the line first would)."""
    if uri_size > MAX_REQUEST_LINE_BYTES:
        return UriTooLong("The request URI is too long.")
    if headers_size > MAX_HEADER_BYTES:
        return HeadersTooLarge("The request headers are too large.")
    return None
