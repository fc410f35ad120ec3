"""The mock: a registry of routes, the calls it recorded, and its activation."""

from __future__ import annotations

import asyncio
import difflib
import errno
import inspect
import math
import re
import sys
import warnings
from collections.abc import AsyncIterator, Coroutine, Mapping
from typing import Any, Callable

import aiohttp
from aiohttp.client_proto import ResponseHandler
from yarl import URL

from . import interception
from .errors import NoRouteMatched, UnknownOptionWarning, refusals_in
from .matchers import CONDITION_OPTIONS, build_conditions
from .records import Call, CallList
from .responses import (
    ONE_CHUNK,
    RESPONSE_OPTIONS,
    Chunks,
    InvalidBody,
    Reply,
    ResponseSpec,
    Stream,
    json_response_body,
    with_json_content_type,
)
from .routes import (
    URI,
    Registry,
    RegistryView,
    Route,
    location,
    normalise_method,
    normalise_url,
    query_key,
)

__all__ = ["REGISTER_OPTIONS", "AioHTTPretty"]

#: The options of one response, also allowed inside ``responses=[...]``.
REPLY_OPTIONS = (*RESPONSE_OPTIONS, "exception", "delay")
#: Every option ``register_uri`` and ``register_json_uri`` take.
REGISTER_OPTIONS = (
    "params",
    "responses",
    *REPLY_OPTIONS,
    "callback",
    "times",
    *CONDITION_OPTIONS,
    "match_params_partial",
)
#: The keys a ``callback`` may return.
CALLBACK_RESULT_OPTIONS = (*RESPONSE_OPTIONS, "json")

_AIOHTTP = tuple(int(part) for part in re.findall(r"\d+", aiohttp.__version__)[:2])
# aiohttp 3.9 writes every request from a task of its own, which a response
# complete before that task ended would cancel; 3.10 does too on Python < 3.12
# (where the task does not start at once), and such a response keeps the
# connection out of the pool.  There every answer is a task, which lets
# aiohttp's own task end first.
_ANSWER_AT_ONCE = _AIOHTTP >= (3, 11) or (_AIOHTTP >= (3, 10) and sys.version_info >= (3, 12))


