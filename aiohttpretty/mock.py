"""The mock: registering routes, activating, answering, and what it recorded.

No bytes and no aiohttp internals here: requests arrive through
:mod:`._transport` (which :mod:`._seam` plugs into aiohttp), and responses
are written by the responders (:mod:`._canned` for registered routes).
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import aiohttp
from yarl import URL

from . import _canned, _context, _forward, _seam, _transport, _websocket
from ._app import AppMount
from ._background import Background
from ._management import RouteManagement, passthrough_rules
from ._options import build_route
from ._registering import Registering
from ._upstream import Upstream
from ._urls import URI, location, normalise_method, normalise_url
from ._websocket_api import WebSocketRoutes
from ._websocket_assertions import WebSocketAssertions
from ._websocket_records import WebSocketConversation
from .assertions import Calls, Raises
from .errors import (
    AioHTTPrettyWarning,
    NetworkEscape,
    NoRouteMatched,
    exceptions_in,
    names_refusal,
    refusals_in,
    warn,
)
from .matchers import ANY_QUERY, EXACT, RequestPattern, passed_checks
from .records import Call, CallList, Mistake
from .routes import Registry, RegistryView, Route

if TYPE_CHECKING:
    from ._wire import RequestHead

__all__ = ["ORIGINAL_API", "AioHTTPretty"]


#: The keyword with which the module-level functions mark a call as one of the
#: original API (unknown options warn, the original's defaults apply).
ORIGINAL_API = "_aiohttpretty_original_api"

# The protocols a request may ask to switch to that a kind of route answers.
_UPGRADES = frozenset({_websocket.WEBSOCKET})


class AioHTTPretty(RouteManagement, Registering, WebSocketRoutes, WebSocketAssertions):
    """A mock of aiohttp's client: routes, recorded calls and activation.

    The module-level functions of :mod:`aiohttpretty` forward to the current
    mock; a test may also hold a private one::

        mock = AioHTTPretty()
        mock.register_uri('GET', 'http://api.test/x', body=b'hi')
        mock.activate()
    """

    def __init__(self) -> None:
        self._registry = Registry()
        #: Every request answered by a route, in arrival order.
        self.calls: Calls = Calls()
        #: Requests that no route answered (refused with :class:`NoRouteMatched`).
        self.unmatched: CallList = CallList()
        #: Mistakes of registrations that showed at request time (:class:`Mistake`).
        self.mistakes: list[Mistake] = []
        #: Every websocket a websocket route answered: the handshake and the
        #: messages both ways.
        self.websockets: list[WebSocketConversation] = []
        self._background = Background()
        self._passthrough: frozenset[str] = frozenset()
        self._url_passthrough: tuple[Callable[[URL], bool], ...] = ()
        #: Send every request no route matches to the network (never the default).
        self.passthrough_unmatched = False
        #: The requests sent to the network by a passthrough rule, route or ``passthrough_unmatched``.
        self.passed_through: CallList = CallList()
        #: What answers a request no route matched, before it is refused
        #: (:class:`~._transport.Mount`: apps, cassettes), first accepting first.
        self._mounts: list[_transport.Mount] = []

    # Registration.
    @property
    def registry(self) -> RegistryView:
        """A read-only view of the registered routes, keyed by ``(METHOD, url)``."""
        return RegistryView(self._registry)

    def _register(self, method: str, uri: Any, options: dict[str, Any], *, json: bool) -> Route:
        original = bool(options.pop(ORIGINAL_API, False))
        route = build_route(method, uri, options, json=json, original=original)
        self._add_route(route)
        return route

    def _add_route(self, route: Route) -> None:
        if route.name is not None:
            for old in self._registry:
                if old.name == route.name:
                    self._registry.remove(old)  # a named route replaces the one of that name
        self._registry.add(route)

    def register_app(self, /, origin: URI, app: Any) -> AppMount:
        """Serve every request to ``origin`` (``'https://api.example.com'``,
        optionally with a path prefix) from ``app``, an
        :class:`aiohttp.web.Application` or a handler coroutine function
        ``async def handler(request)``, through aiohttp's own server code in
        memory: no port is opened.  A route registered for a URL under it wins.
        The app starts on its first request; it is cleaned up when the test
        ends (:meth:`close`).  See :doc:`apps`."""
        mount = AppMount(origin, app)
        self._mounts.append(mount)
        return mount

    def close(self) -> None:
        """Clean up what the mounts started (an app's ``on_cleanup``...), and
        forget them.  Called when a test ends; :meth:`aclose` from a coroutine."""
        mounts, self._mounts = self._mounts, []
        for mount in reversed(mounts):
            mount.close()

    async def aclose(self) -> None:
        """:meth:`close`, awaited on the running event loop."""
        mounts, self._mounts = self._mounts, []
        for mount in reversed(mounts):
            await mount.aclose()

    def schemeless(self, text: str) -> str | None:
        """The URL to request for ``text``, a URL without a scheme that aiohttp
        would refuse, when the original API registered it so (with a warning:
        the code fails so in production); else ``None``."""
        try:
            url = normalise_url("http://" + text)
        except (TypeError, ValueError):
            return None
        place = location(url)
        if not any(route.schemeless and location(route.url) == place for route in self._registry):  # type: ignore[arg-type]
            return None
        replacement = "http://" + text
        warn(
            AioHTTPrettyWarning(
                f"{text!r} has no scheme: aiohttp refuses such a URL (InvalidURL) in production. It is "
                f"answered as {replacement!r} because the original API registered it so; add the scheme."
            )
        )
        return replacement

    def mount(self, mount: _transport.Mount) -> None:
        """Consult ``mount`` (an app, a cassette) for requests no registered route matches."""
        self._mounts.append(mount)

    def unmount(self, mount: _transport.Mount) -> None:
        """Stop consulting ``mount``."""
        if mount in self._mounts:
            self._mounts.remove(mount)

    def clear(self) -> None:
        """Forget all routes, registered apps (cleaned up) and recorded calls."""
        self._registry.clear()
        self.calls.clear()
        self.unmatched.clear()
        self.websockets.clear()
        self._background.clear()
        if self._mounts:
            self.close()

    # Activation.
    @property
    def is_active(self) -> bool:
        """Whether this mock is intercepting aiohttp now."""
        return _seam.active() is self or self in _seam._active

    def activate(self, passthrough: Any = None, *, passthrough_unmatched: bool | None = None) -> None:
        """Start intercepting every aiohttp client request.  Safe to call twice.

        ``passthrough`` lists hosts (``'127.0.0.1'``) or ``host:port`` pairs
        whose requests go to the real network, e.g. to an
        :class:`aiohttp.test_utils.TestServer`, and compiled patterns or
        functions of the request's :class:`yarl.URL` choosing the URLs that go
        there; everything else stays mocked.  ``passthrough_unmatched=True``
        sends every request no route matches to the network (never the default).
        """
        if passthrough is not None:
            self._passthrough, self._url_passthrough = passthrough_rules(passthrough)
        if passthrough_unmatched is not None:
            if not isinstance(passthrough_unmatched, bool):
                raise TypeError(f"passthrough_unmatched must be True or False, got {passthrough_unmatched!r}")
            self.passthrough_unmatched = passthrough_unmatched
        was_active = self.is_active
        _seam.install(self)
        if not was_active:
            _transport.retire_all()

    def deactivate(self) -> None:
        """Stop intercepting and restore aiohttp as it was.  Safe to call twice."""
        was_active = self.is_active
        _seam.uninstall(self)
        if was_active:
            _transport.retire_all()

    # The seam's Interceptor (_hooks.Interceptor).
    def passes_through(self, host: str | None, port: int | None) -> bool:
        """Whether requests to ``host:port`` go to the real network."""
        if not self._passthrough:
            return False
        host = (host or "").lower()
        return host in self._passthrough or f"{host}:{port}" in self._passthrough

    def connect(self, connector: aiohttp.BaseConnector, req: aiohttp.ClientRequest) -> _seam.ResponseHandler:
        """A mocked connection for ``req``, answered by this mock."""
        protocol = _transport.open_connection(connector, req.url, self)
        transport: _transport.MockTransport = protocol.transport  # type: ignore[assignment]
        hostname = getattr(req, "server_hostname", None)  # aiohttp 3.9 has none
        tls = _seam.tls_option(connector, req)
        proxy, auth, headers = req.proxy, req.proxy_auth, req.proxy_headers
        if tls is not True or (proxy, auth, headers, hostname) != (None, None, None, None):
            # Else the transport's default, DIRECT (straight to the host, verified TLS), stays.
            transport.upstream = Upstream(tls, proxy, auth, headers, hostname)
        return protocol

    def escaped(self, method: str, url: URL, how: str) -> BaseException:
        """A real connection was about to carry ``method url``: the refusal."""
        call = Call(method, url, b"", b"")
        host = f"{url.host}:{url.port}" if url.port else str(url.host)
        error = NetworkEscape(
            f"{method} {url} was about to reach the network: {how}. While a mock is active nothing "
            f"unregistered reaches the network: register a route for it, or pass the host through "
            f"(passthrough=[{host!r}])."
        )
        error.call = call
        self.unmatched.append(call)
        return error

    # The transport's Dispatcher.
    def dispatch(
        self, channel: _transport.MockTransport, head: RequestHead, body: bytes
    ) -> _transport.Pending | None:
        """Record the request that arrived on ``channel`` and answer it."""
        passed = channel.session_call
        call = Call(
            head.method,
            channel.url,
            head.header_lines,
            body,
            passed.passed if passed is not None else None,
            passed.method if passed is not None else None,
            received=passed.kwargs if passed is not None else None,
        )
        call.proxy = channel.upstream.proxy
        if self._url_passthrough and any(rule(call.url) for rule in self._url_passthrough):
            self.passed_through.append(call)
            return _forward.forward(call, channel, "passthrough")
        upgrade = head.upgrade
        if upgrade and upgrade not in _UPGRADES:
            upgrade = ""  # a protocol no route switches to: a plain request
        try:
            registry = self._registry
            route = registry.resolve(call, upgrade) if upgrade else registry.resolve_plain(call)
            if route is None:
                if self._mounts:
                    return self._mounted(call, channel, upgrade)
                if self.passthrough_unmatched:
                    self.passed_through.append(call)
                    return _forward.forward(call, channel, "passthrough_unmatched")
                raise NoRouteMatched(self._registry.explain(call, upgrade=upgrade))
            responder = route.responder
            if responder is None:
                reply = route.next_reply()
        except NoRouteMatched as exc:
            exc.call = call
            self.unmatched.append(call)
            return _canned.refuse(channel, exc)
        except Exception as exc:  # a condition's own error, e.g. in match=callable
            self.mistakes.append(Mistake(call, exc))
            return _canned.refuse(channel, exc)
        channel.call = call
        call.route = route
        self.calls.append(call)
        route.calls.append(call)
        if responder is not None:
            return responder.respond(call, channel)
        if route.passthrough:
            return _forward.forward(call, channel, "passthrough=True")
        return _canned.answer(route, reply, call, channel)

    def _mounted(
        self, call: Call, channel: _transport.MockTransport, upgrade: str = ""
    ) -> _transport.Pending | None:
        """Answer ``call``, which no route matched, from the first mount that
        accepts it (an app, a cassette); refuse it, with each mount's reasons."""
        for mount in self._mounts:
            responder = mount.accepts(call)
            if responder is not None:
                channel.call = call
                self.calls.append(call)
                return responder.respond(call, channel)
        if self.passthrough_unmatched:
            self.passed_through.append(call)
            return _forward.forward(call, channel, "passthrough_unmatched")
        reasons = (mount.explain(call) for mount in self._mounts)
        explained = [self._registry.explain(call, upgrade=upgrade), *(reason for reason in reasons if reason)]
        exc = NoRouteMatched("\n".join(explained))
        exc.call = call
        self.unmatched.append(call)
        return _canned.refuse(channel, exc)

    def report(self, channel: _transport.MockTransport, exc: BaseException) -> None:
        """A responder's mistake while answering on ``channel``."""
        call = channel.call
        if call is not None:
            served = call.route is None  # by a mount: its traceback is shown
            detail = "".join(traceback.format_exception(exc)) if served else ""
            self.mistakes.append(Mistake(call, exc, detail))

    # Requests.
    async def fake_request(self, /, method: str, uri: URI, **kwargs: Any) -> aiohttp.ClientResponse:
        """Answer one request from the registry, without a session and without
        :meth:`activate`, through aiohttp's own client code.

        Takes the arguments of ``ClientSession.request``; returns the
        :class:`aiohttp.ClientResponse` with its body already read, so
        ``read()``, ``text()`` and ``json()`` work after it returns.
        """
        connector = _seam.MockConnector(self)
        async with aiohttp.ClientSession(connector=connector) as session:
            token = _context.session_call.set(_context.SessionCall(method, uri, kwargs))
            try:
                response = await session.request(method, uri, **kwargs)
                await response.read()
            finally:
                _context.session_call.reset(token)
        return response

    # Refusals the test saw.
    def _forgive(self, refusal: NoRouteMatched) -> None:
        """The test expected ``refusal``: it does not fail the test at teardown."""
        self.unmatched[:] = [call for call in self.unmatched if call is not refusal.call]

    def _forgive_refusals_in(self, exc: BaseException | None, expected: Any = None) -> None:
        """The test saw ``exc``: the refusals its traceback shows are reported
        with it (or were expected), not again at teardown.  With ``expected``
        (an expectation's types), only those it names (:func:`names_refusal`)
        and mistakes of a type it names exactly."""
        for refusal in refusals_in(exc):
            if expected is None or names_refusal(expected, refusal):
                self._forgive(refusal)
        self._forgive_mistakes_in(exc, expected)

    def _forgive_mistakes_in(self, exc: BaseException | None, expected: Any = None) -> None:
        """The test saw ``exc``: the mistakes its traceback shows are reported
        with it; with ``expected`` (an expectation's types), only those of a
        type it names exactly (or a subclass of it) were expected."""
        if not self.mistakes:
            return
        shown = set(map(id, exceptions_in(exc)))
        kinds = expected if isinstance(expected, tuple) else (expected,)

        def expected_here(mistake: Mistake) -> bool:
            if id(mistake.exception) not in shown:
                return False
            if expected is None:
                return True
            kind = type(mistake.exception)
            return any(isinstance(t, type) and issubclass(t, kind) for t in kinds)

        self.mistakes[:] = [mistake for mistake in self.mistakes if not expected_here(mistake)]

    def raises(
        self,
        expected_exception: type[BaseException] | tuple[type[BaseException], ...] = NoRouteMatched,
        *,
        match: str | re.Pattern[str] | None = None,
    ) -> Raises:
        """A context expecting a request in it to fail with ``expected_exception``
        (by default a refusal); ``match`` is searched in its message.  A refusal
        it catches was expected, so it does not fail the test when it ends::

            with mock.raises(aiohttpretty.NoRouteMatched):
                await client.get("http://api.test/unregistered")
        """
        return Raises(expected_exception, match, self._forgive_refusals_in)

    # Inspection.
    def has_call(self, /, uri: URI, check_params: bool = True, **kwargs: Any) -> bool:
        """Whether a request for ``uri`` was made.

        ``method`` and ``params`` narrow the search; ``check_params=False``
        ignores the query string.  Other keywords are compared to the arguments
        the code passed to the session (``headers=``, ``data=``, ``json=`` ...).
        A ``uri`` that is not a URL raises :class:`TypeError` or
        :class:`ValueError`, so that ``assert not has_call(...)`` always compares.
        """
        method = kwargs.pop("method", None)
        url: URL = normalise_url(uri, kwargs.pop("params", None))
        pattern = RequestPattern(
            None if method is None else normalise_method(method),
            url,
            query=EXACT if check_params else ANY_QUERY,
            conditions=passed_checks(kwargs),
            use_passed_method=True,
        )
        return any(pattern.matches(call) for call in self.calls)

    def _calls_to_check(self) -> list[Call]:
        return self.calls

    def _websockets_to_check(self) -> list[WebSocketConversation]:
        return self.websockets

    def __repr__(self) -> str:
        state = "active" if self.is_active else "inactive"
        return f"<AioHTTPretty {state} routes={len(self._registry)} calls={len(self.calls)}>"
