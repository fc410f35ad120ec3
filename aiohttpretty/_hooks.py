"""What the seam calls out to: the :class:`Interceptor` (the mock that
answers, :class:`aiohttpretty.AioHTTPretty`) and the session observers (a
compatibility layer, such as :mod:`aiohttpretty.aioresponses` while started).
Nothing of aiohttp or of the package at run time."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import aiohttp
    from yarl import URL

__all__ = ["Interceptor", "SessionObserver", "session_observers"]


class Interceptor(Protocol):
    """What the seam asks of the mock that answers."""

    def passes_through(self, host: str | None, port: int | None) -> bool:
        """Whether a connection to ``host:port`` goes to the real network."""

    def connect(self, connector: aiohttp.BaseConnector, req: aiohttp.ClientRequest) -> asyncio.BaseProtocol:
        """A mocked connection for ``req``: aiohttp's protocol object for it
        (the seam's ``new_protocol``)."""

    def schemeless(self, text: str) -> str | None:
        """The URL to request instead of ``text``, a URL without a scheme
        (warning that aiohttp refuses it in production), or ``None``."""

    def escaped(self, method: str, url: URL, how: str) -> BaseException:
        """A real connection was about to be used for ``method url``: record the
        refusal and return the error for the client."""


#: ``observer(proceed, session, method, str_or_url, args, kwargs)`` sees a call
#: of ``ClientSession._request`` and returns what the call returns; ``await
#: proceed(session, method, str_or_url, *args, **kwargs)`` goes on with it (the
#: seam notes it and aiohttp sends it).
SessionObserver = Callable[..., Awaitable[Any]]

#: The session observers in the order they were added: while a mock is active,
#: the last one sees every call of ``ClientSession._request`` first.
session_observers: list[SessionObserver] = []
