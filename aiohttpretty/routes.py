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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from re import Pattern
from typing import TYPE_CHECKING, Any, Union

from yarl import URL

from .errors import ResponsesExhausted

if TYPE_CHECKING:
    from .matchers import Condition
    from .records import Call, CallList
    from .responses import Reply

__all__ = ["Registry", "RegistryView", "Route", "normalise_url", "url_matches"]

URI = Union[str, URL]
#: ``(scheme, host, port, path)`` of a normalised URL.
Location = tuple[str, str, Union[int, None], str]
QueryKey = frozenset[tuple[str, str]]
RouteKey = tuple[str, Location, QueryKey]

#: An HTTP token (RFC 9110): what a method and a header name are made of.
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_SCHEMES = ("http", "https", "ws", "wss")


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


_NO_QUERY: QueryKey = frozenset()


def query_key(url: URL) -> QueryKey:
    """The query of ``url`` as the original aiohttpretty compared it."""
    if not url.raw_query_string:
        return _NO_QUERY
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

    def __init__(
        self,
        method: str,
        url: URL | Pattern[str],
        replies: list[Reply],
        *,
        repeat: bool = True,
        conditions: Sequence[Condition] = (),
        partial_query: bool = False,
        callback: Callable[..., Any] | None = None,
        times: int | None = None,
    ) -> None:
        from .records import CallList

        self.method = method
        #: The registered URL (``params`` merged into its query), or a compiled pattern.
        self.url = url
        self._replies = replies
        self._repeat = repeat
        self.conditions = tuple(conditions)
        self.partial_query = partial_query
        #: A function computing the response at request time, or ``None``.
        self.callback = callback
        #: How many requests the route answers before it stops matching (``None``: no limit).
        self.times = times
        self.key: RouteKey | None = None
        if isinstance(url, URL):
            self.key = (method, location(url), query_key(url))
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

    @property
    def plain(self) -> bool:
        """Whether the route has an exact URL and no conditions: registering the
        same method and URL again replaces it."""
        return self.key is not None and not self.partial_query and not self.conditions

    def next_reply(self) -> Reply:
        """The reply to the next request; a ``responses`` list is used up in order."""
        if self._repeat:
            return self._replies[0]
        if not self._replies:
            raise ResponsesExhausted(
                f"{self.method} {self.url}: all responses registered for this route "
                f"were used up after {self.call_count} request(s); add more entries to "
                f"responses=[...] or register the route again."
            )
        return self._replies.pop(0)

    def _record(self, call: Call) -> None:
        self.calls.append(call)

    def _accepts(self, call: Call) -> bool:
        """Whether the route answers ``call``, its URL being known to fit."""
        if self.times is not None and self.call_count >= self.times:
            return False
        for condition in self.conditions:
            if condition(call) is not None:
                return False
        return True

    def _url_fits(self, url: URL) -> bool:
        if isinstance(self.url, URL):
            if location(self.url) != location(url):
                return False
            if self.partial_query:
                return query_key(self.url) <= query_key(url)
            return query_key(self.url) == query_key(url)
        return self.url.match(str(url)) is not None

    def differences(self, call: Call) -> list[str]:
        """Why this route does not answer ``call``; empty when it does."""
        method, url = call.method, call.url
        diffs = []
        if method != self.method:
            diffs.append(f"method {self.method} != {method}")
        if isinstance(self.url, URL):
            diffs.extend(self._url_differences(url))
        elif self.url.match(str(url)) is None:
            diffs.append(f"url does not match the pattern {self.url.pattern!r}")
        if self.times is not None and self.call_count >= self.times:
            diffs.append(f"times: already answered {self.call_count} of {self.times} request(s)")
        for condition in self.conditions:
            reason = condition(call)
            if reason is not None:
                diffs.append(reason)
        return diffs

    def _url_differences(self, url: URL) -> list[str]:
        assert isinstance(self.url, URL)
        diffs = []
        mine, theirs = location(self.url), location(url)
        if mine[:3] != theirs[:3]:
            diffs.append(f"origin {self.url.origin()} != {url.origin()}")
        if mine[3] != theirs[3]:
            diffs.append(f"path {mine[3]} != {theirs[3]}")
        expected, got = query_key(self.url), query_key(url)
        missing, unexpected = expected - got, set() if self.partial_query else got - expected
        if missing or unexpected:
            parts = []
            if missing:
                parts.append(f"missing {_format_pairs(missing)}")
            if unexpected:
                parts.append(f"unexpected {_format_pairs(unexpected)}")
            diffs.append("query " + "; ".join(parts))
        return diffs

    def describe(self) -> str:
        """``METHOD url`` and the route's conditions, for messages."""
        url = f"re {self.url.pattern!r}" if isinstance(self.url, Pattern) else str(self.url)
        extra = " (partial query)" if self.partial_query else ""
        return f"{self.method} {url}{extra}"

    def __repr__(self) -> str:
        return f"<Route {self.describe()} calls={self.call_count}>"


