"""The session side of :class:`~aiohttpretty.aioresponses.aioresponses`: like
aioresponses, it sees each call of ``ClientSession._request`` (a session
observer of the seam while started; the last started answers).  It
records the call in ``m.requests`` as aioresponses does (the URL as the code
gave it, the arguments as passed), lets aiohttp send it, and hands back the
response dressed as aioresponses builds it, or the exception the route asks
for exactly as given (aiohttp would turn some into others on their way up)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Awaitable, Iterator, Mapping
from typing import Any, Callable

import aiohttp
from aiohttp import ClientResponse, ClientSession
from multidict import CIMultiDict, CIMultiDictProxy, MultiDict
from yarl import URL

from .. import _hooks, _seam
from ._answering import Answering
from ._exchange import Deliver, Exchange, current_exchange
from ._matching import RequestCall, UnmatchedRequest, build_request_call, merge_params, normalize_url
from ._passthrough import passes_through

__all__ = ["Recording", "observe_sessions", "stop_observing"]


class Recording(Answering):
    """Sees the session calls (a mixin of ``aioresponses``, which sets these
    attributes)."""

    requests: dict[tuple[str, URL], list[RequestCall]]
    _responses: list[ClientResponse]
    _passthrough: list[str]
    _passthrough_hosts: list[str]

    async def _session_request(
        self,
        proceed: Callable[..., Awaitable[ClientResponse]],
        session: ClientSession,
        method: str,
        str_or_url: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> ClientResponse:
        """One call of ``ClientSession._request``: record it as aioresponses
        does, let aiohttp send it (``proceed``; answered by :meth:`_answer`),
        and hand back the response or the exception the route asks for."""
        seen = dict(kwargs)  # what is recorded and what callbacks receive
        data = kwargs.get("data")
        if data is not None and hasattr(data, "__aiter__"):
            # Read before anything else, as aioresponses does (an error of the
            # generator is raised as it is); aiohttp gets the same chunks.
            chunks = [chunk async for chunk in data]
            seen["data"] = b"".join(chunks)
            kwargs["data"] = _replay(chunks)
        if session.closed:
            raise RuntimeError("Session is closed")
        url = _seam.session_url(session, str_or_url)
        if session.headers:
            seen["headers"] = _merge_headers(session.headers, seen.get("headers"))
        url = normalize_url(merge_params(url, seen.get("params")))
        if passes_through(url, self._passthrough, self._passthrough_hosts):
            return await proceed(session, method, str_or_url, *args, **kwargs)
        self._answer_method(method.upper())
        self.requests.setdefault((method, url), []).append(build_request_call(method, *args, **seen))
        if _unsendable_iterator(kwargs.get("data")):
            kwargs["data"] = _iterate(kwargs["data"])
        exchange = Exchange(self, method, url, {"allow_redirects": True, **seen})
        token = current_exchange.set(exchange)
        delivered: BaseException | type[BaseException] | None = None
        try:
            response = await proceed(session, method, str_or_url, *args, **kwargs)
        except Deliver as deliver:
            delivered = deliver.exception
        except UnmatchedRequest as refusal:
            # aioresponses names the request the code made, also when it is a
            # redirect that found no route.
            delivered = UnmatchedRequest(f"Connection refused: {method} {url}", refusal.call)
            self._explain(delivered)
        finally:
            current_exchange.reset(token)
        if delivered is not None:
            raise delivered  # outside the except block: no context of ours
        self._dress(response, exchange)
        self._responses.append(response)
        return response

    def _explain(self, refusal: UnmatchedRequest) -> None:
        """Add what was refused on the wire and the routes left to the
        traceback of ``refusal`` (as notes, from Python 3.11)."""
        add_note = getattr(refusal, "add_note", None)
        if add_note is None:
            return
        if refusal.call is not None:
            add_note(f"refused on the wire: {refusal.call.method} {refusal.call.url}")
        routes = list(self._matches.values())
        if not routes:
            add_note("no route is left: each route answers once unless repeat= says otherwise")
        for route in routes[:5]:
            add_note(f"route left: {route.method.upper()} {route.url_or_pattern}")
        if len(routes) > 5:
            add_note(f"... and {len(routes) - 5} more routes")

    def _dress(self, response: ClientResponse, exchange: Exchange) -> None:
        """Make the responses read as aioresponses built them where its users'
        tests look: the method (the route's, lower case), ``request_info``
        (the headers the code passed) and the class."""
        headers = CIMultiDictProxy(CIMultiDict(exchange.kwargs.get("headers") or {}))
        responses = [*response.history, response]
        for answered, hop in zip(reversed(responses), reversed(exchange.hops), strict=False):
            if hop is None:
                continue
            _seam.dress_response(
                answered, hop.response_class, aiohttp.RequestInfo(hop.url, hop.method, headers, hop.url)
            )
            answered.method = hop.method


def _merge_headers(defaults: Mapping[str, str], headers: Any) -> CIMultiDict[str]:
    """The session's headers updated with those of the request, as aiohttp merges them."""
    merged: CIMultiDict[str] = CIMultiDict(defaults)
    if headers:
        given = (
            headers
            if isinstance(headers, (CIMultiDict, MultiDict, CIMultiDictProxy))
            else CIMultiDict(headers)
        )
        added: set[str] = set()
        for name, value in given.items():
            if name.lower() in added:
                merged.add(name, value)
            else:
                merged[name] = value
                added.add(name.lower())
    return merged


async def _replay(chunks: list[Any]) -> AsyncIterator[Any]:
    for chunk in chunks:
        yield chunk


def _unsendable_iterator(data: Any) -> bool:
    """A sync iterator (a generator, say): aiohttp refuses it, aioresponses never
    sent it, so it is sent as a chunked body of its items."""
    return isinstance(data, Iterator) and not isinstance(data, (io.IOBase, str, bytes))


async def _iterate(data: Iterator[Any]) -> AsyncIterator[bytes]:
    for item in data:
        if isinstance(item, str):
            yield item.encode("utf-8")
        elif isinstance(item, (bytes, bytearray, memoryview)):
            yield bytes(item)
        else:
            raise TypeError(f"data yielded {type(item).__name__}, not str or bytes")


def observe_sessions(mock: Recording) -> None:
    """Let ``mock`` see the session calls (until :func:`stop_observing`), its
    interceptor being active; the last started sees them."""
    _hooks.session_observers.append(mock._session_request)


def stop_observing(mock: Recording) -> None:
    """``mock`` no longer sees the session calls; the one started before it
    (if any is still started) does again."""
    if mock._session_request in _hooks.session_observers:
        _hooks.session_observers.remove(mock._session_request)
