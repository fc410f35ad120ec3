"""The interception of aiohttp: the only module that patches it.

Two seams are patched while a mock is active:

* ``_create_connection`` of :class:`aiohttp.BaseConnector` and of every
  subclass that defines its own (``TCPConnector``, ``UnixConnector``, ...).
  Instead of opening a socket it returns aiohttp's own protocol object connected
  to an in-memory :class:`MockTransport`.  aiohttp serialises the request into
  that transport; the transport hands the request to the mock, which writes a
  real HTTP/1.1 response back for aiohttp's own parser.  Redirects, cookies,
  ``raise_for_status``, middlewares, traces and decompression stay aiohttp's.
* ``ClientSession._request``, to note the arguments the code passed
  (``call['headers']``, ``call['data']``, ... in the original-compatible API),
  which travel to the connection layer in a :class:`contextvars.ContextVar`;
  and to close the keep-alive connections to real servers that the session
  pooled before activation, so that none is reused while mocked.

A mocked connection stays open for the next request when the response's end
is framed, as a server keeping connections alive does; aiohttp pools it as it
would a real one.  When the answering mock changes (activation, deactivation),
idle mocked connections are closed, so no pooled connection outlives its mock.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import io
import re
import weakref
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

import aiohttp
from aiohttp.client_proto import ResponseHandler
from yarl import URL

if TYPE_CHECKING:
    from .mock import AioHTTPretty

__all__ = ["MockTransport", "SessionCall", "active_mock", "install", "uninstall"]


class SessionCall:
    """The arguments of one ``ClientSession._request`` call."""

    __slots__ = ("kwargs", "method", "url")

    def __init__(self, method: str, url: Any, kwargs: dict[str, Any]) -> None:
        self.method = method
        self.url = url
        self.kwargs = kwargs


session_call: contextvars.ContextVar[SessionCall | None] = contextvars.ContextVar(
    "aiohttpretty_session_call", default=None
)

# Mocks in the order they were activated; the last one answers.
_active: list[AioHTTPretty] = []
# (class, attribute name, original function) for every patch in place.
_patches: list[tuple[type, str, Any]] = []


def active_mock() -> AioHTTPretty | None:
    """The mock that answers requests now, or ``None``."""
    return _active[-1] if _active else None


# Mocked connections not closed yet.
_open: weakref.WeakSet[MockTransport] = weakref.WeakSet()
# Changes whenever the answering mock or its passthrough hosts may have changed:
# a connector's pool checked in an earlier generation is checked again.
_generation = 0


def install(mock: AioHTTPretty) -> None:
    """Make ``mock`` the answering mock, patching aiohttp if it is not yet.
    Called again for an active mock when its passthrough hosts change."""
    global _generation
    _generation += 1
    if mock in _active:
        return
    if not _patches:
        _patch()
    _active.append(mock)
    _retire_connections()


def uninstall(mock: AioHTTPretty) -> None:
    """Stop ``mock`` answering; restore aiohttp when no mock is active."""
    global _generation
    _generation += 1
    if mock in _active:
        _active.remove(mock)
        _retire_connections()
    if not _active:
        _unpatch()


def _retire_connections() -> None:
    """The answering mock changed: no pooled mocked connection may answer for
    the one before."""
    for transport in list(_open):
        transport.retire()


def _connector_classes() -> Iterable[type]:
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
        for cls in _connector_classes():
            original = cls.__dict__.get("_create_connection")
            if original is None or getattr(cls, "_aiohttpretty_own", False):
                continue
            patches.append((cls, "_create_connection", original))
            setattr(cls, "_create_connection", _intercepting_create_connection(original))
        original_request = aiohttp.ClientSession.__dict__["_request"]
        patches.append((aiohttp.ClientSession, "_request", original_request))
        setattr(aiohttp.ClientSession, "_request", _noting_request(original_request))
    except BaseException:
        for cls, name, original in reversed(patches):
            setattr(cls, name, original)
        raise
    _patches.extend(patches)


def _unpatch() -> None:
    while _patches:
        cls, name, original = _patches.pop()
        setattr(cls, name, original)


def _noting_request(original: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(original)
    async def _request(self: aiohttp.ClientSession, method: str, str_or_url: Any, **kwargs: Any) -> Any:
        if _active:
            mock = _active[-1]
            connector = self._connector
            if connector is not None and getattr(connector, "_aiohttpretty_checked", None) != _generation:
                _drop_real_connections(connector, mock)
            if turn_due():
                await asyncio.sleep(0)
        token = session_call.set(SessionCall(method, str_or_url, kwargs))
        try:
            return await original(self, method, str_or_url, **kwargs)
        finally:
            session_call.reset(token)

    _request._aiohttpretty_patch = True  # type: ignore[attr-defined]
    return _request


def _drop_real_connections(connector: aiohttp.BaseConnector, mock: AioHTTPretty) -> None:
    """Close the keep-alive connections to real servers that ``connector`` pooled
    before activation: reused while mocked, they would reach the network.
    Pooled mocked connections, and real ones to passthrough hosts, stay.

    Once no real connection is left in the pool to a host that is not passed
    through, and none is in use (a request started before activation pools its
    connection when it ends), the connector is not checked again until the
    answering mock or its passthrough hosts change.
    """
    pool = getattr(connector, "_conns", None)
    if isinstance(pool, dict):
        real = [
            key
            for key, pooled in pool.items()
            if any(_is_real(protocol) for protocol, _ in pooled)
            and not mock._passes_through_host(key.host, key.port)
        ]
        for key in real:
            for protocol, _ in pool.pop(key):
                protocol.close()
    in_use = getattr(connector, "_acquired", None)
    if isinstance(in_use, set) and not any(_is_real(protocol) for protocol in in_use):
        connector._aiohttpretty_checked = _generation  # type: ignore[attr-defined]


def _is_real(protocol: ResponseHandler) -> bool:
    transport = protocol.transport
    return transport is not None and type(transport) is not MockTransport


def _intercepting_create_connection(
    original: Callable[..., Awaitable[ResponseHandler]],
) -> Callable[..., Awaitable[ResponseHandler]]:
    @functools.wraps(original)
    async def _create_connection(
        self: aiohttp.BaseConnector, req: aiohttp.ClientRequest, traces: Any, timeout: Any
    ) -> ResponseHandler:
        mock = active_mock()
        if mock is None or mock._passes_through(req.url):
            return await original(self, req, traces, timeout)
        return open_connection(self, req, mock)

    _create_connection._aiohttpretty_patch = True  # type: ignore[attr-defined]
    return _create_connection


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


def open_connection(
    connector: aiohttp.BaseConnector, req: aiohttp.ClientRequest, mock: AioHTTPretty
) -> ResponseHandler:
    """aiohttp's protocol, connected to an in-memory transport answered by ``mock``."""
    loop = asyncio.get_running_loop()
    factory = getattr(connector, "_factory", None)
    protocol: ResponseHandler = factory() if factory is not None else ResponseHandler(loop)
    transport = MockTransport(loop, protocol, mock, req.url)
    protocol.connection_made(transport)
    _open.add(transport)
    return protocol


