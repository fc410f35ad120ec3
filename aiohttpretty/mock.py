"""The mock: a registry of routes, the calls it recorded, and its activation."""

from __future__ import annotations

import asyncio
import difflib
import warnings
from collections.abc import Mapping
from typing import Any

import aiohttp
from aiohttp.client_proto import ResponseHandler
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from . import interception
from .errors import NoRouteMatched, UnknownOptionWarning
from .records import Call, CallList
from .responses import (
    RESPONSE_OPTIONS,
    InvalidBody,
    ResponseSpec,
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

#: Every option ``register_uri`` and ``register_json_uri`` take.
REGISTER_OPTIONS = ("params", "responses", *RESPONSE_OPTIONS)

_CHUNK = 2**16


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

    def _register(self, method: str, uri: URI, options: dict[str, Any], *, json: bool, strict: bool) -> Route:
        options = _known_options(options, REGISTER_OPTIONS, strict=strict)
        method = normalise_method(method)
        url = normalise_url(uri, options.pop("params", None))
        responses = options.pop("responses", None)
        if responses is None:
            specs = [_spec(options, json=json, top_level=True)]
        else:
            if options:
                raise ValueError(
                    f"give the response options {sorted(options)} inside each entry of "
                    f"responses=[...], not beside it"
                )
            if isinstance(responses, (str, bytes)) or not isinstance(responses, (list, tuple)):
                raise TypeError(f"responses must be a list of dicts, got {type(responses).__name__}")
            specs = []
            for number, entry in enumerate(responses):
                if not isinstance(entry, Mapping):
                    raise TypeError(f"responses[{number}] must be a dict of response options, got {entry!r}")
                if "params" in entry:
                    raise ValueError(
                        "params cannot be given inside responses: register each query "
                        "string with its own register_uri call"
                    )
                entry = _known_options(dict(entry), RESPONSE_OPTIONS, strict=strict)
                specs.append(_spec(entry, json=json, top_level=False))
        route = Route(method, url, specs, repeat=responses is None)
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
        """Start intercepting every aiohttp client request.  Safe to call twice."""
        if passthrough is not None:
            self._passthrough = frozenset(passthrough)
        interception.install(self)

    def deactivate(self) -> None:
        """Stop intercepting and restore aiohttp as it was.  Safe to call twice."""
        interception.uninstall(self)

    def _passes_through(self, url: URL) -> bool:
        return bool(self._passthrough) and url.host in self._passthrough

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

    async def _answer(
        self, transport: interception.MockTransport, headers: CIMultiDictProxy[str] | None, body: bytes
    ) -> None:
        """Answer the request that arrived on ``transport`` (a task of its own)."""
        passed = transport.session_call
        call = Call(
            transport.method,
            transport.url,
            headers if headers is not None else CIMultiDictProxy(CIMultiDict()),
            body,
            passed.kwargs if passed is not None else None,
            passed.method if passed is not None else None,
        )
        route = self._registry.resolve(call.method, call.url)
        try:
            if route is None:
                raise NoRouteMatched(self._registry.explain(call.method, call.url))
            spec = route.next_response()
        except NoRouteMatched as exc:
            exc.call = call
            self.unmatched.append(call)
            transport.finish(exc)
            return
        call.route = route
        self.calls.append(call)
        route._record(call)
        try:
            await _send(transport, spec, call)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            transport.finish(exc)
        else:
            transport.finish()

    def _forgive(self, refusal: NoRouteMatched) -> None:
        """The test expected ``refusal``: it does not fail the test at teardown."""
        self.unmatched[:] = [call for call in self.unmatched if call is not refusal.call]

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


def _spec(options: dict[str, Any], *, json: bool, top_level: bool) -> ResponseSpec:
    if not json:
        return ResponseSpec(**options)
    if top_level:
        return ResponseSpec.json(**options)
    options["headers"] = with_json_content_type(options.get("headers"))
    if "body" in options:
        options["body"] = json_response_body(options["body"])
    return ResponseSpec(**options)


async def _send(transport: interception.MockTransport, spec: ResponseSpec, call: Call) -> None:
    body = spec.body
    if isinstance(body, InvalidBody):
        route = call.route
        raise TypeError(
            f"the route {route.method if route else call.method} {route.url if route else call.url} "
            f"has a body of type {type(body.body).__name__}, which cannot be sent; "
            f"register bytes, str or a stream with an async read()"
        )
    no_body = call.method == "HEAD" or spec.status in (204, 304) or spec.status < 200
    if isinstance(body, bytes):
        head = spec.head(len(body))
        if no_body or not body:
            transport.feed(head)
        elif len(body) <= _CHUNK:
            transport.feed(head + body)
        else:
            transport.feed(head)
            await _feed_chunks(transport, body)
        return
    if spec.auto_length:
        data = await body.read()
        transport.feed(spec.head(len(data)))
        if not no_body:
            await _feed_chunks(transport, data)
        return
    transport.feed(spec.head(None))
    while True:
        chunk = await body.read(_CHUNK)
        if not chunk:
            return
        if not no_body:
            await transport.wait_reading()
            transport.feed(chunk)


async def _feed_chunks(transport: interception.MockTransport, data: bytes) -> None:
    view = memoryview(data)
    for start in range(0, len(view), _CHUNK):
        await transport.wait_reading()
        transport.feed(bytes(view[start : start + _CHUNK]))
