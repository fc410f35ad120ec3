"""The in-memory connection: what aiohttp writes is read as requests, and what
a responder answers is fed to aiohttp's protocol as if a server sent it.

The flow: aiohttp writes a request into a :class:`MockTransport`; once it is
complete (:mod:`._wire` reads it), the transport hands it to its
:class:`Dispatcher` (the mock), which records it and picks a
:class:`Responder`: a canned route, a websocket handler, an application, a
cassette.  The responder writes the response through the transport's server
side, the :class:`Channel` methods: :meth:`~MockTransport.send`,
:meth:`~MockTransport.drain`, :meth:`~MockTransport.end`,
:meth:`~MockTransport.fail`, and :meth:`~MockTransport.take_over` for a
protocol that goes on after the response (a websocket).

Like a connection to a server that keeps connections alive, it carries one
request after another: after a response whose end the client can tell
(``Content-Length``, chunked, or no body) the next request may follow, and
aiohttp pools the connection.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Coroutine, Iterable
from typing import TYPE_CHECKING, Any, Callable, Protocol

from . import _context, _seam, _upstream, _wire
from ._urls import request_url

if TYPE_CHECKING:
    from yarl import URL

    from ._upstream import Upstream
    from .records import Call

__all__ = ["Channel", "Dispatcher", "MockTransport", "Mount", "Responder", "open_connection", "retire_all"]

Pending = Coroutine[Any, Any, None]


class Channel(Protocol):
    """The server side of a mocked connection, as a responder sees it."""

    #: The request answered now: its URL (the connection's origin and target).
    url: URL
    #: The head of the request answered now.
    request_head: _wire.RequestHead | None
    #: The recorded request answered now (set by the dispatcher).
    call: Call | None
    #: How aiohttp would reach the real server (proxy, TLS): for passthrough and recording.
    upstream: Upstream

    def send(self, data: bytes) -> None:
        """Send response bytes to the client."""

    async def drain(self) -> None:
        """Wait while the client has paused reading (its buffer is full)."""

    def end(self, keep_alive: bool) -> None:
        """The response was sent; ``keep_alive``: the client can tell where it ended."""

    def fail(self, exc: BaseException | None = None) -> None:
        """Close the connection, with an error for the client or not."""

    def take_over(self, receive: Callable[[bytes], None], closed: Callable[[], None]) -> None:
        """From now on the bytes the client writes go to ``receive`` (an upgraded
        protocol); ``closed`` is called when the client closes the connection."""

    def watch(self, closed: Callable[[], None]) -> None:
        """Call ``closed`` once the connection closes, whoever closes it."""

    def mistake(self, exc: BaseException) -> None:
        """Report a mistake of the responder (not a failure it was told to
        give): the test fails when it ends, even if the client swallowed it."""


class Responder(Protocol):
    """What answers a request: canned routes, websocket handlers, applications,
    cassettes.  ``respond`` writes the response into ``channel``, at once
    (returning ``None``) or from the coroutine it returns (run as a task)."""

    def respond(self, call: Call, channel: Channel) -> Pending | None: ...


class Mount(Protocol):
    """What answers the requests no route matched, before they are refused (an
    application, a cassette): the mock asks each in turn, in the order they
    were mounted, for a responder that ``accepts`` the recorded call; the first
    answers.  ``explain`` adds to a refusal why it did not (or ``None``);
    ``close``/``aclose`` release what it started, when the test ends."""

    def accepts(self, call: Call) -> Responder | None: ...

    def explain(self, call: Call) -> str | None: ...

    def close(self) -> None: ...

    async def aclose(self) -> None: ...


class Dispatcher(Protocol):
    """What a transport hands a complete request to (the mock)."""

    def dispatch(self, channel: MockTransport, head: _wire.RequestHead, body: bytes) -> Pending | None: ...

    def report(self, channel: MockTransport, exc: BaseException) -> None:
        """A responder's mistake on ``channel`` (see :meth:`Channel.mistake`)."""


# Mocked connections not closed yet.
_open: weakref.WeakSet[MockTransport] = weakref.WeakSet()


def retire_all() -> None:
    """The answering mock changed: no pooled mocked connection may answer for
    the one before."""
    for transport in list(_open):
        transport.retire()


def open_connection(connector: Any, url: URL, dispatcher: Dispatcher) -> _seam.ResponseHandler:
    """aiohttp's protocol, connected to an in-memory transport answered by ``dispatcher``."""
    protocol = _seam.new_protocol(connector)
    transport = MockTransport(asyncio.get_running_loop(), protocol, dispatcher, url)
    protocol.connection_made(transport)
    _open.add(transport)
    return protocol