# The request headers that frame the body or the connection.
_FRAMING_HEADER = re.compile(rb"\r\n(content-length|transfer-encoding|expect|connection):([^\r]*)")


class RequestHead(NamedTuple):
    """The request line and the headers that frame a request, as read from its head."""

    method: str
    target: str
    #: The header lines, each with its CRLF, parsed when first looked at (:attr:`Call.headers`).
    header_lines: bytes
    #: The ``Content-Length`` of the body, ``None`` when the head has none.
    length: int | None
    chunked: bool
    expects_continue: bool
    #: Whether the request asked the server to close the connection after it.
    closes: bool
    #: Whether a body follows the head.
    has_body: bool


# Heads up to this size are kept by read_head's cache (256 of them at most).
_CACHED_HEAD_SIZE = 8192


def read_head(head: bytes) -> RequestHead:
    """Read a request head (up to and with its empty line).

    Cached: a suite repeats the same requests, and the same bytes read the
    same.  A larger head (big cookies, say) is read each time, not kept.
    """
    if len(head) <= _CACHED_HEAD_SIZE:
        return _read_head_cached(head)
    return _read_head(head)


def _read_head(head: bytes) -> RequestHead:
    line_end = head.find(b"\r\n")
    method, _, rest = head[:line_end].partition(b" ")
    length: int | None = None
    chunked, expects_continue, closes = False, False, False
    for name, value in _FRAMING_HEADER.findall(head[line_end:-2].lower()):
        value = value.strip()
        if name == b"content-length":
            length = int(value or 0)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value
        elif name == b"expect":
            expects_continue = value == b"100-continue"
        else:
            closes = value == b"close"
    return RequestHead(
        method.decode("latin-1"),
        rest.partition(b" ")[0].decode("utf-8", "surrogateescape"),
        head[line_end + 2 : -2],
        length,
        chunked,
        expects_continue,
        closes,
        chunked or bool(length),
    )


