"""What travels from a session call to its connection, and the event loop's
turns; no aiohttp here."""

from __future__ import annotations

import contextvars
from typing import Any

__all__ = ["SessionCall", "session_call", "turn_due"]


class SessionCall:
    """The arguments of one ``ClientSession._request`` call."""

    __slots__ = ("kwargs", "method", "url")

    def __init__(self, method: str, url: Any, kwargs: dict[str, Any]) -> None:
        self.method = method
        self.url = url
        self.kwargs = kwargs


session_call: contextvars.ContextVar[SessionCall | None] = contextvars.ContextVar(
    "aiohttpretty_session_call", default=None
)


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