class AioHTTPretty:
    """A mock of aiohttp's client: routes, recorded calls and activation.

    The module-level functions of :mod:`aiohttpretty` forward to one default
    instance; a test may also hold a private one::

        mock = AioHTTPretty()
        mock.register_uri('GET', 'http://api.test/x', body=b'hi')
        mock.activate()
    """

    def __init__(self) -> None:
        self._registry = Registry()
        #: Every request answered by a route, in arrival order.
        self.calls: CallList = CallList()
        #: Requests that no route answered (refused with :class:`NoRouteMatched`).
        self.unmatched: CallList = CallList()
        self._passthrough: frozenset[str] = frozenset()

    # Registration.
    @property
    def registry(self) -> RegistryView:
        """A read-only view of the registered routes, keyed by ``(METHOD, url)``."""
        return RegistryView(self._registry)

    def register_uri(self, method: str, uri: URI, **options: Any) -> Route:
        """Register the response for ``method uri``; the options are listed in :ref:`options`.

        Unknown option names are ignored with an :class:`UnknownOptionWarning`.
        """
        return self._register(method, uri, options, json=False, strict=False)

    def register_json_uri(self, method: str, uri: URI, **options: Any) -> Route:
        """Like :meth:`register_uri`, with ``body`` JSON-encoded and
        ``Content-Type: application/json`` unless ``headers`` gives another."""
        return self._register(method, uri, options, json=True, strict=False)

    def _register(
        self, method: str, uri: URI | re.Pattern[str], options: dict[str, Any], *, json: bool, strict: bool
    ) -> Route:
        options = _known_options(options, REGISTER_OPTIONS, strict=strict)
        method = normalise_method(method)
        params = options.pop("params", None)
        partial = options.pop("match_params_partial", False)
        if not isinstance(partial, bool):
            raise TypeError(f"match_params_partial must be True or False, got {partial!r}")
        url: URL | re.Pattern[str]
        if isinstance(uri, re.Pattern):
            if params is not None or partial:
                raise ValueError("params and match_params_partial do not apply to a pattern uri")
            url = uri
        else:
            url = normalise_url(uri, params)
        conditions = build_conditions(options)
        callback = options.pop("callback", None)
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be a function taking the request, got {callback!r}")
        times = _times(options.pop("times", None))
        responses = options.pop("responses", None)
        if responses is None:
            replies = [_reply(options, json=json, top_level=True)]
        else:
            if options:
                raise ValueError(
                    f"give the response options {sorted(options)} inside each entry of "
                    f"responses=[...], not beside it"
                )
            if callback is not None:
                raise ValueError(
                    "callback and responses cannot be combined: the callback computes each response"
                )
            if isinstance(responses, (str, bytes)) or not isinstance(responses, (list, tuple)):
                raise TypeError(f"responses must be a list of dicts, got {type(responses).__name__}")
            replies = []
            for number, entry in enumerate(responses):
                if not isinstance(entry, Mapping):
                    raise TypeError(f"responses[{number}] must be a dict of response options, got {entry!r}")
                if "params" in entry:
                    raise ValueError(
                        "params cannot be given inside responses: register each query "
                        "string with its own register_uri call"
                    )
                entry = _known_options(dict(entry), REPLY_OPTIONS, strict=strict)
                replies.append(_reply(entry, json=json, top_level=False))
        route = Route(
            method,
            url,
            replies,
            repeat=responses is None,
            conditions=conditions,
            partial_query=partial,
            callback=callback,
            times=times,
        )
        self._registry.add(route)
        return route

    def clear(self) -> None:
        """Forget all routes and recorded calls."""
        self._registry.clear()
        self.calls.clear()
        self.unmatched.clear()

    # Activation.
    @property
    def is_active(self) -> bool:
        """Whether this mock is intercepting aiohttp now."""
        return self in interception._active

    def activate(self, passthrough: Any = None) -> None:
        """Start intercepting every aiohttp client request.  Safe to call twice.

        ``passthrough`` lists hosts (``'127.0.0.1'``) or ``host:port`` pairs
        whose requests go to the real network, e.g. to an
        :class:`aiohttp.test_utils.TestServer`; everything else stays mocked.
        """
        if passthrough is not None:
            if isinstance(passthrough, str):
                passthrough = [passthrough]
            hosts = list(passthrough)
            if not all(isinstance(host, str) and host for host in hosts):
                raise TypeError(
                    f"passthrough must be a list of host names or host:port strings, got {hosts!r}"
                )
            self._passthrough = frozenset(host.lower() for host in hosts)
        interception.install(self)

    def deactivate(self) -> None:
        """Stop intercepting and restore aiohttp as it was.  Safe to call twice."""
        interception.uninstall(self)

    def _passes_through(self, url: URL) -> bool:
        return self._passes_through_host(url.host, url.port)

    def _passes_through_host(self, host: str | None, port: int | None) -> bool:
        if not self._passthrough:
            return False
        host = (host or "").lower()
        return host in self._passthrough or f"{host}:{port}" in self._passthrough

    # Requests.
    async def fake_request(self, method: str, uri: URI, **kwargs: Any) -> aiohttp.ClientResponse:
        """Answer one request from the registry, without a session and without
        :meth:`activate`, through aiohttp's own client code.

        Takes the arguments of ``ClientSession.request``; returns the
        :class:`aiohttp.ClientResponse` with its body already read, so
        ``read()``, ``text()`` and ``json()`` work after it returns.
        """
        connector = _MockConnector(self)
        async with aiohttp.ClientSession(connector=connector) as session:
            token = interception.session_call.set(interception.SessionCall(method, uri, kwargs))
            try:
                response = await session.request(method, uri, **kwargs)
                await response.read()
            finally:
                interception.session_call.reset(token)
        return response

    def _answer(
        self, transport: interception.MockTransport, head: interception.RequestHead, body: bytes
    ) -> Coroutine[Any, Any, None] | None:
        """Answer the request (``head`` and ``body``) that arrived on ``transport``.

        A reply that needs no waiting (bytes, no delay, exception or callback)
        is sent at once and ``None`` returned: no task and no extra turn of the
        event loop.  Otherwise the returned coroutine answers (as a task).
        """
        passed = transport.session_call
        call = Call(
            head.method,
            transport.url,
            head.header_lines,
            body,
            passed.kwargs if passed is not None else None,
            passed.method if passed is not None else None,
        )
        try:
            route = self._registry.resolve(call)
            if route is None:
                raise NoRouteMatched(self._registry.explain(call))
            reply = route.next_reply()
        except NoRouteMatched as exc:
            exc.call = call
            self.unmatched.append(call)
            return _finish(transport, exc)
        except BaseException as exc:  # a condition's own error, e.g. in match=callable
            return _finish(transport, exc)
        call.route = route
        self.calls.append(call)
        route.calls.append(call)
        if _ANSWER_AT_ONCE and not reply.delay and reply.exception is None and route.callback is None:
            keep_alive = _send_at_once(transport, reply.spec, call)
            if keep_alive is not None:
                transport.done(keep_alive)
                return None
        return self._reply(transport, route, reply, call)

    async def _reply(
        self, transport: interception.MockTransport, route: Route, reply: Reply, call: Call
    ) -> None:
        """Send ``reply`` to ``call``, waiting for its delay, callback or stream."""
        try:
            if not _ANSWER_AT_ONCE:
                await asyncio.sleep(0)  # the task writing the request ends first
            if reply.delay:
                await asyncio.sleep(reply.delay)
            if reply.exception is not None:
                raise _exception(reply.exception, call.url)
            spec = reply.spec
            if route.callback is not None:
                spec = await _call_back(route, call, spec)
            keep_alive = await _send(transport, spec, call)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            transport.finish(exc)
        else:
            transport.done(keep_alive)

    def _forgive(self, refusal: NoRouteMatched) -> None:
        """The test expected ``refusal``: it does not fail the test at teardown."""
        self.unmatched[:] = [call for call in self.unmatched if call is not refusal.call]

    def _forgive_refusals_in(self, exc: BaseException | None) -> None:
        """The test saw ``exc``: the refusals its traceback shows are reported
        with it (or were expected), not again at teardown."""
        for refusal in refusals_in(exc):
            self._forgive(refusal)

    def has_call(self, uri: URI, check_params: bool = True, **kwargs: Any) -> bool:
        """Whether a request for ``uri`` was made.

        ``method`` and ``params`` narrow the search; ``check_params=False``
        ignores the query string.  Other keywords are compared to the arguments
        the code passed to the session (``headers=``, ``data=``, ``json=`` ...).
        Never raises: odd arguments simply find nothing.
        """
        try:
            method = kwargs.pop("method", None)
            url = normalise_url(uri, kwargs.pop("params", None))
            wanted_method = None if method is None else str(method).upper()
            for call in self.calls:
                if wanted_method is not None and call["method"].upper() != wanted_method:
                    continue
                if location(call.url) != location(url):
                    continue
                if check_params and query_key(call.url) != query_key(url):
                    continue
                if all(call.get(key) == value for key, value in kwargs.items()):
                    return True
        except Exception:
            return False
        return False

    def __repr__(self) -> str:
        state = "active" if self.is_active else "inactive"
        return f"<AioHTTPretty {state} routes={len(self._registry)} calls={len(self.calls)}>"


