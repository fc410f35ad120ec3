"""aiohttpretty: unittest-first HTTP mocking for aiohttp's client.

The module-level functions forward to the *current* mock: the one a running
:class:`AioHTTPrettyTestCase` test (or :func:`mocked` block) made for itself, or
else one default :class:`AioHTTPretty` instance.  They keep the API of the
original aiohttpretty.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from .errors import AioHTTPrettyWarning, NoRouteMatched, ResponsesExhausted, UnknownOptionWarning
from .mock import REGISTER_OPTIONS, AioHTTPretty
from .records import Call, CalledURI, CallList
from .routes import URI, RegistryView, Route
from .scope import current, mocked
from .testcase import AioHTTPrettyTestCase

__all__ = [
    "REGISTER_OPTIONS",
    "AioHTTPretty",
    "AioHTTPrettyTestCase",
    "AioHTTPrettyWarning",
    "Call",
    "CallList",
    "CalledURI",
    "NoRouteMatched",
    "RegistryView",
    "ResponsesExhausted",
    "Route",
    "UnknownOptionWarning",
    "activate",
    "calls",
    "clear",
    "current",
    "deactivate",
    "fake_request",
    "has_call",
    "mocked",
    "register_json_uri",
    "register_uri",
    "registry",
]

__version__ = "1.0.0"


def register_uri(method: str, uri: URI, **options: Any) -> Route:
    """Register the response for ``method uri`` on the current mock.

    See :meth:`AioHTTPretty.register_uri`.
    """
    return current()._register(method, uri, options, json=False, strict=False)


def register_json_uri(method: str, uri: URI, **options: Any) -> Route:
    """Register a JSON response for ``method uri`` on the current mock.

    See :meth:`AioHTTPretty.register_json_uri`.
    """
    return current()._register(method, uri, options, json=True, strict=False)


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
    # ``aiohttpretty.calls`` and ``aiohttpretty.registry`` follow the current mock.
    if name == "calls":
        return current().calls
    if name == "registry":
        return current().registry
    raise AttributeError(f"module 'aiohttpretty' has no attribute {name!r}")
