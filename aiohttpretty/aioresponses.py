"""aioresponses' API on aiohttpretty's interception.

``from aiohttpretty.aioresponses import aioresponses`` replaces
``from aioresponses import aioresponses``: the same registration methods,
options, recorded ``requests`` and assertions, with every mocked request going
through aiohttp's own client code (only the socket is fake), so it works on
every aiohttp from 3.9 to 3.14.

How it is built:

* Each started :class:`aioresponses` owns an :class:`aiohttpretty.AioHTTPretty`
  mock (``m.aiohttpretty``) with one catch-all route per method whose callback
  matches the request against the routes added with ``m.get(...)``,
  ``m.add(...)``, ... as aioresponses does (the first that matches answers).
* Like aioresponses, it sees each call of ``ClientSession._request``: it records
  it in ``m.requests`` as aioresponses does (the URL as the code gave it, the
  arguments as passed), and it hands back the exceptions routes ask for exactly
  as given (aiohttp would turn some into others on their way up).
* An unmatched request raises :class:`UnmatchedRequest`, a
  :class:`aiohttp.ClientConnectionError` with aioresponses' message that is
  also an :class:`aiohttpretty.NoRouteMatched`; the request is recorded as a
  refusal, so a strict aiohttpretty test fails at teardown even when the code
  under test swallowed the error.
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import functools
import inspect
import io
import json
import re
import ssl
from collections.abc import AsyncIterator, Awaitable, Iterator, Mapping
from http import HTTPStatus
from types import TracebackType
from typing import Any, Callable, NamedTuple, TypeVar, Union, cast
from uuid import uuid4

import aiohttp
from aiohttp import ClientResponse, ClientSession, hdrs
from multidict import CIMultiDict, CIMultiDictProxy, MultiDict
from yarl import URL

from aiohttpretty import AioHTTPretty, Call, NoRouteMatched, current

__all__ = [
    "CallbackResult",
    "RequestCall",
    "RequestMatch",
    "UnmatchedRequest",
    "aioresponses",
    "merge_params",
    "normalize_url",
]

_F = TypeVar("_F", bound=Callable[..., Any])
URLOrPattern = Union[str, URL, "re.Pattern[str]"]

#: The methods that have a catch-all route from the start; others get one when
#: a route or a request uses them.
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT")
_REDIRECTS = (301, 302, 303, 307, 308)
_EVERY_URL = re.compile("")
_DEFAULT = object()


# URLs, as aioresponses compares them.
def merge_params(url: str | URL, params: Any = None) -> URL:
    """``url`` with ``params`` appended to its query (aioresponses' rule: the
    URL's own pairs first, then those of ``params``)."""
    merged = URL(url)
    if not params:
        return merged
    pairs: MultiDict[str] = MultiDict(merged.query)
    pairs.extend(merged.with_query(params).query)
    return merged.with_query(pairs)


def normalize_url(url: str | URL) -> URL:
    """``url`` with its query pairs sorted: the key of ``m.requests`` and what
    a route's URL is compared to.  The fragment is kept."""
    parsed = URL(url)
    return parsed.with_query(sorted(parsed.query.items()))


# What aioresponses users write and read.
class CallbackResult:
    """What a ``callback`` returns: the response to send (its defaults are
    those of a route)."""

    def __init__(
        self,
        method: str = hdrs.METH_GET,
        status: int = 200,
        body: str | bytes = "",
        content_type: str = "application/json",
        payload: Any = None,
        headers: Any = None,
        response_class: type[ClientResponse] | None = None,
        reason: str | None = None,
    ) -> None:
        self.method = method
        self.status = status
        self.body = body
        self.content_type = content_type
        self.payload = payload
        self.headers = headers
        self.response_class = response_class
        self.reason = reason


class RequestCall(NamedTuple):
    """One recorded call in ``m.requests``: the positional and keyword
    arguments passed to the session (keyword arguments deep-copied when they
    can be)."""

    args: tuple[Any, ...]
    kwargs: dict[str, Any]


class RequestMatch:
    """A route added with ``m.add(...)`` (or ``m.get(...)``, ...): the values
    in ``m._matches``, with aioresponses' attribute names."""

    def __init__(
        self,
        url: URLOrPattern,
        method: str = hdrs.METH_GET,
        status: int = 200,
        body: Any = "",
        payload: Any = None,
        exception: Any = None,
        headers: Any = None,
        content_type: str = "application/json",
        response_class: type[ClientResponse] | None = None,
        timeout: bool = False,
        repeat: bool | int = False,
        reason: str | None = None,
        callback: Callable[..., Any] | None = None,
    ) -> None:
        self.url_or_pattern: URL | re.Pattern[str] = (
            url if isinstance(url, re.Pattern) else normalize_url(url)
        )
        self.method = method.lower()
        self.status = status
        self.body = body
        self.payload = payload
        self.exception = TimeoutError("Connection timeout test") if timeout else exception
        if headers is None:
            headers = CIMultiDict()
        elif isinstance(headers, dict):
            headers = CIMultiDict(headers)
        self.headers = headers
        self.content_type = content_type
        self.response_class = response_class
        self.repeat = repeat
        self.reason = _standard_reason(status) if reason is None else reason
        self.callback = callback

    def match(self, method: str, url: URL) -> bool:
        """Whether this route answers ``method url`` (``url`` as
        :func:`normalize_url` gives it)."""
        if self.method != method.lower():
            return False
        if isinstance(self.url_or_pattern, re.Pattern):
            return self.url_or_pattern.match(str(url)) is not None
        return self.url_or_pattern == url

    def __repr__(self) -> str:
        return f"RequestMatch('{self.url_or_pattern}')"


class UnmatchedRequest(aiohttp.ClientConnectionError, NoRouteMatched):
    """Raised for a request no route matches: the
    :class:`aiohttp.ClientConnectionError` aioresponses raises, with its
    message (``Connection refused: GET http://...``).

    It is also an :class:`aiohttpretty.NoRouteMatched`: the refused request
    (``.call``) is recorded in ``m.aiohttpretty.unmatched`` and, inside an
    :class:`~aiohttpretty.AioHTTPrettyTestCase` test or a test marked
    ``@pytest.mark.aiohttpretty``, in that test's refusals, so the test fails
    at teardown if the code under test swallowed the error.  Expecting it with
    ``self.assertRaises(ClientConnectionError)`` (or ``pytest.raises``) there
    is enough to accept it.
    """

    expected_as = (aiohttp.ClientConnectionError,)

    def __init__(self, message: str, call: Call | None = None) -> None:
        super().__init__(message)
        self.call = call


# The exchange: one call of ClientSession._request, and the requests on the
# wire it made (the first, then one per redirect).
class _Hop(NamedTuple):
    url: URL
    method: str
    response_class: type[ClientResponse] | None


class _Exchange:
    __slots__ = ("hops", "kwargs", "method", "owner", "redirecting", "url")

    def __init__(self, owner: aioresponses, method: str, url: URL, kwargs: dict[str, Any]) -> None:
        self.owner = owner
        self.method = method
        self.url = url
        #: The arguments a callback receives (``allow_redirects`` always among them).
        self.kwargs = kwargs
        #: One entry per request answered on the wire; ``None`` when it was
        #: passed to the network.
        self.hops: list[_Hop | None] = []
        #: Whether the last answer was a redirect aiohttp follows.
        self.redirecting = False


_exchange: contextvars.ContextVar[_Exchange | None] = contextvars.ContextVar(
    "aiohttpretty_aioresponses_exchange", default=None
)


class _Deliver(aiohttp.ClientConnectionError):
    """Carries an exception from the connection up to the session call, where
    it is raised as given: aiohttp would turn some (``HttpProcessingError``,
    ``OSError``, ``CancelledError``) into others on the way."""

    def __init__(self, exception: BaseException | type[BaseException]) -> None:
        super().__init__(f"aioresponses delivers {exception!r}")
        self.exception = exception


class aioresponses:
    """Mock the requests of :class:`aiohttp.ClientSession`, as aioresponses does.

    Use it as a context manager (``with aioresponses() as m:``), as a decorator
    of a sync or async test function or method (the mock is passed as the last
    positional argument, or as the keyword argument ``param`` names), or with
    :meth:`start` and :meth:`stop`.

    ``passthrough`` lists URLs whose host (and port, when the URL gives one)
    reaches the network; ``passthrough_unmatched=True`` sends every request that
    no route matches to the network.
    """

    def __init__(
        self,
        *,
        param: str | None = None,
        passthrough: Any = (),
        passthrough_unmatched: bool = False,
    ) -> None:
        self._param = param
        self._passthrough: list[str] = [str(prefix) for prefix in (passthrough or ())]
        self._passthrough_hosts = _passthrough_hosts(self._passthrough)
        self.passthrough_unmatched = passthrough_unmatched
        #: Every call of the session, keyed by ``(method, URL)`` as aioresponses
        #: keys it: the method as passed, the URL with its query sorted
        #: (:func:`normalize_url`).  Kept after :meth:`stop`.
        self.requests: dict[tuple[str, URL], list[RequestCall]] = {}
        self._matches: dict[str, RequestMatch] = {}
        self._responses: list[ClientResponse] = []
        #: The :class:`aiohttpretty.AioHTTPretty` answering while started (the
        #: last one after :meth:`stop`): ``.calls`` the requests as sent on the
        #: wire, ``.unmatched`` those refused.
        self.aiohttpretty: AioHTTPretty | None = None
        self._methods: set[str] = set()
        self._depth = 0

    # Starting and stopping.
    def __enter__(self) -> aioresponses:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __call__(self, func: _F) -> _F:
        def with_mock(mock: aioresponses, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
            if self._param:
                kwargs[self._param] = mock
                return args
            return (*args, mock)

        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with self as mock:
                    return await func(*with_mock(mock, args, kwargs), **kwargs)

            return cast(_F, run_async)

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self as mock:
                return func(*with_mock(mock, args, kwargs), **kwargs)

        return cast(_F, run)

    def start(self) -> None:
        """Start mocking: from now on every request of every session is
        answered by this mock's routes (or passed through)."""
        self._depth += 1
        if self._depth > 1:
            return
        self._responses = []
        mock = AioHTTPretty()
        self._methods = set()
        self.aiohttpretty = mock
        for method in (*_METHODS, *(route.method.upper() for route in self._matches.values())):
            self._answer_method(method)
        try:
            mock.activate(self._passthrough_hosts or None)
            _started.append(self)
            _install()
        except BaseException:
            self._depth = 0
            if self in _started:
                _started.remove(self)
            mock.deactivate()
            raise

    def stop(self) -> None:
        """Stop mocking and forget the routes; :attr:`requests` stays."""
        if self._depth == 0:
            return
        self._depth -= 1
        if self._depth:
            return
        if self in _started:
            _started.remove(self)
        try:
            if not _started:
                _uninstall()
        finally:
            if self.aiohttpretty is not None:
                self.aiohttpretty.deactivate()
            self.clear()

    def clear(self) -> None:
        """Forget the routes and the responses (not :attr:`requests`)."""
        self._responses.clear()
        self._matches.clear()

    # Routes.
    def head(self, url: URLOrPattern, **kwargs: Any) -> None:
        """Add a route for ``HEAD url``; the options are those of :meth:`add`."""
        self.add(url, method=hdrs.METH_HEAD, **kwargs)

    def get(self, url: URLOrPattern, **kwargs: Any) -> None:
        """Add a route for ``GET url``; the options are those of :meth:`add`."""
        self.add(url, method=hdrs.METH_GET, **kwargs)

    def post(self, url: URLOrPattern, **kwargs: Any) -> None:
        """Add a route for ``POST url``; the options are those of :meth:`add`."""
        self.add(url, method=hdrs.METH_POST, **kwargs)

    def put(self, url: URLOrPattern, **kwargs: Any) -> None:
        """Add a route for ``PUT url``; the options are those of :meth:`add`."""
        self.add(url, method=hdrs.METH_PUT, **kwargs)

    def patch(self, url: URLOrPattern, **kwargs: Any) -> None:
        """Add a route for ``PATCH url``; the options are those of :meth:`add`."""
        self.add(url, method=hdrs.METH_PATCH, **kwargs)

    def delete(self, url: URLOrPattern, **kwargs: Any) -> None:
        """Add a route for ``DELETE url``; the options are those of :meth:`add`."""
        self.add(url, method=hdrs.METH_DELETE, **kwargs)

    def options(self, url: URLOrPattern, **kwargs: Any) -> None:
        """Add a route for ``OPTIONS url``; the options are those of :meth:`add`."""
        self.add(url, method=hdrs.METH_OPTIONS, **kwargs)

    def add(
        self,
        url: URLOrPattern,
        method: str = hdrs.METH_GET,
        status: int = 200,
        body: str | bytes = "",
        exception: Any = None,
        content_type: str = "application/json",
        payload: Any = None,
        headers: Any = None,
        response_class: type[ClientResponse] | None = None,
        repeat: bool | int = False,
        timeout: bool = False,
        reason: str | None = None,
        callback: Callable[..., Any] | None = None,
    ) -> None:
        """Add a route: the next request for ``method url`` (a string, a
        :class:`yarl.URL` or a compiled pattern matched against the URL with
        its query sorted) gets this response.

        The first route added that matches answers; it answers once, or
        ``repeat`` times (``True``: always).  ``payload`` is sent as JSON (it
        wins over ``body``); ``content_type`` is the ``Content-Type``, which
        ``headers`` may replace.  ``exception`` (an instance or a class) is
        raised instead of a response, ``timeout=True`` raises
        :class:`asyncio.TimeoutError`.  ``callback(url, **kwargs)`` (sync or
        async) is called with the arguments of the request and may return a
        :class:`CallbackResult` to send instead.  ``response_class`` is the
        class of the response object.
        """
        self._matches[str(uuid4())] = RequestMatch(
            url,
            method=method,
            status=status,
            body=body,
            payload=payload,
            exception=exception,
            headers=headers,
            content_type=content_type,
            response_class=response_class,
            timeout=timeout,
            repeat=repeat,
            reason=reason,
            callback=callback,
        )
        if self.aiohttpretty is not None and self._depth:
            self._answer_method(method.upper())

    # Assertions (aioresponses' messages).
    def assert_not_called(self) -> None:
        """Fail if any request was made."""
        if self.requests:
            raise AssertionError(
                f"Expected '{type(self).__name__}' to not have been called. "
                f"Called {len(self._responses)} times."
            )

    def assert_called(self) -> None:
        """Fail if no request was made."""
        if not self.requests:
            raise AssertionError(f"Expected '{type(self).__name__}' to have been called.")

    def assert_called_once(self) -> None:
        """Fail unless exactly one request was made."""
        count = len(self.requests)
        if count == 1:
            count = len(next(iter(self.requests.values())))
        if count != 1:
            raise AssertionError(
                f"Expected '{type(self).__name__}' to have been called once. Called {count} times."
            )

    def assert_called_with(
        self,
        url: str | URL,
        method: str = hdrs.METH_GET,
        args_to_match: Any = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        """Fail unless the last request for ``method url`` (``params`` merged
        into ``url``) was made with these arguments; ``args_to_match`` names
        the keyword arguments to compare (default: all)."""
        method = method.upper()
        key = (method, normalize_url(merge_params(url, kwargs.get("params"))))
        if not self.requests.get(key):
            signature = self._format_call_signature(key[1], *args, method=method, **kwargs)
            raise AssertionError(f"{signature} call not found")
        actual = self.requests[key][-1]
        expected = self._build_request_call(method, *args, **kwargs)
        if args_to_match is not None:
            differs = any(
                name not in actual.kwargs
                or name not in expected.kwargs
                or actual.kwargs[name] != expected.kwargs[name]
                for name in args_to_match
            )
        else:
            differs = actual != expected
        if differs:
            raise AssertionError(
                f"{self._format_call_signature(actual)} != {self._format_call_signature(expected)}"
            )

    def assert_called_once_with(self, *args: Any, **kwargs: Any) -> None:
        """:meth:`assert_called_once`, then :meth:`assert_called_with`."""
        self.assert_called_once()
        self.assert_called_with(*args, **kwargs)

    def assert_any_call(self, url: str | URL, method: str = hdrs.METH_GET, *args: Any, **kwargs: Any) -> None:
        """Fail unless a request for ``method url`` (``params`` merged into
        ``url``) was made; like aioresponses, other arguments are not compared."""
        method = method.upper()
        key = (method, normalize_url(merge_params(url, kwargs.get("params"))))
        if key not in self.requests:
            signature = self._format_call_signature(key[1], *args, method=method, **kwargs)
            raise AssertionError(f"{signature} call not found")

    def _format_call_signature(self, *args: Any, **kwargs: Any) -> str:
        parts = [repr(arg) for arg in args] + [f"{name}={value!r}" for name, value in kwargs.items()]
        return f"{type(self).__name__}({', '.join(parts)})"

    def _build_request_call(
        self, method: str = hdrs.METH_GET, *args: Any, allow_redirects: bool = True, **kwargs: Any
    ) -> RequestCall:
        kwargs.setdefault("allow_redirects", allow_redirects)
        if method == hdrs.METH_POST:
            kwargs.setdefault("data", None)
        try:
            kwargs = copy.deepcopy(kwargs)
        except Exception:  # a generator, a lock, an SSL context ...: kept as passed
            pass
        return RequestCall(args, kwargs)

    # The session call.
    async def _session_request(
        self,
        below: Callable[..., Awaitable[ClientResponse]],
        session: ClientSession,
        method: str,
        str_or_url: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> ClientResponse:
        """One call of ``ClientSession._request``: record it as aioresponses
        does, let aiohttp send it (answered by :meth:`_answer`), and hand back
        the response or the exception the route asks for."""
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
        url = _session_url(session, str_or_url)
        if session.headers:
            seen["headers"] = _merge_headers(session.headers, seen.get("headers"))
        url = normalize_url(merge_params(url, seen.get("params")))
        if self._passes_through(url):
            return await below(session, method, str_or_url, *args, **kwargs)
        self._answer_method(method.upper())
        self.requests.setdefault((method, url), []).append(self._build_request_call(method, *args, **seen))
        if _unsendable_iterator(kwargs.get("data")):
            kwargs["data"] = _iterate(kwargs["data"])
        exchange = _Exchange(self, method, url, {"allow_redirects": True, **seen})
        token = _exchange.set(exchange)
        delivered: BaseException | type[BaseException] | None = None
        try:
            response = await below(session, method, str_or_url, *args, **kwargs)
        except _Deliver as deliver:
            delivered = deliver.exception
        except UnmatchedRequest as refusal:
            # aioresponses names the request the code made, also when it is a
            # redirect that found no route.
            delivered = UnmatchedRequest(f"Connection refused: {method} {url}", refusal.call)
            self._explain(delivered)
        finally:
            _exchange.reset(token)
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

    def _passes_through(self, url: URL) -> bool:
        if not self._passthrough:
            return False
        text = str(url)
        if any(text.startswith(prefix) for prefix in self._passthrough):
            return True
        host = (url.host or "").lower()
        return host in self._passthrough_hosts or f"{host}:{url.port}" in self._passthrough_hosts

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

    # The request on the wire.
    async def _answer(self, call: Call) -> dict[str, Any]:
        """The catch-all route's callback: find the route that answers
        ``call`` and build its response, or refuse the request."""
        exchange = _exchange.get()
        direct = exchange is None or exchange.owner is not self
        if direct:
            # Not seen at the session (a request made without _request):
            # matched as it is on the wire, exceptions raised from here.
            kwargs = {"allow_redirects": True, **call.kwargs}
            exchange = _Exchange(self, call["method"], normalize_url(call.url), kwargs)
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
                return await _forward_or_fail(call, direct)
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
            raise failure if direct else _Deliver(failure)
        exchange.hops.append(_Hop(url, reply.pop("method"), reply.pop("response_class")))
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

    def _dress(self, response: ClientResponse, exchange: _Exchange) -> None:
        """Make the responses read as aioresponses built them where its users'
        tests look: the method (the route's, lower case), ``request_info``
        (the headers the code passed) and the class."""
        headers = CIMultiDictProxy(CIMultiDict(exchange.kwargs.get("headers") or {}))
        responses = [*response.history, response]
        for answered, hop in zip(reversed(responses), reversed(exchange.hops), strict=False):
            if hop is None:
                continue
            if hop.response_class is not None and not isinstance(answered, hop.response_class):
                try:
                    answered.__class__ = hop.response_class
                except TypeError as exc:
                    raise TypeError(
                        f"response_class must be a subclass of aiohttp.ClientResponse, "
                        f"got {hop.response_class!r}"
                    ) from exc
            answered.method = hop.method
            answered._request_info = aiohttp.RequestInfo(hop.url, hop.method, headers, hop.url)

    def __repr__(self) -> str:
        state = "started" if self._depth else "stopped"
        return f"<aioresponses {state} routes={len(self._matches)} requests={len(self.requests)}>"


async def _call_back(route: RequestMatch, url: URL, kwargs: dict[str, Any]) -> Any:
    """What the route's callback returns (``None`` without a callback)."""
    if not callable(route.callback):
        return None
    result = route.callback(url, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    return result


def _standard_reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


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
        "reason": _standard_reason(result.status) if reason is None else reason,
        "headers": list(headers.items()),
        "body": body,
        "auto_length": False,  # as aioresponses: no Content-Length but a registered one
        "method": result.method,
        "response_class": result.response_class,
    }


def _session_url(session: ClientSession, str_or_url: Any) -> URL:
    """The URL the session requests (``base_url`` joined), fragment kept."""
    build = getattr(session, "_build_url", None)
    if callable(build):
        url: URL = build(str_or_url)
        return url
    return URL(str_or_url)


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


_EXPLICIT_PORT = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/?#]*):(\d+)")


def _passthrough_hosts(prefixes: list[str]) -> list[str]:
    """The hosts (``host`` or ``host:port``) the mock lets through for the
    passthrough URLs."""
    hosts = []
    for prefix in prefixes:
        url = URL(prefix)
        if not url.host:
            raise ValueError(
                f"passthrough takes URLs with a host, such as 'http://127.0.0.1:8080', got {prefix!r}"
            )
        explicit = _EXPLICIT_PORT.match(prefix)
        hosts.append(f"{url.host.lower()}:{explicit.group(1)}" if explicit else url.host.lower())
    return hosts


# Sending an unmatched request to the network (passthrough_unmatched=True): the
# request as aiohttp wrote it goes over a connection of its own, and the
# response comes back through aiohttp's parser like any other.
_HOP_BY_HOP = frozenset(
    ("connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "expect")
)


async def _forward_or_fail(call: Call, direct: bool) -> dict[str, Any]:
    try:
        return await _forward(call)
    except asyncio.CancelledError:
        raise
    except OSError as exc:
        failure: aiohttp.ClientError = aiohttp.ClientOSError(
            exc.errno, f"Cannot connect to host {call.url.origin()} (passthrough_unmatched): {exc}"
        )
    except Exception as exc:
        failure = aiohttp.ClientConnectionError(f"passthrough_unmatched: {call.url.origin()} failed: {exc!r}")
    if direct:
        raise failure
    raise _Deliver(failure)


async def _forward(call: Call) -> dict[str, Any]:
    url = call.url
    secure = url.scheme in ("https", "wss")
    host = url.raw_host or ""
    reader, writer = await asyncio.open_connection(
        host,
        url.port,
        ssl=_ssl_context(call.kwargs.get("ssl", True)) if secure else None,
        server_hostname=host if secure else None,
        limit=2**20,
    )
    try:
        lines = [f"{call.method} {url.raw_path_qs or '/'} HTTP/1.1"]
        for name, value in call.headers.items():
            if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                lines.append(f"{name}: {value}")
        if call.body or "Content-Length" in call.headers or "Transfer-Encoding" in call.headers:
            lines.append(f"Content-Length: {len(call.body)}")
        lines.append("Connection: close")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape") + call.body)
        await writer.drain()
        return await _read_response(reader, call.method)
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:  # already reset by the server: closed all the same
            pass


def _ssl_context(option: Any) -> ssl.SSLContext:
    if isinstance(option, ssl.SSLContext):
        return option
    context = ssl.create_default_context()
    if option is False:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


async def _read_response(reader: asyncio.StreamReader, method: str) -> dict[str, Any]:
    while True:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        status_line, *header_lines = head[:-4].split("\r\n")
        _, status_text, *reason = status_line.split(" ", 2)
        status = int(status_text)
        if status == 101:
            raise ValueError("a protocol upgrade (101 Switching Protocols) cannot be passed through")
        if not 100 <= status < 200:
            break  # else an interim response (100 Continue, 103 Early Hints): the final one follows
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in header_lines if ":" in line]
    names = {name.lower(): value for name, value in headers}
    if method == hdrs.METH_HEAD or status in (204, 304) or status < 200:
        kept = [(name, value) for name, value in headers if name.lower() not in _HOP_BY_HOP]
        return {"status": status, "reason": reason[0] if reason else "", "headers": kept, "body": b""}
    if "chunked" in names.get("transfer-encoding", "").lower():
        parts = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0].strip() or b"0", 16):
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
            pass
        body = b"".join(parts)
    elif "content-length" in names:
        body = await reader.readexactly(int(names["content-length"]))
    else:
        body = await reader.read()
    kept = [(name, value) for name, value in headers if name.lower() not in (*_HOP_BY_HOP, "content-length")]
    return {
        "status": status,
        "reason": reason[0] if reason else "",
        "headers": kept,
        "body": body,
        "auto_length": True,
    }


# The wrapper of ClientSession._request: installed while an aioresponses is
# started; the last one started answers.
_started: list[aioresponses] = []
_wrapper: Any = None  # the wrapper in place (only it acts; an older one passes calls on)
_wrapped: Any = None  # what it replaced


def _install() -> None:
    global _wrapper, _wrapped
    if _wrapper is not None and _in_chain(_wrapper):
        return
    below = ClientSession.__dict__["_request"]

    @functools.wraps(below)
    async def _request(
        session: ClientSession, method: str, str_or_url: Any, *args: Any, **kwargs: Any
    ) -> Any:
        if _request is not _wrapper or not _started:
            return await below(session, method, str_or_url, *args, **kwargs)
        return await _started[-1]._session_request(below, session, method, str_or_url, args, kwargs)

    _request._aiohttpretty_aioresponses = True  # type: ignore[attr-defined]
    setattr(ClientSession, "_request", _request)
    _wrapper, _wrapped = _request, below


def _uninstall() -> None:
    global _wrapper, _wrapped
    if _wrapper is not None and ClientSession.__dict__.get("_request") is _wrapper:
        setattr(ClientSession, "_request", _wrapped)
    # Wrapped by something else since: left in place, it passes calls on.
    _wrapper = _wrapped = None


def _in_chain(wrapper: Any) -> bool:
    """Whether ``wrapper`` is (still) what ``ClientSession._request`` calls."""
    function: Any = ClientSession.__dict__.get("_request")
    for _ in range(16):
        if function is None:
            return False
        if function is wrapper:
            return True
        function = getattr(function, "__wrapped__", None)
    return False
