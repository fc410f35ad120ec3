"""The seam with aiohttp: every private name of aiohttp the library relies on
(:data:`PRIVATE_NAMES`, checked by a test against the installed aiohttp),
every version check, and the patches, in place while a mock is active:

* ``_create_connection`` of :class:`aiohttp.BaseConnector` and of every
  subclass defining its own (also those defined later: ``__init_subclass__``):
  it asks the active interceptor (:mod:`._hooks`) for a mocked connection instead.
* ``connect`` of the same classes, the second line of defence: a real
  connection it hands out to a host not passed through (a connection pooled
  while it was being opened, a subclass's own way) is closed before a byte
  is written; ``ResponseHandler.connection_made`` refuses one opened any
  other way for a request made while mocked.
* ``ClientSession._request``: notes the arguments the code passed, and closes
  real keep-alive connections pooled before activation; a session observer
  (:mod:`._hooks`) sees the call first.  ``get``, ``post`` ... note theirs.

Of the package, only :mod:`._context`, :mod:`._connecting` and :mod:`._hooks` are imported here.
"""

from __future__ import annotations

import asyncio
import functools
import re
import sys
from collections.abc import Awaitable, Callable
from typing import Any, cast

import aiohttp
from aiohttp.client_proto import ResponseHandler
from aiohttp.client_reqrep import ConnectionKey
from yarl import URL

from . import _connecting, _context
from ._context import SessionCall, session_call, turn_due
from ._hooks import Interceptor, session_observers

__all__ = [
    "ANSWER_AT_ONCE",
    "PRIVATE_NAMES",
    "MockConnector",
    "ResponseHandler",
    "active",
    "connection_key",
    "dress_response",
    "fail_response",
    "install",
    "new_protocol",
    "session_url",
    "tls_option",
    "uninstall",
]

AIOHTTP_VERSION = tuple(int(part) for part in re.findall(r"\d+", aiohttp.__version__)[:2])
# aiohttp 3.9 writes every request from a task of its own, which a response
# complete before that task ended would cancel; 3.10 does too on Python < 3.12
# (where the task does not start at once), and such a response keeps the
# connection out of the pool.  There every answer is a task, which lets
# aiohttp's own task end first.
ANSWER_AT_ONCE = AIOHTTP_VERSION >= (3, 11) or (AIOHTTP_VERSION >= (3, 10) and sys.version_info >= (3, 12))

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
    ("aiohttp.client_reqrep", "ConnectionKey", None),
    ("aiohttp.ClientSession", "_base_url", None),  # a relative URL is joined to it
    ("aiohttp.BaseConnector", "connect", ("self", "req", "traces", "timeout")),
    ("aiohttp.client_proto.ResponseHandler", "connection_made", ("self", "transport")),
    ("aiohttp.ClientSession", "_build_url", ("self", "str_or_url")),  # base_url joined, as aiohttp does
    ("aiohttp.ClientResponse", "_request_info", None),  # what request_info reads
    ("aiohttp.TCPConnector", "_cached_hosts", None),  # the DNS cache, a _DNSCacheTable with a _ttl
    ("aiohttp.connector._DNSCacheTable", "_ttl", None),
    ("aiohttp.TCPConnector", "_ssl", None),  # its ssl=, which applies when the request's is True
    *_connecting.PRIVATE_NAMES,  # the trace signals of resolving
)


# Interceptors in the order they were activated; the last one answers.
_active: list[Interceptor] = []
# (class, attribute name, original function) for every patch in place.
_patches: list[tuple[type, str, Any]] = []
# Changes whenever the answering mock or its passthrough hosts may have changed:
# a connector's pool checked in an earlier generation is checked again.
_generation = 0
#: The class attribute that marks the transport of a mocked connection.
MOCKED = "_aiohttpretty_mocked"


def active() -> Interceptor | None:
    """The interceptor that answers requests now, or ``None``."""
    return _active[-1] if _active else None


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


def _patch_class(cls: type, patches: list[tuple[type, str, Any]]) -> None:
    """Patch the methods ``cls`` defines itself."""
    if getattr(cls, "_aiohttpretty_own", False):
        return
    for name, wrap in (
        ("_create_connection", _intercepting_create_connection),
        ("connect", _guarded_connect),
    ):
        original = cls.__dict__.get(name)
        if original is None or getattr(original, "_aiohttpretty_patch", False):
            continue
        patches.append((cls, name, original))
        setattr(cls, name, wrap(original))


