"""The exceptions and warnings aiohttpretty raises."""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

import aiohttp

__all__ = [
    "WEBSOCKET_HINT",
    "AioHTTPrettyWarning",
    "NetworkEscape",
    "NoRouteMatched",
    "ResponsesExhausted",
    "UnknownOptionWarning",
    "exceptions_in",
    "names_refusal",
    "refusals_in",
    "warn",
]

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
_AIOHTTP = os.path.dirname(os.path.abspath(aiohttp.__file__)) + os.sep


class NoRouteMatched(AssertionError):
    """A request reached aiohttp while mocked, and no registered route answers it.

    It subclasses :class:`AssertionError` so that a test runner reports it as a
    test failure, not as an error in the code under test.  The message names the
    request and the closest registered routes with what differs.
    """

    #: The refused request (a :class:`~aiohttpretty.Call`), when there is one.
    call: Any = None
    #: Wider exception types whose expectation also expects this refusal (a
    #: compatibility layer's own, e.g. aioresponses' ``ClientConnectionError``).
    expected_as: tuple[type[BaseException], ...] = ()


#: Why a websocket handshake gets no websocket (for now), in refusals.
WEBSOCKET_HINT = (
    "This is a websocket handshake (ws_connect): answer it with register_websocket(uri, handler) (or "
    "an app's own websocket handler, register_app); register_websocket(uri, status=403) refuses the "
    "handshake, to test a refused connection."
)


def names_refusal(expected: object, refusal: NoRouteMatched) -> bool:
    """Whether an ``assertRaises``-style expectation of ``expected`` (a type or a
    tuple of types) expects ``refusal``: it names :class:`NoRouteMatched` (or a
    subclass) or :class:`AssertionError`, or a type the refusal is expected as.
    ``Exception`` does not: it would forgive a typo in a URL."""
    kinds = expected if isinstance(expected, tuple) else (expected,)
    for kind in kinds:
        if not isinstance(kind, type):
            continue
        if issubclass(kind, NoRouteMatched) or kind is AssertionError:
            return True
        if isinstance(refusal, kind) and any(issubclass(kind, wider) for wider in refusal.expected_as):
            return True
    return False


def exceptions_in(exc: BaseException | None) -> list[BaseException]:
    """The exceptions a traceback of ``exc`` shows: itself, its causes and
    contexts, and the members of exception groups."""
    found: list[BaseException] = []
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        found.append(current)
        todo += [current.__cause__, current.__context__]
        grouped = getattr(current, "exceptions", None)
        if isinstance(grouped, (list, tuple)):
            todo += [member for member in grouped if isinstance(member, BaseException)]
    return found


def refusals_in(exc: BaseException | None) -> list[NoRouteMatched]:
    """The :class:`NoRouteMatched` errors a traceback of ``exc`` shows."""
    return [found for found in exceptions_in(exc) if isinstance(found, NoRouteMatched)]


class ResponsesExhausted(NoRouteMatched):
    """A route registered with ``responses=[...]`` was requested more often than
    it has responses."""


class NetworkEscape(NoRouteMatched):
    """aiohttp was about to use a real connection to a host that is not passed
    through (a custom connector, a connection pooled from before): it was
    closed before a byte was written, and the request refused."""


class AioHTTPrettyWarning(UserWarning):
    """Base class of the warnings aiohttpretty emits."""


class UnknownOptionWarning(AioHTTPrettyWarning):
    """An option passed to the original-compatible API is not one aiohttpretty
    knows; it is ignored.  The newer entry points raise :class:`TypeError`
    instead."""


def warn(warning: Warning) -> None:
    """Emit ``warning`` pointing at the user's line: the first caller outside
    aiohttpretty (and aiohttp, for a warning about a request), however deep
    inside it was found."""
    inside = (_PACKAGE, _AIOHTTP)
    level = 2  # stacklevel 1 is this function, 2 its caller
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(inside):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    warnings.warn(warning, stacklevel=level)