class Registry:
    """The registered routes of one mock.

    Exact routes are found by a hash lookup of ``(method, url, query)``; routes
    with ``match_params_partial`` by ``(method, url)``; pattern routes are tried
    last, in order.  Among routes found the same way, the first registered that
    matches wins.
    """

    def __init__(self) -> None:
        self._routes: list[Route] = []
        self._exact: dict[RouteKey, list[Route]] = {}
        self._partial: dict[tuple[str, Location], list[Route]] = {}
        self._patterns: list[Route] = []

    def add(self, route: Route) -> None:
        """Register ``route``; it replaces a plain route for the same method and URL."""
        if route.plain:
            assert route.key is not None
            for old in self._exact.get(route.key, ()):
                if old.plain:
                    self._remove(old)
                    break
        self._routes.append(route)
        if route.key is None:
            self._patterns.append(route)
        elif route.partial_query:
            self._partial.setdefault(route.key[:2], []).append(route)  # type: ignore[arg-type]
        else:
            self._exact.setdefault(route.key, []).append(route)

    def _remove(self, route: Route) -> None:
        self._routes.remove(route)
        assert route.key is not None
        self._exact[route.key].remove(route)

    def resolve(self, call: Call) -> Route | None:
        """The route that answers ``call``, or ``None``."""
        method, url = call.method, call.url
        place = location(url)
        for route in self._exact.get((method, place, query_key(url)), ()):
            if route._accepts(call):
                return route
        if self._partial:
            for route in self._partial.get((method, place), ()):
                if route._url_fits(url) and route._accepts(call):
                    return route
        for route in self._patterns:
            if route.method == method and route._url_fits(url) and route._accepts(call):
                return route
        return None

    def find(self, method: str, url: URL) -> Route | None:
        """The first route registered for exactly ``method url``, conditions aside."""
        key = (method, location(url), query_key(url))
        return next((route for route in self._routes if route.key == key), None)

    def clear(self) -> None:
        self._routes.clear()
        self._exact.clear()
        self._partial.clear()
        self._patterns.clear()

    def __iter__(self) -> Iterator[Route]:
        return iter(list(self._routes))

    def __len__(self) -> int:
        return len(self._routes)

    def explain(self, call: Call, limit: int = 3) -> str:
        """A message naming the request and the closest routes, with what differs."""
        head = f"No route matches {call.method} {call.url}."
        if not self._routes:
            return head + " No routes are registered: register one with register_uri()."
        target = str(call.url.with_query(None))

        def distance(item: tuple[Route, list[str]]) -> tuple[int, float]:
            route, diffs = item
            shown = route.url.pattern if isinstance(route.url, Pattern) else str(route.url.with_query(None))
            return (len(diffs), -difflib.SequenceMatcher(None, shown, target).ratio())

        candidates = sorted(((route, route.differences(call)) for route in self._routes), key=distance)
        lines = [head, "Closest registered routes:"]
        for route, diffs in candidates[:limit]:
            lines.append(f"  {route.describe()}: " + "; ".join(diffs))
        lines.append(
            "The query is compared as a set of key=value pairs; pairs with an empty value are ignored."
        )
        return "\n".join(lines)


class RegistryView(Mapping[tuple[str, Any], Route]):
    """A read-only view of a mock's routes, keyed by ``(METHOD, url)``.

    ``url`` is the registered URL as a string (or the compiled pattern of a
    pattern route).  Lookups normalise the key, so
    ``view['get', 'HTTP://Api.test:80/x']`` finds the route registered as
    ``('GET', 'http://api.test/x')``.  Where several routes share a key (they
    differ in their conditions) the key gives the first; :meth:`routes` lists
    them all.
    """

    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    def __getitem__(self, key: tuple[str, Any]) -> Route:
        try:
            method, uri = key
            method = normalise_method(method)
            if isinstance(uri, Pattern):
                route = next((r for r in self._registry if r.method == method and r.url == uri), None)
            else:
                route = self._registry.find(method, normalise_url(uri))
        except (TypeError, ValueError):
            route = None
        if route is None:
            raise KeyError(key)
        return route

    def _keys(self) -> dict[tuple[str, Any], None]:
        keys: dict[tuple[str, Any], None] = {}
        for route in self._registry:
            url = route.url if isinstance(route.url, Pattern) else str(route.url)
            keys[(route.method, url)] = None
        return keys

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def routes(self) -> tuple[Route, ...]:
        """Every registered route, in registration order."""
        return tuple(self._registry)

    def __repr__(self) -> str:
        return f"RegistryView({list(self._registry)!r})"
