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

Each mocked connection carries exactly one request and is closed by the
"server" after the response, so no state is shared between requests.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import io
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp.client_proto import ResponseHandler
from multidict import CIMultiDict, CIMultiDictProxy
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


def install(mock: AioHTTPretty) -> None:
    """Make ``mock`` the answering mock, patching aiohttp if it is not yet."""
    if mock in _active:
        return
    if not _patches:
        _patch()
    _active.append(mock)


def uninstall(mock: AioHTTPretty) -> None:
    """Stop ``mock`` answering; restore aiohttp when no mock is active."""
    if mock in _active:
        _active.remove(mock)
    if not _active:
        _unpatch()


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
        mock = active_mock()
        if mock is not None and self._connector is not None:
            _drop_real_connections(self._connector, mock)
        token = session_call.set(SessionCall(method, str_or_url, kwargs))
        try:
            return await original(self, method, str_or_url, **kwargs)
        finally:
            session_call.reset(token)

    _request._aiohttpretty_patch = True  # type: ignore[attr-defined]
    return _request


def _drop_real_connections(connector: aiohttp.BaseConnector, mock: AioHTTPretty) -> None:
    """Close the keep-alive connections to real servers that ``connector`` pooled
    before activation: reused while mocked, they would reach the network."""
    pool = getattr(connector, "_conns", None)
    if not pool or not isinstance(pool, dict):
        return
    for key in [key for key in pool if not mock._passes_through_host(key.host, key.port)]:
        for protocol, _ in pool.pop(key):
            protocol.close()


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
        await take_turn()
        return open_connection(self, req, mock)

    _create_connection._aiohttpretty_patch = True  # type: ignore[attr-defined]
    return _create_connection


# Connections opened since the event loop last had a turn.
_connections_without_turn = 0
_TURN_EVERY = 8


async def take_turn() -> None:
    """Let the event loop run other tasks every few mocked connections.

    A plain reply is answered without any waiting, so a loop of requests would
    never suspend: other tasks would starve, and asyncio would not get to drop
    the timers aiohttp cancels.  A turn of the loop costs about as much as the
    rest of a mocked request, so it is taken every few connections, not each.
    """
    global _connections_without_turn
    _connections_without_turn += 1
    if _connections_without_turn >= _TURN_EVERY:
        _connections_without_turn = 0
        await asyncio.sleep(0)


def open_connection(
    connector: aiohttp.BaseConnector, req: aiohttp.ClientRequest, mock: AioHTTPretty
) -> ResponseHandler:
    """aiohttp's protocol, connected to an in-memory transport answered by ``mock``."""
    loop = asyncio.get_running_loop()
    factory = getattr(connector, "_factory", None)
    protocol: ResponseHandler = factory() if factory is not None else ResponseHandler(loop)
    transport = MockTransport(loop, protocol, mock, req.method, req.url, session_call.get())
    protocol.connection_made(transport)
    return protocol


class RequestReader:
    """Reads one HTTP/1.1 request, as aiohttp writes it, from the bytes written.

    The body is collected in a :class:`io.BytesIO`, whose ``getvalue()`` hands
    over its buffer without a copy: a 100 MB upload costs 100 MB once.
    """

    __slots__ = ("_body", "_buffer", "_chunked", "_done", "_length", "expects_continue", "headers", "target")

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._body = io.BytesIO()
        self.headers: CIMultiDictProxy[str] | None = None
        self.target = ""
        self._length = 0
        self._chunked = False
        self._done = False
        self.expects_continue = False

    @property
    def body(self) -> bytes:
        """The request body received so far (all of it once ``feed`` returned True)."""
        return self._body.getvalue()

    def feed(self, data: bytes | bytearray | memoryview) -> bool:
        """Take written bytes; return whether the request is now complete."""
        if self._done:
            return True
        if self.headers is None:
            if self._buffer or isinstance(data, memoryview):
                self._buffer += data
                data = self._buffer
            end = data.find(b"\r\n\r\n")
            if end < 0:
                if data is not self._buffer:
                    self._buffer += data
                return False
            self._read_head(bytes(data[:end]))
            data = bytes(data[end + 4 :]) if data is self._buffer else memoryview(data)[end + 4 :]
            self._buffer = bytearray()
        if self._chunked:
            self._buffer += data
            self._done = self._read_chunks()
        else:
            missing = self._length - self._body.tell()
            self._body.write(data if len(data) <= missing else memoryview(data)[:missing])
            self._done = self._body.tell() >= self._length
        return self._done

    def _read_head(self, head: bytes) -> None:
        lines = head.decode("utf-8", "surrogateescape").split("\r\n")
        parts = lines[0].split(" ")
        self.target = parts[1] if len(parts) > 1 else ""
        headers: CIMultiDict[str] = CIMultiDict()
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.add(name.strip(), value.strip())
        self.headers = CIMultiDictProxy(headers)
        self._chunked = "chunked" in headers.get("Transfer-Encoding", "").lower()
        self._length = int(headers.get("Content-Length", "0") or 0)
        self.expects_continue = headers.get("Expect", "").lower() == "100-continue"

    def _read_chunks(self) -> bool:
        buffer = self._buffer
        while True:
            line_end = buffer.find(b"\r\n")
            if line_end < 0:
                return False
            size = int(bytes(buffer[:line_end]).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                # Last chunk; aiohttp sends no trailers, just the empty line.
                if buffer.find(b"\r\n\r\n", line_end) < 0 and len(buffer) < line_end + 4:
                    return False
                buffer.clear()
                return True
            start = line_end + 2
            if len(buffer) < start + size + 2:
                return False
            with memoryview(buffer) as view:
                self._body.write(view[start : start + size])
            del buffer[: start + size + 2]


class MockTransport(asyncio.Transport):
    """An in-memory transport: what aiohttp writes is one request for the mock;
    what the mock answers is fed to aiohttp's protocol as if it came from a
    server."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        protocol: ResponseHandler,
        mock: AioHTTPretty,
        method: str,
        url: URL,
        call: SessionCall | None,
    ) -> None:
        super().__init__()
        self._loop = loop
        self.protocol = protocol
        self._mock = mock
        self.method = method
        self.url = url
        self.session_call = call
        self._reader = RequestReader()
        self._closing = False
        self._reading: asyncio.Event | None = None  # created when aiohttp first pauses reading
        self._task: asyncio.Task[None] | None = None
        self._continue_sent = False

    # What aiohttp writes.
    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._closing or self._task is not None:
            return
        if self._reader.feed(data):
            # A plain reply is sent at once; the others are a task of their own.
            pending = self._mock._answer(self, self._reader.headers, self._reader.body)
            if pending is not None:
                self._task = self._loop.create_task(pending)
        elif self._reader.expects_continue and not self._continue_sent and self._reader.headers is not None:
            self._continue_sent = True
            self._loop.call_soon(self.feed, b"HTTP/1.1 100 Continue\r\n\r\n")

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
            return (self.url.host, self.url.port)
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

    def finish(self, exc: BaseException | None = None) -> None:
        """The server side closes the connection, with an error for the client or not."""
        if self._closing:
            return
        self._closing = True
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
