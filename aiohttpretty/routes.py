"""Routes and matching: what a request must look like to be answered.

A request matches a route when the method is the same (compared
case-insensitively) and the URL is the same after normalisation with
:mod:`yarl`: scheme and host case, default port and percent-encoding do not
matter, the fragment is ignored.  The query is compared as the original
aiohttpretty did: as the *set* of ``(key, value)`` pairs, in any order,
duplicates collapsed, and pairs with an empty value ignored on both sides.

Exact routes live in a dict keyed by ``(method, url, query pairs)``, so the
cost of finding one does not grow with the number of registered routes.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Union

from yarl import URL

from .errors import ResponsesExhausted
from .responses import ResponseSpec

if TYPE_CHECKING:
    from .records import Call, CallList

__all__ = ["Registry", "RegistryView", "Route", "normalise_url", "url_matches"]

URI = Union[str, URL]
#: ``(scheme, host, port, path)`` of a normalised URL.
Location = tuple[str, str, Union[int, None], str]
QueryKey = frozenset[tuple[str, str]]
RouteKey = tuple[str, Location, QueryKey]

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_SCHEMES = ("http", "https", "ws", "wss")


def normalise_method(method: object) -> str:
    """Return ``method`` upper-cased, or raise :class:`ValueError`."""
    if not isinstance(method, str) or not _TOKEN.match(method):
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
    """Parse ``uri`` (a ``str`` or :class:`yarl.URL`) into a requoted, absolute URL."""
    if isinstance(uri, URL):
        url = URL(str(uri))
    elif isinstance(uri, str):
        url = URL(uri)
    else:
        raise TypeError(f"{what} must be a str or a yarl.URL, got {type(uri).__name__}: {uri!r}")
    if not url.is_absolute() or url.scheme not in _SCHEMES:
        hint = f"; did you mean 'http://{uri}'?" if not url.scheme else ""
        raise ValueError(
            f"{what} must be an absolute http(s) URL with a scheme and a host, got {str(uri)!r}{hint}"
        )
    return url


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
    return frozenset((k, v) for k, v in url.query.items() if v != "")


def url_matches(first: URL, second: URL, check_query: bool = True) -> bool:
    """Whether two normalised URLs are the same under the matching rule."""
    if location(first) != location(second):
        return False
    return not check_query or query_key(first) == query_key(second)


def _format_pairs(pairs: Iterable[tuple[str, str]]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(pairs))


class Route:
    """A registered request and the response(s) it gets.

    ``route.calls`` lists the requests it answered, ``route.call_count`` counts
    them.
    """

    def __init__(self, method: str, url: URL, responses: list[ResponseSpec], repeat: bool) -> None:
        from .records import CallList

        self.method = method
        #: The registered URL, with ``params`` merged into its query.
        self.url = url
        self._responses = responses
        self._repeat = repeat
        self.key: RouteKey = (method, location(url), query_key(url))
        #: The requests this route answered, in order.
        self.calls: CallList = CallList()

    @property
    def call_count(self) -> int:
        """How many requests this route answered."""
        return len(self.calls)

    @property
    def called(self) -> bool:
        """Whether this route answered at least one request."""
        return bool(self.calls)

    def next_response(self) -> ResponseSpec:
        """The response for the next request; a ``responses`` list is used up in order."""
        if self._repeat:
            return self._responses[0]
        if not self._responses:
            raise ResponsesExhausted(
                f"{self.method} {self.url}: all responses registered for this route "
                f"were used up after {self.call_count} request(s); add more entries to "
                f"responses=[...] or register the route again."
            )
        return self._responses.pop(0)

    def _record(self, call: Call) -> None:
        self.calls.append(call)

    def differences(self, method: str, url: URL) -> list[str]:
        """Why a request for ``method url`` does not match this route."""
        diffs = []
        if method != self.method:
            diffs.append(f"method {self.method} != {method}")
        mine, theirs = location(self.url), location(url)
        if mine[:3] != theirs[:3]:
            diffs.append(f"origin {self.url.origin()} != {url.origin()}")
        if mine[3] != theirs[3]:
            diffs.append(f"path {mine[3]} != {theirs[3]}")
        expected, got = query_key(self.url), query_key(url)
        if expected != got:
            parts = []
            if expected - got:
                parts.append(f"missing {_format_pairs(expected - got)}")
            if got - expected:
                parts.append(f"unexpected {_format_pairs(got - expected)}")
            diffs.append("query " + "; ".join(parts))
        return diffs

    def __repr__(self) -> str:
        return f"<Route {self.method} {self.url} calls={self.call_count}>"


class Registry:
    """The registered routes of one mock."""

    def __init__(self) -> None:
        self._exact: dict[RouteKey, Route] = {}

    def add(self, route: Route) -> None:
        """Register ``route``, replacing one for the same method and URL."""
        self._exact.pop(route.key, None)
        self._exact[route.key] = route

    def resolve(self, method: str, url: URL) -> Route | None:
        """The route that answers ``method url``, or ``None``."""
        return self._exact.get((method, location(url), query_key(url)))

    def clear(self) -> None:
        self._exact.clear()

    def __iter__(self) -> Iterator[Route]:
        return iter(list(self._exact.values()))

    def __len__(self) -> int:
        return len(self._exact)

    def explain(self, method: str, url: URL, limit: int = 3) -> str:
        """A message naming the request and the closest routes, with what differs."""
        head = f"No route matches {method} {url}."
        if not self._exact:
            return head + " No routes are registered: register one with register_uri()."
        target = str(url.with_query(None))

        def distance(route: Route) -> tuple[int, float]:
            diffs = route.differences(method, url)
            likeness = difflib.SequenceMatcher(None, str(route.url.with_query(None)), target).ratio()
            return (len(diffs), -likeness)

        closest = sorted(self._exact.values(), key=distance)[:limit]
        lines = [head, "Closest registered routes:"]
        for route in closest:
            lines.append(f"  {route.method} {route.url}: " + "; ".join(route.differences(method, url)))
        lines.append(
            "The query is compared as a set of key=value pairs; pairs with an empty value are ignored."
        )
        return "\n".join(lines)


class RegistryView(Mapping[tuple[str, str], Route]):
    """A read-only view of a mock's routes, keyed by ``(METHOD, url)``.

    Lookups normalise the key, so ``view['get', 'HTTP://Api.test:80/x']`` finds
    the route registered as ``('GET', 'http://api.test/x')``.
    """

    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    def __getitem__(self, key: tuple[str, URI]) -> Route:
        try:
            method, uri = key
            url = normalise_url(uri)
            route = self._registry.resolve(normalise_method(method), url)
        except (TypeError, ValueError):
            route = None
        if route is None:
            raise KeyError(key)
        return route

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return ((route.method, str(route.url)) for route in self._registry)

    def __len__(self) -> int:
        return len(self._registry)

    def __repr__(self) -> str:
        return f"RegistryView({list(self._registry)!r})"
