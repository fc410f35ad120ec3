"""Routes and the registry: which registered route answers a request, and
why none does.

A request matches a route when the method is the same (compared
case-insensitively) and the URL is the same after normalisation
(:mod:`._urls`); a route's conditions (:mod:`.matchers`) must hold too.

Exact routes live in a dict keyed by ``(method, url, query pairs)``, so the
cost of finding one does not grow with the number of registered routes.

A route answers either plain HTTP requests or requests to switch protocols (a
websocket route answers ``Upgrade: websocket`` requests only, and is the only
kind that does): each kind has its own index, and the no-match message says
when a route of the other kind would have fitted.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Callable, Iterator, Mapping, Sequence
from re import Pattern
from typing import TYPE_CHECKING, Any

from yarl import URL

from ._urls import Location, QueryKey, location, normalise_method, normalise_url, query_key
from .errors import WEBSOCKET_HINT, ResponsesExhausted
from .matchers import EXACT, PARTIAL, PREFIX, QUERY_DIFFERENCE, Condition, RequestPattern
from .records import Call, CallList

if TYPE_CHECKING:
    from ._transport import Responder
    from .responses import Reply

__all__ = ["Registry", "RegistryView", "Route"]

RouteKey = tuple[str, Location, QueryKey]


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
        schemeless: bool = False,
        prefix: bool = False,
        optional: bool = False,
        name: str | None = None,
        passthrough: bool = False,
        responder: Responder | None = None,
        upgrade: str = "",
    ) -> None:
        self.method = method
        #: The route's requests go to the network (their responses are the server's).
        self.passthrough = passthrough
        #: The URL is a prefix: the route answers every URL under it, any query.
        self.prefix = prefix
        #: Not requesting this route does not fail ``assert_all_called``.
        self.optional = optional
        #: The route's name, if given (``mock.route(name)``, messages).
        self.name = name
        #: Registered through the original API without a scheme (answered as ``http://``).
        self.schemeless = schemeless
        #: The registered URL (``params`` merged into its query), or a compiled pattern.
        self.url = url
        self._replies = replies
        self._repeat = repeat
        self.conditions = tuple(conditions)
        self.partial_query = partial_query
        #: What a request must look like to be answered (the URL and conditions).
        query = PREFIX if prefix else PARTIAL if partial_query else EXACT
        self.pattern = RequestPattern(
            None if method == "*" else method, url, query=query, conditions=self.conditions
        )
        #: A function computing the response at request time, or ``None``.
        self.callback = callback
        #: How many requests the route answers before it stops matching (``None``: no limit).
        self.times = times
        #: What answers instead of the canned replies (a websocket route's), or ``None``.
        self.responder = responder
        #: The protocol the route switches to (``"websocket"``); ``""``: a plain HTTP route.
        self.upgrade = upgrade
        self.key: RouteKey | None = None
        if isinstance(url, URL) and not prefix and method != "*":
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

    def _accepts(self, call: Call) -> bool:
        """Whether the route answers ``call``, its method and URL being known to fit."""
        if self.times is not None and self.call_count >= self.times:
            return False
        return not self.conditions or self.pattern.conditions_hold(call)

    def differences(self, call: Call, upgrade: str = "") -> list[str]:
        """Why this route does not answer ``call`` (a request to switch to
        ``upgrade``, or a plain one); empty when it does."""
        diffs = [difference.reason for difference in self.pattern.request_differences(call)]
        if self.upgrade != upgrade:
            diffs.append(_kind_difference(self.upgrade, upgrade))
        if self.times is not None and self.call_count >= self.times:
            diffs.append(f"times: already answered {self.call_count} of {self.times} request(s)")
        diffs.extend(difference.reason for difference in self.pattern.condition_differences(call))
        return diffs

    def describe(self) -> str:
        """``METHOD url`` of the route, for messages (``re '...'`` for a pattern)."""
        url = f"re {self.url.pattern!r}" if isinstance(self.url, Pattern) else str(self.url)
        extra = " (partial query)" if self.partial_query else ""
        extra += " (prefix)" if self.prefix else ""
        kind = f" ({self.upgrade})" if self.upgrade else ""
        named = f" [{self.name}]" if self.name else ""
        return f"{self.method} {url}{kind}{extra}{named}"

    def __repr__(self) -> str:
        return f"<Route {self.describe()} calls={self.call_count}>"


def _kind_difference(route_upgrade: str, request_upgrade: str) -> str:
    if not route_upgrade:
        return (
            f"an HTTP route, and this is a {request_upgrade} upgrade request: "
            f"register_{request_upgrade}() registers what answers one"
        )
    if not request_upgrade:
        return f"a {route_upgrade} route, which answers {route_upgrade} upgrade requests only"
    return f"a {route_upgrade} route, and this request asks to upgrade to {request_upgrade}"


class _Index:
    """The routes of one kind: exact ones by a hash lookup of ``(method, url,
    query)``, those with ``match_params_partial`` by ``(method, url)``, then
    pattern routes in order, and catch-all routes (method ``"*"`` or a URL
    prefix) last."""

    __slots__ = ("exact", "partial", "patterns", "wild")

    def __init__(self) -> None:
        self.exact: dict[RouteKey, list[Route]] = {}
        self.partial: dict[tuple[str, Location], list[Route]] = {}
        self.patterns: list[Route] = []
        self.wild: list[Route] = []

    def add(self, route: Route) -> None:
        if route.prefix or route.method == "*":
            self.wild.append(route)
        elif route.key is None:
            self.patterns.append(route)
        elif route.partial_query:
            self.partial.setdefault((route.key[0], route.key[1]), []).append(route)
        else:
            self.exact.setdefault(route.key, []).append(route)

    def remove(self, route: Route) -> None:
        for routes in (self.wild, self.patterns, *self.exact.values(), *self.partial.values()):
            if route in routes:
                routes.remove(route)
                return

    def clear(self) -> None:
        self.exact.clear()
        self.partial.clear()
        self.patterns.clear()
        self.wild.clear()

    def resolve(self, call: Call) -> Route | None:
        method, url = call.method, call.url
        place = location(url)
        for route in self.exact.get((method, place, query_key(url)), ()):
            if route._accepts(call):
                return route
        if self.partial:
            for route in self.partial.get((method, place), ()):
                if route.pattern.url_fits(url) and route._accepts(call):
                    return route
        for route in self.patterns:
            if route.method == method and route.pattern.url_fits(url) and route._accepts(call):
                return route
        for route in self.wild:
            if route.method in (method, "*") and route.pattern.url_fits(url) and route._accepts(call):
                return route
        return None


class Registry:
    """The registered routes of one mock.

    Exact routes are found by a hash lookup of ``(method, url, query)``; routes
    with ``match_params_partial`` by ``(method, url)``; pattern routes are tried
    next, in order, and catch-all routes (method ``"*"`` or a URL prefix) last.
    Among routes found the same way, the first registered that matches wins.
    Plain HTTP routes and upgrade routes (websockets) are kept apart: each
    request is answered by a route of its own kind.
    """

    def __init__(self) -> None:
        self._routes: list[Route] = []
        self._http = _Index()
        self._upgrades: dict[str, _Index] = {}
        #: The route that answers the plain request ``call``, or ``None``: the
        #: hot path, the index's own method (:meth:`resolve` for any request).
        self.resolve_plain: Callable[[Call], Route | None] = self._http.resolve

    def _index(self, route: Route) -> _Index:
        return self._http if not route.upgrade else self._upgrades.setdefault(route.upgrade, _Index())

    def add(self, route: Route) -> None:
        """Register ``route``; it replaces a plain route of the same kind for the
        same method and URL."""
        index = self._index(route)
        if route.plain:
            assert route.key is not None
            for old in index.exact.get(route.key, ()):
                if old.plain:
                    self._remove(old)
                    break
        self._routes.append(route)
        index.add(route)

    def _remove(self, route: Route) -> None:
        self._routes.remove(route)
        self._index(route).remove(route)

    def remove(self, route: Route) -> None:
        """Unregister ``route``; :class:`ValueError` when it is not registered here."""
        if not any(route is registered for registered in self._routes):
            raise ValueError(f"{route!r} is not registered on this mock")
        self._remove(route)

    def resolve(self, call: Call, upgrade: str = "") -> Route | None:
        """The route that answers ``call``, or ``None``; ``upgrade``: the
        protocol the request asks to switch to (``""``: a plain request)."""
        if not upgrade:
            return self._http.resolve(call)
        index = self._upgrades.get(upgrade)
        return None if index is None else index.resolve(call)

    def find(self, method: str, url: URL) -> Route | None:
        """The first route registered for exactly ``method url``, conditions aside."""
        key = (method, location(url), query_key(url))
        return next((route for route in self._routes if route.key == key), None)

    def clear(self) -> None:
        self._routes.clear()
        self._http.clear()
        self._upgrades.clear()

    def __iter__(self) -> Iterator[Route]:
        return iter(list(self._routes))

    def __len__(self) -> int:
        return len(self._routes)

    def explain(self, call: Call, limit: int = 3, upgrade: str = "") -> str:
        """A message naming the request and the closest routes, with what
        differs, and the hints that apply to it; ``upgrade``: the protocol the
        request asks to switch to."""
        if upgrade:
            head = f"No {upgrade} route matches {call.method} {call.url} (a {upgrade} upgrade request)."
        else:
            head = f"No route matches {call.method} {call.url}."
        register = f"register_{upgrade}()" if upgrade else "register_uri()"
        if not self._routes:
            lines = [head + f" No routes are registered: register one with {register}."]
            return "\n".join(lines + _hints(call, []))
        target = str(call.url.with_query(None))

        def distance(item: tuple[Route, list[str]]) -> tuple[int, float]:
            route, diffs = item
            shown = route.url.pattern if isinstance(route.url, Pattern) else str(route.url.with_query(None))
            return (len(diffs), -difflib.SequenceMatcher(None, shown, target).ratio())

        candidates = sorted(
            ((route, route.differences(call, upgrade)) for route in self._routes), key=distance
        )
        lines = [head, "Closest registered routes:"]
        for route, diffs in candidates[:limit]:
            lines.append(f"  {route.describe()}: " + "; ".join(diffs))
        return "\n".join(lines + _hints(call, [diff for _, diffs in candidates[:limit] for diff in diffs]))


def _hints(call: Call, shown: list[str]) -> list[str]:
    """The lines added to a refusal that apply to it: the query rule when a
    query is what differs, passthrough for a local server, websockets."""
    hints = []
    if any(diff.startswith(QUERY_DIFFERENCE) for diff in shown):
        hints.append(
            "The query is compared as a set of key=value pairs; pairs with an empty value are ignored."
        )
    host = call.url.host or ""
    if _is_local(host):
        hints.append(
            f"{host} is this machine: to reach a real local server (an aiohttp.test_utils.TestServer, say), "
            f"let its requests pass through: passthrough = ({host!r},) on the test case, "
            f"mocked(passthrough=[{host!r}]) or activate(passthrough=[{host!r}])."
        )
    if call.headers.get("Upgrade", "").lower() == "websocket":
        hints.append(WEBSOCKET_HINT)
    return hints


def _is_local(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
            url: URL | Pattern[str]
            route: Route | None
            if isinstance(uri, Pattern):
                url, route = uri, None
            else:
                url = normalise_url(uri)
                route = self._registry.find(method, url)
            if route is None:  # a pattern route, a prefix route, or one of any method ("*")
                route = next((r for r in self._registry if r.method == method and r.url == url), None)
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
