"""What travels from a session call to its connection (the arguments the
code passed, whether a connection passes through), and the event loop's
turns; no aiohttp here."""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Awaitable
from typing import Any, Callable, TypeVar

__all__ = [
    "SESSION_VERBS",
    "SessionCall",
    "passed_to_session_method",
    "passing",
    "passing_through",
    "session_call",
    "turn_due",
    "wrap_session_methods",
]

T = TypeVar("T")

#: The methods of :class:`aiohttp.ClientSession` that add arguments of their
#: own before calling ``_request`` (``allow_redirects``, ``data=None``).
SESSION_VERBS = ("get", "options", "head", "post", "put", "patch", "delete")


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
# Set while a real connection is opened for a passthrough host.
_passing: contextvars.ContextVar[bool] = contextvars.ContextVar("aiohttpretty_passing", default=False)


def _noting_passed(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def noting(self: Any, *args: Any, **kwargs: Any) -> Any:
        token = _passed.set(kwargs)
        try:
            return method(self, *args, **kwargs)
        finally:
            _passed.reset(token)

    noting._aiohttpretty_patch = True  # type: ignore[attr-defined]
    return noting


def wrap_session_methods(cls: type, patches: list[tuple[type, str, Any]]) -> None:
    """Wrap ``get``, ``post`` ... of ``cls`` (``aiohttp.ClientSession``) to note
    the keyword arguments each was given, for the ``_request`` call it makes at
    once (it adds its own); the originals go into ``patches``."""
    for name in SESSION_VERBS:
        original = cls.__dict__[name]
        patches.append((cls, name, original))
        setattr(cls, name, _noting_passed(original))


def passed_to_session_method() -> dict[str, Any] | None:
    """The keyword arguments of the session method calling ``_request`` now."""
    return _passed.get()


async def passing(connecting: Awaitable[T]) -> T:
    """Await ``connecting``, a real connection to a passthrough host."""
    token = _passing.set(True)
    try:
        return await connecting
    finally:
        _passing.reset(token)


def passing_through() -> bool:
    """Whether a real connection to a passthrough host is being opened now."""
    return _passing.get()


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
