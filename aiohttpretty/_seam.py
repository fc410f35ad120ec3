"""The seam with aiohttp: every private name of aiohttp the library relies on,
every version check, and the patches.  When an aiohttp release changes one,
this is the file to open, and :data:`PRIVATE_NAMES` (checked by a test) says
which name moved.

Two things are patched while a mock is active:

* ``_create_connection`` of :class:`aiohttp.BaseConnector` and of every
  subclass that defines its own (``TCPConnector``, ``UnixConnector``, ...).
  Instead of opening a socket it asks the active :class:`Interceptor` for a
  connection: aiohttp's own protocol object on an in-memory transport.
* ``ClientSession._request``, to note the arguments the code passed (they
  travel to the connection in a :class:`contextvars.ContextVar`) and to close
  the keep-alive connections to real servers that the session pooled before
  activation, so that none is reused while mocked.  The methods ``get``,
  ``post`` ... are wrapped too: they add arguments of their own
  (``allow_redirects``, ``data=None``) before calling ``_request``, and the
  recorded call keeps the ones the code gave.

A mocked connection is made as the connector would make it, without a
socket: for an HTTP proxy the request gets the ``Proxy-Authorization`` header
a proxy receives, and a :class:`aiohttp.TCPConnector` sends the trace signals
of the name resolution it would do (:func:`send_dns_signals`), without
resolving.

Nothing else of the package is imported here: the active mock is reached
through the small :class:`Interceptor` interface.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import ipaddress
import re
import sys
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol

import aiohttp
from aiohttp import hdrs
from aiohttp.client_proto import ResponseHandler
from aiohttp.client_reqrep import ConnectionKey
from yarl import URL

__all__ = [
    "ANSWER_AT_ONCE",
    "PRIVATE_NAMES",
    "Interceptor",
    "MockConnector",
    "ResponseHandler",
    "SessionCall",
    "active",
    "as_a_proxy_receives",
    "connection_key",
    "fail_response",
    "install",
    "is_patched",
    "new_protocol",
    "send_dns_signals",
    "session_call",
    "turn_due",
    "uninstall",
]

AIOHTTP_VERSION = tuple(int(part) for part in re.findall(r"\d+", aiohttp.__version__)[:2])
# aiohttp 3.9 writes every request from a task of its own, which a response
# complete before that task ended would cancel; 3.10 does too on Python < 3.12
# (where the task does not start at once), and such a response keeps the
# connection out of the pool.  There every answer is a task, which lets
# aiohttp's own task end first.
ANSWER_AT_ONCE = AIOHTTP_VERSION >= (3, 11) or (AIOHTTP_VERSION >= (3, 10) and sys.version_info >= (3, 12))
# Before 3.11, aiohttp closed a connection to an HTTP proxy after each response.
PROXY_CONNECTIONS_CLOSE = AIOHTTP_VERSION < (3, 11)

#: The private names of aiohttp used here, as ``(owner, name, parameters)``:
#: ``parameters`` lists the leading parameters a patched or called function
#: must have (``None``: an attribute, not a function).  ``tests`` check them
#: against the installed aiohttp, so an aiohttp release that changes one fails
#: there, naming it.
PRIVATE_NAMES: tuple[tuple[str, str, tuple[str, ...] | None], ...] = (
    ("aiohttp.BaseConnector", "_create_connection", ("self", "req", "traces", "timeout")),
    ("aiohttp.TCPConnector", "_create_connection", ("self", "req", "traces", "timeout")),
    ("aiohttp.ClientSession", "_request", ("self", "method", "str_or_url")),
    ("aiohttp.BaseConnector", "_conns", None),  # the pool: {ConnectionKey: [(protocol, time)]}
    ("aiohttp.BaseConnector", "_acquired", None),  # the connections in use: {protocol}
    ("aiohttp.BaseConnector", "_factory", None),  # makes the connector's protocol objects
    ("aiohttp.client_proto.ResponseHandler", "_payload", None),  # the body being read
    ("aiohttp.client_proto.ResponseHandler", "force_close", ("self",)),  # before 3.11, for proxies
    ("aiohttp.client_reqrep", "ConnectionKey", None),
    ("aiohttp.TCPConnector", "_cached_hosts", None),  # the DNS cache: a _DNSCacheTable
    ("aiohttp.connector._DNSCacheTable", "_ttl", None),  # how long a resolved name is cached
    # The trace signals of name resolution, sent as TCPConnector sends them.
    ("aiohttp.tracing.Trace", "send_dns_cache_hit", ("self", "host")),
    ("aiohttp.tracing.Trace", "send_dns_cache_miss", ("self", "host")),
    ("aiohttp.tracing.Trace", "send_dns_resolvehost_start", ("self", "host")),
    ("aiohttp.tracing.Trace", "send_dns_resolvehost_end", ("self", "host")),
)

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
# calls _request.
_verb_kwargs: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "aiohttpretty_verb_kwargs", default=None
)


class Interceptor(Protocol):
    """What the seam asks of the mock that answers."""

    def passes_through(self, host: str | None, port: int | None) -> bool:
        """Whether a connection to ``host:port`` goes to the real network."""

    def connect(self, connector: aiohttp.BaseConnector, req: aiohttp.ClientRequest) -> ResponseHandler:
        """A mocked connection for ``req``."""


# Interceptors in the order they were activated; the last one answers.
_active: list[Interceptor] = []
# (class, attribute name, original function) for every patch in place.
_patches: list[tuple[type, str, Any]] = []
# Changes whenever the answering mock or its passthrough hosts may have changed:
# a connector's pool checked in an earlier generation is checked again.
_generation = 0
# Protocols of mocked connections (the others are real).
_mocked: weakref.WeakSet[ResponseHandler] = weakref.WeakSet()


def active() -> Interceptor | None:
    """The interceptor that answers requests now, or ``None``."""
    return _active[-1] if _active else None


def is_patched() -> bool:
    return bool(_patches)


def install(interceptor: Interceptor) -> None:
    """Make ``interceptor`` the answering one, patching aiohttp if it is not
    yet.  Called again for an active one when its passthrough hosts change."""
    global _generation
    _generation += 1
    if interceptor in _active:
        return
    if not _patches:
        _patch()
    _active.append(interceptor)


def uninstall(interceptor: Interceptor) -> None:
    """Stop ``interceptor`` answering; restore aiohttp when none is active."""
    global _generation
    _generation += 1
    if interceptor in _active:
        _active.remove(interceptor)
    if not _active:
        _unpatch()


def connector_classes() -> list[type]:
    """:class:`aiohttp.BaseConnector` and every subclass defined so far."""
    seen: list[type] = []
    todo: list[type] = [aiohttp.BaseConnector]
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.append(cls)
        todo.extend(cls.__subclasses__())
    return seen


def _patch() -> None:
    patches: list[tuple[type, str, Any]] = []
    try:
        for cls in connector_classes():
            original = cls.__dict__.get("_create_connection")
            if original is None or getattr(cls, "_aiohttpretty_own", False):
                continue
            patches.append((cls, "_create_connection", original))
            setattr(cls, "_create_connection", _intercepting_create_connection(original))
        original_request = aiohttp.ClientSession.__dict__["_request"]
        patches.append((aiohttp.ClientSession, "_request", original_request))
        setattr(aiohttp.ClientSession, "_request", _noting_request(original_request))
        for name in SESSION_VERBS:
            original_verb = aiohttp.ClientSession.__dict__[name]
            patches.append((aiohttp.ClientSession, name, original_verb))
            setattr(aiohttp.ClientSession, name, _noting_verb(original_verb))
    except BaseException:
        for cls, name, original in reversed(patches):
            setattr(cls, name, original)
        raise
    _patches.extend(patches)


def _unpatch() -> None:
    while _patches:
        cls, name, original = _patches.pop()
        setattr(cls, name, original)


def _noting_verb(original: Callable[..., Any]) -> Callable[..., Any]:
    """``ClientSession.get`` (...) noting the keyword arguments it was given,
    for the ``_request`` call it makes at once."""

    @functools.wraps(original)
    def verb(self: aiohttp.ClientSession, *args: Any, **kwargs: Any) -> Any:
        token = _verb_kwargs.set(kwargs)
        try:
            return original(self, *args, **kwargs)
        finally:
            _verb_kwargs.reset(token)

    verb._aiohttpretty_patch = True  # type: ignore[attr-defined]
    return verb


def _noting_request(original: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    # Not a coroutine function itself: the arguments a session method was given
    # are known while it calls _request, not when the coroutine runs.
    @functools.wraps(original)
    def _request(self: aiohttp.ClientSession, method: str, str_or_url: Any, **kwargs: Any) -> Awaitable[Any]:
        passed = _verb_kwargs.get()
        return _noted_request(original, self, SessionCall(method, str_or_url, kwargs, passed))

    _request._aiohttpretty_patch = True  # type: ignore[attr-defined]
    return _request


async def _noted_request(
    original: Callable[..., Awaitable[Any]], session: aiohttp.ClientSession, call: SessionCall
) -> Any:
    if _active:
        interceptor = _active[-1]
        connector = session.connector
        if connector is not None and getattr(connector, "_aiohttpretty_checked", None) != _generation:
            _drop_real_connections(connector, interceptor)
        if turn_due():
            await asyncio.sleep(0)
    token = session_call.set(call)
    try:
        return await original(session, call.method, call.url, **call.kwargs)
    finally:
        session_call.reset(token)


def _pool(connector: aiohttp.BaseConnector) -> tuple[dict[Any, list[Any]], set[ResponseHandler]]:
    pool = getattr(connector, "_conns", None)
    in_use = getattr(connector, "_acquired", None)
    if not isinstance(pool, dict) or not isinstance(in_use, set):
        raise RuntimeError(
            f"aiohttpretty cannot see the connection pool of {type(connector).__name__} "
            f"(aiohttp {aiohttp.__version__} has no dict _conns / set _acquired): connections "
            f"pooled before activation could reach the network. This aiohttp release is not "
            f"supported yet; please report it."
        )
    return pool, in_use


def _drop_real_connections(connector: aiohttp.BaseConnector, interceptor: Interceptor) -> None:
    """Close the keep-alive connections to real servers that ``connector`` pooled
    before activation: reused while mocked, they would reach the network.
    Pooled mocked connections, and real ones to passthrough hosts, stay.

    Once no real connection is left in the pool to a host that is not passed
    through, and none is in use (a request started before activation pools its
    connection when it ends), the connector is not checked again until the
    answering mock or its passthrough hosts change.
    """
    pool, in_use = _pool(connector)
    real = [
        key
        for key, pooled in pool.items()
        if any(_is_real(protocol) for protocol, _ in pooled)
        and not interceptor.passes_through(key.host, key.port)
    ]
    for key in real:
        for protocol, _ in pool.pop(key):
            protocol.close()
    if not any(_is_real(protocol) for protocol in in_use):
        connector._aiohttpretty_checked = _generation  # type: ignore[attr-defined]


def _is_real(protocol: ResponseHandler) -> bool:
    return protocol.transport is not None and protocol not in _mocked


def _intercepting_create_connection(
    original: Callable[..., Awaitable[ResponseHandler]],
) -> Callable[..., Awaitable[ResponseHandler]]:
    @functools.wraps(original)
    async def _create_connection(
        self: aiohttp.BaseConnector, req: aiohttp.ClientRequest, traces: Any, timeout: Any
    ) -> ResponseHandler:
        interceptor = active()
        if interceptor is None or interceptor.passes_through(req.url.host, req.url.port):
            return await original(self, req, traces, timeout)
        if traces and req.proxy is None and isinstance(self, aiohttp.TCPConnector):
            await send_dns_signals(self, req.url.raw_host, req.url.port, traces)
        as_a_proxy_receives(req)
        protocol = interceptor.connect(self, req)
        if req.proxy is not None and PROXY_CONNECTIONS_CLOSE:
            protocol.force_close()
        return protocol

    _create_connection._aiohttpretty_patch = True  # type: ignore[attr-defined]
    return _create_connection


def as_a_proxy_receives(req: aiohttp.ClientRequest) -> None:
    """Give ``req`` the ``Proxy-Authorization`` header that aiohttp adds when it
    connects to an HTTP proxy for a plain-HTTP URL (``proxy_auth=``): the proxy
    receives it with the request.  (For an HTTPS URL it goes on the ``CONNECT``
    the mock has no part of.)"""
    if req.proxy is not None and req.proxy_auth is not None and not req.is_ssl():
        req.headers[hdrs.PROXY_AUTHORIZATION] = req.proxy_auth.encode()


async def send_dns_signals(
    connector: aiohttp.TCPConnector, host: str | None, port: int | None, traces: Any
) -> None:
    """Send the trace signals of resolving ``host`` as ``connector`` would,
    without resolving it: none for an IP address; the first time (and once
    the connector's ``ttl_dns_cache`` passed) ``on_dns_cache_miss``,
    ``on_dns_resolvehost_start`` and ``on_dns_resolvehost_end``, then
    ``on_dns_cache_hit``; with ``use_dns_cache=False`` the two resolvehost
    signals every time.  Entries cleared by ``clear_dns_cache()`` are not
    seen here: a mocked host stays "cached" until its time runs out."""
    if not host or _is_ip_address(host):
        return
    if host.endswith(".."):
        host = host.rstrip(".") + "."  # as aiohttp resolves it
    if connector.use_dns_cache:
        resolved: dict[tuple[str, int | None], float] = connector.__dict__.setdefault(
            "_aiohttpretty_resolved", {}
        )
        now = time.monotonic()
        ttl = getattr(getattr(connector, "_cached_hosts", None), "_ttl", None)
        seen = resolved.get((host, port))
        if seen is not None and (ttl is None or now - seen < ttl):
            for trace in traces:
                await trace.send_dns_cache_hit(host)
            return
        resolved[(host, port)] = now
        for trace in traces:
            await trace.send_dns_cache_miss(host)
    for trace in traces:
        await trace.send_dns_resolvehost_start(host)
    for trace in traces:
        await trace.send_dns_resolvehost_end(host)


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class MockConnector(aiohttp.BaseConnector):
    """A connector answered by one interceptor, active or not (``fake_request``)."""

    _aiohttpretty_own = True

    def __init__(self, interceptor: Interceptor) -> None:
        super().__init__(force_close=True)
        self._interceptor = interceptor

    async def _create_connection(
        self, req: aiohttp.ClientRequest, traces: Any, timeout: Any
    ) -> ResponseHandler:
        if turn_due():
            await asyncio.sleep(0)
        as_a_proxy_receives(req)
        return self._interceptor.connect(self, req)


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


def new_protocol(connector: aiohttp.BaseConnector) -> ResponseHandler:
    """aiohttp's protocol object for a mocked connection of ``connector``."""
    factory = getattr(connector, "_factory", None)
    protocol: ResponseHandler = (
        factory() if factory is not None else ResponseHandler(asyncio.get_running_loop())
    )
    _mocked.add(protocol)
    return protocol


def fail_response(protocol: ResponseHandler, exc: BaseException) -> None:
    """The connection broke with ``exc``: the client sees it, and a body being
    read fails too."""
    protocol.set_exception(exc)
    payload = getattr(protocol, "_payload", None)
    if payload is not None and not payload.is_eof():
        # The head was sent and the body broke.  Without this, a body read until
        # EOF (no Content-Length, not chunked) would look complete; a framed one
        # is then reported by aiohttp's parser.
        error = aiohttp.ClientPayloadError(f"Response payload is not completed: {exc!r}")
        error.__cause__ = exc
        payload.set_exception(error)


def connection_key(url: URL) -> Any:
    """A ``ConnectionKey`` for ``url``, as aiohttp's connector errors carry."""
    values: dict[str, Any] = {"host": url.host, "port": url.port, "ssl": True}
    values["is_ssl"] = url.scheme in ("https", "wss")
    # A NamedTuple in recent aiohttp, an attrs class in 3.9: both annotate their fields.
    fields: dict[str, Any] = {field: values.get(field) for field in ConnectionKey.__annotations__}
    return ConnectionKey(**fields)


def patched_names() -> Iterable[tuple[type, str]]:
    """What is patched now (for tests of the restore)."""
    return [(cls, name) for cls, name, _ in _patches]