class _MockConnector(aiohttp.BaseConnector):
    """A connector answered by one mock, active or not (for ``fake_request``)."""

    _aiohttpretty_own = True

    def __init__(self, mock: AioHTTPretty) -> None:
        super().__init__(force_close=True)
        self._mock = mock

    async def _create_connection(
        self, req: aiohttp.ClientRequest, traces: Any, timeout: Any
    ) -> ResponseHandler:
        if interception.turn_due():
            await asyncio.sleep(0)
        return interception.open_connection(self, req, self._mock)


def _known_options(options: dict[str, Any], known: tuple[str, ...], *, strict: bool) -> dict[str, Any]:
    unknown = [name for name in options if name not in known]
    if not unknown:
        return options
    messages = []
    for name in unknown:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        messages.append(f"unknown option {name!r}{hint}")
    text = "; ".join(messages) + f". Valid options: {', '.join(known)}."
    if strict:
        raise TypeError(text)
    warnings.warn(UnknownOptionWarning(text + " It is ignored."), stacklevel=4)
    return {name: value for name, value in options.items() if name in known}


def _times(times: Any) -> int | None:
    if times is None:
        return None
    if isinstance(times, bool) or not isinstance(times, int):
        raise TypeError(f"times must be an int, got {type(times).__name__}: {times!r}")
    if times < 1:
        raise ValueError(f"times must be at least 1, got {times}")
    return times


