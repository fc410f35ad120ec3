"""The exchange: one call of ``ClientSession._request`` as aioresponses sees
it, and the requests on the wire it made (the first, then one per redirect),
shared between the session side (:mod:`._recording`) and the wire side
(:mod:`._answering`) of the call."""

from __future__ import annotations

import contextvars
from typing import Any, NamedTuple

import aiohttp
from aiohttp import ClientResponse
from yarl import URL

__all__ = ["Deliver", "Exchange", "Hop", "current_exchange"]


class Hop(NamedTuple):
    """A request answered on the wire: the URL it was matched as, the method
    and class its response reads as."""

    url: URL
    method: str
    response_class: type[ClientResponse] | None


class Exchange:
    """One session call of the mock ``owner`` (compared by identity)."""

    __slots__ = ("hops", "kwargs", "method", "owner", "redirecting", "url")

    def __init__(self, owner: object, method: str, url: URL, kwargs: dict[str, Any]) -> None:
        self.owner = owner
        self.method = method
        self.url = url
        #: The arguments a callback receives (``allow_redirects`` always among them).
        self.kwargs = kwargs
        #: One entry per request answered on the wire; ``None`` when it was
        #: passed to the network.
        self.hops: list[Hop | None] = []
        #: Whether the last answer was a redirect aiohttp follows.
        self.redirecting = False


#: The session call being answered, in the task making it.
current_exchange: contextvars.ContextVar[Exchange | None] = contextvars.ContextVar(
    "aiohttpretty_aioresponses_exchange", default=None
)


class Deliver(aiohttp.ClientConnectionError):
    """Carries an exception from the connection up to the session call, where
    it is raised as given: aiohttp would turn some (``HttpProcessingError``,
    ``OSError``, ``CancelledError``) into others on the way."""

    def __init__(self, exception: BaseException | type[BaseException]) -> None:
        super().__init__(f"aioresponses delivers {exception!r}")
        self.exception = exception