class MockTransport(asyncio.Transport):
    """An in-memory transport between aiohttp's protocol and a responder."""

    _aiohttpretty_mocked = True  # _seam.MOCKED: not a real connection

    # The state a connection starts with (set on the instance when it changes).
    # The request arriving, when it takes more than one write or has a body.
    _reader: _wire.RequestReader | None = None
    _closing = False
    _retired = False
    _reading: asyncio.Event | None = None  # created when aiohttp first pauses reading
    _task: asyncio.Task[None] | None = None
    _answering = False  # a whole request arrived, its response is not done
    _continue_sent = False
    _upgraded: tuple[Callable[[bytes], None], Callable[[], None]] | None = None
    _watcher: Callable[[], None] | None = None
    #: The request being answered: its head, its URL (the connection's
    #: origin and the request target) and the arguments the code passed.
    request_head: _wire.RequestHead | None = None
    call: Call | None = None
    session_call: _context.SessionCall | None = None
    #: How aiohttp reaches the server of this connection: its proxy (``upstream.proxy``), TLS.
    upstream: Upstream = _upstream.DIRECT

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        protocol: _seam.ResponseHandler,
        dispatcher: Dispatcher,
        url: URL,
    ) -> None:
        self._extra: dict[str, Any] = {}  # what asyncio.BaseTransport.__init__ sets
        self._loop = loop
        self.protocol = protocol
        self._dispatcher = dispatcher
        self.url = self._connected_to = url
        self._origin: str | None = None  # the connection's origin, once a request target needs it

    # What aiohttp writes.
    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._upgraded is not None:
            if not self._closing:
                self._upgraded[0](bytes(data))
            return
        if self._closing or self._answering:
            return
        reader = self._reader
        if reader is None:
            if type(data) is bytes and data.find(b"\r\n\r\n") == len(data) - 4:
                # The usual request: a whole head in one write.
                head = _wire.read_head(data)
                if not head.has_body:
                    self._arrived(head, b"")
                    return
            reader = self._reader = _wire.RequestReader()
        if reader.feed(data):
            assert reader.head is not None
            self._arrived(reader.head, reader.body)
        elif reader.head is not None and reader.head.expects_continue and not self._continue_sent:
            self._continue_sent = True
            self._loop.call_soon(self.send, _wire.CONTINUE)

    def _arrived(self, head: _wire.RequestHead, body: bytes) -> None:
        """A whole request arrived: answer it, once aiohttp is done sending it."""
        self._answering = True
        self.session_call = _context.session_call.get()
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

    def _answer(self, head: _wire.RequestHead, body: bytes) -> None:
        if self._closing:
            return
        self.request_head = head
        target = head.target
        if target[:1] == "/":
            origin = self._origin
            if origin is None:
                origin = self._origin = str(self._connected_to.origin())
            target = origin + target
        self.url = request_url(target)
        # A plain reply is sent at once; the others are a task of their own.
        pending = self._dispatcher.dispatch(self, head, body)
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

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        if name == "peername":
            return (self._connected_to.host, self._connected_to.port)
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
        upgraded, self._upgraded = self._upgraded, None
        if upgraded is not None:
            upgraded[1]()
        self._closed()
        self._loop.call_soon(self.protocol.connection_lost, None)

    def abort(self) -> None:
        self.close()

    # The server side (Channel).
    def send(self, data: bytes) -> None:
        """Send response bytes to aiohttp."""
        if not self._closing and data:
            self.protocol.data_received(data)

    async def drain(self) -> None:
        """Wait while aiohttp has paused reading (its buffer is full)."""
        if self._reading is not None and not self._reading.is_set():
            await self._reading.wait()

    def end(self, keep_alive: bool) -> None:
        """The response was sent.  ``keep_alive``: its end is framed, so the
        connection may carry the next request (unless the request asked to
        close it, or the mock stopped answering meanwhile)."""
        if _wire.keeps_alive(self.request_head, keep_alive) and not (self._retired or self._closing):
            self._reader = None
            self._task = None
            self._answering = False
            self._continue_sent = False
        else:
            self.fail()

    def watch(self, closed: Callable[[], None]) -> None:
        """Call ``closed`` once the connection closes, whoever closes it."""
        self._watcher = closed

    def _closed(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher()

    def take_over(self, receive: Callable[[bytes], None], closed: Callable[[], None]) -> None:
        """The connection now speaks another protocol (after ``101``)."""
        self._upgraded = (receive, closed)
        _open.discard(self)  # no longer a pooled HTTP connection to retire

    def mistake(self, exc: BaseException) -> None:
        """A mistake of the responder, reported to the dispatcher."""
        self._dispatcher.report(self, exc)

    def retire(self) -> None:
        """The answering mock changed: close the connection now if it is idle,
        else after its response."""
        self._retired = True
        if not self._closing and not self._answering and (self._reader is None or not self._reader.started):
            self._closing = True
            _open.discard(self)
            self._closed()
            try:
                self.protocol.connection_lost(None)
            except RuntimeError:  # its event loop is closed: nothing waits on it any more
                pass

    def fail(self, exc: BaseException | None = None) -> None:
        """The server side closes the connection, with an error for the client or not."""
        if self._closing:
            return
        self._closing = True
        self._upgraded = None
        _open.discard(self)
        self._closed()
        if exc is not None:
            _seam.fail_response(self.protocol, exc)
        self.protocol.connection_lost(None)
