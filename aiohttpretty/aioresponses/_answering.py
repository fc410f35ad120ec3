"""The wire side of :class:`~aiohttpretty.aioresponses.aioresponses`: the
callback of the catch-all route the mock has for each method, which finds the
route that answers a request (the first added that matches, as aioresponses
does) and builds its response, forwards the request (``passthrough_unmatched``)
or refuses it."""

from __future__ import annotations

import asyncio
import inspect
import json
import re
from typing import Any, cast

from aiohttp import hdrs
from multidict import CIMultiDict
from yarl import URL

from ..mock import AioHTTPretty
from ..records import Call
from ..scope import current
from ._exchange import Deliver, Exchange, Hop, current_exchange
from ._matching import RequestMatch, UnmatchedRequest, normalize_url, standard_reason
from ._passthrough import forward_or_fail

__all__ = ["Answering"]

_REDIRECTS = (301, 302, 303, 307, 308)
_EVERY_URL = re.compile("")


class Answering:
    """Answers the requests on the wire (a mixin of ``aioresponses``, which
    sets these attributes)."""

    aiohttpretty: AioHTTPretty | None
    passthrough_unmatched: bool
    _matches: dict[str, RequestMatch]
    _methods: set[str]

    def _answer_method(self, method: str) -> None:
        """Give ``method`` a catch-all route on the mock, once."""
        mock = self.aiohttpretty
        if mock is None or method in self._methods:
            return
        try:
            mock.register_uri(method, cast(Any, _EVERY_URL), callback=self._answer)
        except ValueError:  # not an HTTP method: aiohttp refuses the request itself
            return
        self._methods.add(method)

    async def _answer(self, call: Call) -> dict[str, Any]:
        """The catch-all route's callback: find the route that answers
        ``call`` and build its response, or refuse the request."""
        exchange = current_exchange.get()
        direct = exchange is None or exchange.owner is not self
        if direct:
            # Not seen at the session (a request made without _request):
            # matched as it is on the wire, exceptions raised from here.
            kwargs = {"allow_redirects": True, **call.kwargs}
            exchange = Exchange(self, call["method"], normalize_url(call.url), kwargs)
        assert exchange is not None
        if not exchange.hops:
            method, url = exchange.method, exchange.url
        elif exchange.redirecting:
            method, url = hdrs.METH_GET, normalize_url(call.url)  # aioresponses follows with GET
        else:  # the same call sent again (a middleware retrying, say)
            method, url = call.method, normalize_url(call.url)
        exchange.redirecting = False
        route = self._take(method, url)
        if route is None:
            if self.passthrough_unmatched:
                exchange.hops.append(None)
                return await forward_or_fail(call, direct)
            self._refuse(call)
            raise UnmatchedRequest(f"Connection refused: {method} {url}", call)
        reply: dict[str, Any] | None = None
        try:
            result = await _call_back(route, url, exchange.kwargs)
            failure = route.exception
            if failure is None:
                reply = _reply(route if result is None else result)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the callback's own error, or a response that cannot be built
            failure = exc
        if reply is None:
            raise failure if direct else Deliver(failure)
        exchange.hops.append(Hop(url, reply.pop("method"), reply.pop("response_class")))
        exchange.redirecting = (
            reply["status"] in _REDIRECTS
            and any(name.lower() == "location" for name, _ in reply["headers"])
            and bool(exchange.kwargs.get("allow_redirects", True))
        )
        return reply

    def _take(self, method: str, url: URL) -> RequestMatch | None:
        """The first route that matches, used once (aioresponses' ``repeat``)."""
        for key, route in list(self._matches.items()):
            if not route.match(method, url):
                continue
            if isinstance(route.repeat, bool):
                if not route.repeat:
                    del self._matches[key]
            else:
                if route.repeat == 1:
                    del self._matches[key]
                route.repeat -= 1
            return route
        return None

    def _refuse(self, call: Call) -> None:
        """Record ``call`` as a refusal: in this mock's ``unmatched`` (not in its
        ``calls``), and in those of the strict test around it, if any."""
        mock = self.aiohttpretty
        if mock is not None:
            for number, recorded in enumerate(mock.calls):
                if recorded is call:
                    del mock.calls[number]
                    break
            mock.unmatched.append(call)
        outer = current()
        if outer is not mock and outer.is_active:
            outer.unmatched.append(call)


async def _call_back(route: RequestMatch, url: URL, kwargs: dict[str, Any]) -> Any:
    """What the route's callback returns (``None`` without a callback)."""
    if not callable(route.callback):
        return None
    result = route.callback(url, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    return result


def _reply(result: Any) -> dict[str, Any]:
    """The response a route (or a callback's result) describes, for the mock."""
    body = result.body
    if result.payload is not None:
        body = json.dumps(result.payload)
    if isinstance(body, str):
        body = body.encode("utf-8")
    elif isinstance(body, (bytearray, memoryview)):
        body = bytes(body)
    elif not isinstance(body, bytes):
        raise TypeError(f"body must be str or bytes (or use payload= for JSON), got {type(body).__name__}")
    headers: CIMultiDict[str] = CIMultiDict()
    if result.content_type is not None:
        headers[hdrs.CONTENT_TYPE] = result.content_type
    if result.headers:
        headers.update(result.headers)
    reason = result.reason
    return {
        "status": result.status,
        "reason": standard_reason(result.status) if reason is None else reason,
        "headers": list(headers.items()),
        "body": body,
        "auto_length": False,  # as aioresponses: no Content-Length but a registered one
        "method": result.method,
        "response_class": result.response_class,
    }