_read_head_cached = functools.lru_cache(maxsize=256)(_read_head)


@functools.lru_cache(maxsize=256)
def request_url(text: str) -> URL:
    """The URL of a request target (absolute, or the connection's origin and
    the target), as aiohttp encoded it.  Cached, as :func:`read_head`."""
    return URL(text, encoded=True)


class RequestReader:
    """Reads one HTTP/1.1 request, as aiohttp writes it, from the bytes written.

    The head is read by :func:`read_head`; the body is collected in a
    :class:`io.BytesIO`, whose ``getvalue()`` hands over its buffer without a
    copy: a 100 MB upload costs 100 MB once.
    """

    __slots__ = ("_body", "_buffer", "_chunk_buffer", "_done", "head")

    def __init__(self) -> None:
        self._buffer = b""  # the start of a head not complete yet
        self._chunk_buffer: bytearray | None = None  # chunked body bytes not read yet
        self._body: io.BytesIO | None = None
        self._done = False
        #: The request line and framing headers, once the head arrived.
        self.head: RequestHead | None = None

    @property
    def body(self) -> bytes:
        """The request body received so far (all of it once ``feed`` returned True)."""
        return b"" if self._body is None else self._body.getvalue()

    @property
    def started(self) -> bool:
        """Whether any byte of a request arrived."""
        return self.head is not None or bool(self._buffer)

    def feed(self, data: bytes | bytearray | memoryview) -> bool:
        """Take written bytes; return whether the request is now complete."""
        if self._done:
            return True
        head = self.head
        if head is None:
            if self._buffer or not isinstance(data, bytes):
                data = self._buffer + bytes(data)
            end = data.find(b"\r\n\r\n") + 4
            if end < 4:
                self._buffer = data
                return False
            self._buffer = b""
            head = self.head = read_head(data if end == len(data) else data[:end])
            if not head.has_body:
                self._done = True
                return True
            data = memoryview(data)[end:]
        if self._body is None:
            self._body = io.BytesIO()
        if head.chunked:
            if self._chunk_buffer is None:
                self._chunk_buffer = bytearray()
            self._chunk_buffer += data
            self._done = self._read_chunks(self._chunk_buffer, self._body)
        else:
            length = head.length or 0
            missing = length - self._body.tell()
            self._body.write(data if len(data) <= missing else memoryview(data)[:missing])
            self._done = self._body.tell() >= length
        return self._done

    @staticmethod
    def _read_chunks(buffer: bytearray, body: io.BytesIO) -> bool:
        """Move the complete chunks of ``buffer`` into ``body``; whether the
        last chunk arrived."""
        position = 0
        try:
            while True:
                line_end = buffer.find(b"\r\n", position)
                if line_end < 0:
                    return False
                size = int(bytes(buffer[position:line_end]).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    # Last chunk; aiohttp sends no trailers, just the empty line.
                    if len(buffer) < line_end + 4:
                        return False
                    position = len(buffer)
                    return True
                start = line_end + 2
                if len(buffer) < start + size + 2:
                    return False
                with memoryview(buffer) as view:
                    body.write(view[start : start + size])
                position = start + size + 2
        finally:
            del buffer[:position]


class MockTransport(asyncio.Transport):
    """An in-memory transport: what aiohttp writes are requests for the mock;
    what the mock answers is fed to aiohttp's protocol as if it came from a
    server.

    Like a connection to a server that keeps connections alive, it carries one
    request after another: after a response whose end the client can tell
    (``Content-Length``, chunked, or no body) the next request may follow, and
    aiohttp pools the connection.  A response read until the connection closes
    (no ``Content-Length``: the default) ends the connection.
    """

    def __init__(
        self, loop: asyncio.AbstractEventLoop, protocol: ResponseHandler, mock: AioHTTPretty, url: URL
    ) -> None:
        super().__init__()
        self._loop = loop
        self.protocol = protocol
        self._mock = mock
        self._host = url.host
        self._port = url.port
        self._origin = str(url.origin())
        # The request arriving, when it takes more than one write or has a body.
        self._reader: RequestReader | None = None
        self._head: RequestHead | None = None  # the head of the request answered
        self._closing = False
        self._retired = False
        self._reading: asyncio.Event | None = None  # created when aiohttp first pauses reading
        self._task: asyncio.Task[None] | None = None
        self._answering = False  # a whole request arrived, its response is not done
        self._continue_sent = False
        #: The request being answered: its URL (the connection's origin and the
        #: request target) and the arguments the code passed.
        self.url = url
        self.session_call: SessionCall | None = None

    # What aiohttp writes.
    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._closing or self._answering:
            return
        reader = self._reader
        if reader is None:
            if type(data) is bytes and data.find(b"\r\n\r\n") == len(data) - 4:
                # The usual request: a whole head in one write.
                head = read_head(data)
                if not head.has_body:
                    self._arrived(head, b"")
                    return
            reader = self._reader = RequestReader()
        if reader.feed(data):
            assert reader.head is not None
            self._arrived(reader.head, reader.body)
        elif reader.head is not None and reader.head.expects_continue and not self._continue_sent:
            self._continue_sent = True
            self._loop.call_soon(self.feed, b"HTTP/1.1 100 Continue\r\n\r\n")

    def _arrived(self, head: RequestHead, body: bytes) -> None:
        """A whole request arrived: answer it, once aiohttp is done sending it."""
        self._answering = True
        self.session_call = session_call.get()
        if head.length is None and not head.chunked:
            self._answer(head, body)
        elif head.has_body:
            # aiohttp writes a body from a task of its own, which must end
            # before the response does, or the connection is not pooled.
            self._loop.call_soon(self._answer, head, body)
        else:
            # An empty body (Content-Length: 0) may still be "written" by that
            # task, which has not run yet: two loop steps.
            self._loop.call_soon(self._loop.call_soon, self._answer, head, body)

    def _answer(self, head: RequestHead, body: bytes) -> None:
        if self._closing:
            return
        self._head = head
        target = head.target
        self.url = request_url(target if target[:1] != "/" else self._origin + target)
        # A plain reply is sent at once; the others are a task of their own.
        pending = self._mock._answer(self, head, body)
        if pending is not None:
            self._task = self._loop.create_task(pending)

    def writelines(self, list_of_data: Iterable[bytes | bytearray | memoryview]) -> None:
        for data in list_of_data:
            self.write(data)

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return (0, 0)

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    # Flow control of what the "server" sends.
    def pause_reading(self) -> None:
        if self._reading is None:
            self._reading = asyncio.Event()
        self._reading.clear()

    def resume_reading(self) -> None:
        if self._reading is not None:
            self._reading.set()

    def is_reading(self) -> bool:
        return self._reading is None or self._reading.is_set()

    async def wait_reading(self) -> None:
        """Wait while aiohttp has paused reading (its buffer is full)."""
        if self._reading is not None and not self._reading.is_set():
            await self._reading.wait()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        if name == "peername":
            return (self._host, self._port)
        if name == "sockname":
            return ("127.0.0.1", 0)
        return default

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        """Closed by aiohttp (released or aborted): stop answering."""
        if self._closing:
            return
        self._closing = True
        _open.discard(self)
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._loop.call_soon(self.protocol.connection_lost, None)

    def abort(self) -> None:
        self.close()

    # What the "server" sends.
    def feed(self, data: bytes) -> None:
        """Send response bytes to aiohttp."""
        if not self._closing and data:
            self.protocol.data_received(data)

    def done(self, keep_alive: bool) -> None:
        """The response was sent.  ``keep_alive``: its end is framed, so the
        connection may carry the next request (unless the request asked to
        close it, or the mock stopped answering meanwhile)."""
        head = self._head
        if keep_alive and not (head is not None and head.closes) and not (self._retired or self._closing):
            self._reader = None
            self._task = None
            self._answering = False
            self._continue_sent = False
        else:
            self.finish()

    def retire(self) -> None:
        """The answering mock changed: close the connection now if it is idle,
        else after its response."""
        self._retired = True
        if not self._closing and not self._answering and (self._reader is None or not self._reader.started):
            self._closing = True
            _open.discard(self)
            try:
                self.protocol.connection_lost(None)
            except RuntimeError:  # its event loop is closed: nothing waits on it any more
                pass

    def finish(self, exc: BaseException | None = None) -> None:
        """The server side closes the connection, with an error for the client or not."""
        if self._closing:
            return
        self._closing = True
        _open.discard(self)
        if exc is not None:
            self.protocol.set_exception(exc)
            payload = getattr(self.protocol, "_payload", None)
            if payload is not None and not payload.is_eof():
                # The head was sent and the body broke.  Without this, a body
                # read until EOF (no Content-Length, not chunked) would look
                # complete; a framed one is then reported by aiohttp's parser.
                error = aiohttp.ClientPayloadError(f"Response payload is not completed: {exc!r}")
                error.__cause__ = exc
                payload.set_exception(error)
        self.protocol.connection_lost(None)
