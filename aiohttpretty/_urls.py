"""Methods, URLs and queries in their normal form; imports nothing of the package.

Both sides of every comparison go through these functions: a registered URL
and a requested one, an expected URL of an assertion and a recorded one.
:mod:`yarl` does the normalising (scheme and host case, default port,
percent-encoding); the query is compared as the original aiohttpretty did, as
the *set* of ``(key, value)`` pairs with empty values left out.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any, Union

from yarl import URL

__all__ = [
    "TOKEN",
    "URI",
    "Location",
    "QueryKey",
    "format_pairs",
    "location",
    "normalise_method",
    "normalise_url",
    "query_key",
    "query_pairs",
    "request_url",
    "to_url",
]

#: What a URI argument may be: a string, a :class:`yarl.URL`, or any object
#: whose ``str()`` is a URL (``furl``, for one).
URI = Union[str, URL, Any]
#: ``(scheme, host, port, path)`` of a normalised URL.
Location = tuple[str, str, Union[int, None], str]
QueryKey = frozenset[tuple[str, str]]

#: An HTTP token (RFC 9110): what a method and a header name are made of.
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_SCHEMES = ("http", "https", "ws", "wss")
_NO_QUERY: QueryKey = frozenset()


def normalise_method(method: object) -> str:
    """Return ``method`` upper-cased, or raise :class:`ValueError`."""
    if not isinstance(method, str) or not TOKEN.fullmatch(method):
        raise ValueError(
            f"invalid HTTP method {method!r}: a method is a non-empty token such as "
            "'GET', 'POST' or 'PROPFIND' (letters, digits and !#$%&'*+-.^_`|~)"
        )
    return method.upper()


def query_pairs(params: Any) -> list[tuple[str, str]]:
    """Turn ``params`` in any form aiohttp accepts into ``(key, value)`` pairs.

    A mapping or a sequence of pairs; a list or tuple value means a repeated key;
    ``None`` means an empty value, as in the original aiohttpretty.
    """
    if params is None:
        return []
    if isinstance(params, str):
        return [(k, v) for k, v in URL("?" + params.lstrip("?")).query.items()]
    if isinstance(params, Mapping):
        items: Iterable[Any] = params.items()
    elif isinstance(params, Iterable):
        items = params
    else:
        raise TypeError(
            f"params must be a mapping or a sequence of (key, value) pairs, "
            f"got {type(params).__name__}: {params!r}"
        )
    pairs: list[tuple[str, str]] = []
    for item in items:
        try:
            key, value = item
        except (TypeError, ValueError):
            raise TypeError(
                f"params must be a mapping or a sequence of (key, value) pairs; {item!r} is not a pair"
            ) from None
        values = value if isinstance(value, (list, tuple)) else [value]
        for one in values:
            pairs.append((str(key), _query_value(key, one)))
    return pairs


def _query_value(key: object, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        # aiohttp refuses bools in a query; the original passed them on as text.
        return str(value).lower()
    if isinstance(value, (str, int, float)):
        return str(value)
    raise TypeError(
        f"query parameter {key!r} has a value of type {type(value).__name__} "
        f"({value!r}); use str, int, float, None or a list of those"
    )


def to_url(uri: object, what: str = "uri") -> URL:
    """Parse ``uri`` into a requoted, absolute URL.

    ``uri`` is a ``str``, a :class:`yarl.URL`, or any other object whose
    ``str()`` is a URL (``furl`` objects, for example), as the original took.
    """
    if isinstance(uri, URL):
        text = str(uri)
    elif isinstance(uri, str):
        text = uri
    elif (
        isinstance(uri, (bytes, bytearray, int, float, bool, type(None), re.Pattern))
        or type(uri).__str__ is object.__str__
    ):
        raise TypeError(
            f"{what} must be a str or a yarl.URL (or an object whose str() is a URL), "
            f"got {type(uri).__name__}: {uri!r}"
        )
    else:
        text = str(uri)
    url = _parse(text)
    if not url.is_absolute() or url.scheme not in _SCHEMES:
        hint = f"; did you mean 'http://{text}'?" if not url.scheme else ""
        raise ValueError(
            f"{what} must be an absolute http(s) URL with a scheme and a host, got {text!r}{hint}"
        )
    return url


@functools.lru_cache(maxsize=1024)
def _parse(text: str) -> URL:
    return URL(text)


def normalise_url(uri: object, params: Any = None) -> URL:
    """Return ``uri`` with ``params`` added to its query, normalised by yarl."""
    url = to_url(uri)
    extra = query_pairs(params)
    if extra:
        url = url.with_query([*url.query.items(), *extra])
    return url.with_fragment(None)


def location(url: URL) -> Location:
    """The part of ``url`` that identifies a resource, without its query."""
    return (url.scheme, url.raw_host or "", url.port, url.raw_path or "/")


def query_key(url: URL) -> QueryKey:
    """The query of ``url`` as the original aiohttpretty compared it."""
    if not url.raw_query_string:
        return _NO_QUERY
    return frozenset((k, v) for k, v in url.query.items() if v != "")


def format_pairs(pairs: Iterable[tuple[str, str]], separator: str = ", ") -> str:
    """``key=value`` pairs in sorted order, for messages."""
    return separator.join(f"{k}={v}" for k, v in sorted(pairs))


@functools.lru_cache(maxsize=256)
def request_url(text: str) -> URL:
    """The URL of a request target (absolute, or the connection's origin and
    the target), in the same normal form as a registered URL: what a client
    sent percent-encoded (``%7E``) or raw (a space, from an ``encoded=True``
    URL) compares equal to the same URL registered either way.  Cached: a
    suite repeats its requests."""
    return URL(text)
