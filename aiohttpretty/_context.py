"""What travels from a session call to its connection (the arguments the
code passed, a URL without a scheme), what the seam asks of the mock
(:class:`Interceptor`), and the event loop's turns; no aiohttp here (but in
annotations)."""

from __future__ import annotations

import contextvars
import functools
from typing import TYPE_CHECKING, Any, Callable, Protocol

from .errors import AioHTTPrettyWarning, warn

if TYPE_CHECKING:
    import aiohttp
    from yarl import URL

    from ._seam import ResponseHandler

__all__ = [
    "SESSION_VERBS",
    "Interceptor",
    "SessionCall",
    "noting_passed",
    "passed_to_session_method",
    "schemeless",
    "session_call",
    "turn_due",
]

#: The methods of :class:`aiohttp.ClientSession` that add arguments of their
#: own before calling ``_request`` (``allow_redirects``, ``data=None``).
SESSION_VERBS = ("get", "options", "head", "post", "put", "patch", "delete")


class Interceptor(Protocol):
    """What the seam asks of the mock that answers."""

    def passes_through(self, host: str | None, port: int | None) -> bool:
        """Whether a connection to ``host:port`` goes to the real network."""

    def connect(self, connector: aiohttp.BaseConnector, req: aiohttp.ClientRequest) -> ResponseHandler:
        """A mocked connection for ``req``."""

    def schemeless(self, text: str) -> str | None:
        """The URL to request instead of ``text``, a URL without a scheme, or ``None``."""

    def escaped(self, method: str, url: URL, how: str) -> BaseException:
        """A real connection was about to be used for ``method url``: record the
        refusal and return the error for the client."""


class SessionCall:
    """The arguments of one ``ClientSession._request`` call: ``kwargs`` as
    ``_request`` received them, ``passed`` as the code gave them to the
    session's method (without what ``get``, ``post`` ... added)."""

    __slots__ = ("kwargs", "method", "passed", "url")

    def __init__(
        self, method: str, url: Any, kwargs: dict[str, Any], passed: dict[str, Any] | None = None
    ) -> None:
        self.method = method
        self.url = url
        self.kwargs = kwargs
        self.passed = kwargs if passed is None else passed


session_call: contextvars.ContextVar[SessionCall | None] = contextvars.ContextVar(
    "aiohttpretty_session_call", default=None
)
# The keyword arguments a session method (get, post ...) was given, while it
# calls ClientSession._request.
_passed: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "aiohttpretty_passed", default=None
)


def noting_passed(method: Callable[..., Any]) -> Callable[..., Any]:
    """A session method (``get``, ``post`` ...) noting the keyword arguments it
    was given, for the ``_request`` call it makes at once: it adds its own."""

    @functools.wraps(method)
    def noting(self: Any, *args: Any, **kwargs: Any) -> Any:
        token = _passed.set(kwargs)
        try:
            return method(self, *args, **kwargs)
        finally:
            _passed.reset(token)

    noting._aiohttpretty_patch = True  # type: ignore[attr-defined]
    return noting


def passed_to_session_method() -> dict[str, Any] | None:
    """The keyword arguments of the session method calling ``_request`` now."""
    return _passed.get()


# Mocked requests made since the event loop last had a turn.
_requests_without_turn = 0
_TURN_EVERY = 32


def turn_due() -> bool:
    """Count a mocked request; whether the event loop should now get a turn.

    A plain reply is answered without any waiting, so a loop of requests would
    never suspend: other tasks would starve, and asyncio would not get to drop
    the timers aiohttp cancels.  A turn of the loop costs about as much as the
    rest of a mocked request, so it is taken every few requests, not each.
    """
    global _requests_without_turn
    _requests_without_turn += 1
    if _requests_without_turn < _TURN_EVERY:
        return False
    _requests_without_turn = 0
    return True


def schemeless(interceptor: Interceptor, text: str) -> str:
    """``text``, a URL without a scheme, or the URL the original API answers it
    as (with a warning)."""
    replacement = interceptor.schemeless(text)
    if replacement is None:
        return text  # aiohttp refuses it, as in production
    warn(
        AioHTTPrettyWarning(
            f"{text!r} has no scheme: aiohttp refuses such a URL (InvalidURL) in production. It is "
            f"answered as {replacement!r} because the original API registered it so; add the scheme."
        )
    )
    return replacement