def _reply(options: dict[str, Any], *, json: bool, top_level: bool) -> Reply:
    exception = options.pop("exception", None)
    delay = options.pop("delay", 0)
    if isinstance(delay, bool) or not isinstance(delay, (int, float)):
        raise TypeError(f"delay must be a number of seconds, got {type(delay).__name__}: {delay!r}")
    if not math.isfinite(delay) or delay < 0:
        raise ValueError(f"delay must be a finite number of seconds >= 0, got {delay}")
    if exception is not None:
        _check_exception(exception)
    return Reply(_spec(options, json=json, top_level=top_level), exception, float(delay))


def _check_exception(exception: Any) -> None:
    if isinstance(exception, BaseException):
        return
    if not (isinstance(exception, type) and issubclass(exception, BaseException)):
        raise TypeError(
            f"exception must be an exception instance or class, e.g. aiohttp.ServerDisconnectedError(), "
            f"got {exception!r}"
        )
    if not issubclass(exception, aiohttp.ClientConnectorError):
        try:
            exception()
        except Exception:
            raise TypeError(
                f"exception class {exception.__name__} cannot be created without arguments: "
                f"pass an instance instead"
            ) from None


def _exception(exception: BaseException | type[BaseException], url: URL) -> BaseException:
    """The exception to raise; a class is instantiated as the failure would make it."""
    if isinstance(exception, BaseException):
        return exception
    if issubclass(exception, aiohttp.ClientConnectorError):
        refused = OSError(
            errno.ECONNREFUSED, f"Connect call failed (mocked by aiohttpretty) {url.host}:{url.port}"
        )
        return exception(_connection_key(url), refused)
    return exception()


def _connection_key(url: URL) -> Any:
    """A ``ConnectionKey`` for ``url``, as aiohttp's connector errors carry."""
    from aiohttp.client_reqrep import ConnectionKey

    values: dict[str, Any] = {"host": url.host, "port": url.port, "ssl": True}
    values["is_ssl"] = url.scheme in ("https", "wss")
    # A NamedTuple in recent aiohttp, an attrs class in 3.9: both annotate their fields.
    fields: dict[str, Any] = {field: values.get(field) for field in ConnectionKey.__annotations__}
    return ConnectionKey(**fields)


async def _call_back(route: Route, call: Call, default: ResponseSpec) -> ResponseSpec:
    callback: Callable[[Call], Any] = route.callback  # type: ignore[assignment]
    result = callback(call)
    if inspect.isawaitable(result):
        result = await result
    if result is None:
        return default
    name = getattr(callback, "__qualname__", repr(callback))
    if not isinstance(result, Mapping):
        raise TypeError(
            f"the callback {name} of route {route.describe()} returned {result!r}; "
            f"return a dict of response options ({', '.join(CALLBACK_RESULT_OPTIONS)}) or None"
        )
    options = dict(result)
    unknown = [key for key in options if key not in CALLBACK_RESULT_OPTIONS]
    if unknown:
        raise TypeError(
            f"the callback {name} of route {route.describe()} returned unknown option(s) {unknown}; "
            f"valid: {', '.join(CALLBACK_RESULT_OPTIONS)}"
        )
    if "json" in options:
        if "body" in options:
            raise TypeError(f"the callback {name} returned both body and json: give one")
        return ResponseSpec.json(options.pop("json"), **options)
    return ResponseSpec(**options)


