"""What a mock offers over its routes and calls beyond registering: named
routes, removing them, and querying the recorded calls."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable

from yarl import URL

from ._urls import URI
from .records import CallList

if TYPE_CHECKING:
    from .assertions import Calls
    from .routes import Registry, Route

__all__ = ["RouteManagement", "passthrough_rules"]


def passthrough_rules(passthrough: Any) -> tuple[frozenset[str], tuple[Callable[[URL], bool], ...]]:
    """``activate(passthrough=...)`` checked: the hosts (decided per connection)
    and the patterns and functions of the URL (decided per request)."""
    if isinstance(passthrough, (str, re.Pattern)) or callable(passthrough):
        passthrough = [passthrough]
    hosts, rules = [], []
    for item in list(passthrough):
        if isinstance(item, str) and item:
            hosts.append(item.lower())
        elif isinstance(item, re.Pattern) and isinstance(item.pattern, str):
            rules.append(lambda url, pattern=item: pattern.match(str(url)) is not None)
        elif callable(item):
            rules.append(lambda url, function=item: bool(function(url)))
        else:
            raise TypeError(
                f"passthrough must be a list of host names or host:port strings, compiled patterns "
                f"of the URL or functions of the URL, got {item!r}"
            )
    return frozenset(hosts), tuple(rules)


class RouteManagement:
    """The mock's methods over its registry and calls (a mixin of :class:`~aiohttpretty.AioHTTPretty`)."""

    _registry: Registry
    calls: Calls

    def remove(self, route: Route | str) -> None:
        """Unregister ``route`` (a :class:`Route` or a route's ``name``); the
        calls it answered stay recorded."""
        self._registry.remove(self.route(route) if isinstance(route, str) else route)

    def route(self, name: str) -> Route:
        """The route registered with ``name=``; :class:`KeyError` when none is."""
        found = next((route for route in self._registry if route.name == name), None)
        if found is None:
            names = [route.name for route in self._registry if route.name]
            raise KeyError(f"no route is named {name!r} (named routes: {names})")
        return found

    def get_calls(
        self,
        /,
        method: str | None = None,
        url: URI | None = None,
        **criteria: Any,
    ) -> CallList:
        """The recorded calls that match, in order; the criteria of
        :meth:`assert_called`, each optional (see :meth:`Calls.filter`)."""
        return self.calls.filter(method, url, **criteria)