def _patched_subclass(cls: type, /, **kwargs: Any) -> None:
    # A connector class defined while a mock is active is patched at once.
    if _patches:
        _patch_class(cls, _patches)


def _patch() -> None:
    patches: list[tuple[type, str, Any]] = []
    try:
        for cls in connector_classes():
            _patch_class(cls, patches)
        original_request = aiohttp.ClientSession.__dict__["_request"]
        patches.append((aiohttp.ClientSession, "_request", original_request))
        setattr(aiohttp.ClientSession, "_request", _noting_request(original_request))
        _context.wrap_session_methods(aiohttp.ClientSession, patches)  # get(), post() ...
        patches.append((ResponseHandler, "connection_made", ResponseHandler.__dict__.get("connection_made")))
        setattr(ResponseHandler, "connection_made", _guarded_connection_made(ResponseHandler.connection_made))
        patches.append((aiohttp.BaseConnector, "__init_subclass__", None))
        aiohttp.BaseConnector.__init_subclass__ = classmethod(_patched_subclass)  # type: ignore[assignment]
    except BaseException:
        for cls, name, original in reversed(patches):
            _restore(cls, name, original)
        raise
    _patches.extend(patches)


def _restore(cls: type, name: str, original: Any) -> None:
    delattr(cls, name) if original is None else setattr(cls, name, original)


def _unpatch() -> None:
    _checked_classes.clear()
    _refused.clear()
    while _patches:
        _restore(*_patches.pop())