def _spec(options: dict[str, Any], *, json: bool, top_level: bool) -> ResponseSpec:
    if not json:
        return ResponseSpec(**options)
    if top_level:
        return ResponseSpec.json(**options)
    options["headers"] = with_json_content_type(options.get("headers"))
    if "body" in options:
        options["body"] = json_response_body(options["body"])
    return ResponseSpec(**options)


async def _finish(transport: interception.MockTransport, exc: BaseException) -> None:
    transport.finish(exc)


def _bodiless(spec: ResponseSpec, call: Call) -> bool:
    """Whether the response has no body on the wire (HEAD, 1xx, 204, 304)."""
    return call.method == "HEAD" or spec.bodiless


def _send_head_alone(
    transport: interception.MockTransport, spec: ResponseSpec, body_length: int | None
) -> bool:
    """Send the head of a response without body; return whether the connection
    may carry the next request (not after a 1xx or ``Connection: close``)."""
    transport.feed(spec.head(body_length))
    return spec.status >= 200 and not spec.closes


def _send_at_once(transport: interception.MockTransport, spec: ResponseSpec, call: Call) -> bool | None:
    """Send a response that needs no waiting (a head alone, or a bytes body of
    one chunk) and return whether the connection may carry the next request;
    ``None`` when the response cannot be sent at once."""
    if spec.message is not None and call.method != "HEAD":
        transport.feed(spec.message)
        return spec.message_framed
    body = spec.body
    if isinstance(body, bytes) and _bodiless(spec, call):
        return _send_head_alone(transport, spec, len(body))
    return None


async def _send(transport: interception.MockTransport, spec: ResponseSpec, call: Call) -> bool:
    """Write the response for ``call`` into ``transport``, as a server would;
    return whether the connection may carry the next request."""
    body = spec.body
    if isinstance(body, InvalidBody):
        route = call.route
        raise TypeError(
            f"the route {route.describe() if route else call.method + ' ' + str(call.url)} "
            f"has a body of type {type(body.body).__name__}, which cannot be sent; "
            f"register bytes, str, a list of chunks, an async iterator or a stream with an async read()"
        )
    keep_alive = _send_at_once(transport, spec, call)
    if keep_alive is not None:
        return keep_alive
    if _bodiless(spec, call):
        return _send_head_alone(transport, spec, None)
    if isinstance(body, bytes):
        length: int | None = len(body)
        chunks: AsyncIterator[bytes] = _slices(body)
    elif isinstance(body, Chunks):
        length, chunks = None, _one_by_one(body)
    elif spec.auto_length:
        data = await body.read()
        length, chunks = len(data), _slices(data)
    else:
        length, chunks = None, _stream_chunks(body)
    transport.feed(spec.head(None if spec.chunked else length))
    async for chunk in chunks:
        if chunk:
            await transport.wait_reading()
            transport.feed(b"%x\r\n%b\r\n" % (len(chunk), chunk) if spec.chunked else chunk)
    if spec.chunked:
        transport.feed(b"0\r\n\r\n")
    return spec.framed(length)


async def _slices(data: bytes) -> AsyncIterator[bytes]:
    view = memoryview(data)
    for start in range(0, len(view), ONE_CHUNK):
        yield bytes(view[start : start + ONE_CHUNK])


async def _one_by_one(body: Chunks) -> AsyncIterator[bytes]:
    async for chunk in body:
        yield chunk
        await asyncio.sleep(0)  # let the reader see each chunk on its own


async def _stream_chunks(stream: Stream) -> AsyncIterator[bytes]:
    while chunk := await stream.read(ONE_CHUNK):
        yield chunk
