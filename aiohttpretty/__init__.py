"""aiohttpretty: unittest-first HTTP mocking for aiohttp's client.

The module-level functions forward to the *current* mock: the one a running
:class:`AioHTTPrettyTestCase` test (or :func:`mocked` block, or pytest test)
made for itself, or else one default :class:`AioHTTPretty` instance.  They
keep the API of the original aiohttpretty.

The flow of a request, one module a step: :mod:`._seam` (the patches of
aiohttp) → :mod:`._transport` (the in-memory connection) → :mod:`._wire`
(HTTP/1.1 bytes) → :mod:`.mock` (record, match with :mod:`.routes` and
:mod:`.matchers`) → a responder (:mod:`._canned` for registered routes,
:mod:`._websocket` for websocket routes).
"""

from __future__ import annotations

from typing import Any

import aiohttp

from . import faults
from ._background import ResponderError
from ._json_match import ANY, JsonLike
from ._multipart import FilePart
from ._options import REGISTER_OPTIONS
from ._registering import URIPattern
from ._urls import URI
from ._websocket import WEBSOCKET_OPTIONS
from ._websocket_records import WebSocketConversation, WebSocketMessage
from ._websocket_server import WebSocket
from .assertions import CallPattern, Calls
from .cassettes import Cassette, CassetteError, cassette
from .errors import (
    AioHTTPrettyWarning,
    NetworkEscape,
    NoRouteMatched,
    ResponsesExhausted,
    UnknownOptionWarning,
)
from .lifecycle import mocked
from .matchers import NOT_GIVEN, Condition
from .mock import AioHTTPretty
from .records import Call, CalledURI, CallList, Mistake, SentResponse
from .routes import RegistryView, Route
from .scope import current, on_current, original_api
from .testcase import AioHTTPrettyTestCase

__all__ = [
    "ANY",
    "NOT_GIVEN",
    "REGISTER_OPTIONS",
    "URI",
    "WEBSOCKET_OPTIONS",
    "AioHTTPretty",
    "AioHTTPrettyTestCase",
    "AioHTTPrettyWarning",
    "Call",
    "CallList",
    "CallPattern",
    "CalledURI",
    "Calls",
    "Cassette",
    "CassetteError",
    "Condition",
    "FilePart",
    "JsonLike",
    "Mistake",
    "NetworkEscape",
    "NoRouteMatched",
    "RegistryView",
    "ResponderError",
    "ResponsesExhausted",
    "Route",
    "SentResponse",
    "URIPattern",
    "UnknownOptionWarning",
    "WebSocket",
    "WebSocketConversation",
    "WebSocketMessage",
    "activate",
    "calls",
    "cassette",
    "clear",
    "current",
    "deactivate",
    "fake_request",
    "faults",
    "has_call",
    "mocked",
    "register_app",
    "register_json_uri",
    "register_uri",
    "register_websocket",
    "registry",
    "websockets",
]

__version__ = "1.0.0"

#: Register the response for ``method uri`` on the current mock; the options of
#: :meth:`AioHTTPretty.register_uri`.  As in the original, an unknown option is
#: ignored with an :class:`UnknownOptionWarning`.
register_uri = original_api(AioHTTPretty.register_uri)
#: Register a JSON response for ``method uri`` on the current mock; see
#: :meth:`AioHTTPretty.register_json_uri`.
register_json_uri = original_api(AioHTTPretty.register_json_uri)
#: Register a websocket on the current mock; see :meth:`AioHTTPretty.register_websocket`.
register_websocket = on_current(AioHTTPretty.register_websocket)


def register_app(origin: URI, app: Any) -> Any:
    """Serve every request to ``origin`` from ``app`` (an
    :class:`aiohttp.web.Application` or a handler coroutine function) on the
    current mock; see :meth:`AioHTTPretty.register_app`."""
    return current().register_app(origin, app)


def activate(passthrough: Any = None) -> None:
    """Start intercepting aiohttp with the current mock.  Safe to call twice."""
    current().activate(passthrough)


def deactivate() -> None:
    """Stop intercepting and restore aiohttp.  Safe to call twice."""
    current().deactivate()


def clear() -> None:
    """Forget the current mock's routes and recorded calls."""
    current().clear()


async def fake_request(method: str, uri: URI, **kwargs: Any) -> aiohttp.ClientResponse:
    """Answer one request from the current mock's registry, without a session.

    See :meth:`AioHTTPretty.fake_request`.
    """
    return await current().fake_request(method, uri, **kwargs)


def has_call(uri: URI, check_params: bool = True, **kwargs: Any) -> bool:
    """Whether the current mock recorded a matching request.

    See :meth:`AioHTTPretty.has_call`.
    """
    return current().has_call(uri, check_params, **kwargs)


def __getattr__(name: str) -> Any:
    # ``aiohttpretty.calls``, ``.registry`` and ``.websockets`` follow the current mock.
    if name == "calls":
        return current().calls
    if name == "registry":
        return current().registry
    if name == "websockets":
        return current().websockets
    raise AttributeError(f"module 'aiohttpretty' has no attribute {name!r}")