def _guarded_connect(original: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(original)
    async def connect(
        self: aiohttp.BaseConnector, req: aiohttp.ClientRequest, traces: Any, timeout: Any
    ) -> Any:
        if not _active:
            return await original(self, req, traces, timeout)
        if (cls := type(self)) not in _checked_classes:
            _checked_classes.add(cls)
            _patch_class(cls, _patches)  # a class the patching missed
        interceptor, target = _active[-1], req.proxy or req.url
        for _ in range(3):
            connection = await original(self, req, traces, timeout)
            protocol = connection.protocol
            transport = None if protocol is None else protocol.transport
            mocked = transport is None or getattr(transport, MOCKED, False)
            if mocked and not _refused:
                return connection  # the common case
            refused = _refused.get(id(protocol))
            if refused is not None and refused[0] is protocol:  # refused as it was opened
                connection.close()
                raise refused[1]
            if mocked or interceptor.passes_through(target.host, target.port):
                return connection
            # A real connection to a host not passed through: one pooled while it
            # was being opened goes, and the next try gets a mocked one; one
            # opened now (a connector of its own) is refused.
            connection.close()
        how = f"{type(self).__qualname__}.connect() handed out a real connection to {target.origin()}"
        raise interceptor.escaped(req.method, req.url, how)

    connect._aiohttpretty_patch = True  # type: ignore[attr-defined]
    return connect


# Connector classes checked for methods the patching missed (while patched).
_checked_classes: set[type] = set()
# Real connections refused as they were opened, with the refusal.
# (kept until aiohttp is unpatched, a few at most)
_refused: dict[int, tuple[ResponseHandler, BaseException]] = {}


def _guarded_connection_made(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def connection_made(self: ResponseHandler, transport: asyncio.BaseTransport) -> None:
        original(self, transport)
        interceptor = active()
        # Requests begun before activation (no session call noted) end for real.
        if (
            interceptor is None
            or getattr(transport, MOCKED, False)
            or _context.passing_through()
            or session_call.get() is None
        ):
            return
        peer = transport.get_extra_info("peername")
        host, port = (peer[0], peer[1]) if isinstance(peer, tuple) and len(peer) >= 2 else (str(peer), None)
        if interceptor.passes_through(host, port):
            return
        transport.abort()  # type: ignore[attr-defined]
        how = f"a real connection to {host}:{port} was opened outside the connector's patched methods"
        url = URL.build(scheme="tcp", host=str(host), port=port)
        refusal = interceptor.escaped("CONNECT", url, how)
        _refused[id(self)] = (self, refusal)
        self.set_exception(refusal)

    connection_made._aiohttpretty_patch = True  # type: ignore[attr-defined]
    return connection_made


def _noting_request(original: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    async def noted(passed: Any, received: Any, self: Any, method: str, url: Any, **kwargs: Any) -> Any:
        if _active:
            interceptor = _active[-1]
            connector = self.connector
            if connector is not None and getattr(connector, "_aiohttpretty_checked", None) != _generation:
                _drop_real_connections(connector, interceptor)
            if turn_due():
                await asyncio.sleep(0)
            if isinstance(url, str) and "://" not in url and self._base_url is None:
                url = interceptor.schemeless(url) or url
        passed = passed if kwargs == received else None  # what get() ... got, unless an observer changed it
        token = session_call.set(SessionCall(method, url, kwargs, passed))
        try:
            return await original(self, method, url, **kwargs)
        finally:
            session_call.reset(token)

    @functools.wraps(original)
    def _request(self: aiohttp.ClientSession, method: str, str_or_url: Any, *args: Any, **kwargs: Any) -> Any:
        # Not async: what get(), post() ... were given is known while they call it.
        passed = _context.passed_to_session_method()
        if session_observers:  # the last one sees the call first, and proceeds with it (or not)
            proceed = functools.partial(noted, passed, kwargs)
            return session_observers[-1](proceed, self, method, str_or_url, args, kwargs)
        return noted(passed, kwargs, self, method, str_or_url, *args, **kwargs)

    _request._aiohttpretty_patch = True  # type: ignore[attr-defined]
    return _request


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
    return protocol.transport is not None and not getattr(protocol.transport, MOCKED, False)


def _intercepting_create_connection(
    original: Callable[..., Awaitable[ResponseHandler]],
) -> Callable[..., Awaitable[ResponseHandler]]:
    @functools.wraps(original)
    async def _create_connection(
        self: aiohttp.BaseConnector, req: aiohttp.ClientRequest, traces: Any, timeout: Any
    ) -> ResponseHandler:
        interceptor = active()
        if interceptor is None:
            return await original(self, req, traces, timeout)
        target = req.proxy or req.url
        if interceptor.passes_through(target.host, target.port):
            return await _context.passing(original(self, req, traces, timeout))
        closes = req.proxy is not None and AIOHTTP_VERSION < (3, 11)  # as aiohttp closed proxy connections
        ttl = getattr(getattr(self, "_cached_hosts", None), "_ttl", None)  # of the DNS cache
        return cast(ResponseHandler, await _connecting.connect(self, req, traces, interceptor, closes, ttl))

    _create_connection._aiohttpretty_patch = True  # type: ignore[attr-defined]
    return _create_connection


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
        return cast(ResponseHandler, self._interceptor.connect(self, req))


def new_protocol(connector: aiohttp.BaseConnector) -> ResponseHandler:
    """aiohttp's protocol object for a mocked connection of ``connector``."""
    factory = getattr(connector, "_factory", None)
    return cast(ResponseHandler, factory() if factory else ResponseHandler(asyncio.get_running_loop()))


def tls_option(connector: aiohttp.BaseConnector, req: aiohttp.ClientRequest) -> Any:
    """The ``ssl=`` that applies to ``req``: its own, else ``connector``'s (``TCPConnector(ssl=...)``)."""
    return req.ssl if req.ssl not in (True, None) else getattr(connector, "_ssl", True)


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
    values = {"host": url.host, "port": url.port, "ssl": True, "is_ssl": url.scheme in ("https", "wss")}
    # A NamedTuple in recent aiohttp, an attrs class in 3.9: both annotate their fields.
    fields: dict[str, Any] = {field: values.get(field) for field in ConnectionKey.__annotations__}
    return ConnectionKey(**fields)


# For aiohttpretty.aioresponses, which dresses responses as aioresponses builds them.
def session_url(session: aiohttp.ClientSession, str_or_url: Any) -> URL:
    """The URL ``session`` requests for ``str_or_url`` (``base_url`` joined), fragment kept."""
    return session._build_url(str_or_url)


def dress_response(response: aiohttp.ClientResponse, cls: Any, info: aiohttp.RequestInfo) -> None:
    """Make ``response`` an instance of ``cls`` (unless ``None``: a subclass of aiohttp's
    response class, whose instances can change class) whose ``request_info`` is ``info``."""
    if cls is not None and not isinstance(response, cls):
        try:
            response.__class__ = cls
        except TypeError as exc:
            raise TypeError(
                f"response_class must be a subclass of aiohttp.ClientResponse, got {cls!r}"
            ) from exc
    response._request_info = info
